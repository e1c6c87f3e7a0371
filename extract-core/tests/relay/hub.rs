//! Resumable streams: a client that reconnects with the last id it has
//! gets the rest (from the history, or as a snapshot once the history has
//! moved past it), a second connection takes over, a stream nobody is
//! attached to expires and drops its upstream, a cancelled one at once,
//! heartbeats fill silences.

use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use extract_core::relay::{Hub, HubBody, Relay, Resume};
use futures::stream::StreamExt;
use serde_json::{json, Value};

use crate::support::{body_text, flagged_channel, parse_sse_ids, Receiver, Sender};

/// The snapshots of a name growing one letter at a time.
fn name(len: usize) -> Value {
    json!({"name": "abcdefghijklmnopqrstuvwxyz"[..len].to_owned()})
}

/// Polls `body` once, without a runtime: `Some(text)` for a chunk,
/// `None` at the end, panics when it has nothing ready.
fn poll(body: &mut HubBody) -> Option<String> {
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    match body.poll_next_unpin(&mut cx) {
        Poll::Ready(Some(Ok(bytes))) => Some(String::from_utf8(bytes.to_vec()).unwrap()),
        Poll::Ready(None) => None,
        Poll::Pending => panic!("the body has nothing ready"),
    }
}

fn pending(body: &mut HubBody) -> bool {
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    body.poll_next_unpin(&mut cx).is_pending()
}

/// Sends snapshots 1..=n through `tx` and reads each message off `body`.
fn stream_names(tx: &Sender, body: &mut HubBody, from: usize, to: usize, client: &mut Receiver) {
    for len in from..=to {
        tx.unbounded_send(Ok(name(len))).unwrap();
        client.read(&poll(body).unwrap());
    }
}

/// Sends snapshots `from..=to`; the messages are lost on the way.
fn discard(tx: &Sender, body: &mut HubBody, from: usize, to: usize) {
    for len in from..=to {
        tx.unbounded_send(Ok(name(len))).unwrap();
        assert!(poll(body).is_some());
    }
}

#[test]
fn a_client_resuming_after_n_gets_the_messages_after_n_then_the_live_stream() {
    let hub = Hub::new();
    let (tx, upstream, dropped) = flagged_channel();
    let mut first = hub.start(Relay::sse().partial(upstream));
    let id = first.id().to_owned();
    assert_eq!(id.len(), 32);
    let mut client = Receiver::new();
    stream_names(&tx, &mut first, 1, 3, &mut client);
    assert_eq!(client.last_id, 3);
    // Message 4 is sent but the connection drops before the client reads it.
    tx.unbounded_send(Ok(name(4))).unwrap();
    let lost = poll(&mut first).unwrap();
    assert!(lost.contains("id: 4"), "{lost}");
    drop(first);
    assert!(!dropped.load(Ordering::SeqCst), "the upstream waits");

    let mut second = hub.resume(&Resume::new(id.clone(), 3)).unwrap();
    let replay = poll(&mut second).unwrap();
    let ids: Vec<_> = parse_sse_ids(&replay).iter().map(|e| e.id).collect();
    assert_eq!(ids, [Some(4)], "only what the client misses: {replay}");
    client.read(&replay);
    assert!(pending(&mut second), "then live");
    stream_names(&tx, &mut second, 5, 6, &mut client);
    drop(tx);
    client.read(&poll(&mut second).unwrap());
    assert!(poll(&mut second).is_none());
    assert_eq!(client.state, name(6));
    assert_eq!(client.done, Some(name(6)));
    assert_eq!(client.applied, 7, "every message applied once");
    assert!(dropped.load(Ordering::SeqCst), "the upstream ended");
}

#[test]
fn a_resume_from_before_the_history_gets_a_snapshot_of_the_latest_state() {
    let hub = Hub::new().with_history(3, 1 << 20);
    let (tx, upstream, _) = flagged_channel();
    let mut first = hub.start(Relay::sse().partial(upstream));
    let id = first.id().to_owned();
    let mut client = Receiver::new();
    stream_names(&tx, &mut first, 1, 2, &mut client);
    discard(&tx, &mut first, 3, 10);
    drop(first);

    // Messages 3..=7 are gone from the history: the client gets the state
    // as of message 10 as one snapshot, then the stream goes on.
    let mut second = hub.resume(&Resume::new(id.clone(), 2)).unwrap();
    let resync = poll(&mut second).unwrap();
    let events = parse_sse_ids(&resync);
    assert_eq!(events.len(), 1, "{resync}");
    assert_eq!(
        (events[0].event.as_str(), events[0].id),
        ("snapshot", Some(10))
    );
    client.read(&resync);
    assert_eq!(client.state, name(10));
    stream_names(&tx, &mut second, 11, 12, &mut client);
    assert_eq!(client.state, name(12));

    // Within the history, a replay: 10 and 11 are kept, 12 too.
    drop(second);
    let mut third = hub.resume(&Resume::new(id, 9)).unwrap();
    let ids: Vec<_> = parse_sse_ids(&poll(&mut third).unwrap())
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [Some(10), Some(11), Some(12)]);
}

