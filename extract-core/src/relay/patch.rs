//! JSON Patch (RFC 6902) operations between consecutive snapshots.
//!
//! A stream of partial snapshots is monotone: objects gain keys, arrays
//! grow at the end, strings grow by appending, and a scalar appears once,
//! complete. [`diff`] is built for that shape, so the operations for one
//! step are proportional to what changed in that step, and the bytes for a
//! whole answer grow with the answer, not with its square. It is correct
//! for *any* pair of values all the same: whatever it cannot express as
//! growth it expresses as `remove` or `replace`.
//!
//!
//! The `append` extension is described in the [relay docs](super#the-append-extension).

use serde_json::{Map, Value};

use crate::patch::pointer::PointerBuf;
pub use crate::patch::{Op, PatchMode};

/// The operations that turn `old` into `new`, in order.
///
/// Members are visited in the new value's order (a snapshot's field order
/// with serde_json's `preserve_order`), lost members first.
///
/// Growth (new members, array elements pushed at the end, appended text)
/// becomes `add` / `append`; a changed scalar, a type change or a string
/// that did not grow becomes `replace`; lost members and trailing elements
/// become `remove`. Applying the result to `old` gives a value equal to
/// `new`, for any two values.
///
/// ```
/// use extract_core::relay::{diff, Op, PatchMode};
/// use serde_json::json;
///
/// let old = json!({"users": [{"name": "Jo"}]});
/// let new = json!({"budget": 5, "users": [{"name": "John"}, {"name": ""}]});
/// let ops = diff(&old, &new, PatchMode::Append);
/// assert_eq!(serde_json::to_value(&ops).unwrap(), json!([
///     {"op": "add", "path": "/budget", "value": 5},
///     {"op": "append", "path": "/users/0/name", "value": "hn"},
///     {"op": "add", "path": "/users/1", "value": {"name": ""}},
/// ]));
/// ```
#[must_use]
pub fn diff(old: &Value, new: &Value, mode: PatchMode) -> Vec<Op> {
    let mut ops = Vec::new();
    diff_into(old, new, mode, &mut ops);
    ops
}

/// Like [`diff`], appending the operations to `ops` (to reuse a buffer).
pub fn diff_into(old: &Value, new: &Value, mode: PatchMode, ops: &mut Vec<Op>) {
    let mut walk = Walk {
        mode,
        path: PointerBuf::root(),
        ops,
    };
    walk.value(old, new);
}

/// One diff in progress: the pointer to where it stands and the ops so far.
struct Walk<'a> {
    mode: PatchMode,
    path: PointerBuf,
    ops: &'a mut Vec<Op>,
}

impl Walk<'_> {
    fn value(&mut self, old: &Value, new: &Value) {
        match (old, new) {
            (Value::Object(old), Value::Object(new)) => self.object(old, new),
            (Value::Array(old), Value::Array(new)) => self.array(old, new),
            (Value::String(old), Value::String(new)) => self.string(old, new),
            (old, new) if old == new => {}
            (_, new) => self.replace(new),
        }
    }

    fn object(&mut self, old: &Map<String, Value>, new: &Map<String, Value>) {
        let len = self.path.len();
        for key in old.keys() {
            if !new.contains_key(key) {
                self.path.push(key);
                self.ops.push(Op::Remove {
                    path: self.path.as_str().to_owned(),
                });
                self.path.truncate(len);
            }
        }
        for (key, new_value) in new {
            self.path.push(key);
            match old.get(key) {
                Some(old_value) => self.value(old_value, new_value),
                None => self.ops.push(Op::Add {
                    path: self.path.as_str().to_owned(),
                    value: new_value.clone(),
                }),
            }
            self.path.truncate(len);
        }
    }

    fn array(&mut self, old: &[Value], new: &[Value]) {
        let len = self.path.len();
        for (index, (old_item, new_item)) in old.iter().zip(new).enumerate() {
            self.path.push_index(index);
            self.value(old_item, new_item);
            self.path.truncate(len);
        }
        // Trailing elements that went away, last first so each index is
        // still valid when its op is applied.
        for index in (new.len()..old.len()).rev() {
            self.path.push_index(index);
            self.ops.push(Op::Remove {
                path: self.path.as_str().to_owned(),
            });
            self.path.truncate(len);
        }
        for (index, item) in new.iter().enumerate().skip(old.len()) {
            self.path.push_index(index);
            self.ops.push(Op::Add {
                path: self.path.as_str().to_owned(),
                value: item.clone(),
            });
            self.path.truncate(len);
        }
    }

    fn string(&mut self, old: &str, new: &str) {
        if old == new {
            return;
        }
        match (self.mode, new.strip_prefix(old)) {
            (PatchMode::Append, Some(suffix)) => self.ops.push(Op::Append {
                path: self.path.as_str().to_owned(),
                value: suffix.to_owned(),
            }),
            _ => self.ops.push(Op::Replace {
                path: self.path.as_str().to_owned(),
                value: Value::String(new.to_owned()),
            }),
        }
    }

    fn replace(&mut self, new: &Value) {
        self.ops.push(Op::Replace {
            path: self.path.as_str().to_owned(),
            value: new.clone(),
        });
    }
}

