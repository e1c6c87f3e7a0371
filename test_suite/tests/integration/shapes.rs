//! Every shape the derive supports, streamed byte by byte: the final value
//! equals serde_json's for the same type and text, and the last snapshot
//! serializes like the value.

use std::collections::{BTreeMap, HashMap};

use extract::{Extract, Partial};
use serde::{Deserialize, Serialize};

use crate::support::events::{stream, stream_bytewise, stream_simulated};

/// Streams `text` byte by byte and at a few coarse cuts, checks the value
/// against serde_json and the final snapshot's JSON against the value's.
pub fn round_trip<T>(text: &str) -> T
where
    T: Extract + for<'de> Deserialize<'de> + Serialize + PartialEq + std::fmt::Debug,
{
    let expected: T = serde_json::from_str(text).expect("serde accepts the text");
    let bytewise = stream_bytewise::<T>(text);
    let last = bytewise.snapshots.last().cloned().unwrap_or_default();
    let value = bytewise.result.expect("extract accepts the text");
    assert_eq!(value, expected, "bytewise");
    for cuts in [vec![], vec![text.len() / 2], vec![3, 9, 17, 40]] {
        let coarse = stream::<T>(text, &cuts)
            .result
            .expect("extract accepts the text");
        assert_eq!(coarse, expected, "cut at {cuts:?}");
        let simulated = stream_simulated::<T>(text, &cuts)
            .result
            .expect("the builder accepts the events");
        assert_eq!(simulated, expected, "simulated events, cut at {cuts:?}");
    }
    let snapshot_json = serde_json::to_value(&last).unwrap();
    let value_json = serde_json::to_value(&value).unwrap();
    assert!(
        crate::support::extends(&snapshot_json, &value_json),
        "final snapshot {snapshot_json} is not a view of {value_json}"
    );
    let back: Partial<T> = value.into_partial();
    let back_json = serde_json::to_value(&back).unwrap();
    assert!(
        crate::support::extends(&snapshot_json, &back_json),
        "into_partial {back_json} does not extend the final snapshot {snapshot_json}"
    );
    expected
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub struct Point(pub f64, pub f64);

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub struct Email(pub String);

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub enum Color {
    Red,
    Green,
    #[serde(rename = "bright-blue", alias = "blue")]
    Blue,
}

/// A shape, externally tagged (serde's default).
#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub enum Shape {
    Circle { r: f64 },
    Square(f64),
    Segment(Point, Point),
    Empty,
    Label(Option<String>),
}

/// A shape, internally tagged.
#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Tagged {
    Circle { radius: f64, label: Option<String> },
    BigSquare { side: u32 },
    Inner(Inner),
    Nothing,
}