#[test]
fn the_history_is_bounded_by_bytes_too() {
    let hub = Hub::new().with_history(1000, 200);
    let (tx, upstream, _) = flagged_channel();
    let mut first = hub.start(Relay::ndjson().partial(upstream));
    let id = first.id().to_owned();
    for len in 1..=20 {
        tx.unbounded_send(Ok(name(len))).unwrap();
        let text = poll(&mut first).unwrap();
        assert!(text.contains(&format!("\"id\":{len}")), "{text}");
    }
    drop(first);
    let mut second = hub.resume(&Resume::new(id.clone(), 19)).unwrap();
    let replay = poll(&mut second).unwrap();
    assert_eq!(replay.lines().count(), 1, "{replay}");
    drop(second);
    let mut third = hub.resume(&Resume::new(id, 1)).unwrap();
    let resync = poll(&mut third).unwrap();
    let line: Value = serde_json::from_str(resync.trim()).unwrap();
    assert_eq!(
        line,
        json!({"event": "snapshot", "id": 20, "data": name(20)}),
        "about 70 bytes a message: 200 bytes keep fewer than 18"
    );
}

#[test]
fn the_final_message_is_kept_whatever_the_bounds() {
    let hub = Hub::new().with_history(1, 1);
    let (tx, upstream, _) = flagged_channel();
    let mut first = hub.start(Relay::sse().partial(upstream));
    let id = first.id().to_owned();
    discard(&tx, &mut first, 1, 4);
    drop(tx);
    assert!(poll(&mut first).unwrap().contains("event: done"));
    drop(first);
    let text =
        futures::executor::block_on(body_text(hub.resume(&Resume::new(id.clone(), 0)).unwrap()));
    let mut client = Receiver::new();
    client.read(&text);
    let names: Vec<_> = parse_sse_ids(&text)
        .into_iter()
        .map(|e| (e.event, e.id))
        .collect();
    assert_eq!(
        names,
        [
            ("snapshot".to_owned(), Some(4)),
            ("done".to_owned(), Some(5))
        ]
    );
    assert_eq!(client.done, Some(name(4)));
    // Already complete: nothing more.
    let rest = futures::executor::block_on(body_text(hub.resume(&Resume::new(id, 5)).unwrap()));
    assert_eq!(rest, "");
}

#[test]
fn a_second_connection_takes_over_and_the_first_ends() {
    let hub = Hub::new();
    let (tx, upstream, _) = flagged_channel();
    let mut first = hub.start(Relay::sse().partial(upstream));
    let mut client = Receiver::new();
    stream_names(&tx, &mut first, 1, 2, &mut client);
    assert!(pending(&mut first));
    let mut second = hub.resume(&Resume::new(first.id().to_owned(), 2)).unwrap();
    assert!(poll(&mut first).is_none(), "taken over");
    assert!(pending(&mut second), "nothing missed, waiting live");
    stream_names(&tx, &mut second, 3, 3, &mut client);
    assert_eq!(client.state, name(3));
    drop(first); // the old body going away leaves the new one attached
    stream_names(&tx, &mut second, 4, 4, &mut client);
    assert_eq!(hub.len(), 1);
}

