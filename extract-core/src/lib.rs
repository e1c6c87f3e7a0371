//! Runtime of [`extract`](https://docs.rs/extract): the incremental JSON push
//! lexer, the [`Extract`] trait and its impls for std types, the
//! [`StreamParser`] and [`ItemParser`] that turn chunks into typed partials
//! and items, and the chat-completions client.
//!
//! Use it through the `extract` crate, which adds `#[derive(Extract)]`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod builder;
#[cfg(feature = "openai")]
pub mod client;
mod error;
mod extract;
mod impls;
mod item_parser;
pub mod json;
pub mod patch;
mod path;
mod progress;
#[cfg(feature = "relay")]
pub mod relay;
pub mod schema;
mod stream_parser;
#[cfg(feature = "testing")]
pub mod testing;
mod validation;
mod work;

pub use error::{Error, Received};
pub use extract::{Extract, Partial};
pub use item_parser::{ItemParser, Iterable};
pub use path::{Path, Segment};
pub use progress::Progress;
pub use schema::SchemaGenerator;
pub use stream_parser::StreamParser;
pub use validation::{Checker, Issue, StreamIssue, ValidationError};

#[cfg(feature = "openai")]
pub use client::{Client, Mode, Part, Provider};

/// The former name of [`client`], kept so that `extract::openai::…` paths
/// still resolve.
#[cfg(feature = "openai")]
#[doc(hidden)]
pub use client as openai;

// What `#[derive(Extract)]` expands to reaches the runtime only through
// `__private` (see `private/mod.rs`). Not public API.
#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;
