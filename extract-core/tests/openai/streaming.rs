//! Timing: items and snapshots arrive while the server is still answering;
//! dropping a stream cancels the request.

use crate::common::{json_of, request, Object};
use extract_core::openai::Mode;
use extract_core::testing::{Gate, Pause, ReplayServer, Reply};
use futures::{Stream, StreamExt};
use serde_json::json;
use std::time::Duration;

fn people() -> Vec<serde_json::Value> {
    vec![
        json!({"name": "Ada", "age": 36}),
        json!({"name": "Alan", "age": 41}),
        json!({"name": "Grace", "age": 85}),
    ]
}

#[tokio::test]
async fn an_item_arrives_while_the_server_pauses_after_it() {
    for mode in [
        Mode::Tools,
        Mode::JsonSchema,
        Mode::MdJson,
        Mode::ParallelTools,
    ] {
        let gate = Gate::new();
        let reply = Reply::items(people()).pause_after_item(0, Pause::Until(gate.clone()));
        let server = ReplayServer::start([reply]).await.unwrap();
        let mut items = request(&server, mode)
            .create_iterable::<Object>()
            .await
            .unwrap();
        let first = tokio::time::timeout(Duration::from_secs(5), items.next()).await;
        let first = first
            .unwrap_or_else(|_| panic!("{mode:?}: the first item did not arrive during the pause"));
        assert!(
            !gate.is_open(),
            "{mode:?}: the item arrived while the server was paused"
        );
        assert_eq!(json_of(&first.unwrap().unwrap()), people()[0], "{mode:?}");
        gate.open();
        let rest: Vec<Object> = items.map(Result::unwrap).collect().await;
        assert_eq!(json_of(&rest), json!(people()[1..]), "{mode:?}");
    }
}

#[tokio::test]
async fn a_partial_shows_a_growing_string_during_a_pause() {
    let gate = Gate::new();
    let reply = Reply::json(r#"{"title":"Streaming in Rust","pages":412}"#)
        .fragment(5)
        .pause_after("Stream", Pause::Until(gate.clone()));
    let server = ReplayServer::start([reply]).await.unwrap();
    let mut stream = request(&server, Mode::Tools)
        .create_partial::<Object>()
        .await
        .unwrap();
    let mut last = json!(null);
    while !gate.is_open() {
        let snapshot = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        last = json_of(&snapshot);
        if last["title"] == "Stream" {
            gate.open();
        }
    }
    assert_eq!(
        last,
        json!({"title": "Stream"}),
        "the string shows before it closes, the number not yet"
    );
    let mut snapshots = Vec::new();
    while let Some(snapshot) = stream.next().await {
        snapshots.push(json_of(&snapshot.unwrap()));
    }
    assert_eq!(
        snapshots.last(),
        Some(&json!({"title": "Streaming in Rust", "pages": 412}))
    );
    assert!(stream.take_value().is_some());
}

#[tokio::test]
async fn one_snapshot_per_read_that_changed_it() {
    // Whitespace-only and key-only fragments change nothing: no snapshot.
    let text = "{\"a\"  :  \n\n   \"x\"   ,   \"b\":   1   }";
    let reply = Reply::json(text)
        .fragment(1)
        .delay(Duration::from_millis(2));
    let server = ReplayServer::start([reply]).await.unwrap();
    let stream = request(&server, Mode::JsonSchema)
        .create_partial::<Object>()
        .await
        .unwrap();
    let snapshots: Vec<_> = stream.map(|s| json_of(&s.unwrap())).collect().await;
    assert!(
        snapshots.len() < text.len() / 2,
        "{} snapshots for {} fragments",
        snapshots.len(),
        text.len()
    );
    for pair in snapshots.windows(2) {
        assert_ne!(
            pair[0], pair[1],
            "a snapshot is only sent when the partial changed"
        );
    }
    assert_eq!(snapshots.last(), Some(&json!({"a": "x", "b": 1})));
}

#[tokio::test]
async fn dropping_a_stream_cancels_the_request() {
    let gate = Gate::new();
    let reply = Reply::items(people()).pause_after_item(0, Pause::Until(gate.clone()));
    let server = ReplayServer::start([reply, Reply::value(&json!({"ok": true}))])
        .await
        .unwrap();
    let mut items = request(&server, Mode::Tools)
        .create_iterable::<Object>()
        .await
        .unwrap();
    assert!(items.next().await.unwrap().is_ok());
    drop(items);
    gate.open();
    // The server is free again: a new request on the same client works.
    let next: Object = request(&server, Mode::Tools)
        .create::<Object>()
        .await
        .unwrap();
    assert_eq!(json_of(&next), json!({"ok": true}));
}

#[tokio::test]
async fn streams_report_what_they_are_and_size_hints() {
    let server = ReplayServer::start([Reply::items(people())]).await.unwrap();
    let mut items = request(&server, Mode::Json)
        .create_iterable::<Object>()
        .await
        .unwrap();
    assert_eq!(Stream::size_hint(&items), (0, None));
    assert!(format!("{items:?}").starts_with("ItemStream"));
    while items.next().await.is_some() {}
    assert_eq!(Stream::size_hint(&items), (0, Some(0)));
    assert_eq!(
        items.completion().map(|c| c.finish_reason.as_deref()),
        Some(Some("stop"))
    );
}
