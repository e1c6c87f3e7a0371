//! The Responses provider against the replay server speaking the Responses
//! API at `/v1/responses` (every mode × `create` / `create_partial` /
//! `create_iterable` and the HTTP errors run for every provider in
//! `modes.rs` and `faults.rs`): the request bodies, compared with the
//! documented shapes and with recorded real requests; re-asks; faults;
//! whole responses.

use crate::common::{client_over, json_of, reasked, Object, MODES};
use crate::modes::{user, users};
use extract_core::openai::{ChatRequest, Client, Mode, Part, Provider, ResponseModel};
use extract_core::testing::{RecordedRequest, ReplayServer, Reply};
use extract_core::{Error, Iterable};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The recorded Responses requests and streams.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/responses");

/// A Responses client to `server` that retries transient failures
/// `retries` times, fast.
pub fn client(server: &ReplayServer, retries: u32) -> Client {
    client_over(server, Provider::Responses, retries)
}

/// A request to `server` in `mode` over Responses, never retried.
pub fn request(server: &ReplayServer, mode: Mode) -> ChatRequest {
    client(server, 0)
        .chat()
        .model("test-model")
        .user("Extract it.")
        .mode(mode)
}

#[tokio::test]
async fn create_with_completion_keeps_ids_finish_and_usage() {
    let server = ReplayServer::start([Reply::items(users())]).await.unwrap();
    let extraction = request(&server, Mode::ParallelTools)
        .create_with_completion::<Iterable<Object>>()
        .await
        .unwrap();
    let completion = &extraction.completion;
    assert_eq!(completion.id.as_deref(), Some("resp_replay-1"));
    assert_eq!(completion.model.as_deref(), Some("test-model"));
    assert_eq!(completion.finish_reason.as_deref(), Some("completed"));
    let ids: Vec<&str> = completion
        .tool_calls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["call_replay_0", "call_replay_1", "call_replay_2"]);
    assert!(extraction.usage.is_some_and(|u| u.total_tokens > 0));
}

/// The schema of `R` as the request sends it in `mode`.
fn schema_of<R: ResponseModel>(mode: Mode) -> (String, Value) {
    let spec = R::spec();
    let target = spec.target(mode);
    (target.name.clone(), target.schema_for(mode))
}

