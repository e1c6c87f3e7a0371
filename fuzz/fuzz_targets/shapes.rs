//! The derived types the `derived` target parses: one of each shape the
//! derive supports (nested structs, `Vec`, `Option`, `Box` recursion, maps,
//! the four enum taggings, integers of several widths, floats, renames,
//! defaults, a constraint), deriving both `Extract` and serde's traits.

use std::collections::HashMap;

use extract::Extract;
use serde::{Deserialize, Serialize};

/// The whole document.
#[derive(Extract, Deserialize, Serialize, PartialEq, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Doc {
    pub title: String,
    pub small_int: i8,
    #[serde(rename = "port#")]
    pub port: u16,
    pub count: i32,
    pub big: u64,
    pub signed_big: i64,
    pub ratio: f64,
    pub done: bool,
    pub note: Option<String>,
    #[serde(default)]
    pub retries: u32,
    /// The one constraint serde does not check.
    #[extract(min_items = 1)]
    pub items: Vec<Item>,
    pub color: Color,
    pub shape: Option<Shape>,
    pub event: Option<Event>,
    pub msg: Option<Msg>,
    pub tree: Option<Box<Tree>>,
    #[serde(default)]
    pub meta: HashMap<String, i64>,
}

/// A list item (also what the `ItemParser` reads).
#[derive(Extract, Deserialize, Serialize, PartialEq, Debug)]
pub struct Item {
    pub id: u32,
    #[serde(rename = "label")]
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub weight: Option<f64>,
}

/// Unit variants only: a string.
#[derive(Extract, Deserialize, Serialize, PartialEq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Red,
    #[serde(rename = "GREEN")]
    Green,
    Blue,
}

/// Externally tagged, with data.
#[derive(Extract, Deserialize, Serialize, PartialEq, Debug)]
pub enum Shape {
    Circle(f64),
    Rect { w: u32, h: u32 },
    Dot,
}

/// Internally tagged.
#[derive(Extract, Deserialize, Serialize, PartialEq, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Click {
        x: i32,
        y: i32,
    },
    Key {
        code: u8,
        #[serde(default)]
        shift: bool,
    },
    Idle,
}

/// Adjacently tagged.
#[derive(Extract, Deserialize, Serialize, PartialEq, Debug)]
#[serde(tag = "t", content = "c")]
pub enum Msg {
    Text(String),
    Move { dx: i16, dy: i16 },
    Ping,
}

/// Recursion through `Box` and `Vec`.
#[derive(Extract, Deserialize, Serialize, PartialEq, Debug)]
pub struct Tree {
    pub value: i64,
    pub left: Option<Box<Tree>>,
    #[serde(default)]
    pub children: Vec<Tree>,
}
