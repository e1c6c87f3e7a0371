//! The Anthropic provider against the replay server's Messages API, over
//! loopback HTTP (every mode with `create`, `create_partial` and
//! `create_iterable` is in `modes`, for every provider): the request each
//! mode sends, against the shapes of Anthropic's documentation; re-asks;
//! retryable and fatal HTTP errors; errors sent mid-stream; what is refused
//! before any request.

use crate::common::{client_over, json_of, reasked, Object, MODES};
use crate::modes::{user, users};
use extract_core::client::{ChatRequest, Client, Mode, Part, Provider, ResponseModel};
use extract_core::testing::{RecordedRequest, ReplayServer, Reply};
use extract_core::{Error, Iterable};
use serde_json::{json, Value};
use std::collections::BTreeMap;

type Ages = BTreeMap<String, u32>;

/// A client to `server` speaking the Messages API, with `retries` fast
/// transient retries.
fn client(server: &ReplayServer, retries: u32) -> Client {
    client_over(server, Provider::Anthropic, retries)
}

/// A request to `server` in `mode` (transient failures retried twice).
fn request(server: &ReplayServer, mode: Mode) -> ChatRequest {
    client(server, 2)
        .chat()
        .model("claude-test")
        .user("Extract it.")
        .mode(mode)
}

/// The error of a request to `server` in `mode`, sent once.
async fn fails(server: &ReplayServer, mode: Mode) -> Error {
    client(server, 0)
        .chat()
        .model("m")
        .mode(mode)
        .create::<Object>()
        .await
        .expect_err("the request must fail")
}

/// The turns `request` sent.
fn turns(request: &RecordedRequest) -> Vec<Value> {
    request.json()["messages"].as_array().unwrap().clone()
}

/// The request of each mode, as Anthropic documents it: the key in
/// `x-api-key` and `anthropic-version`, no `Authorization`; system
/// messages in the top-level `system`; turns of content blocks.
#[tokio::test]
async fn each_mode_sends_its_request_shape() {
    let name = <Object as ResponseModel>::spec().whole.name;
    for mode in MODES {
        let server = ReplayServer::start([Reply::value(&json!({}))])
            .await
            .unwrap();
        request(&server, mode)
            .system("Be precise.")
            .temperature(0.5)
            .max_tokens(300)
            .extra("top_k", 5)
            .create::<Object>()
            .await
            .unwrap();
        let recorded = &server.requests()[0];
        assert_eq!(recorded.path, "/v1/messages");
        assert_eq!(recorded.header("x-api-key"), Some("test-key"));
        assert_eq!(recorded.header("anthropic-version"), Some("2023-06-01"));
        assert_eq!(recorded.header("authorization"), None);
        let sent = recorded.json();
        let expected_base = json!({
            "model": "claude-test", "max_tokens": 300, "stream": true,
            "temperature": 0.5, "top_k": 5,
        });
        for (key, value) in expected_base.as_object().unwrap() {
            assert_eq!(&sent[key], value, "{mode:?}: {key}");
        }
        assert!(sent.get("stream_options").is_none() && sent.get("seed").is_none());
        let system = sent["system"].as_array().unwrap();
        let last = system.last().unwrap();
        assert_eq!(last, &json!({"type": "text", "text": "Be precise."}));
        assert_eq!(
            turns(recorded),
            [json!({"role": "user", "content": [{"type": "text", "text": "Extract it."}]})]
        );
        match mode {
            Mode::Tools | Mode::ToolsStrict => {
                let tool = &sent["tools"][0];
                assert_eq!(tool["name"], json!(name));
                assert_eq!(tool["input_schema"]["type"], "object");
                assert_eq!(
                    tool.get("strict").cloned(),
                    (mode == Mode::ToolsStrict).then_some(json!(true))
                );
                assert_eq!(
                    sent["tool_choice"],
                    json!({"type": "tool", "name": name, "disable_parallel_tool_use": true})
                );
                assert_eq!(system.len(), 1);
            }
            Mode::ParallelTools => {
                assert_eq!(sent["tool_choice"], json!({"type": "any"}));
                assert!(sent["tools"][0]["input_schema"].is_object());
            }
            Mode::JsonSchema => {
                let format = &sent["output_config"]["format"];
                assert_eq!(format["type"], "json_schema");
                assert_eq!(format["schema"]["additionalProperties"], false);
                assert!(sent.get("tools").is_none() && sent.get("tool_choice").is_none());
            }
            Mode::Json | Mode::MdJson => {
                assert!(sent.get("tools").is_none() && sent.get("output_config").is_none());
                assert_eq!(system.len(), 2, "the schema, then the caller's");
                assert!(system[0]["text"].as_str().unwrap().contains("JSON Schema"));
            }
            _ => unreachable!(),
        }
    }
}

