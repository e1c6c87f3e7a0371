//! Applying patches on the receiving side (a Rust client, and the tests).

use serde_json::Value;

use super::patch::Op;
use super::pointer::{self, parse_index};

/// Why an operation could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("patch operation #{index} ({op} at {path:?}): {reason}")]
#[non_exhaustive]
pub struct PatchError {
    /// The position of the failing operation in the patch.
    pub index: usize,
    /// The failing operation's name (`add`, `append`, …).
    pub op: &'static str,
    /// The failing operation's path.
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

/// Applies `ops` in order to `doc`.
///
/// Understands RFC 6902's `add`, `remove` and `replace` and the `append`
/// extension (see [`Op::Append`]). Never panics, whatever the ops.
///
/// # Errors
///
/// The first operation that cannot be applied (a path that does not
/// exist, a malformed pointer, an index out of range, `append` to a value
/// that is not a string). The operations before it stay applied: clone
/// the document first if you need all-or-nothing.
pub fn apply(doc: &mut Value, ops: &[Op]) -> Result<(), PatchError> {
    for (index, op) in ops.iter().enumerate() {
        apply_one(doc, op).map_err(|reason| PatchError {
            index,
            op: op.name(),
            path: op.path().to_owned(),
            reason,
        })?;
    }
    Ok(())
}

fn apply_one(doc: &mut Value, op: &Op) -> Result<(), String> {
    let segments = pointer::parse(op.path()).map_err(|e| e.to_string())?;
    let Some((last, parents)) = segments.split_last() else {
        return apply_root(doc, op);
    };
    let mut target = doc;
    for segment in parents {
        target = child(target, segment)?;
    }
    match target {
        Value::Object(map) => match op {
            Op::Add { value, .. } => {
                map.insert(last.clone().into_owned(), value.clone());
                Ok(())
            }
            Op::Remove { .. } => {
                let last: &str = last;
                if !map.contains_key(last) {
                    return Err(format!("no member {last:?}"));
                }
                // `retain` keeps the other members' order whether or not
                // serde_json's `preserve_order` is on (`remove` may swap).
                map.retain(|key, _| key != last);
                Ok(())
            }
            Op::Replace { value, .. } => match map.get_mut(&**last) {
                Some(slot) => {
                    *slot = value.clone();
                    Ok(())
                }
                None => Err(format!("no member {last:?}")),
            },
            Op::Append { value, .. } => match map.get_mut(&**last) {
                Some(slot) => append(slot, value),
                None => Err(format!("no member {last:?}")),
            },
        },
        Value::Array(items) => {
            if let Op::Add { value, .. } = op {
                let at = if last == "-" {
                    items.len()
                } else {
                    parse_index(last)
                        .filter(|i| *i <= items.len())
                        .ok_or_else(|| format!("no insertion point {last:?}"))?
                };
                items.insert(at, value.clone());
                return Ok(());
            }
            let at = parse_index(last)
                .filter(|i| *i < items.len())
                .ok_or_else(|| format!("no element {last:?}"))?;
            match op {
                Op::Remove { .. } => {
                    items.remove(at);
                    Ok(())
                }
                Op::Replace { value, .. } => {
                    items[at] = value.clone();
                    Ok(())
                }
                Op::Append { value, .. } => append(&mut items[at], value),
                Op::Add { .. } => Ok(()),
            }
        }
        _ => Err("the parent is neither an object nor an array".to_owned()),
    }
}

fn apply_root(doc: &mut Value, op: &Op) -> Result<(), String> {
    match op {
        Op::Add { value, .. } | Op::Replace { value, .. } => {
            *doc = value.clone();
            Ok(())
        }
        Op::Remove { .. } => Err("cannot remove the whole document".to_owned()),
        Op::Append { value, .. } => append(doc, value),
    }
}

fn append(target: &mut Value, text: &str) -> Result<(), String> {
    match target {
        Value::String(s) => {
            s.push_str(text);
            Ok(())
        }
        _ => Err("append needs a string".to_owned()),
    }
}

fn child<'v>(value: &'v mut Value, segment: &str) -> Result<&'v mut Value, String> {
    match value {
        Value::Object(map) => map
            .get_mut(segment)
            .ok_or_else(|| format!("no member {segment:?}")),
        Value::Array(items) => parse_index(segment)
            .and_then(|i| items.get_mut(i))
            .ok_or_else(|| format!("no element {segment:?}")),
        _ => Err(format!("cannot descend into a scalar at {segment:?}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ops(value: Value) -> Vec<Op> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn applies_each_kind() {
        let mut doc = json!({"a": [1, 2], "s": "x", "k~/": 0});
        apply(
            &mut doc,
            &ops(json!([
                {"op": "add", "path": "/a/-", "value": 3},
                {"op": "add", "path": "/a/0", "value": 0},
                {"op": "remove", "path": "/a/1"},
                {"op": "replace", "path": "/k~0~1", "value": 9},
                {"op": "append", "path": "/s", "value": "yz"},
                {"op": "add", "path": "/n", "value": {"m": null}},
            ])),
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"a": [0, 2, 3], "s": "xyz", "k~/": 9, "n": {"m": null}})
        );
    }

    #[test]
    fn root_ops() {
        let mut doc = json!({});
        apply(
            &mut doc,
            &ops(json!([{"op": "replace", "path": "", "value": "a"}])),
        )
        .unwrap();
        apply(
            &mut doc,
            &ops(json!([{"op": "append", "path": "", "value": "b"}])),
        )
        .unwrap();
        assert_eq!(doc, json!("ab"));
        let err = apply(&mut doc, &ops(json!([{"op": "remove", "path": ""}]))).unwrap_err();
        assert_eq!(err.index, 0);
    }

    #[test]
    fn bad_ops_are_errors_not_panics() {
        let cases = [
            json!({"op": "remove", "path": "/missing"}),
            json!({"op": "replace", "path": "/a/7", "value": 1}),
            json!({"op": "add", "path": "/a/9", "value": 1}),
            json!({"op": "add", "path": "/a/01", "value": 1}),
            json!({"op": "remove", "path": "/a/-"}),
            json!({"op": "append", "path": "/a", "value": "x"}),
            json!({"op": "append", "path": "/a/0", "value": "x"}),
            json!({"op": "add", "path": "/a/0/x", "value": 1}),
            json!({"op": "add", "path": "a", "value": 1}),
            json!({"op": "add", "path": "/x~2", "value": 1}),
            json!({"op": "add", "path": "/q/r", "value": 1}),
        ];
        for case in cases {
            let mut doc = json!({"a": [1]});
            let op: Op = serde_json::from_value(case.clone()).unwrap();
            let err = apply(&mut doc, &[op]).unwrap_err();
            assert_eq!(err.index, 0, "{case}");
            assert!(!err.to_string().is_empty());
        }
    }
}
