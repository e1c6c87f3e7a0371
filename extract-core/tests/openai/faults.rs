//! Every fault the replay server can produce, and the typed error (or the
//! transient retry) it leads to.

use crate::common::{
    chat, client_over, client_with_backoff, client_without_backoff, every_provider_with, json_of,
    request, Object,
};
use extract_core::openai::{Backoff, Client, Mode};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::Error;
use futures::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};

/// The answer as sent (keys in this order) and as a value.
const ANSWER: &str = r#"{"name":"Jason","city":"Paris"}"#;

fn answer() -> serde_json::Value {
    serde_json::from_str(ANSWER).unwrap()
}

async fn fails_with(reply: Reply, mode: Mode) -> (Error, ReplayServer) {
    let server = ReplayServer::start([reply]).await.unwrap();
    let result = chat(&client_without_backoff(&server))
        .mode(mode)
        .create::<Object>()
        .await;
    (
        result.expect_err("the fault must surface as an error"),
        server,
    )
}

#[tokio::test]
async fn rate_limit_is_retried_after_the_delay_the_server_asks() {
    let server = ReplayServer::start([
        Reply::status(429, "Rate limit reached").header("retry-after-ms", "120"),
        Reply::json(ANSWER),
    ])
    .await
    .unwrap();
    let started = Instant::now();
    let got: Object = request(&server, Mode::Tools)
        .create::<Object>()
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(json_of(&got), answer());
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.requests()[0].body,
        server.requests()[1].body,
        "a transient retry resends the same request"
    );
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let server = ReplayServer::start([
        Reply::status(503, "busy").retry_after(1),
        Reply::json(ANSWER),
    ])
    .await
    .unwrap();
    let started = Instant::now();
    let _: Object = request(&server, Mode::Json)
        .create::<Object>()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    for (provider, status) in every_provider_with([408, 429, 500, 502, 503, 504]) {
        let server = ReplayServer::start([
            Reply::status(status, "oops"),
            Reply::status(status, "oops"),
            Reply::json(ANSWER),
        ])
        .await
        .unwrap();
        let got: Object = chat(&client_over(&server, provider, 2))
            .create::<Object>()
            .await
            .unwrap();
        assert_eq!(json_of(&got), answer(), "{provider} {status}");
        assert_eq!(server.requests().len(), 3, "{provider} {status}");
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for (provider, status) in every_provider_with([400, 401, 403, 404]) {
        let server = ReplayServer::start([
            Reply::status(status, "Incorrect API key provided"),
            Reply::json(ANSWER),
        ])
        .await
        .unwrap();
        let err = chat(&client_over(&server, provider, 3))
            .create::<Object>()
            .await
            .unwrap_err();
        let Error::Http {
            status: got,
            message,
            kind,
            ..
        } = &err
        else {
            panic!("{provider}: {err}")
        };
        assert_eq!(*got, status, "{provider}");
        assert_eq!(message, "Incorrect API key provided");
        // The provider's error type: `invalid_request_error` (OpenAI),
        // `authentication_error`, `not_found_error`, … (Anthropic).
        assert!(
            kind.as_deref().is_some_and(|k| k.ends_with("_error")),
            "{provider} {status}: {kind:?}"
        );
        assert!(
            err.raw_text().unwrap().contains("Incorrect API key"),
            "the body is kept"
        );
        assert_eq!(
            server.requests().len(),
            1,
            "{provider} {status} is not retried"
        );
    }
}