#[tokio::test]
async fn max_tokens_defaults_to_4096() {
    let server = ReplayServer::start([Reply::value(&json!({}))])
        .await
        .unwrap();
    request(&server, Mode::Tools)
        .create::<Object>()
        .await
        .unwrap();
    assert_eq!(server.requests()[0].json()["max_tokens"], 4096);
}

#[tokio::test]
async fn the_completion_keeps_what_the_api_sent() {
    let server = ReplayServer::start([Reply::value(&user())]).await.unwrap();
    let extraction = request(&server, Mode::Tools)
        .create_with_completion::<Object>()
        .await
        .unwrap();
    let completion = &extraction.completion;
    assert_eq!(completion.id.as_deref(), Some("msg_replay-1"));
    assert_eq!(completion.model.as_deref(), Some("claude-test"));
    assert_eq!(completion.finish_reason.as_deref(), Some("tool_use"));
    assert_eq!(completion.tool_calls[0].id, "toolu_replay_0");
    let usage = extraction.usage.unwrap();
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );
}

#[tokio::test]
async fn non_streamed_answers_are_read_whole() {
    let server = ReplayServer::start([Reply::value(&user()), Reply::items(users())])
        .await
        .unwrap();
    let extraction = request(&server, Mode::Tools)
        .extra("stream", false)
        .create_with_completion::<Object>()
        .await
        .unwrap();
    assert_eq!(json_of(&extraction.value), user());
    assert_eq!(extraction.usage.map(|u| u.total_tokens), Some(20));
    let items = request(&server, Mode::ParallelTools)
        .extra("stream", false)
        .create::<Iterable<Object>>()
        .await;
    assert_eq!(json_of(&items.unwrap()), json!(users()));
}

