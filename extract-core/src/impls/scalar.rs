//! `String` and `bool`.

use serde_json::{json, Value};

use crate::builder::{Builder, Slot, Step};
use crate::json::Event;
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, StreamIssue};
use crate::Extract;

/// The smallest capacity given to a string that continues in later chunks:
/// saves the first few reallocations of a string growing a few bytes at a
/// time (at most this many bytes of slack per open string).
const OPEN_STRING_CAPACITY: usize = 32;

/// A string's first piece as an owned `String`: exact when the string is
/// complete, with room to grow when more pieces follow.
#[inline]
pub(crate) fn open_string(text: &str, complete: bool) -> String {
    if complete {
        return text.to_owned();
    }
    let mut s = String::with_capacity(text.len().max(OPEN_STRING_CAPACITY));
    s.push_str(text);
    s
}

/// Builds a `String`: it appears at the opening quote and grows with each
/// piece.
#[derive(Debug, Default)]
pub struct StringBuilder;

impl Builder<String> for StringBuilder {
    #[inline]
    fn event<S: Slot<String>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        match *event {
            Event::Str { text, first, last } => {
                if first {
                    slot.set(open_string(text, last));
                } else if !text.is_empty() {
                    if let Some((s, recorder)) = slot.reach() {
                        s.push_str(text);
                        if let Some(recorder) = recorder {
                            recorder.append(text, s);
                        }
                    }
                }
                if last {
                    Step::Done
                } else {
                    Step::More
                }
            }
            _ => Step::Reject(StreamIssue::expected("a string", event)),
        }
    }
}

impl Extract for String {
    type Partial = String;
    type Builder = StringBuilder;

    fn schema_name() -> String {
        "string".to_owned()
    }

    fn schema(_: &mut SchemaGenerator) -> Value {
        json!({ "type": "string" })
    }

    fn check(_: &String, _: &mut Checker) {}

    fn convert(partial: String) -> Option<Self> {
        Some(partial)
    }

    fn into_partial(self) -> String {
        self
    }
}

/// Builds a `bool`: it appears when the literal is complete.
#[derive(Debug, Default)]
pub struct BoolBuilder;

impl Builder<bool> for BoolBuilder {
    #[inline]
    fn event<S: Slot<bool>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        match *event {
            Event::Bool(b) => {
                slot.set(b);
                Step::Done
            }
            _ => Step::Reject(StreamIssue::expected("a boolean", event)),
        }
    }
}

impl Extract for bool {
    type Partial = bool;
    type Builder = BoolBuilder;

    fn schema_name() -> String {
        "boolean".to_owned()
    }

    fn schema(_: &mut SchemaGenerator) -> Value {
        json!({ "type": "boolean" })
    }

    fn check(_: &bool, _: &mut Checker) {}

    fn convert(partial: bool) -> Option<Self> {
        Some(partial)
    }

    fn into_partial(self) -> bool {
        self
    }
}
