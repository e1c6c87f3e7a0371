//! What real chat-completions servers send that the protocol does not say,
//! read as they mean it, end to end over HTTP: Mistral's typed content
//! parts, Groq's `"null"` arguments, OpenRouter's native finish reason, and
//! servers that ignore `tool_choice` and answer in text.

use crate::common::{request, Object};
use extract_core::openai::Mode;
use extract_core::testing::{ReplayServer, Reply};
use extract_core::Error;
use serde_json::{json, Value};

/// An event stream of `chunks` (each the JSON of one chunk), then `[DONE]`.
fn stream(chunks: &[Value]) -> Reply {
    let mut body = String::new();
    for chunk in chunks {
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    Reply::sse(body).split_every(7)
}

fn choice(delta: Value, finish_reason: Option<&str>) -> Value {
    json!({"id": "q", "object": "chat.completion.chunk",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})
}

#[tokio::test]
async fn mistral_typed_content_parts_give_the_text_answer() {
    let thinking = |t: &str| json!({"type": "thinking", "thinking": [{"type": "text", "text": t}]});
    let text = |t: &str| json!({"type": "text", "text": t});
    let server = ReplayServer::start([stream(&[
        choice(
            json!({"role": "assistant", "content": [thinking("The user wants")]}),
            None,
        ),
        choice(
            json!({"content": [thinking(" a name."), text("{\"name\": \"Ad")]}),
            None,
        ),
        choice(json!({"content": [text("a\"}")]}), None),
        choice(json!({"content": ""}), Some("stop")),
    ])])
    .await
    .unwrap();
    let value = request(&server, Mode::JsonSchema)
        .create::<Object>()
        .await
        .unwrap();
    assert_eq!(value["name"], "Ada");
}

#[tokio::test]
async fn groq_null_arguments_are_an_empty_object() {
    let server = ReplayServer::start([stream(&[
        choice(
            json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "c1", "type": "function",
                   "function": {"name": "Object", "arguments": "null"}}]}),
            None,
        ),
        choice(json!({}), Some("tool_calls")),
    ])])
    .await
    .unwrap();
    let value = request(&server, Mode::Tools)
        .create::<Object>()
        .await
        .unwrap();
    assert!(value.is_empty(), "{value:?}");
}

#[tokio::test]
async fn openrouter_cut_arguments_are_truncated_not_a_syntax_error() {
    let mut finish = choice(json!({}), Some("tool_calls"));
    finish["choices"][0]["native_finish_reason"] = json!("max_output_tokens");
    let server = ReplayServer::start([stream(&[
        choice(
            json!({"tool_calls": [{"index": 0, "id": "c1", "type": "function",
                   "function": {"name": "Object", "arguments": "{\"name\": \"Ad"}}]}),
            None,
        ),
        finish,
    ])])
    .await
    .unwrap();
    let err = request(&server, Mode::Tools)
        .create::<Object>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    assert_eq!(err.partial(), Some(&json!({"name": "Ad"})));
}

/// Ollama and others ignore `tool_choice`: the model may answer in text.
/// JSON there (bare, or in a code fence) is the answer, streamed when the
/// text starts with it.
#[tokio::test]
async fn a_server_that_ignores_tool_choice_answers_in_content() {
    for text in [
        r#"{"name": "Ada"}"#,
        "```json\n{\"name\": \"Ada\"}\n```",
        "Sure, here it is:\n\n```json\n{\"name\": \"Ada\"}\n```\nAnything else?",
    ] {
        let server = ReplayServer::start([Reply::text(text)]).await.unwrap();
        let value = request(&server, Mode::Tools)
            .create::<Object>()
            .await
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(value["name"], "Ada", "{text:?}");
    }
    let server = ReplayServer::start([Reply::text("I would rather not.")])
        .await
        .unwrap();
    let err = request(&server, Mode::Tools)
        .create::<Object>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoJson { .. }), "{err}");
    assert_eq!(err.raw_text(), Some("I would rather not."));
}
