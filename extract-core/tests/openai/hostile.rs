//! A hostile or broken server, over real TCP: retry headers no number can
//! make panic, numbers from the wire summed without overflow, credentials
//! that never follow a redirect to another origin, bodies that are not an
//! event stream, and framing broken mid-body.

use crate::common::{chat, client_over, client_with_backoff, json_of, Object};
use extract_core::openai::{same_origin_redirects, Mode, Provider, MAX_RETRY_AFTER};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::Error;
use serde_json::json;
use std::time::{Duration, Instant};

const ANSWER: &str = r#"{"name":"Jason","city":"Paris"}"#;

fn answer() -> serde_json::Value {
    serde_json::from_str(ANSWER).unwrap()
}

/// Retry headers no wait could honour end the call with the HTTP error at
/// once (the delay kept, capped); a date in the past or an unreadable
/// value is retried after the computed backoff. Never a panic.
#[tokio::test]
async fn retry_headers_from_a_hostile_server_never_panic() {
    let far = [
        ("retry-after", "1e20"),
        ("retry-after-ms", "1e30"),
        ("retry-after", "Sun, 06 Nov 9999 08:49:37 GMT"),
    ];
    for (name, value) in far {
        let server = ReplayServer::start([
            Reply::status(429, "slow down").header(name, value),
            Reply::json(ANSWER),
        ])
        .await
        .unwrap();
        let started = Instant::now();
        let err = chat(&client_with_backoff(&server, 2))
            .create::<Object>()
            .await
            .unwrap_err();
        let Error::Http {
            status: 429,
            retry_after,
            ..
        } = &err
        else {
            panic!("{name}: {value}: {err}")
        };
        assert_eq!(*retry_after, Some(MAX_RETRY_AFTER), "{name}: {value}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: {value}"
        );
        assert_eq!(server.requests().len(), 1, "{name}: {value}");
    }
    let retried = [
        ("retry-after", "-3"),
        ("retry-after", "NaN"),
        ("retry-after-ms", "-1e30"),
        ("retry-after", "Sun, 06 Nov 99999999999999 08:49:37 GMT"),
        ("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ];
    for (name, value) in retried {
        let server = ReplayServer::start([
            Reply::status(503, "busy").header(name, value),
            Reply::json(ANSWER),
        ])
        .await
        .unwrap();
        let got = chat(&client_with_backoff(&server, 1))
            .create::<Object>()
            .await
            .unwrap_or_else(|e| panic!("{name}: {value}: {e}"));
        assert_eq!(json_of(&got), answer());
    }
}

/// `u64::MAX` tokens reported by each of two attempts: the totals saturate
/// (a debug build would panic on an overflow).
#[tokio::test]
async fn usage_from_the_wire_is_summed_without_overflow() {
    let max = u64::MAX;
    for &provider in Provider::ALL {
        let server = ReplayServer::start([
            Reply::json(r#"{"a": "x"}"#).usage(max, max),
            Reply::json(r#"{"a": 1}"#).usage(max, max),
        ])
        .await
        .unwrap();
        let done = chat(&server.client_for(provider))
            .max_retries(1)
            .create_with_completion::<std::collections::BTreeMap<String, u32>>()
            .await
            .unwrap_or_else(|e| panic!("{provider}: {e}"));
        let usage = done.usage.unwrap();
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.total_tokens
            ),
            (max, max, max),
            "{provider}"
        );
    }
}

/// Fields the library does not use (a float `created`, an odd
/// `system_fingerprint`) cannot fail a stream.
#[tokio::test]
async fn fields_the_library_does_not_use_cannot_fail_a_stream() {
    let body = concat!(
        r#"data: {"id":"c","created":1717171717.5,"system_fingerprint":7,"choices":[{"index":0,"delta":{"content":"{\"a\":"}}]}"#,
        "\n\n",
        r#"data: {"id":"c","created":-1e300,"choices":[{"index":0,"delta":{"content":"1}"},"finish_reason":"stop"}]}"#,
        "\n\ndata: [DONE]\n\n"
    );
    let server = ReplayServer::start([Reply::sse(body)]).await.unwrap();
    let got = chat(&client_over(&server, Provider::ChatCompletions, 0))
        .mode(Mode::Json)
        .create::<Object>()
        .await
        .unwrap();
    assert_eq!(json_of(&got), json!({"a": 1}));
}

/// A client over `provider` with every kind of credential: the provider's
/// key (`Authorization: Bearer`, or Anthropic's `x-api-key`), an
/// Azure-style `api-key`, an `x-api-key`, and a header the caller marked
/// secret.
fn credentials(server: &ReplayServer, provider: Provider) -> extract_core::openai::ClientBuilder {
    server
        .client_builder()
        .provider(provider)
        .api_key("sk-origin-only")
        .header("api-key", "azure-origin-only")
        .header("x-api-key", "anthropic-origin-only")
        .secret_header("x-tenant", "tenant-origin-only")
        .backoff(extract_core::openai::Backoff::none())
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let elsewhere = ReplayServer::start([]).await.unwrap();
    elsewhere.repeat(Reply::json(ANSWER));
    for (provider, status) in crate::common::every_provider_with([301, 302, 303, 307, 308]) {
        // Any path: the other server records every request it gets.
        let target = format!("{}/elsewhere", elsewhere.base_url());
        let origin = ReplayServer::start([Reply::redirect(status, target.clone())])
            .await
            .unwrap();
        let client = credentials(&origin, provider).build().unwrap();
        let err = chat(&client).create::<Object>().await.unwrap_err();
        let Error::Http {
            status: got,
            message,
            ..
        } = &err
        else {
            panic!("{provider} {status}: {err}")
        };
        assert_eq!(*got, status);
        assert!(message.contains(&target), "{message}");
        assert_eq!(origin.requests().len(), 1);
        assert_eq!(
            origin.requests()[0].header("api-key"),
            Some("azure-origin-only")
        );
        // The caller's own reqwest client, built with the same policy.
        let own = reqwest::Client::builder()
            .redirect(same_origin_redirects())
            .build()
            .unwrap();
        origin.push(Reply::redirect(status, target.clone()));
        let client = credentials(&origin, provider)
            .http_client(own)
            .build()
            .unwrap();
        assert!(chat(&client).create::<Object>().await.is_err());
    }
    assert!(
        elsewhere.requests().is_empty(),
        "another origin (another port) was sent {:?}",
        elsewhere.requests()
    );
    let shown = format!(
        "{:?}",
        credentials(&elsewhere, Provider::ChatCompletions)
            .build()
            .unwrap()
    );
    assert!(!shown.contains("origin-only"), "{shown}");
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_credentials() {
    let server = ReplayServer::start([]).await.unwrap();
    let moved = format!("http://{}/moved/v1/chat/completions", server.addr());
    server.push(Reply::redirect(307, moved));
    server.push(Reply::json(ANSWER));
    let client = credentials(&server, Provider::ChatCompletions)
        .build()
        .unwrap();
    let got = chat(&client).create::<Object>().await.unwrap();
    assert_eq!(json_of(&got), answer());
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].path, "/moved/v1/chat/completions");
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer sk-origin-only")
    );
    assert_eq!(requests[1].header("x-tenant"), Some("tenant-origin-only"));
    assert_eq!(requests[1].body, requests[0].body, "a 307 keeps the body");
}