/// Images and documents as Anthropic's "Vision" and "PDF support" pages
/// show them.
#[tokio::test]
async fn images_and_documents_are_content_blocks() {
    let server = ReplayServer::start([Reply::value(&json!({}))])
        .await
        .unwrap();
    client(&server, 0)
        .chat()
        .model("claude-test")
        .user_parts([
            Part::text("What is in these?"),
            Part::image_url("https://example.com/receipt.png"),
            Part::image(&b"\x89PNG"[..], "image/png"),
            Part::pdf(&b"%PDF-1.7"[..]),
            Part::file_id("file_011CNha8iCJcU1wXNR6q4V8w"),
        ])
        .create::<Object>()
        .await
        .unwrap();
    let sent = turns(&server.requests()[0]);
    assert_eq!(
        sent[0]["content"],
        json!([
            {"type": "text", "text": "What is in these?"},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/receipt.png"}},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw=="}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjc="}},
            {"type": "document", "source": {"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}},
        ])
    );
}

/// What the Messages API cannot take fails before anything is sent.
#[tokio::test]
async fn what_the_api_cannot_take_is_a_config_error_before_any_request() {
    let server = ReplayServer::start([Reply::value(&json!({}))])
        .await
        .unwrap();
    let audio = request(&server, Mode::Tools).user_parts([Part::audio(&b"RIFF"[..], "audio/wav")]);
    let seed = request(&server, Mode::Json).seed(7);
    let hot = request(&server, Mode::MdJson).temperature(1.5);
    let tiff = request(&server, Mode::Tools).user_parts([Part::image(&b"II*"[..], "image/tiff")]);
    for (what, request) in [
        ("audio", audio),
        ("`seed`", seed),
        ("temperature", hot),
        ("image/tiff", tiff),
    ] {
        let err = request.create::<Object>().await.unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{what}: {err}");
        let message = err.to_string();
        assert!(
            message.contains("anthropic") && message.contains(what),
            "{message}"
        );
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

/// The re-ask of a tool answer: the assistant's `tool_use` turn, then a
/// user turn with a `tool_result` block, `is_error: true` and the errors.
#[tokio::test]
async fn tool_modes_reask_with_a_failed_tool_result() {
    for mode in [Mode::Tools, Mode::ToolsStrict, Mode::ParallelTools] {
        let (ages, server) = reasked::<Ages>(
            Provider::Anthropic,
            r#"{"jason": "ten"}"#,
            r#"{"jason": 10}"#,
            mode,
        )
        .await;
        assert_eq!(ages["jason"], 10, "{mode:?}");
        let requests = server.requests();
        let (first, second) = (turns(&requests[0]), turns(&requests[1]));
        assert_eq!(second[..first.len()], first[..], "{mode:?}");
        let added = &second[first.len()..];
        assert_eq!(added.len(), 2, "{mode:?}: {added:?}");
        assert_eq!(
            added[0],
            json!({"role": "assistant", "content": [{
                "type": "tool_use", "id": "toolu_replay_0", "name": added[0]["content"][0]["name"],
                "input": {"jason": "ten"},
            }]})
        );
        assert_eq!(added[1]["role"], "user");
        let result = &added[1]["content"][0];
        assert_eq!(result["type"], "tool_result");
        assert_eq!(result["tool_use_id"], "toolu_replay_0");
        assert_eq!(result["is_error"], true);
        assert!(
            result["content"].as_str().unwrap().contains("jason"),
            "{mode:?}: {result}"
        );
    }
}

/// Arguments that are not JSON are sent back as `{}` (`input` must be an
/// object) and their text goes with the error.
#[tokio::test]
async fn a_syntax_error_is_reasked_with_a_well_formed_request() {
    let bad = r#"{"a": 1,, "b": 2}"#;
    let (got, server) = reasked::<Ages>(Provider::Anthropic, bad, r#"{"a": 1}"#, Mode::Tools).await;
    assert_eq!(got["a"], 1);
    let sent = turns(&server.requests()[1]);
    let (call, result) = (&sent[1]["content"][0], &sent[2]["content"][0]);
    assert_eq!(call["input"], json!({}));
    let text = result["content"].as_str().unwrap();
    assert!(
        text.contains("not valid JSON") && text.ends_with(r#"{"a": 1,, "b"#),
        "the error, then the arguments as far as they were read: {text}"
    );
}

#[tokio::test]
async fn json_modes_reask_with_the_answer_and_a_user_message() {
    for mode in [Mode::JsonSchema, Mode::Json, Mode::MdJson] {
        let (ages, server) = reasked::<Ages>(
            Provider::Anthropic,
            r#"{"jason": -3}"#,
            r#"{"jason": 10}"#,
            mode,
        )
        .await;
        assert_eq!(ages["jason"], 10);
        let sent = turns(&server.requests()[1]);
        let (answer, follow_up) = (&sent[sent.len() - 2], &sent[sent.len() - 1]);
        assert_eq!(answer["role"], "assistant");
        let written = answer["content"][0]["text"].as_str().unwrap();
        assert!(written.contains(r#"{"jason": -3}"#), "{mode:?}: {answer}");
        assert_eq!(follow_up["role"], "user");
        let text = follow_up["content"][0]["text"].as_str().unwrap();
        assert!(text.contains("jason"), "{mode:?}: {follow_up}");
    }
}

#[tokio::test]
async fn retryable_statuses_are_retried_529_included() {
    for status in [408, 429, 500, 502, 503, 504, 529] {
        let server =
            ReplayServer::start([Reply::status(status, "Overloaded"), Reply::value(&user())])
                .await
                .unwrap();
        let got = request(&server, Mode::Tools).create::<Object>().await;
        assert_eq!(json_of(&got.unwrap()), user(), "{status}");
        assert_eq!(server.requests().len(), 2, "{status}");
    }
}

#[tokio::test]
async fn fatal_statuses_end_the_call_with_the_error_body() {
    for (status, kind) in [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
    ] {
        let server = ReplayServer::start([
            Reply::status(status, "invalid x-api-key"),
            Reply::value(&user()),
        ])
        .await
        .unwrap();
        let err = request(&server, Mode::Tools)
            .create::<Object>()
            .await
            .unwrap_err();
        let Error::Http {
            status: got,
            message,
            kind: got_kind,
            ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(
            (*got, message.as_str(), got_kind.as_deref()),
            (status, "invalid x-api-key", Some(kind))
        );
        assert_eq!(server.requests().len(), 1, "{status}: not retried");
    }
    let server = ReplayServer::start([Reply::status(529, "Overloaded")])
        .await
        .unwrap();
    let err = fails(&server, Mode::Tools).await;
    assert!(
        matches!(&err, Error::Http { status: 529, kind: Some(k), .. } if k == "overloaded_error"),
        "{err}"
    );
}

/// An `overloaded_error` event mid-stream is transient: the request is
/// sent again.
#[tokio::test]
async fn an_overloaded_error_event_mid_stream_is_retried() {
    let server = ReplayServer::start([
        Reply::value(&user()).error_after(6, "Overloaded"),
        Reply::value(&user()),
    ])
    .await
    .unwrap();
    let got = request(&server, Mode::Tools).create::<Object>().await;
    assert_eq!(json_of(&got.unwrap()), user());
    assert_eq!(server.requests().len(), 2);
    let server = ReplayServer::start([Reply::value(&user()).error_after(6, "Overloaded")])
        .await
        .unwrap();
    let err = fails(&server, Mode::Tools).await;
    let Error::Provider { kind, message, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        (kind.as_deref(), message.as_str()),
        (Some("overloaded_error"), "Overloaded")
    );
}

/// Whether an error is the one expected.
type IsExpected = fn(&Error) -> bool;

/// Each way an answer can end badly, and its typed error.
#[tokio::test]
async fn faults_give_typed_errors() {
    let cases: [(Reply, Mode, IsExpected); 6] = [
        (Reply::value(&user()).truncate(10), Mode::Tools, |e| {
            matches!(e, Error::Truncated { .. }) && e.raw_text() == Some(&user().to_string()[..10])
        }),
        (
            Reply::refusal("I can't help with that."),
            Mode::Tools,
            |e| matches!(e, Error::Refusal { refusal, .. } if refusal == "I can't help with that."),
        ),
        (Reply::text("No JSON here."), Mode::Tools, |e| {
            matches!(e, Error::NoJson { .. })
        }),
        (Reply::value(&user()).malformed_after(5), Mode::Json, |e| {
            matches!(e, Error::Protocol { .. })
        }),
        (Reply::value(&user()).drop_after(5), Mode::Json, |e| {
            matches!(e, Error::Interrupted { .. })
        }),
        (Reply::value(&user()).without_end(), Mode::Json, |e| {
            matches!(e, Error::Interrupted { .. })
        }),
    ];
    for (reply, mode, expected) in cases {
        let shown = format!("{reply:?}");
        let server = ReplayServer::start([reply]).await.unwrap();
        let err = fails(&server, mode).await;
        assert!(expected(&err), "{shown}: {err:?}");
    }
}
