//! `extract`: typed, streaming structured extraction from LLMs.
//!
//! Derive [`Extract`] on plain structs and enums; get a JSON Schema, a
//! [`Partial`] snapshot type and an incremental deserializer generated at
//! compile time. [`StreamParser`] and [`ItemParser`] turn chunks split at
//! any byte into typed partials and complete items, parsing each byte once.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use extract_core::*;
pub use extract_derive::Extract;

#[doc(hidden)]
pub use extract_core::__private;