/// A shape, adjacently tagged.
#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(tag = "t", content = "c", rename_all = "snake_case")]
pub enum Adjacent {
    /// No shape at all.
    Nothing,
    Side(u32),
    Label(Option<String>),
    Segment(Point, Point),
    BigCircle {
        /// In metres.
        radius: f64,
        label: Option<String>,
    },
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub struct Inner {
    pub depth: u8,
    pub tags: Vec<String>,
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Everything {
    pub plain_text: String,
    pub small: i8,
    pub big: u64,
    pub ratio: f32,
    pub flag: bool,
    pub maybe: Option<u16>,
    pub list: Vec<Vec<i32>>,
    pub by_name: BTreeMap<String, Point>,
    pub hashed: HashMap<String, bool>,
    pub any: serde_json::Value,
    pub color: Color,
    pub shapes: Vec<Shape>,
    pub tagged: Vec<Tagged>,
    pub email: Email,
    pub boxed: Box<Inner>,
    #[serde(rename = "renamed!")]
    pub renamed: String,
    #[serde(alias = "also")]
    pub aliased: u8,
    #[serde(skip)]
    pub skipped: Vec<u8>,
    #[serde(default)]
    pub defaulted: u32,
    #[serde(default = "seven")]
    pub seventh: u32,
}

fn seven() -> u32 {
    7
}

const EVERYTHING: &str = r#"{
  "plainText": "héllo \"world\" \n 東京 🚀",
  "small": -128, "big": 18446744073709551615, "ratio": 0.5, "flag": true,
  "maybe": null,
  "list": [[1, 2], [], [-3]],
  "byName": {"a": [1.5, -2e3], "b": [0, 0]},
  "hashed": {"x": true},
  "any": {"nested": [1, "two", null, {"three": 3.5}]},
  "color": "bright-blue",
  "shapes": [{"Circle": {"r": 1}}, {"Square": 2.5}, {"Segment": [[0, 0], [1, 1]]}, "Empty", {"Label": "x"}, {"Label": null}],
  "tagged": [
    {"type": "circle", "radius": 2, "label": "c"},
    {"side": 4, "type": "big_square"},
    {"tags": ["a", "b"], "depth": 3, "type": "inner"},
    {"type": "nothing"}
  ],
  "email": "a@b.c",
  "boxed": {"depth": 1, "tags": []},
  "renamed!": "r",
  "also": 9
}"#;

#[test]
fn everything_round_trips() {
    let value = round_trip::<Everything>(EVERYTHING);
    assert_eq!(value.seventh, 7);
    assert_eq!(value.defaulted, 0);
    assert_eq!(value.color, Color::Blue);
}

#[test]
fn unit_enums_accept_aliases() {
    assert_eq!(round_trip::<Color>(r#""blue""#), Color::Blue);
    assert_eq!(round_trip::<Color>(r#""Red""#), Color::Red);
    let error = stream_bytewise::<Color>(r#""Purple""#).result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "(root): unknown variant \"Purple\", expected one of `Red`, `Green`, `bright-blue`"
    );
}

#[derive(Extract, Debug, PartialEq)]
enum Payment {
    Paid,
    Overdue { days: u32 },
    Partly(f64),
}

#[test]
fn an_unknown_variant_lists_every_variant_data_carrying_ones_too() {
    let message = |text: &str| {
        stream_bytewise::<Payment>(text)
            .result
            .unwrap_err()
            .to_string()
    };
    let expected = "expected one of `Paid`, `Overdue`, `Partly`";
    assert_eq!(
        message(r#""Pending""#),
        format!("(root): unknown variant \"Pending\", {expected}")
    );
    assert_eq!(
        message(r#"{"Late": 3}"#),
        format!("(root): unknown variant \"Late\", {expected}")
    );
    // A data variant's name alone is known, its data missing.
    assert_eq!(
        message(r#""Overdue""#),
        "(root): the variant `Overdue` holds data: expected {\"Overdue\": …}, found a string"
    );
}

#[test]
fn tuples_and_newtypes() {
    assert_eq!(round_trip::<Point>("[1, 2.5]"), Point(1.0, 2.5));
    assert_eq!(round_trip::<Email>(r#""x@y.z""#), Email("x@y.z".into()));
    let error = stream_bytewise::<Point>("[1]").result.unwrap_err();
    assert_eq!(error.to_string(), "[1]: missing element");
    let error = stream_bytewise::<Point>("[1, 2, 3, 4]").result.unwrap_err();
    assert_eq!(error.to_string(), "(root): expected 2 elements, found more");
}

/// A generic page of results.
#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

#[test]
fn generics() {
    let page =
        round_trip::<Page<Inner>>(r#"{"items": [{"depth": 1, "tags": ["t"]}], "next": null}"#);
    assert_eq!(page.items.len(), 1);
    assert_eq!(Page::<Inner>::schema_name(), "Page_Inner");
    assert_eq!(Page::<Page<u8>>::schema_name(), "Page_Page_u8");
}

/// A tree, recursive through `Vec` and `Option<Box<_>>`.
#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
pub struct Tree {
    pub value: i32,
    pub children: Vec<Tree>,
    pub next: Option<Box<Tree>>,
}

#[test]
fn recursion() {
    let tree = round_trip::<Tree>(
        r#"{"value": 1, "children": [{"value": 2, "children": [], "next": null},
            {"value": 3, "children": [{"value": 4, "children": []}]}],
            "next": {"value": 5, "children": []}}"#,
    );
    assert_eq!(tree.children[1].children[0].value, 4);
    assert_eq!(tree.next.unwrap().value, 5);
}

mod elsewhere {
    use extract::Extract;
    use serde::{Deserialize, Serialize};

    /// Defined in another module.
    #[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
    pub struct Address {
        pub city: String,
    }
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
struct Person {
    home: elsewhere::Address,
    work: Option<elsewhere::Address>,
}

#[test]
fn nested_types_from_other_modules() {
    let person = round_trip::<Person>(r#"{"home": {"city": "Zürich"}, "work": {"city": "Bern"}}"#);
    assert_eq!(person.home.city, "Zürich");
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
enum Loud {
    FirstOne,
    #[serde(rename_all = "PascalCase")]
    SecondOne {
        inner_field: u8,
    },
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Kebab {
    some_field: u8,
    loud: Vec<Loud>,
}

#[test]
fn renames_in_every_case() {
    let value = round_trip::<Kebab>(
        r#"{"some-field": 1, "loud": ["FIRST-ONE", {"SECOND-ONE": {"InnerField": 2}}]}"#,
    );
    assert_eq!(value.loud[1], Loud::SecondOne { inner_field: 2 });
    let error = stream_bytewise::<Kebab>(r#"{"some-field": 1, "loud": [], "x": 1}"#)
        .result
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "(root): unknown field \"x\", expected one of `some-field`, `loud`"
    );
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(default)]
struct AllDefault {
    a: u8,
    b: String,
}

#[test]
fn container_default() {
    let value = round_trip::<AllDefault>(r#"{"b": "x"}"#);
    assert_eq!(
        value,
        AllDefault {
            a: 0,
            b: "x".into()
        }
    );
    // Strict schemas make defaulted fields nullable: `null` means "use the
    // default" (serde itself would refuse it).
    let value = stream_bytewise::<AllDefault>(r#"{"a": null, "b": "y"}"#)
        .result
        .unwrap();
    assert_eq!(value.a, 0);
}

#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(transparent)]
struct Wrapper {
    inner: Vec<u8>,
}

#[test]
fn transparent() {
    assert_eq!(round_trip::<Wrapper>("[1, 2]").inner, vec![1, 2]);
}

#[test]
fn internally_tagged_problems() {
    let error = stream_bytewise::<Tagged>(r#"{"radius": 1}"#)
        .result
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "(root): missing field `type` (the variant)"
    );
    let error = stream_bytewise::<Tagged>(r#"{"type": "hexagon", "radius": 1}"#)
        .result
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "type: unknown variant \"hexagon\", expected one of `circle`, `big_square`, `inner`, `nothing`"
    );
    let error = stream_bytewise::<Tagged>(r#"{"side": "big", "type": "big_square"}"#)
        .result
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "side: expected an integer, found \"big\""
    );
}

/// A chain of nested types, each holding the previous one in a `Vec` and an
/// `Option<Box<_>>`: the builders of deeply nested types must not be types
/// nested as deep (rustc's drop check would overflow).
macro_rules! chain {
    ($first:ident $(, $prev:ident => $next:ident)*) => {
        #[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
        pub struct $first {
            pub leaf: String,
        }
        $(
            #[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
            pub struct $next {
                pub items: Vec<$prev>,
                pub child: Option<Box<$prev>>,
            }
        )*
    };
}

chain!(C0, C0 => C1, C1 => C2, C2 => C3, C3 => C4, C4 => C5, C5 => C6, C6 => C7, C7 => C8,
    C8 => C9, C9 => C10, C10 => C11, C11 => C12, C12 => C13, C13 => C14, C14 => C15,
    C15 => C16, C16 => C17, C17 => C18, C18 => C19, C19 => C20, C20 => C21, C21 => C22,
    C22 => C23, C23 => C24, C24 => C25, C25 => C26, C26 => C27, C27 => C28, C28 => C29);

#[test]
fn deeply_nested_types() {
    let mut text = r#"{"leaf": "x"}"#.to_owned();
    for _ in 1..30 {
        text = format!(r#"{{"items": [{text}], "child": {text}}}"#);
        if text.len() > 20_000 {
            text = r#"{"items": [], "child": null}"#.to_owned();
        }
    }
    let value = round_trip::<C29>(&text);
    assert!(value.child.is_some() || value.items.is_empty());
}

/// A variant name whose first piece is already longer than every name can
/// never match, whatever pieces follow (it once restarted from the second).
#[test]
fn a_name_longer_than_every_variant_never_matches() {
    let long = "x".repeat(40);
    let unit = stream::<Color>(&format!("\"{long}Red\""), &[41]).result;
    let error = unit.expect_err("no variant is that long");
    assert!(
        error.to_string().contains("unknown variant \"xxxx"),
        "{error}"
    );
    let tagged = stream::<Tagged>(&format!(r#"{{"type": "{long}nothing"}}"#), &[50]).result;
    let error = tagged.expect_err("no variant is that long");
    assert!(
        error.to_string().contains("unknown variant \"xxxx"),
        "{error}"
    );
}

#[test]
fn adjacently_tagged_round_trips_with_either_key_first() {
    let circle = Adjacent::BigCircle {
        radius: 2.5,
        label: Some("c".into()),
    };
    let cases = [
        (r#"{"t": "nothing"}"#, Adjacent::Nothing),
        (r#"{"t": "nothing", "c": null}"#, Adjacent::Nothing),
        (r#"{"c": null, "t": "nothing"}"#, Adjacent::Nothing),
        (r#"{"t": "side", "c": 4}"#, Adjacent::Side(4)),
        (r#"{"c": 4, "t": "side"}"#, Adjacent::Side(4)),
        (
            r#"{"t": "label", "c": "x"}"#,
            Adjacent::Label(Some("x".into())),
        ),
        (r#"{"c": null, "t": "label"}"#, Adjacent::Label(None)),
        (r#"{"t": "label"}"#, Adjacent::Label(None)),
        (
            r#"{"t": "segment", "c": [[0, 1], [2, 3]]}"#,
            Adjacent::Segment(Point(0.0, 1.0), Point(2.0, 3.0)),
        ),
        (
            r#"{"c": [[0, 1], [2, 3]], "t": "segment"}"#,
            Adjacent::Segment(Point(0.0, 1.0), Point(2.0, 3.0)),
        ),
        (
            r#"{"t": "big_circle", "c": {"radius": 2.5, "label": "c"}}"#,
            circle.clone(),
        ),
        (
            r#"{"c": {"label": "c", "radius": 2.5}, "t": "big_circle"}"#,
            circle.clone(),
        ),
        (
            r#"{"x": [1, {"c": 2}], "c": {"radius": 2.5, "label": "c"}, "y": "t", "t": "big_circle", "z": {}}"#,
            circle.clone(),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(round_trip::<Adjacent>(text), expected, "{text}");
    }
    let all = round_trip::<Vec<Adjacent>>(
        r#"[{"t": "side", "c": 1}, {"c": {"radius": 1, "label": null}, "t": "big_circle"}]"#,
    );
    assert_eq!(all.len(), 2);
}

#[test]
fn adjacently_tagged_problems() {
    let unknown = "t: unknown variant \"hexagon\", expected one of `nothing`, `side`, `label`, \
                   `segment`, `big_circle`";
    let missing_content = "(root): missing field `c` (the variant's content)";
    let cases = [
        (r#"{"t": "hexagon", "c": 1}"#, unknown),
        (r#"{"c": 1, "t": "hexagon"}"#, unknown),
        (r#"{"c": 4}"#, "(root): missing field `t` (the variant)"),
        (r#"{"t": "side"}"#, missing_content),
        (r#"{"t": "big_circle", "x": 1}"#, missing_content),
        (
            r#"{"t": 5, "c": 4}"#,
            "t: expected the variant's name (a string), found a number",
        ),
        (
            r#"{"t": {"a": [1]}, "c": 4}"#,
            "t: expected the variant's name (a string), found an object",
        ),
        (
            r#"{"t": "nothing", "c": 4}"#,
            "c: expected null, found a number",
        ),
        (
            r#"{"t": "side", "c": "four"}"#,
            "c: expected an integer, found \"four\"",
        ),
        (
            r#"{"c": {"radius": "r"}, "t": "big_circle"}"#,
            "c.radius: expected a number, found \"r\"",
        ),
        ("[1]", "(root): expected an object, found an array"),
    ];
    for (text, message) in cases {
        assert!(
            serde_json::from_str::<Adjacent>(text).is_err(),
            "serde refuses {text} too"
        );
        let error = stream_bytewise::<Adjacent>(text).result.unwrap_err();
        assert_eq!(error.to_string(), message, "{text}");
    }
}

/// A tag longer than every variant's name, cut into two pieces: no piece
/// may make it match.
#[test]
fn an_adjacent_tag_longer_than_every_variant_never_matches() {
    let long = "x".repeat(40);
    for text in [
        format!(r#"{{"t": "{long}side", "c": 1}}"#),
        format!(r#"{{"c": 1, "t": "{long}side"}}"#),
    ] {
        for first in [5, 20] {
            let cut = text.find('x').unwrap() + first;
            let error = stream::<Adjacent>(&text, &[cut]).result;
            let error = error.expect_err("no variant is that long");
            assert!(
                error.to_string().contains("unknown variant \"xxxx"),
                "{error}"
            );
        }
    }
}

/// Adjacently tagged, refusing unknown keys, with a catch-all variant.
#[derive(Extract, Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(tag = "t", content = "c", deny_unknown_fields)]
enum StrictAdjacent {
    Side(u32),
    #[serde(other)]
    Other,
}

#[test]
fn adjacently_tagged_unknown_keys_other_variants_and_repeats() {
    assert_eq!(
        round_trip::<StrictAdjacent>(r#"{"t": "Side", "c": 3}"#),
        StrictAdjacent::Side(3)
    );
    assert_eq!(
        round_trip::<StrictAdjacent>(r#"{"t": "hexagon"}"#),
        StrictAdjacent::Other
    );
    assert_eq!(
        round_trip::<StrictAdjacent>(r#"{"c": null, "t": "hexagon"}"#),
        StrictAdjacent::Other
    );
    let text = r#"{"t": "Side", "c": 3, "z": 1}"#;
    assert!(serde_json::from_str::<StrictAdjacent>(text).is_err());
    assert_eq!(
        stream_bytewise::<StrictAdjacent>(text)
            .result
            .unwrap_err()
            .to_string(),
        "(root): unknown field \"z\", expected one of `t`, `c`"
    );
    // serde refuses a repeated key; like every builder here, the last
    // content wins (a repeated tag is skipped: the variant never changes).
    for text in [
        r#"{"t": "Side", "c": 3, "c": 4}"#,
        r#"{"c": 3, "c": 4, "t": "Side"}"#,
        r#"{"c": 3, "t": "Side", "c": 4}"#,
        r#"{"t": "Side", "c": 4, "t": "Other"}"#,
    ] {
        let value = stream_bytewise::<StrictAdjacent>(text).result.unwrap();
        assert_eq!(value, StrictAdjacent::Side(4), "{text}");
    }
}
