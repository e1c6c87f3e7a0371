//! Deadlines against a server that stalls, trickles or never ends, with
//! bounds of a few hundred milliseconds so each test ends in well under a
//! second or two; and answers that are complete before the stream ends.

use crate::common::{chat, json_of, Object};
use extract_core::openai::{Backoff, Client, Deadline, Mode, Provider, Timeouts};
use extract_core::testing::{Gate, Pause, ReplayServer, Reply};
use extract_core::Error;
use futures::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};

const ANSWER: &str = r#"{"name":"Jason","city":"Paris"}"#;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Tight bounds for tests: 300 ms for the headers, 150 ms of silence,
/// 600 ms an attempt, 2 s a call.
fn tight() -> Timeouts {
    Timeouts::default()
        .with_first_byte(ms(300))
        .with_idle(ms(150))
        .with_attempt(ms(600))
        .with_call(Duration::from_secs(2))
}

fn client(server: &ReplayServer, timeouts: Timeouts, retries: u32) -> Client {
    let backoff = Backoff::default()
        .with_max_retries(retries)
        .with_base_delay(ms(1));
    server
        .client_builder()
        .timeouts(timeouts)
        .backoff(backoff)
        .build()
        .unwrap()
}

/// The one attempt's error against `reply` (no retries), and how long it
/// took.
async fn times_out(reply: Reply, timeouts: Timeouts) -> (Error, Duration) {
    let server = ReplayServer::start([reply]).await.unwrap();
    let started = Instant::now();
    let err = chat(&client(&server, timeouts, 0))
        .create::<Object>()
        .await
        .unwrap_err();
    (err, started.elapsed())
}

fn deadline_of(err: &Error) -> Option<Deadline> {
    match err {
        Error::Timeout { deadline, .. } => Some(*deadline),
        _ => None,
    }
}

#[tokio::test]
async fn defaults_bound_every_phase() {
    let t = Timeouts::default();
    assert_eq!(t.connect, Some(Duration::from_secs(10)));
    assert_eq!(t.first_byte, Some(Duration::from_secs(60)));
    assert_eq!(t.idle, Some(Duration::from_secs(120)));
    assert_eq!(t.attempt, Some(Duration::from_secs(600)));
    assert_eq!(t.call, Some(Duration::from_secs(1800)));
    let server = ReplayServer::start([]).await.unwrap();
    assert_eq!(server.client().timeouts(), t);
}

#[tokio::test]
async fn no_headers_at_all_is_the_first_byte_bound() {
    let gate = Gate::new();
    let reply = Reply::json(ANSWER).delay_headers(Pause::Until(gate));
    let (err, took) = times_out(reply, tight()).await;
    assert_eq!(deadline_of(&err), Some(Deadline::FirstByte), "{err}");
    assert!(err.to_string().contains("first_byte"), "{err}");
    assert!(took < ms(1000), "{took:?}");
}

#[tokio::test]
async fn headers_then_silence_is_the_idle_bound() {
    for &provider in Provider::ALL {
        let gate = Gate::new();
        let server = ReplayServer::start([Reply::json(ANSWER).delay_body(Pause::Until(gate))])
            .await
            .unwrap();
        let client = server
            .client_builder()
            .provider(provider)
            .timeouts(tight())
            .backoff(Backoff::none())
            .build()
            .unwrap();
        let started = Instant::now();
        let err = chat(&client).create::<Object>().await.unwrap_err();
        assert_eq!(deadline_of(&err), Some(Deadline::Idle), "{provider}: {err}");
        assert!(started.elapsed() < ms(1000), "{provider}");
    }
}

