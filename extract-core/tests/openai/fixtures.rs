//! Every recorded OpenAI-compatible stream of `tests/fixtures/sse/`
//! (OpenAI, OpenRouter, Groq, vLLM), replayed byte for byte through the
//! client over HTTP: whole, and cut into small network writes.
//!
//! Expected values are computed from the recordings by a naive reader (parse
//! every `data:` line, concatenate choice 0's fragments), independent of the
//! runtime; expected errors are named by the fixture's README.

use crate::common::{chat, client_without_backoff, json_of, FIXTURES};
use extract_core::openai::{Extraction, Mode, ResponseModel};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::{Error, Iterable};
use futures::StreamExt;
use serde_json::{json, Value};
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(FIXTURES).join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "the recorded stream {} is missing ({e}); the fixtures live in extract-core/tests/fixtures/sse",
            path.display()
        )
    })
}

/// Choice 0's content and tool-call arguments (by index), read naively.
fn naive(name: &str) -> (String, Vec<String>) {
    let (content, calls, _) = naive_all(name);
    (content, calls)
}

/// Choice 0's content, tool-call arguments and refusal, read naively.
fn naive_all(name: &str) -> (String, Vec<String>, String) {
    let body = String::from_utf8(fixture(name)).unwrap();
    let (mut content, mut calls, mut refusal) =
        (String::new(), Vec::<String>::new(), String::new());
    for line in body.lines().filter_map(|l| l.strip_prefix("data: ")) {
        let Ok(chunk) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for choice in chunk["choices"].as_array().into_iter().flatten() {
            if choice["index"].as_u64().unwrap_or(0) != 0 {
                continue;
            }
            content.push_str(choice["delta"]["content"].as_str().unwrap_or(""));
            refusal.push_str(choice["delta"]["refusal"].as_str().unwrap_or(""));
            for call in choice["delta"]["tool_calls"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let index = usize::try_from(call["index"].as_u64().unwrap_or(0)).unwrap();
                if calls.len() <= index {
                    calls.resize(index + 1, String::new());
                }
                calls[index].push_str(call["function"]["arguments"].as_str().unwrap_or(""));
            }
        }
    }
    (content, calls, refusal)
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Replays `name` whole and in 7-byte writes, returning both results.
async fn replay<R: ResponseModel>(name: &str, mode: Mode) -> Vec<Result<R::Output, Error>> {
    let mut results = Vec::new();
    for reply in [
        Reply::sse(fixture(name)),
        Reply::sse(fixture(name)).split_every(7),
    ] {
        let server = ReplayServer::start([reply]).await.unwrap();
        results.push(
            chat(&client_without_backoff(&server))
                .mode(mode)
                .create::<R>()
                .await,
        );
        assert_eq!(server.requests().len(), 1, "{name}: no retry");
    }
    results
}

/// Replays `name` whole in the default mode; the value with its completion.
async fn completion(name: &str) -> Extraction<Value> {
    let server = ReplayServer::start([Reply::sse(fixture(name))])
        .await
        .unwrap();
    chat(&client_without_backoff(&server))
        .create_with_completion::<Value>()
        .await
        .unwrap()
}

async fn value(name: &str, mode: Mode) -> Value {
    let mut values = Vec::new();
    for result in replay::<Value>(name, mode).await {
        values.push(result.unwrap_or_else(|e| panic!("{name}: {e}")));
    }
    assert_eq!(values[0], values[1], "{name}: the splits change nothing");
    values.remove(0)
}

async fn error(name: &str, mode: Mode) -> Error {
    let mut errors: Vec<Error> = replay::<Value>(name, mode)
        .await
        .into_iter()
        .map(|r| r.expect_err(&format!("{name} must fail")))
        .collect();
    assert_eq!(
        errors[0].to_string(),
        errors[1].to_string(),
        "{name}: the splits change nothing"
    );
    errors.remove(0)
}

#[tokio::test]
async fn openai_json_schema_content() {
    let got = value("openai/json-schema-content.sse", Mode::JsonSchema).await;
    assert_eq!(
        got,
        json!({"city": "San Francisco", "temperature": 61, "units": "f"})
    );
}

#[tokio::test]
async fn openai_n3_reads_choice_zero_only() {
    let got = value(
        "openai/json-schema-n3-interleaved-choices.sse",
        Mode::JsonSchema,
    )
    .await;
    assert_eq!(
        got,
        parsed(&naive("openai/json-schema-n3-interleaved-choices.sse").0)
    );
}

#[tokio::test]
async fn openai_pretty_json_object_with_non_ascii() {
    let got = value("openai/json-object-pretty.sse", Mode::Json).await;
    assert_eq!(got, parsed(&naive("openai/json-object-pretty.sse").0));
    assert!(got.to_string().contains("°C"));
}

#[tokio::test]
async fn openai_length_truncated() {
    let err = error("openai/json-schema-length-truncated.sse", Mode::JsonSchema).await;
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    assert_eq!(err.raw_text(), Some("{\""));
}

#[tokio::test]
async fn openai_refusals() {
    for name in [
        "openai/json-schema-refusal.sse",
        "openai/json-schema-refusal-logprobs.sse",
    ] {
        let err = error(name, Mode::JsonSchema).await;
        let Error::Refusal { refusal, .. } = &err else {
            panic!("{name}: {err}")
        };
        assert_eq!(*refusal, naive_all(name).2, "{name}");
        assert!(
            refusal.starts_with("I'm") && refusal.contains("assist with that"),
            "{refusal}"
        );
    }
}

#[tokio::test]
async fn openai_plain_text_is_not_json() {
    let err = error("openai/text-plain.sse", Mode::Json).await;
    assert!(matches!(err, Error::Syntax { .. }), "{err}");
    let raw = err.raw_text().unwrap();
    assert!(
        !raw.is_empty() && naive("openai/text-plain.sse").0.starts_with(raw),
        "what came before the error: {raw}"
    );
    let err = error("openai/text-plain.sse", Mode::MdJson).await;
    assert!(matches!(err, Error::NoJson { .. }), "{err}");
}

#[tokio::test]
async fn openai_tools() {
    let got = value("openai/tool-single-strict.sse", Mode::ToolsStrict).await;
    assert_eq!(
        got,
        json!({"city": "Edinburgh", "country": "UK", "units": "c"})
    );
    let got = value("openai/tool-call-include-usage.sse", Mode::Tools).await;
    assert_eq!(got, json!({"country": "UK"}));
    let name = "openai/final-result-tool-nested-args-usage.sse";
    let got = value(name, Mode::Tools).await;
    assert_eq!(got, parsed(&naive(name).1[0]));
    assert!(got["answers"].as_array().is_some_and(|a| a.len() > 1));
}

#[tokio::test]
async fn openai_parallel_tool_calls() {
    let name = "openai/tools-parallel-two.sse";
    for result in replay::<Iterable<Value>>(name, Mode::ParallelTools).await {
        let items = result.unwrap();
        assert_eq!(
            items,
            [
                json!({"city": "Edinburgh", "country": "GB", "units": "c"}),
                json!({"ticker": "AAPL", "exchange": "NASDAQ"})
            ]
        );
    }
    assert_eq!(
        value(name, Mode::Tools).await,
        json!({"city": "Edinburgh", "country": "GB", "units": "c"})
    );
    for result in replay::<Iterable<Value>>(
        "openai/tools-parallel-empty-args-usage.sse",
        Mode::ParallelTools,
    )
    .await
    {
        assert_eq!(result.unwrap(), [json!({}), json!({})]);
    }
}

#[tokio::test]
async fn openai_parallel_tool_calls_stream_item_by_item() {
    let server =
        ReplayServer::start([Reply::sse(fixture("openai/tools-parallel-two.sse")).split_every(40)])
            .await
            .unwrap();
    let request = chat(&client_without_backoff(&server)).mode(Mode::ParallelTools);
    let mut stream = request.create_iterable::<Value>().await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap()["city"], "Edinburgh");
    assert_eq!(stream.next().await.unwrap().unwrap()["ticker"], "AAPL");
    assert!(stream.next().await.is_none());
    assert!(stream.usage().is_some_and(|u| u.total_tokens > 0));
}

