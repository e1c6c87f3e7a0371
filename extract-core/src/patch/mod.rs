//! JSON Patch (RFC 6902) operations: how a partial value changes as it
//! streams.
//!
//! [`StreamParser::record_changes`](crate::StreamParser::record_changes)
//! records, at each write into the partial, the operation that makes the
//! same change to the partial's JSON: a value that appears is `add`ed (or
//! `replace`d), a string that grows gets an `append` of its new text, an
//! element pushed onto a list is `add`ed at its index. Applied in order to
//! the JSON of the empty partial (for the relay's receiver, `{}`), they
//! give the partial's JSON after every chunk. What they cost is what
//! changed, never the whole partial.
//!
//! # The `append` extension
//!
//! RFC 6902 can only change a string by replacing it whole, so a string
//! that streams in over `k` steps costs `O(k · len)` bytes. In
//! [`PatchMode::Append`] (the default) string growth is sent as
//!
//! ```json
//! {"op":"append","path":"/users/2/name","value":"son"}
//! ```
//!
//! meaning "the string at `path` exists; concatenate `value` to its end".
//! This op is an **extension**, not part of RFC 6902: the relay's
//! JavaScript client and `relay::apply` understand it; a generic JSON
//! Patch library does not. For those, use [`PatchMode::Strict`], which
//! sends `replace` instead and nothing else outside the RFC.

pub(crate) mod pointer;
mod record;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use record::Recorder;

/// One JSON Patch operation: RFC 6902's `add`, `remove` and `replace`,
/// plus the `append` extension for strings that grow.
///
/// Serializes as the RFC's object form, e.g.
/// `{"op":"add","path":"/users/0","value":{"name":"Jo"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Op {
    /// Adds `value` at `path`: a new object member (or a replaced one), or
    /// an array element inserted at an index (`-` is the end).
    Add {
        /// A JSON Pointer (RFC 6901).
        path: String,
        /// The value to add.
        value: Value,
    },
    /// Removes the member or element at `path`.
    Remove {
        /// A JSON Pointer (RFC 6901).
        path: String,
    },
    /// Replaces the value at `path`, which must exist (`""` is the whole
    /// document).
    Replace {
        /// A JSON Pointer (RFC 6901).
        path: String,
        /// The new value.
        value: Value,
    },
    /// **Extension, not RFC 6902:** the value at `path` is a string; append
    /// `value` to it.
    Append {
        /// A JSON Pointer (RFC 6901) to an existing string.
        path: String,
        /// The text to append.
        value: String,
    },
}

impl Op {
    /// The JSON Pointer this operation targets.
    #[must_use]
    pub fn path(&self) -> &str {
        match self {
            Op::Add { path, .. }
            | Op::Remove { path }
            | Op::Replace { path, .. }
            | Op::Append { path, .. } => path,
        }
    }

    /// The operation's name as it appears in the `op` member.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Op::Add { .. } => "add",
            Op::Remove { .. } => "remove",
            Op::Replace { .. } => "replace",
            Op::Append { .. } => "append",
        }
    }
}

/// How string growth is expressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatchMode {
    /// A string that grows by appending becomes an `append` op carrying
    /// only the new text (the extension described in the
    /// [module docs](crate::patch#the-append-extension)). Linear in the answer's size.
    #[default]
    Append,
    /// Strictly RFC 6902: a string that changes is `replace`d whole, so
    /// any JSON Patch library can apply the ops. A long string streamed in
    /// many steps then costs bytes quadratic in its length.
    Strict,
}