/// The body of every mode, whole: the API reference's `input` items (with
/// typed content parts), `tools` (flat function tools, `strict` always
/// sent), `tool_choice`, `text.format`, `max_output_tokens`, `store`.
#[tokio::test]
async fn each_mode_sends_the_documented_body() {
    for mode in MODES {
        let server = ReplayServer::start([Reply::value(&json!({}))])
            .await
            .unwrap();
        request(&server, mode)
            .system("Be precise.")
            .temperature(0.5)
            .max_tokens(300)
            .extra("top_p", 0.9)
            .create::<Object>()
            .await
            .unwrap();
        let sent = &server.requests()[0];
        assert_eq!(sent.path, "/v1/responses");
        assert_eq!(sent.header("authorization"), Some("Bearer test-key"));
        let mut body = sent.json();
        let input = body.as_object_mut().unwrap().remove("input").unwrap();
        let spec = <Object as ResponseModel>::spec();
        let target = spec.target(mode);
        let (name, schema) = (&target.name, target.schema_for(mode));
        let description = target.description(&schema);
        let tool = |strict: bool| json!([{"type": "function", "name": name, "description": description, "parameters": schema, "strict": strict}]);
        let forced = json!({"type": "function", "name": name});
        let mut expected = json!({"model": "test-model", "stream": true, "store": false, "temperature": 0.5, "max_output_tokens": 300});
        let fields = match mode {
            Mode::Tools => json!({"tools": tool(false), "tool_choice": forced}),
            Mode::ToolsStrict => json!({"tools": tool(true), "tool_choice": forced}),
            Mode::ParallelTools => json!({"tools": tool(false), "tool_choice": "auto"}),
            Mode::JsonSchema => {
                json!({"text": {"format": {"type": "json_schema", "name": name, "schema": schema, "strict": true, "description": description}}})
            }
            Mode::Json => json!({"text": {"format": {"type": "json_object"}}}),
            _ => json!({}),
        };
        let expected_fields = expected.as_object_mut().unwrap();
        expected_fields.extend(fields.as_object().unwrap().clone());
        expected_fields.insert("top_p".into(), json!(0.9));
        assert_eq!(body, expected, "{mode:?}");
        let text = |role: &str, text: &str| json!({"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]});
        let mut items = vec![text("user", "Extract it."), text("system", "Be precise.")];
        if matches!(mode, Mode::Json | Mode::MdJson) {
            let schema_message = &input[0];
            assert_eq!(schema_message["role"], "system", "{mode:?}");
            let prompt = schema_message["content"][0]["text"].as_str().unwrap();
            assert!(prompt.contains("JSON Schema"), "{mode:?}: {prompt}");
            items.insert(0, schema_message.clone());
        }
        assert_eq!(input, json!(items), "{mode:?}");
    }
}

/// The keys of an object (none for another value).
fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn recorded_request(name: &str) -> Value {
    let path = format!("{FIXTURES}/{name}.request.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// What the client sends has the fields of the requests real clients sent
/// (recorded in `tests/fixtures/responses/*.request.json`): the function
/// tool, the `json_schema` format, a user message with typed parts.
#[tokio::test]
async fn bodies_have_the_shape_of_recorded_requests() {
    let server = ReplayServer::start([Reply::value(&json!({})), Reply::value(&json!({}))])
        .await
        .unwrap();
    request(&server, Mode::ToolsStrict)
        .create::<Object>()
        .await
        .unwrap();
    request(&server, Mode::JsonSchema)
        .create::<Object>()
        .await
        .unwrap();
    let (tools, format) = (server.requests()[0].json(), server.requests()[1].json());
    let recorded = recorded_request("deepseek-reasoning-text-function-call");
    assert_eq!(keys(&tools["tools"][0]), keys(&recorded["tools"][0]));
    assert_eq!(
        keys(&tools["tool_choice"]),
        ["name", "type"].map(String::from).into()
    );
    let recorded = recorded_request("refusal-json-schema");
    let mut format_keys = keys(&format["text"]["format"]);
    assert!(
        format_keys.remove("description"),
        "the documented description"
    );
    assert_eq!(format_keys, keys(&recorded["text"]["format"]));
    assert_eq!(keys(&format["input"][0]), keys(&recorded["input"][0]));
    assert_eq!(
        keys(&format["input"][0]["content"][0]),
        keys(&recorded["input"][0]["content"][0])
    );
}

/// Images and documents as the "Images and vision" and "File inputs"
/// guides send them.
#[tokio::test]
async fn parts_are_sent_as_documented() {
    let server = ReplayServer::start([Reply::value(&json!({}))])
        .await
        .unwrap();
    client(&server, 0)
        .chat()
        .model("test-model")
        .user_parts([
            Part::text("Read these."),
            Part::image_url("https://example.com/r.png"),
            Part::image(&b"\x89PNG"[..], "image/png"),
            Part::pdf(&b"%PDF-1.7"[..]),
            Part::document(&b"a,b"[..], "text/csv", Some("t.csv".into())),
            Part::file_id("file-abc"),
            Part::document_url("https://example.com/r.pdf"),
        ])
        .create::<Object>()
        .await
        .unwrap();
    let sent = server.requests()[0].json();
    assert_eq!(
        sent["input"],
        json!([{"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "Read these."},
            {"type": "input_image", "image_url": "https://example.com/r.png", "detail": "auto"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw==", "detail": "auto"},
            {"type": "input_file", "filename": "document.pdf", "file_data": "data:application/pdf;base64,JVBERi0xLjc="},
            {"type": "input_file", "filename": "t.csv", "file_data": "data:text/csv;base64,YSxi"},
            {"type": "input_file", "file_id": "file-abc"},
            {"type": "input_file", "file_url": "https://example.com/r.pdf"},
        ]}])
    );
}

#[tokio::test]
async fn what_it_cannot_send_is_a_config_error_before_any_request() {
    let server = ReplayServer::start([Reply::value(&json!({}))])
        .await
        .unwrap();
    let audio = request(&server, Mode::Tools)
        .user_parts([Part::audio(&b"RIFF"[..], "audio/wav")])
        .create::<Object>()
        .await
        .unwrap_err();
    let seeded = request(&server, Mode::Tools)
        .seed(7)
        .create::<Object>()
        .await
        .unwrap_err();
    for (err, says) in [(audio, "audio"), (seeded, "seed")] {
        assert!(matches!(err, Error::Config { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("responses") && message.contains(says),
            "{message}"
        );
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

type Ages = BTreeMap<String, u32>;

/// The `input` items of `request`.
fn input(request: &RecordedRequest) -> Vec<Value> {
    request.json()["input"].as_array().unwrap().clone()
}

/// A re-ask in a tool mode sends the call back as a `function_call` item
/// and the errors as its `function_call_output` ("Function calling" guide).
#[tokio::test]
async fn tool_modes_reask_with_a_function_call_output() {
    for mode in [Mode::Tools, Mode::ToolsStrict, Mode::ParallelTools] {
        let (ages, server) = reasked::<Ages>(
            Provider::Responses,
            r#"{"jason": "ten"}"#,
            r#"{"jason": 10}"#,
            mode,
        )
        .await;
        assert_eq!(ages["jason"], 10, "{mode:?}");
        let requests = server.requests();
        let (first, second) = (input(&requests[0]), input(&requests[1]));
        assert_eq!(
            second[..first.len()],
            first[..],
            "{mode:?}: the conversation is kept"
        );
        let added = &second[first.len()..];
        let (name, _) = schema_of::<Ages>(mode);
        assert_eq!(
            added[0],
            json!({"type": "function_call", "call_id": "call_replay_0", "name": name, "arguments": r#"{"jason": "ten"}"#}),
            "{mode:?}"
        );
        assert_eq!(added[1]["type"], "function_call_output", "{mode:?}");
        assert_eq!(added[1]["call_id"], "call_replay_0", "{mode:?}");
        let errors = added[1]["output"].as_str().unwrap();
        assert!(
            errors.contains("jason"),
            "{mode:?}: the error names the path: {errors}"
        );
        assert_eq!(added.len(), 2, "{mode:?}");
    }
}

/// Every call of a parallel answer gets its output back.
#[tokio::test]
async fn parallel_calls_each_get_an_output() {
    let server = ReplayServer::start([
        Reply::items([json!({"a": 1}), json!({"b": "two"})]),
        Reply::items([json!({"a": 1}), json!({"b": 2})]),
    ])
    .await
    .unwrap();
    let got = request(&server, Mode::ParallelTools)
        .max_retries(1)
        .create::<Iterable<Ages>>()
        .await;
    assert_eq!(got.unwrap().len(), 2);
    let requests = server.requests();
    let added = &input(&requests[1])[input(&requests[0]).len()..];
    let calls: Vec<&Value> = added
        .iter()
        .filter(|i| i["type"] == "function_call")
        .collect();
    let outputs: Vec<&Value> = added
        .iter()
        .filter(|i| i["type"] == "function_call_output")
        .collect();
    assert_eq!(calls.len(), 2, "{added:?}");
    let ids = |items: &[&Value]| {
        items
            .iter()
            .map(|i| i["call_id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&calls), ids(&outputs), "one output per call");
}

#[tokio::test]
async fn json_modes_reask_with_the_answer_and_a_user_message() {
    for mode in [Mode::JsonSchema, Mode::Json, Mode::MdJson] {
        let (ages, server) = reasked::<Ages>(
            Provider::Responses,
            r#"{"jason": -3}"#,
            r#"{"jason": 10}"#,
            mode,
        )
        .await;
        assert_eq!(ages["jason"], 10, "{mode:?}");
        let requests = server.requests();
        let sent = input(&requests[1]);
        let (answer, follow_up) = (&sent[sent.len() - 2], &sent[sent.len() - 1]);
        assert_eq!(answer["type"], "message");
        assert_eq!(answer["role"], "assistant");
        assert_eq!(answer["content"][0]["type"], "output_text");
        let text = answer["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(r#"{"jason": -3}"#), "{mode:?}: {answer}");
        assert_eq!(follow_up["role"], "user");
        assert_eq!(follow_up["content"][0]["type"], "input_text");
        let errors = follow_up["content"][0]["text"].as_str().unwrap();
        assert!(errors.contains("jason"), "{mode:?}: {follow_up}");
    }
}

/// The answer the fault tests send, 4 characters per event.
const ANSWER: &str = r#"{"name":"Jason","city":"Paris"}"#;

async fn fails_with(reply: Reply, mode: Mode) -> Error {
    let server = ReplayServer::start([reply]).await.unwrap();
    let result = request(&server, mode).create::<Object>().await;
    result.expect_err("the fault must surface as an error")
}

/// Every fault in every mode (`MdJson` sends the answer inside a fence, so
/// what arrived before a fault is not the answer's prefix there).
#[tokio::test]
async fn faults_are_typed_errors_in_every_mode() {
    for mode in MODES {
        let bare = mode != Mode::MdJson;
        let cut = fails_with(Reply::json(ANSWER).truncate(13), mode).await;
        assert!(matches!(cut, Error::Truncated { .. }), "{mode:?}: {cut}");
        if bare {
            assert_eq!(cut.raw_text(), Some(&ANSWER[..13]), "{mode:?}");
            assert_eq!(cut.partial(), Some(&json!({"name": "Jaso"})), "{mode:?}");
        }
        let filtered = Reply::json(ANSWER).finish_reason("content_filter");
        let filtered = fails_with(filtered, mode).await;
        assert!(
            matches!(filtered, Error::ContentFilter { .. }),
            "{mode:?}: {filtered}"
        );
        let error = fails_with(Reply::json(ANSWER).error_after(12, "overloaded"), mode).await;
        let Error::Provider { message, code, .. } = &error else {
            panic!("{mode:?}: {error}")
        };
        assert_eq!(
            (message.as_str(), code.as_deref()),
            ("overloaded", Some("server_error"))
        );
        if bare {
            assert_eq!(error.partial(), Some(&json!({"name": "Jas"})), "{mode:?}");
        }
        let malformed = fails_with(Reply::json(ANSWER).malformed_after(8), mode).await;
        let Error::Protocol { message, .. } = &malformed else {
            panic!("{mode:?}: {malformed}")
        };
        assert!(message.contains("not a Responses event"), "{message}");
        for cut in [
            Reply::json(ANSWER).drop_after(8),
            Reply::json(ANSWER).without_end(),
        ] {
            let err = fails_with(cut, mode).await;
            assert!(matches!(err, Error::Interrupted { .. }), "{mode:?}: {err}");
        }
    }
}

#[tokio::test]
async fn a_refusal_is_its_own_error() {
    for mode in [Mode::JsonSchema, Mode::Tools] {
        let err = fails_with(Reply::refusal("I can't help with that."), mode).await;
        let Error::Refusal { refusal, .. } = &err else {
            panic!("{mode:?}: {err}")
        };
        assert_eq!(refusal, "I can't help with that.");
    }
}

/// A server that ignores `stream: true` answers with a whole `response`
/// object, which is read the same.
#[tokio::test]
async fn whole_responses_are_read_too() {
    for mode in MODES {
        let server = ReplayServer::start([Reply::value(&user()), Reply::items(users())])
            .await
            .unwrap();
        let extraction = request(&server, mode)
            .extra("stream", false)
            .create_with_completion::<Object>()
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(json_of(&extraction.value), user(), "{mode:?}");
        assert_eq!(extraction.usage.map(|u| u.total_tokens), Some(20));
        let items = request(&server, mode)
            .extra("stream", false)
            .create::<Iterable<Object>>()
            .await;
        assert_eq!(json_of(&items.unwrap()), json!(users()), "{mode:?}");
    }
    let server = ReplayServer::start([Reply::value(&user()).finish_reason("max_output_tokens")])
        .await
        .unwrap();
    let err = request(&server, Mode::Tools)
        .extra("stream", false)
        .create::<Object>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
}