#[tokio::test]
async fn openai_usage_from_the_usage_chunk() {
    let name = "openai/tool-call-include-usage.sse";
    let extraction = completion(name).await;
    let usage = extraction.usage.unwrap();
    assert!(
        usage.total_tokens > 0
            && usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    );
    assert_eq!(extraction.completion.tool_calls[0].name, "get_capital");
}

#[tokio::test]
async fn openrouter_comments_length_and_error_chunk() {
    let err = error(
        "openrouter/minimax-comments-length-error-chunk.sse",
        Mode::Json,
    )
    .await;
    assert!(
        matches!(err, Error::Truncated { .. }),
        "the finish reason comes before the error object: {err}"
    );
}

#[tokio::test]
async fn openrouter_repeated_id_and_name_without_finish_reason() {
    let name = "openrouter/kimi-k2-tool-call-repeated-id-name.sse";
    assert_eq!(value(name, Mode::Tools).await, json!({}));
    let extraction = completion(name).await;
    let call = &extraction.completion.tool_calls[0];
    assert_eq!(
        (call.id.as_str(), call.name.as_str()),
        ("0", "llm_version"),
        "never `llm_versionllm_version`"
    );
    assert_eq!(
        extraction.usage.map(|u| u.total_tokens),
        Some(74),
        "usage inside a chunk with choices"
    );
}

