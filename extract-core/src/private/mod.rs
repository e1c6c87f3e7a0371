//! What the code `#[derive(Extract)]` generates reaches the runtime
//! through, and nothing else may use. Not public API: no item here is
//! covered by semver, and the `extract-derive` crate of the same version
//! is its only user.
//!
//! The generated code names everything by an absolute path under
//! `::extract::__private` (`__x` inside its `const _` block), so a user's
//! shadowed `Option` or `String` can't break it. Its helpers are split like
//! the derive's generators, one module per output:
//!
//! | derive (`extract-derive/src/expand/`) | runtime (here) |
//! | --- | --- |
//! | `body.rs`, `enums/` (the builders) | [`build`] |
//! | `complete.rs` (check, convert, validate) | [`check`] |
//! | `schema.rs` | [`schema`] |
//! | `partial.rs` (the partial type) | [`partial`] |
//!
//! The rest is re-exported by name: the builder protocol the runtime
//! drives, the std types' builders, and the std items the generated code
//! names.

pub mod build;
pub mod check;
pub mod partial;
pub mod schema;
mod text;

pub use crate::builder::{
    feed_child, Builder, ChildStep, EventBuffer, FieldSlot, OwnedEvent, ProjectSlot, Skip, Slot,
    Step, WrapSlot,
};
pub use crate::impls::{
    BoolBuilder, BoxBuilder, MapBuilder, NullableBuilder, NumberBuilder, OptionBuilder,
    StringBuilder, ValueBuilder, VecBuilder,
};
pub use crate::json::Event;
pub use crate::path::Segment;
pub use crate::schema::SchemaGenerator;
pub use crate::validation::{Checker, StreamIssue};
pub use crate::Extract;
pub use serde;
pub use serde_json;
pub use std::clone::Clone;
pub use std::cmp::PartialEq;
pub use std::default::Default;
pub use std::fmt;
pub use std::marker::PhantomData;
pub use std::matches;
pub use std::mem;
pub use std::option::Option::{self, None, Some};
pub use std::result::Result::{self, Err, Ok};
pub use std::{boxed::Box, string::String, vec::Vec};
