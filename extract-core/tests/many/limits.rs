//! The rate limiter against a server that limits: it follows the limits
//! the server reports (OpenAI's and Anthropic's headers), pauses every
//! request on a 429 and paces the recovery, and takes caps.

use crate::common::echo_server;
use extract_core::client::{Backoff, Provider, RateLimit};
use extract_core::testing::{ReplayServer, Reply};
use futures::StreamExt;
use serde_json::Value;
use std::time::{Duration, Instant};

fn docs(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("d{i}"), format!("text {i}")))
        .collect()
}

fn chat_arrivals(server: &ReplayServer) -> Vec<extract_core::testing::Arrival> {
    server
        .arrivals()
        .into_iter()
        .filter(|a| a.route.ends_with("/chat/completions") || a.route.ends_with("/v1/messages"))
        .collect()
}

/// One request at a time, the server allowing 5 per 150 ms and saying so:
/// the client waits for each reset it is told of and is never refused.
#[tokio::test]
async fn the_reported_limits_are_followed_for_both_providers() {
    for provider in [Provider::ChatCompletions, Provider::Anthropic] {
        let server = echo_server().await;
        server.rate_limit(5, Duration::from_millis(150));
        let client = server.client_for(provider);
        let started = Instant::now();
        let results: Vec<_> = client
            .chat()
            .model("m")
            .many::<Value>(docs(16))
            .concurrency(1)
            .start()
            .unwrap()
            .collect()
            .await;
        assert!(results.iter().all(|(_, r)| r.is_ok()));
        let limited = chat_arrivals(&server).iter().filter(|a| a.limited).count();
        assert_eq!(limited, 0, "{provider}");
        // 16 requests, 5 per window: at least three resets waited for.
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "{provider}"
        );
    }
}

/// 64 at once against 20 per 100 ms: the first window refuses many (the
/// client knew nothing yet); after that the client keeps to the limit,
/// and every document succeeds.
#[tokio::test]
async fn a_limited_server_sees_few_429s() {
    let server = echo_server().await;
    server.rate_limit(20, Duration::from_millis(100));
    let client = server
        .client_builder()
        .backoff(
            Backoff::default()
                .with_max_retries(20)
                .with_base_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let results: Vec<_> = client
        .chat()
        .model("m")
        .many::<Value>(docs(200))
        .concurrency(64)
        .start()
        .unwrap()
        .collect()
        .await;
    assert_eq!(results.len(), 200);
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    let arrivals = chat_arrivals(&server);
    let limited = arrivals.iter().filter(|a| a.limited).count();
    // Without the limiter every window refuses some 44 of 64.
    assert!(limited < 100, "{limited} of {} refused", arrivals.len());
}

/// A 429 with `retry-after-ms: 300` pauses every request: beyond those
/// already on their way, none arrives until the pause ends; then they
/// come at a pace, not all at once.
#[tokio::test]
async fn a_429_pauses_everyone_and_there_is_no_herd_after() {
    let server =
        ReplayServer::start([Reply::status(429, "slow down").header("retry-after-ms", "300")])
            .await
            .unwrap();
    server.repeat(Reply::json("{\"doc\": \"x\"}").delay(Duration::from_millis(1)));
    let results: Vec<_> = server
        .client()
        .chat()
        .model("m")
        .many::<Value>(docs(120))
        .concurrency(32)
        .start()
        .unwrap()
        .collect()
        .await;
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    let arrivals = chat_arrivals(&server);
    let t429 = arrivals[0].at;
    let quiet = arrivals
        .iter()
        .filter(|a| {
            a.at > t429 + Duration::from_millis(60) && a.at < t429 + Duration::from_millis(280)
        })
        .count();
    assert_eq!(quiet, 0, "requests arrived during the pause");
    let after: Vec<Instant> = arrivals
        .iter()
        .map(|a| a.at)
        .filter(|at| *at >= t429 + Duration::from_millis(280))
        .collect();
    assert!(after.len() >= 80, "{}", after.len());
    // Paced: the first 20 after the pause are spread out, not a burst.
    let spread = after[19].duration_since(after[0]);
    assert!(spread >= Duration::from_millis(20), "{spread:?}");
}

/// A cap of 600 requests per minute: a burst of 60, then 10 per second.
#[tokio::test]
async fn caps_hold_the_rate() {
    let server = echo_server().await;
    let client = server
        .client_builder()
        .rate_limit(RateLimit::default().requests_per_minute(600))
        .build()
        .unwrap();
    let started = Instant::now();
    let results: Vec<_> = client
        .chat()
        .model("m")
        .many::<Value>(docs(65))
        .concurrency(65)
        .start()
        .unwrap()
        .collect()
        .await;
    assert_eq!(results.len(), 65);
    // 5 beyond the burst at 10 per second: about half a second.
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
}
