//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod events;

use serde_json::Value;

/// True when `later` extends `earlier`: nothing shown is lost or changed;
/// strings only grow by appending, arrays only grow (their elements
/// extending), objects only gain keys (their values extending), numbers,
/// booleans and nulls never change once shown.
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
