//! `serde_json::Value`: its partial is the value received so far, with open
//! strings and containers shown as they are and a half-received number left
//! out.

use serde_json::{Map, Value};

use super::number::json_number;
use crate::builder::{Builder, Recorder, Slot, Step};
use crate::json::Event;
use crate::path::Segment;
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, StreamIssue};
use crate::Extract;

/// An open container on the way down to the value being written.
#[derive(Debug)]
enum Frame {
    /// An array and how many elements it has so far.
    Array(usize),
    /// An object and the key whose value is being written.
    Object(String),
}

/// Builds a `serde_json::Value` in place, keeping the chain of open
/// containers.
#[derive(Debug, Default)]
pub struct ValueBuilder {
    frames: Vec<Frame>,
    /// A string value is arriving (its last piece has not come yet).
    in_string: bool,
}

/// The child of `container` the frame points at.
///
/// The value being written is always the last one inserted, and objects
/// keep insertion order (serde_json's `preserve_order`, which this crate's
/// manifest enables, so it is on in every build), so it is the last entry:
/// O(1), no hashing, no key comparison.
#[inline]
fn child<'v>(container: &'v mut Value, frame: &Frame) -> Option<&'v mut Value> {
    match (container, frame) {
        (Value::Array(items), Frame::Array(_)) => items.last_mut(),
        (Value::Object(map), Frame::Object(key)) => {
            // Lengths only: comparing the text would make a long key under
            // a long string quadratic in debug builds.
            debug_assert_eq!(map.keys().next_back().map(String::len), Some(key.len()));
            map.values_mut().next_back()
        }
        _ => None,
    }
}

/// The value the frames lead to from `root`: the string being written.
#[inline]
fn descend<'v>(mut value: &'v mut Value, frames: &[Frame]) -> Option<&'v mut Value> {
    for frame in frames {
        value = child(value, frame)?;
    }
    Some(value)
}

/// Inserts a new value into the innermost open container. A repeated key
/// replaces the earlier value (the last one wins, as in serde_json) and
/// moves to the end, so the value being written stays the last entry.
#[inline]
fn insert(container: &mut Value, frame: &Frame, value: Value) {
    match (container, frame) {
        (Value::Array(items), Frame::Array(_)) => items.push(value),
        (Value::Object(map), Frame::Object(key)) => {
            let repeated = map.insert(key.clone(), value).is_some();
            if repeated {
                // Rare: a repeated key. Move the new value to the end in
                // O(1): the entry that was last takes the key's old place.
                // (`shift_remove` would keep the others' order but move
                // them all, which a hostile answer repeating one key of a
                // large object would make quadratic.) Objects compare
                // without regard to order, and serde_json's own order for a
                // repeated key (its first place) is not kept either way.
                if let Some(new) = map.swap_remove(key.as_str()) {
                    map.insert(key.clone(), new);
                }
            }
        }
        _ => {}
    }
}

fn scalar(event: &Event<'_>) -> Result<Value, Box<StreamIssue>> {
    Ok(match *event {
        Event::Str { text, last, .. } => Value::String(super::scalar::open_string(text, last)),
        Event::Number(text) => match json_number(text) {
            Some(n) => Value::Number(n),
            None => return Err(StreamIssue::new(format!("number out of range: {text}"))),
        },
        Event::Bool(b) => Value::Bool(b),
        Event::ObjectStart => Value::Object(Map::new()),
        Event::ArrayStart => Value::Array(Vec::new()),
        _ => Value::Null,
    })
}

/// Appends the pointer of the value the frames lead to.
fn enter(recorder: &mut Recorder, frames: &[Frame]) {
    for frame in frames {
        match frame {
            Frame::Array(count) => recorder.push_index(count.saturating_sub(1)),
            Frame::Object(key) => recorder.push_key(key),
        }
    }
}

impl ValueBuilder {
    /// Records the value just inserted into the innermost open
    /// `container` (an element pushed, a member added or replaced).
    fn record_insert(&self, recorder: &mut Recorder, container: &mut Value) {
        let Some((frame, path)) = self.frames.split_last() else {
            return;
        };
        enter(recorder, path);
        match frame {
            Frame::Array(count) => recorder.push_index(*count),
            Frame::Object(key) => recorder.push_key(key),
        }
        if let Some(value) = child(container, frame) {
            recorder.add(value);
        }
    }