/// A page that stops (or goes away) cancels its stream: the upstream is
/// dropped at once, the attached body ends, and the stream is gone.
#[test]
fn a_cancelled_stream_drops_its_upstream_at_once() {
    for attached in [true, false] {
        let hub = Hub::new();
        let (tx, upstream, dropped) = flagged_channel();
        let mut first = hub.start(Relay::sse().partial(upstream));
        let id = first.id().to_owned();
        let mut client = Receiver::new();
        stream_names(&tx, &mut first, 1, 2, &mut client);
        if !attached {
            drop(first);
            assert!(hub.cancel(&id));
        } else {
            assert!(hub.cancel(&id));
            assert!(poll(&mut first).is_none(), "the attached body ends");
        }
        assert!(
            dropped.load(Ordering::SeqCst),
            "the upstream is dropped at once"
        );
        assert!(hub.is_empty());
        assert!(hub.resume(&Resume::new(id.clone(), 2)).is_none());
        assert!(!hub.cancel(&id), "only once");
        let parsed = Resume::from_request(Some(&format!("stream={id}&cancel=1")), None).unwrap();
        assert!(parsed.cancel && parsed.stream == id);
    }
}

#[test]
fn a_resume_of_an_unknown_stream_is_none() {
    assert!(Hub::new().resume(&Resume::new("nope", 0)).is_none());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_stream_nobody_is_attached_to_expires_and_drops_its_upstream() {
    let hub = Hub::new().with_expiry(Duration::from_secs(30));
    let (tx, upstream, dropped) = flagged_channel();
    let mut first = hub.start(Relay::sse().partial(upstream));
    let id = first.id().to_owned();
    tx.unbounded_send(Ok(name(1))).unwrap();
    assert!(poll(&mut first).is_some());

    // Attached: never expires.
    tokio::time::advance(Duration::from_secs(120)).await;
    assert_eq!(hub.sweep(), 0);
    drop(first);
    tokio::time::advance(Duration::from_secs(29)).await;
    assert_eq!(hub.sweep(), 0);
    assert!(!dropped.load(Ordering::SeqCst));
    // A resume within the expiry resets it.
    drop(hub.resume(&Resume::new(id.clone(), 1)).unwrap());
    tokio::time::advance(Duration::from_secs(29)).await;
    assert_eq!(hub.sweep(), 0);
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(hub.sweep(), 1);
    assert!(dropped.load(Ordering::SeqCst), "the request is cancelled");
    assert!(hub.resume(&Resume::new(id, 1)).is_none());
    assert!(hub.is_empty());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn sweep_every_expires_streams_without_any_request() {
    let hub = Hub::new().with_expiry(Duration::from_secs(5));
    let (_tx, upstream, dropped) = flagged_channel();
    drop(hub.start(Relay::sse().partial(upstream)));
    let sweeper = tokio::spawn(hub.clone().sweep_every(Duration::from_secs(1)));
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(dropped.load(Ordering::SeqCst));
    assert!(hub.is_empty());
    sweeper.abort();
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn heartbeats_fill_silences_and_stay_out_of_the_history() {
    let relay = Relay::sse().with_heartbeat(Duration::from_secs(10));
    let hub = Hub::new();
    let (tx, upstream, _) = flagged_channel();
    let mut body = hub.start(relay.partial(upstream));
    let id = body.id().to_owned();
    let started = tokio::time::Instant::now();
    let beat = body.next().await.unwrap().unwrap();
    assert_eq!(&beat[..], b": keep-alive\n\n");
    assert_eq!(started.elapsed(), Duration::from_secs(10));
    // A message resets the interval.
    tokio::time::advance(Duration::from_secs(4)).await;
    tx.unbounded_send(Ok(name(1))).unwrap();
    assert!(body
        .next()
        .await
        .unwrap()
        .unwrap()
        .starts_with(b"event: patch"));
    let before = tokio::time::Instant::now();
    assert_eq!(
        &body.next().await.unwrap().unwrap()[..],
        b": keep-alive\n\n"
    );
    assert_eq!(before.elapsed(), Duration::from_secs(10));
    drop(body);
    let mut again = hub.resume(&Resume::new(id, 0)).unwrap();
    let replay = poll(&mut again).unwrap();
    assert!(!replay.contains("keep-alive"), "{replay}");
    assert_eq!(parse_sse_ids(&replay).len(), 1);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_plain_body_sends_heartbeats_too_in_either_format() {
    for (relay, beat) in [
        (Relay::sse(), &b": keep-alive\n\n"[..]),
        (Relay::ndjson(), &b"\n"[..]),
    ] {
        let (tx, upstream, _) = flagged_channel();
        let mut body = relay
            .with_heartbeat(Duration::from_secs(15))
            .partial(upstream);
        assert_eq!(&body.next().await.unwrap().unwrap()[..], beat);
        drop(tx);
        let done = body.next().await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&done).contains("done"));
        assert!(body.next().await.is_none());
    }
}