#[tokio::test]
async fn groq_error_event_mid_stream() {
    let err = error("groq/gpt-oss-event-error-midstream.sse", Mode::Tools).await;
    let Error::Provider {
        code,
        kind,
        message,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(code.as_deref(), Some("tool_use_failed"));
    assert_eq!(kind.as_deref(), Some("invalid_request_error"));
    assert!(
        message.starts_with("Tool call validation failed"),
        "{message}"
    );
}

#[tokio::test]
async fn groq_whole_tool_call_in_one_chunk() {
    let got = value("groq/gpt-oss-reasoning-whole-tool-call.sse", Mode::Tools).await;
    assert_eq!(got, json!({"name": "example"}));
}

#[tokio::test]
async fn vllm_plain_text_with_extras() {
    let err = error("vllm/crusoe-llama33-text-usage.sse", Mode::Json).await;
    assert!(
        matches!(err, Error::Syntax { .. }),
        "`1, 2, 3, 4, 5` is not one JSON value: {err}"
    );
    assert!(
        err.raw_text().is_some_and(|raw| raw.starts_with("1,")),
        "{err:?}"
    );
    let got: Vec<Value> = replay_partial_last("vllm/crusoe-llama33-text-usage.sse").await;
    assert!(got.is_empty());
}

/// The snapshots of a plain-text stream in `MdJson` (none: no JSON in it).
async fn replay_partial_last(name: &str) -> Vec<Value> {
    let server = ReplayServer::start([Reply::sse(fixture(name))])
        .await
        .unwrap();
    let stream = chat(&client_without_backoff(&server))
        .mode(Mode::MdJson)
        .create_partial::<Value>()
        .await
        .unwrap();
    let items: Vec<Result<std::sync::Arc<Value>, Error>> = stream.collect().await;
    assert!(
        matches!(items.last(), Some(Err(Error::NoJson { .. }))),
        "{items:?}"
    );
    items
        .into_iter()
        .filter_map(Result::ok)
        .map(|v| json_of(&v))
        .collect()
}
