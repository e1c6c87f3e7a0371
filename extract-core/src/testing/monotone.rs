//! What "snapshots are monotone" means, as a check a test can call.

use serde_json::Value;

/// True when the snapshot `later` extends `earlier`: nothing shown is lost
/// or changed. Strings only grow by appending, arrays only grow (their
/// elements extending), objects only gain keys (their values extending);
/// numbers, booleans and nulls never change once shown.
///
/// Every pair of successive snapshots of a stream passes this check, for
/// input without repeated keys.
///
/// ```
/// use extract_core::testing::extends;
/// use serde_json::json;
///
/// assert!(extends(&json!({"name": "Ja"}), &json!({"name": "Jason", "age": 25})));
/// assert!(!extends(&json!({"age": 2}), &json!({"age": 25})));
/// ```
#[must_use]
pub fn extends(earlier: &Value, later: &Value) -> bool {
    match (earlier, later) {
        (Value::String(a), Value::String(b)) => b.starts_with(a.as_str()),
        (Value::Array(a), Value::Array(b)) => {
            a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| extends(x, y))
        }
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| extends(v, w))),
        (a, b) => a == b,
    }
}