#[tokio::test]
async fn exhausted_backoff_holds_every_attempt() {
    let server = ReplayServer::start([
        Reply::status(500, "a"),
        Reply::status(502, "b"),
        Reply::status(503, "c"),
    ])
    .await
    .unwrap();
    let err = chat(&client_with_backoff(&server, 2))
        .create::<Object>()
        .await
        .unwrap_err();
    let Error::RetriesExhausted { attempts, .. } = &err else {
        panic!("{err}")
    };
    let statuses: Vec<u16> = attempts
        .iter()
        .map(|e| match e {
            Error::Http { status, .. } => *status,
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(statuses, [500, 502, 503]);
    assert!(err.to_string().contains("all 3 attempts failed"), "{err}");
}

#[tokio::test]
async fn a_dropped_connection_is_an_interrupted_stream_with_the_partial() {
    let (err, _server) = fails_with(Reply::json(ANSWER).drop_after(24), Mode::Tools).await;
    let Error::Interrupted { .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(err.raw_text(), Some(&ANSWER[..24]));
    assert_eq!(err.partial(), Some(&json!({"name": "Jason", "city": ""})));
}

#[tokio::test]
async fn a_dropped_connection_is_retried_when_allowed() {
    let server = ReplayServer::start([Reply::json(ANSWER).drop_after(10), Reply::json(ANSWER)])
        .await
        .unwrap();
    let got: Object = chat(&client_with_backoff(&server, 1))
        .create::<Object>()
        .await
        .unwrap();
    assert_eq!(json_of(&got), answer());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_malformed_line_is_a_protocol_error() {
    let (err, server) = fails_with(Reply::json(ANSWER).malformed_after(9), Mode::JsonSchema).await;
    let Error::Protocol { message, .. } = &err else {
        panic!("{err}")
    };
    assert!(message.contains("not a chat.completion.chunk"), "{message}");
    assert_eq!(err.raw_text(), Some(&ANSWER[..9]));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_token_limit_is_a_truncation_error_with_the_partial() {
    for mode in [Mode::Tools, Mode::Json, Mode::JsonSchema] {
        let (err, _server) = fails_with(Reply::json(ANSWER).truncate(25), mode).await;
        let Error::Truncated { .. } = &err else {
            panic!("{mode:?}: {err}")
        };
        assert_eq!(
            err.partial(),
            Some(&json!({"name": "Jason", "city": "P"})),
            "{mode:?}"
        );
        assert_eq!(err.raw_text(), Some(&ANSWER[..25]), "{mode:?}");
    }
}

#[tokio::test]
async fn a_refusal_is_its_own_error() {
    let text = "I'm sorry, I can't help with that.";
    let (err, _server) = fails_with(Reply::refusal(text), Mode::JsonSchema).await;
    let Error::Refusal { refusal, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(refusal, text);
    let server = ReplayServer::start([Reply::refusal(text)]).await.unwrap();
    let mut stream = request(&server, Mode::ToolsStrict)
        .create_partial::<Object>()
        .await
        .unwrap();
    let last = stream.next().await.unwrap();
    assert!(matches!(last, Err(Error::Refusal { .. })));
    assert!(stream.next().await.is_none());
    assert!(stream.take_value().is_none());
}

#[tokio::test]
async fn an_error_sent_mid_stream_is_a_provider_error() {
    let (err, _server) = fails_with(
        Reply::json(ANSWER).error_after(11, "The server had an error"),
        Mode::Tools,
    )
    .await;
    let Error::Provider { message, kind, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(message, "The server had an error");
    assert_eq!(kind.as_deref(), Some("server_error"));
    assert_eq!(err.partial(), Some(&json!({"name": "Ja"})));
}

#[tokio::test]
async fn a_stream_without_an_end_is_interrupted_not_a_success() {
    let (err, _server) = fails_with(Reply::json(ANSWER).without_end(), Mode::Json).await;
    let Error::Interrupted { reason, .. } = &err else {
        panic!("{err}")
    };
    assert!(reason.contains("no finish reason"), "{reason}");
    assert_eq!(
        err.partial(),
        Some(&answer()),
        "the complete-looking value is kept but not trusted"
    );
}

#[tokio::test]
async fn no_server_is_a_transport_error() {
    let server = ReplayServer::start([]).await.unwrap();
    let base = server.base_url();
    drop(server);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let backoff = Backoff::default().with_base_delay(Duration::from_millis(1));
    let client = Client::builder()
        .base_url(base)
        .backoff(backoff)
        .build()
        .unwrap();
    let err = chat(&client).create::<Object>().await.unwrap_err();
    let Error::RetriesExhausted { attempts, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        attempts
            .iter()
            .all(|e| matches!(e, Error::Transport { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn an_oversized_response_is_refused() {
    let server = ReplayServer::start([Reply::value(&json!({"text": "x".repeat(5000)}))])
        .await
        .unwrap();
    let client = server
        .client_builder()
        .max_response_bytes(2000)
        .build()
        .unwrap();
    let err = chat(&client).create::<Object>().await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 2000, .. }), "{err}");
}

#[tokio::test]
async fn text_instead_of_a_tool_call_or_a_fence_holds_no_json() {
    let (err, _server) = fails_with(Reply::text("I think the answer is Paris."), Mode::Tools).await;
    let Error::NoJson { message, .. } = &err else {
        panic!("{err}")
    };
    assert!(message.contains("instead of calling the tool"), "{message}");
    assert_eq!(err.raw_text(), Some("I think the answer is Paris."));
    let (err, _server) = fails_with(Reply::text("Paris, I think."), Mode::MdJson).await;
    assert!(matches!(err, Error::NoJson { .. }), "{err}");
}

#[tokio::test]
async fn the_key_never_shows_in_errors() {
    let server = ReplayServer::start([Reply::status(401, "bad key")])
        .await
        .unwrap();
    let client = server
        .client_builder()
        .api_key("sk-very-secret")
        .build()
        .unwrap();
    let err = chat(&client).create::<Object>().await.unwrap_err();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk-very-secret")
    );
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
}

#[tokio::test]
async fn a_missing_model_is_a_configuration_error() {
    let server = ReplayServer::start([]).await.unwrap();
    let err = server
        .client()
        .chat()
        .user("x")
        .create::<Object>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(server.requests().is_empty());
}
