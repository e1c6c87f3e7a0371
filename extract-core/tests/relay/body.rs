//! Bodies: frames in order, `done` with the last snapshot, `error` with
//! the partial kept, the upstream dropped when the body ends or is dropped.

use std::convert::Infallible;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use extract_core::relay::{ErrorInfo, Relay, RelayError};
use extract_core::{Error, Issue, Path, Received, ValidationError};
use futures::stream::{self, Stream, StreamExt};
use serde_json::{json, Value};

use crate::support::{body_text_blocking, flagged_channel, parse_sse, patched_states};

fn snapshots() -> Vec<Value> {
    vec![
        json!({"users": []}),
        json!({"users": [{"name": "Jo"}]}),
        json!({"users": [{"name": "Jo"}]}), // unchanged: nothing sent
        json!({"users": [{"name": "John", "twitter": "@j"}], "budget": 5}),
    ]
}

#[test]
fn patches_rebuild_every_snapshot_and_done_carries_the_last() {
    let body = Relay::sse().partial(stream::iter(snapshots()).map(Ok::<_, Infallible>));
    let messages = parse_sse(&body_text_blocking(body));
    let names: Vec<&str> = messages.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names, ["patch", "patch", "patch", "done"]);
    let seen = patched_states(&messages[..3]);
    let mut expected = snapshots();
    expected.dedup();
    assert_eq!(seen, expected);
    let done: Value = serde_json::from_str(&messages[3].1).unwrap();
    assert_eq!(&done, expected.last().unwrap());
}

#[test]
fn snapshot_mode_sends_whole_values_as_ndjson() {
    let body = Relay::ndjson()
        .snapshots()
        .with_ids(true)
        .partial(stream::iter(snapshots()).map(Ok::<_, Infallible>));
    let text = body_text_blocking(body);
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        json!({"event": "snapshot", "id": 1, "data": {"users": []}})
    );
    assert_eq!(lines[2]["data"], snapshots()[3]);
    assert_eq!(lines[3]["event"], "done");
    assert_eq!(lines[3]["id"], 4);
}

#[test]
fn an_empty_stream_is_done_with_null() {
    let body = Relay::sse().partial(stream::empty::<Result<Value, Infallible>>());
    assert_eq!(body_text_blocking(body), "event: done\ndata: null\n\n");
}

#[test]
fn an_error_ends_the_body_with_the_partial_kept() {
    let error = Error::Validation {
        source: ValidationError::new(vec![Issue {
            path: Path::root(),
            message: "too few users".to_owned(),
        }]),
        received: Box::new(Received {
            raw: None,
            partial: Some(json!({"users": [{"name": "Jo"}]})),
        }),
    };
    let upstream = stream::iter(vec![
        Ok(json!({"users": []})),
        Err(error),
        Ok(json!({"never": "sent"})),
    ]);
    let messages = parse_sse(&body_text_blocking(Relay::sse().partial(upstream)));
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].0, "error");
    let info: ErrorInfo = serde_json::from_str(&messages[1].1).unwrap();
    assert_eq!(info.kind, "validation");
    assert!(info.message.contains("too few users"), "{}", info.message);
    assert_eq!(info.partial, Some(json!({"users": [{"name": "Jo"}]})));
}

/// An error of our own, with no partial: the last snapshot is attached.
struct Cut;

impl RelayError for Cut {
    fn error_info(&self) -> ErrorInfo {
        ErrorInfo::new("cut off", "interrupted", None)
    }
}

#[test]
fn an_error_without_a_partial_gets_the_last_snapshot() {
    let upstream = stream::iter(vec![Ok(json!({"a": "x"})), Err(Cut)]);
    let messages = parse_sse(&body_text_blocking(Relay::sse().partial(upstream)));
    let info: ErrorInfo = serde_json::from_str(&messages[1].1).unwrap();
    assert_eq!(info.partial, Some(json!({"a": "x"})));
    assert_eq!(info.kind, "interrupted");
}

#[test]
fn items_are_sent_one_by_one_then_the_list() {
    let items = vec![json!({"name": "a"}), json!({"name": "b"})];
    let body = Relay::ndjson().items(stream::iter(items.clone()).map(Ok::<_, Infallible>));
    let lines: Vec<Value> = body_text_blocking(body)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            json!({"event": "item", "data": items[0]}),
            json!({"event": "item", "data": items[1]}),
            json!({"event": "done", "data": items}),
        ]
    );
}

#[test]
fn an_item_error_keeps_the_items_sent() {
    let upstream = stream::iter(vec![Ok(json!(1)), Err(Cut)]);
    let messages = parse_sse(&body_text_blocking(Relay::sse().items(upstream)));
    assert_eq!(messages[0], ("item".to_owned(), "1".to_owned()));
    let info: ErrorInfo = serde_json::from_str(&messages[1].1).unwrap();
    assert_eq!(info.partial, Some(json!([1])));
}

#[test]
fn dropping_the_body_drops_the_upstream() {
    let (tx, upstream, dropped) = flagged_channel();
    let mut body = Box::pin(Relay::sse().partial(upstream));
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    assert!(
        body.as_mut().poll_next(&mut cx).is_pending(),
        "waits, no busy loop"
    );
    tx.unbounded_send(Ok(json!({"a": 1}))).unwrap();
    assert!(matches!(
        body.as_mut().poll_next(&mut cx),
        Poll::Ready(Some(Ok(_)))
    ));
    assert!(!dropped.load(Ordering::SeqCst));
    drop(body); // the client went away
    assert!(
        dropped.load(Ordering::SeqCst),
        "the upstream must go with the body"
    );
    assert!(
        tx.unbounded_send(Ok(json!({}))).is_err(),
        "nobody listens upstream"
    );
}

#[test]
fn a_finished_body_has_already_dropped_the_upstream() {
    let (tx, upstream, dropped) = flagged_channel();
    let mut body = pin!(Relay::sse().partial(upstream));
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    drop(tx);
    assert!(matches!(
        body.as_mut().poll_next(&mut cx),
        Poll::Ready(Some(Ok(_)))
    ));
    assert!(body.is_finished());
    assert!(dropped.load(Ordering::SeqCst));
    assert!(matches!(
        body.as_mut().poll_next(&mut cx),
        Poll::Ready(None)
    ));
    assert!(matches!(
        body.as_mut().poll_next(&mut cx),
        Poll::Ready(None)
    ));
}

#[test]
fn done_carries_the_final_value_when_the_upstream_knows_it() {
    fn validated<S>(_: std::pin::Pin<&mut S>) -> Option<Value> {
        Some(json!({"validated": true}))
    }
    fn unknown<S>(_: std::pin::Pin<&mut S>) -> Option<Value> {
        None
    }
    let upstream = || stream::iter(vec![json!({"a": 1})]).map(Ok::<_, Infallible>);
    let body = Relay::sse().partial(upstream()).with_final_value(validated);
    let messages = parse_sse(&body_text_blocking(body));
    assert_eq!(
        messages[1],
        ("done".to_owned(), r#"{"validated":true}"#.to_owned())
    );
    let body = Relay::sse().partial(upstream()).with_final_value(unknown);
    let messages = parse_sse(&body_text_blocking(body));
    assert_eq!(messages[1], ("done".to_owned(), r#"{"a":1}"#.to_owned()));
}