/// An attempt against `reply` over `provider`, with transient retries
/// allowed: the error and how many requests were made.
async fn refused(reply: Reply, provider: Provider) -> (Error, usize) {
    let server = ReplayServer::start([reply.clone(), reply.clone(), reply])
        .await
        .unwrap();
    let err = chat(&client_over(&server, provider, 2))
        .mode(Mode::Tools)
        .create::<Object>()
        .await
        .unwrap_err();
    (err, server.requests().len())
}

/// What is not an event stream is one clear `Protocol` error naming what
/// came (the label, the first bytes, kept as the raw text), not retried as
/// if the connection had failed.
#[tokio::test]
async fn what_is_not_an_event_stream_is_a_protocol_error_at_once() {
    let gzip = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\x56\x4a".to_vec();
    let cases = [
        (
            Reply::sse(gzip).header("content-encoding", "gzip"),
            Some("Content-Encoding: gzip"),
        ),
        (
            Reply::sse("Hello, this is not a stream").content_type("text/plain"),
            Some("Content-Type: text/plain"),
        ),
        (
            Reply::sse("<!doctype html><p>Welcome").content_type("text/html"),
            Some("HTML page"),
        ),
        (
            Reply::sse("<html>").without_content_type(),
            Some("no `Content-Type`"),
        ),
        // JSON, but not a response of the provider: the provider's decoder
        // says so in its words.
        (
            Reply::sse(r#"{"data": {"result": {"nested": {"deep": [1]}}}}"#)
                .content_type("application/json"),
            None,
        ),
        (
            Reply::sse(format!("{}{}", "[".repeat(5000), "]".repeat(5000))).without_content_type(),
            None,
        ),
    ];
    for &provider in Provider::ALL {
        for (reply, named) in &cases {
            let (err, requests) = refused(reply.clone(), provider).await;
            let Error::Protocol { message, .. } = &err else {
                panic!("{provider} {named:?}: {err}")
            };
            if let Some(named) = named {
                assert!(message.contains(named), "{provider} {named}: {message}");
            }
            assert!(
                err.raw_text().is_some_and(|raw| !raw.is_empty()),
                "{provider} {named:?}: the body is kept"
            );
            assert_eq!(requests, 1, "{provider} {named:?}: not retried");
        }
    }
}

/// A whole JSON completion (a server that ignored `stream: true`) is read
/// as one whatever its label, and an event stream as events whatever its
/// label: the bytes decide, as the official SDKs read a requested stream.
#[tokio::test]
async fn a_mislabelled_body_is_read_for_what_it_is() {
    for &provider in Provider::ALL {
        for reply in [
            Reply::json(ANSWER).whole().without_content_type(),
            Reply::json(ANSWER).whole().content_type("text/plain"),
            Reply::json(ANSWER).content_type("application/json"),
            Reply::json(ANSWER).without_content_type(),
            Reply::json(ANSWER).content_type("application/octet-stream"),
        ] {
            let server = ReplayServer::start([reply]).await.unwrap();
            let got = chat(&client_over(&server, provider, 0))
                .create::<Object>()
                .await
                .unwrap_or_else(|e| panic!("{provider}: {e}"));
            assert_eq!(json_of(&got), answer());
        }
    }
}

/// Chunked framing broken mid-body: an interrupted stream (retried), with
/// the text received before the break kept.
#[tokio::test]
async fn a_malformed_chunked_body_keeps_what_came_before() {
    for &provider in Provider::ALL {
        let server = ReplayServer::start([Reply::json(ANSWER).malformed_chunk_after(16)])
            .await
            .unwrap();
        let err = chat(&client_over(&server, provider, 0))
            .create::<Object>()
            .await
            .unwrap_err();
        let Error::Interrupted { .. } = &err else {
            panic!("{provider}: {err}")
        };
        assert_eq!(err.raw_text(), Some(&ANSWER[..16]), "{provider}");
        assert_eq!(err.partial(), Some(&json!({"name": "Jason"})), "{provider}");
    }
}