/// Turns a sequence of snapshots into patches, remembering the last one.
///
/// It starts from `{}`: applying every patch it returns, in order, to an
/// empty object reproduces each snapshot.
///
/// ```
/// use extract_core::relay::{apply, Differ, PatchMode};
/// use serde_json::json;
///
/// let mut differ = Differ::new(PatchMode::Append);
/// let mut client = json!({});
/// for snapshot in [json!({"name": "A"}), json!({"name": "Ada", "age": 36})] {
///     let ops = differ.next(snapshot.clone());
///     apply(&mut client, &ops).unwrap();
///     assert_eq!(client, snapshot);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Differ {
    mode: PatchMode,
    current: Value,
    ops: Vec<Op>,
}

impl Default for Differ {
    fn default() -> Self {
        Self::new(PatchMode::default())
    }
}

impl Differ {
    /// A differ whose receiver starts from `{}`.
    #[must_use]
    pub fn new(mode: PatchMode) -> Self {
        Self::starting_from(Value::Object(Map::new()), mode)
    }

    /// A differ whose receiver already holds `value`.
    #[must_use]
    pub fn starting_from(value: Value, mode: PatchMode) -> Self {
        Self {
            mode,
            current: value,
            ops: Vec::new(),
        }
    }

    /// The ops from the last snapshot to `snapshot` (empty when nothing
    /// changed); `snapshot` becomes the new reference.
    pub fn next(&mut self, snapshot: Value) -> Vec<Op> {
        let mut ops = std::mem::take(&mut self.ops);
        ops.clear();
        diff_into(&self.current, &snapshot, self.mode, &mut ops);
        self.current = snapshot;
        ops
    }

    /// Takes ops made elsewhere (that the receiver applies too) as the next
    /// step, so the next [`next`](Self::next) diffs from their result.
    ///
    /// # Errors
    ///
    /// An op that does not apply to the current value; the ops before it
    /// stay applied.
    pub fn advance(&mut self, ops: &[Op]) -> Result<(), super::PatchError> {
        super::apply(&mut self.current, ops)
    }

    /// The last snapshot (what the receiver holds after applying every
    /// patch so far).
    #[must_use]
    pub fn current(&self) -> &Value {
        &self.current
    }

    /// How string growth is expressed.
    #[must_use]
    pub fn mode(&self) -> PatchMode {
        self.mode
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ops(old: Value, new: Value, mode: PatchMode) -> Value {
        serde_json::to_value(diff(&old, &new, mode)).unwrap()
    }

    #[test]
    fn equal_values_need_no_ops() {
        let v = json!({"a": [1, "x", {"b": null}]});
        assert!(diff(&v, &v, PatchMode::Append).is_empty());
    }

    #[test]
    fn string_growth_is_append_or_replace() {
        let old = json!({"s": "ab"});
        let new = json!({"s": "abcé"});
        assert_eq!(
            ops(old.clone(), new.clone(), PatchMode::Append),
            json!([{"op": "append", "path": "/s", "value": "cé"}])
        );
        assert_eq!(
            ops(old, new, PatchMode::Strict),
            json!([{"op": "replace", "path": "/s", "value": "abcé"}])
        );
        assert_eq!(
            ops(json!("abc"), json!("abd"), PatchMode::Append),
            json!([{"op": "replace", "path": "", "value": "abd"}])
        );
    }

    #[test]
    fn keys_are_escaped() {
        assert_eq!(
            ops(json!({}), json!({"a/b": 1, "m~n": 2}), PatchMode::Append),
            json!([
                {"op": "add", "path": "/a~1b", "value": 1},
                {"op": "add", "path": "/m~0n", "value": 2},
            ])
        );
    }

    #[test]
    fn shrinking_arrays_remove_from_the_end() {
        assert_eq!(
            ops(json!([1, 2, 3, 4]), json!([1, 5]), PatchMode::Append),
            json!([
                {"op": "replace", "path": "/1", "value": 5},
                {"op": "remove", "path": "/3"},
                {"op": "remove", "path": "/2"},
            ])
        );
    }

    #[test]
    fn type_changes_replace() {
        assert_eq!(
            ops(json!({"a": null}), json!({"a": []}), PatchMode::Append),
            json!([{"op": "replace", "path": "/a", "value": []}])
        );
        assert_eq!(
            ops(json!({"a": 1}), json!([1]), PatchMode::Append),
            json!([{"op": "replace", "path": "", "value": [1]}])
        );
    }

    #[test]
    fn lost_keys_are_removed() {
        assert_eq!(
            ops(json!({"a": 1, "b": 2}), json!({"b": 2}), PatchMode::Append),
            json!([{"op": "remove", "path": "/a"}])
        );
    }

    #[test]
    fn ops_round_trip_through_serde() {
        let all = diff(
            &json!({"a": 1, "l": [1, 2], "s": "x"}),
            &json!({"l": [3], "n": {"k": true}, "s": "xy"}),
            PatchMode::Append,
        );
        let text = serde_json::to_string(&all).unwrap();
        let back: Vec<Op> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, all);
        assert_eq!(
            all.iter().map(Op::name).collect::<Vec<_>>(),
            ["remove", "replace", "remove", "add", "append"]
        );
    }
}