    /// The innermost open container.
    #[inline]
    fn container<'v>(&self, root: &'v mut Value) -> Option<&'v mut Value> {
        let (_, path) = self.frames.split_last()?;
        path.iter()
            .try_fold(root, |value, frame| child(value, frame))
    }
}

impl Builder<Value> for ValueBuilder {
    fn event<S: Slot<Value>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        match *event {
            // The hot path when chunks are small: a string growing.
            Event::Str {
                text,
                first: false,
                last,
            } => {
                self.in_string = !last;
                if !text.is_empty() {
                    if let Some((root, recorder)) = slot.reach() {
                        if let Some(Value::String(s)) = descend(root, &self.frames) {
                            s.push_str(text);
                            if let Some(recorder) = recorder {
                                enter(recorder, &self.frames);
                                recorder.append(text, s);
                            }
                        }
                    }
                }
                return if last && self.frames.is_empty() {
                    Step::Done
                } else {
                    Step::More
                };
            }
            Event::Key(key) => {
                if let Some(Frame::Object(k)) = self.frames.last_mut() {
                    k.clear();
                    k.push_str(key);
                }
                return Step::More;
            }
            Event::ObjectEnd | Event::ArrayEnd => {
                self.frames.pop();
                return if self.frames.is_empty() {
                    Step::Done
                } else {
                    Step::More
                };
            }
            _ => {}
        }
        let value = match scalar(event) {
            Ok(value) => value,
            Err(issue) if self.frames.is_empty() => return Step::Invalid(issue),
            Err(issue) => {
                let mut reversed = Vec::new();
                self.active_path_reversed(&mut reversed);
                return Step::MoreWith(reversed.into_iter().fold(issue, |i, s| match s {
                    Segment::Key(k) => i.in_key(&k),
                    Segment::Index(n) => i.in_index(n),
                }));
            }
        };
        let opens = match *event {
            Event::ObjectStart => Some(Frame::Object(String::new())),
            Event::ArrayStart => Some(Frame::Array(0)),
            _ => None,
        };
        let open_string = matches!(event, Event::Str { last: false, .. });
        self.in_string = open_string;
        let ends_root = self.frames.is_empty() && opens.is_none() && !open_string;
        match self.frames.last() {
            None => slot.set(value),
            Some(frame) => {
                if let Some((root, recorder)) = slot.reach() {
                    if let Some(container) = self.container(root) {
                        insert(container, frame, value);
                        if let Some(recorder) = recorder {
                            self.record_insert(recorder, container);
                        }
                    }
                }
                if let Some(Frame::Array(count)) = self.frames.last_mut() {
                    *count += 1;
                }
            }
        }
        if let Some(frame) = opens {
            self.frames.push(frame);
        }
        if ends_root {
            Step::Done
        } else {
            Step::More
        }
    }

    fn active_path(&self, out: &mut Vec<Segment>) {
        for frame in &self.frames {
            match frame {
                Frame::Object(key) => out.push(Segment::Key(key.clone())),
                Frame::Array(count) => out.push(Segment::Index(count.saturating_sub(1))),
            }
        }
    }

    fn is_complete_at(&self, path: &[Segment]) -> bool {
        // The values still open are the containers on the frame chain and,
        // while a string is arriving, the last child of the innermost one.
        let mut open = Vec::new();
        self.active_path(&mut open);
        if !self.in_string {
            open.pop();
        }
        !open.starts_with(path)
    }
}

impl ValueBuilder {
    /// The path of the value being written, innermost segment first.
    fn active_path_reversed(&self, out: &mut Vec<Segment>) {
        self.active_path(out);
        out.reverse();
    }
}

impl Extract for Value {
    type Partial = Value;
    type Builder = ValueBuilder;

    fn schema_name() -> String {
        "any".to_owned()
    }

    fn schema(_: &mut SchemaGenerator) -> Value {
        Value::Object(Map::new())
    }

    fn check(_: &Value, _: &mut Checker) {}

    fn convert(partial: Value) -> Option<Self> {
        Some(partial)
    }

    fn into_partial(self) -> Value {
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    /// The O(1) descent relies on objects keeping insertion order.
    #[test]
    fn serde_json_objects_keep_insertion_order() {
        let mut map = Map::new();
        map.insert("z".to_owned(), json!(1));
        map.insert("a".to_owned(), json!(2));
        assert_eq!(map.values_mut().next_back(), Some(&mut json!(2)));
        assert_eq!(Value::Object(map).to_string(), r#"{"z":1,"a":2}"#);
    }
}
