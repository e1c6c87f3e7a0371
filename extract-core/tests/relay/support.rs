//! Helpers shared by the relay tests: value generators, and reading a
//! body back (its text, its SSE messages, the states its patches build).

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use extract_core::relay::{apply, Op};
use futures::channel::mpsc;
use futures::executor::block_on;
use futures::stream::{Stream, StreamExt};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Sets its flag when dropped: stands for the upstream HTTP request.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// The sending end of [`flagged_channel`].
pub type Sender = mpsc::UnboundedSender<Result<Value, Infallible>>;

/// A channel standing for the upstream, and the flag its drop sets.
pub fn flagged_channel() -> (
    Sender,
    impl Stream<Item = Result<Value, Infallible>> + Send + 'static,
    Arc<AtomicBool>,
) {
    let (tx, rx) = mpsc::unbounded();
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    let upstream = rx.map(move |item| {
        let _keep = &flag;
        item
    });
    (tx, upstream, dropped)
}

/// A body's text, once it has ended.
pub async fn body_text<S>(body: S) -> String
where
    S: Stream<Item = Result<bytes::Bytes, Infallible>>,
{
    body.map(|chunk| String::from_utf8(chunk.unwrap().to_vec()).unwrap())
        .collect::<Vec<_>>()
        .await
        .concat()
}

/// [`body_text`] of a body that needs no runtime, blocking until it ends.
pub fn body_text_blocking<S>(body: S) -> String
where
    S: Stream<Item = Result<bytes::Bytes, Infallible>>,
{
    block_on(body_text(body))
}

/// The state after each message, applying their patches in turn to `{}`;
/// every message must be a `patch`.
pub fn patched_states(messages: &[(String, String)]) -> Vec<Value> {
    let mut state = json!({});
    messages
        .iter()
        .map(|(event, data)| {
            assert_eq!(event, "patch");
            let ops: Vec<Op> = serde_json::from_str(data).unwrap();
            apply(&mut state, &ops).unwrap();
            state.clone()
        })
        .collect()
}

/// Splits an SSE body into `(event, data)` pairs.
pub fn parse_sse(text: &str) -> Vec<(String, String)> {
    text.split("\n\n")
        .filter(|block| !block.is_empty())
        .map(|block| {
            let mut event = String::new();
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push(v);
                }
            }
            (event, data.join("\n"))
        })
        .collect()
}

/// One SSE message: its event name, id (if any) and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub event: String,
    pub id: Option<u64>,
    pub data: String,
}

/// Splits an SSE body into its messages, ids included (comments are
/// skipped).
pub fn parse_sse_ids(text: &str) -> Vec<Event> {
    text.split("\n\n")
        .filter(|block| !block.is_empty() && !block.starts_with(':'))
        .map(|block| {
            let mut event = Event {
                event: String::new(),
                id: None,
                data: String::new(),
            };
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event.event = v.to_owned();
                } else if let Some(v) = line.strip_prefix("id: ") {
                    event.id = Some(v.parse().unwrap());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push(v);
                }
            }
            event.data = data.join("\n");
            event
        })
        .collect()
}

/// Follows a body's messages as a client does: the state the `patch` and
/// `snapshot` messages build, the completed paths of the `state` messages,
/// and the final value; a message whose id was seen is skipped.
#[derive(Debug, Default)]
pub struct Receiver {
    pub state: Value,
    pub completed: Vec<String>,
    pub active: Option<String>,
    pub last_id: u64,
    pub done: Option<Value>,
    pub applied: usize,
}

impl Receiver {
    pub fn new() -> Self {
        Self {
            state: json!({}),
            ..Self::default()
        }
    }

    pub fn read(&mut self, text: &str) {
        for message in parse_sse_ids(text) {
            if let Some(id) = message.id {
                if id <= self.last_id {
                    continue;
                }
                self.last_id = id;
            }
            self.applied += 1;
            let data: Value = serde_json::from_str(&message.data).unwrap();
            match message.event.as_str() {
                "patch" => {
                    let ops: Vec<Op> = serde_json::from_value(data).unwrap();
                    apply(&mut self.state, &ops).unwrap();
                }
                "snapshot" => self.state = data,
                "state" => {
                    if data.get("reset") == Some(&json!(true)) {
                        self.completed.clear();
                    }
                    for path in data["completed"].as_array().unwrap() {
                        self.completed.push(path.as_str().unwrap().to_owned());
                    }
                    self.active = data["active"].as_str().map(str::to_owned);
                }
                "done" => self.done = Some(data),
                other => panic!("unexpected message {other}"),
            }
        }
    }
}

/// Any JSON value, with keys that need pointer escaping.
pub fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
        "[a-z~/\"\\\\\n\r\u{e9}\u{1f600}]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z~/01\u{e9}\"]{0,4}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Any JSON object (the shape of an extraction).
pub fn arb_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map("[a-z~/]{0,4}", arb_value(), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// How far a stream of `value` can get: one step per value appearing,
/// plus one per character of each string.
pub fn steps(value: &Value) -> usize {
    1 + match value {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(steps).sum(),
        Value::Object(map) => map.values().map(steps).sum(),
        _ => 0,
    }
}

/// What a stream of `value` shows after `budget` steps, with the
/// streaming semantics of a partial: containers appear empty and fill in
/// order, strings grow a character at a time, scalars appear whole.
pub fn prefix(value: &Value, budget: &mut usize) -> Option<Value> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    Some(match value {
        Value::String(s) => {
            let taken: String = s.chars().take(*budget).collect();
            *budget -= taken.chars().count();
            Value::String(taken)
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match prefix(item, budget) {
                    Some(item) => out.push(item),
                    None => break,
                }
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, item) in map {
                match prefix(item, budget) {
                    Some(item) => {
                        out.insert(key.clone(), item);
                    }
                    None => break,
                }
            }
            Value::Object(out)
        }
        scalar => scalar.clone(),
    })
}

/// The monotone snapshots of a stream of `value` cut after the given
/// numbers of steps (taken modulo the total, sorted), ending complete.
pub fn monotone_snapshots(value: &Value, points: &[usize]) -> Vec<Value> {
    let total = steps(value);
    let mut cuts: Vec<usize> = points.iter().map(|p| p % (total + 1)).collect();
    cuts.push(total);
    cuts.sort_unstable();
    cuts.dedup();
    cuts.into_iter()
        .filter_map(|mut budget| prefix(value, &mut budget))
        .collect()
}

/// Every snapshot of `value`'s stream, one step at a time.
pub fn step_by_step(value: &Value) -> Vec<Value> {
    let points: Vec<usize> = (0..=steps(value)).collect();
    monotone_snapshots(value, &points)
}