#[tokio::test]
async fn silence_mid_answer_keeps_what_came() {
    let gate = Gate::new();
    let reply = Reply::json(ANSWER).pause_after("Jason\"", Pause::Until(gate));
    let (err, _) = times_out(reply, tight()).await;
    assert_eq!(deadline_of(&err), Some(Deadline::Idle), "{err}");
    assert_eq!(err.raw_text(), Some(r#"{"name":"Jason""#));
    assert_eq!(err.partial(), Some(&json!({"name": "Jason"})));
}

/// A byte every 20 ms never leaves the body silent for 150 ms, but the
/// attempt's bound ends it.
#[tokio::test]
async fn a_slowloris_stream_is_the_attempt_bound() {
    let reply = Reply::json(ANSWER).trickle(1, ms(20));
    let (err, took) = times_out(reply, tight()).await;
    assert_eq!(deadline_of(&err), Some(Deadline::Attempt), "{err}");
    assert!(took < ms(1500), "{took:?}");
    assert!(err.to_string().contains("attempt"), "{err}");
}

/// An error body that trickles is read until a bound passes: the status
/// and what came are the error.
#[tokio::test]
async fn a_trickling_error_body_is_bounded() {
    let reply = Reply::status(500, "x".repeat(10_000)).trickle(1, ms(10));
    let (err, took) = times_out(reply, tight()).await;
    let Error::Http { status: 500, .. } = &err else {
        panic!("{err}")
    };
    assert!(took < ms(1500), "{took:?}");
    assert!(err.raw_text().is_some_and(|raw| raw.len() < 10_000));
}

/// A deadline is a transient failure: the next attempt may succeed.
#[tokio::test]
async fn a_stalled_attempt_is_retried() {
    let gate = Gate::new();
    let server = ReplayServer::start([
        Reply::json(ANSWER).delay_body(Pause::Until(gate)),
        Reply::json(ANSWER),
    ])
    .await
    .unwrap();
    let got = chat(&client(&server, tight(), 1))
        .create::<Object>()
        .await
        .unwrap();
    assert_eq!(
        json_of(&got),
        serde_json::from_str::<serde_json::Value>(ANSWER).unwrap()
    );
    assert_eq!(server.requests().len(), 2);
}

/// The call's bound ends the call whatever the retry budget: no attempt
/// starts after it, and it is not retried.
#[tokio::test]
async fn the_call_bound_ends_every_retry() {
    let server = ReplayServer::start([]).await.unwrap();
    server.repeat(Reply::json(ANSWER).trickle(1, ms(20)));
    let timeouts = tight().with_call(ms(900));
    let started = Instant::now();
    let err = chat(&client(&server, timeouts, 50))
        .create::<Object>()
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(took < ms(2000), "{took:?}");
    let Error::RetriesExhausted { attempts, .. } = &err else {
        panic!("{err}")
    };
    // Each attempt ends at its own bound (the attempt's, or the idle bound
    // when a loaded machine stalls the trickle), the last at the call's.
    let (last, earlier) = attempts.split_last().expect("attempts");
    assert!(!earlier.is_empty(), "{err}");
    for attempt in earlier {
        let deadline = deadline_of(attempt);
        assert!(
            matches!(deadline, Some(Deadline::Attempt | Deadline::Idle)),
            "{attempt}"
        );
    }
    assert_eq!(deadline_of(last), Some(Deadline::Call), "{err}");
}

/// A complete answer (finish reason sent, valid JSON) is the result,
/// whatever the stream does after it: keep-alives flooding past the size
/// limit, a stall, a broken line, or a drop.
#[tokio::test]
async fn a_settled_answer_is_the_result_whatever_follows() {
    let gate = Gate::new();
    let garbage = concat!(
        r#"data: {"choices":[{"index":0,"delta":{"content":"{\"a\":1}"},"finish_reason":"stop"}]}"#,
        "\n\ndata: {broken\n\n"
    );
    let tails = [
        Reply::json(ANSWER)
            .without_done()
            .keep_alive(5_000, Duration::ZERO),
        Reply::json(ANSWER)
            .without_done()
            .hold_open(Pause::Until(gate.clone())),
        Reply::json(ANSWER).without_done().keep_alive(1_000, ms(5)),
        Reply::json(ANSWER)
            .without_done()
            .keep_alive(3, ms(5))
            .then_malformed_chunk(),
    ];
    let mut cases: Vec<(Provider, Reply)> = Provider::ALL
        .iter()
        .flat_map(|&p| tails.iter().map(move |t| (p, t.clone())))
        .collect();
    cases.push((Provider::ChatCompletions, Reply::sse(garbage)));
    for (k, (provider, reply)) in cases.into_iter().enumerate() {
        let server = ReplayServer::start([reply]).await.unwrap();
        let client = server
            .client_builder()
            .provider(provider)
            .timeouts(tight().with_idle(ms(300)))
            .max_response_bytes(4096)
            .backoff(Backoff::none())
            .build()
            .unwrap();
        let started = Instant::now();
        let mut stream = chat(&client)
            .mode(Mode::Json)
            .create_partial::<Object>()
            .await
            .unwrap();
        while let Some(snapshot) = stream.next().await {
            snapshot.unwrap_or_else(|e| panic!("{provider} tail {k}: {e}"));
        }
        assert!(stream.take_value().is_some(), "{provider} tail {k}");
        assert!(
            started.elapsed() < ms(1500),
            "{provider} tail {k}: {:?}",
            started.elapsed()
        );
        assert_eq!(server.requests().len(), 1, "{provider} tail {k}");
    }
}

/// Without a finish reason, what follows still counts: keep-alives past
/// the limit are too large, a stall is the idle bound.
#[tokio::test]
async fn an_unsettled_answer_still_fails() {
    let server = ReplayServer::start([Reply::json(ANSWER)
        .without_end()
        .keep_alive(5_000, Duration::ZERO)])
    .await
    .unwrap();
    let client = server
        .client_builder()
        .max_response_bytes(4096)
        .backoff(Backoff::none())
        .build()
        .unwrap();
    let err = chat(&client).create::<Object>().await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}
