//! Every provider × every mode × `create` / `create::<Iterable<_>>` /
//! `create_partial` / `create_iterable`, and the request each mode sends
//! (chat completions; each other provider's in its own module).

use crate::common::{chat, every_provider_with, extends, json_of, request, Object, MODES};
use extract_core::openai::{ChatRequest, Mode, Provider, ResponseModel};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::Iterable;
use futures::StreamExt;
use serde_json::{json, Value};

/// A request to `server` in `mode`, in `provider`'s protocol.
fn request_as(server: &ReplayServer, provider: Provider, mode: Mode) -> ChatRequest {
    chat(&server.client_for(provider)).mode(mode)
}

/// A user with strings to escape, a list and an object.
pub fn user() -> Value {
    json!({"name": "Jason \"J\" Liu", "age": 25, "tags": ["a", "b"], "address": {"city": "Zürich"}})
}

/// Three users, for lists.
pub fn users() -> Vec<Value> {
    vec![
        json!({"name": "Jason", "age": 10}),
        json!({"name": "John", "age": 30}),
        json!({"name": "Émilie", "age": 41}),
    ]
}

/// Every provider with every mode.
fn every_provider_and_mode() -> impl Iterator<Item = (Provider, Mode)> {
    every_provider_with(MODES)
}

#[tokio::test]
async fn create_in_every_mode() {
    for (provider, mode) in every_provider_and_mode() {
        let server = ReplayServer::start([Reply::value(&user())]).await.unwrap();
        let got: Object = request_as(&server, provider, mode)
            .create::<Object>()
            .await
            .unwrap_or_else(|e| panic!("{provider} {mode:?}: {e}"));
        assert_eq!(json_of(&got), user(), "{provider} {mode:?}");
    }
}

#[tokio::test]
async fn create_a_list_in_every_mode() {
    for (provider, mode) in every_provider_and_mode() {
        let server = ReplayServer::start([Reply::items(users())]).await.unwrap();
        let got: Vec<Object> = request_as(&server, provider, mode)
            .create::<Iterable<Object>>()
            .await
            .unwrap_or_else(|e| panic!("{provider} {mode:?}: {e}"));
        assert_eq!(json_of(&got), json!(users()), "{provider} {mode:?}");
    }
}

#[tokio::test]
async fn create_partial_in_every_mode() {
    for (provider, mode) in every_provider_and_mode() {
        let server = ReplayServer::start([Reply::value(&user()).fragment(3)])
            .await
            .unwrap();
        let mut stream = request_as(&server, provider, mode)
            .create_partial::<Object>()
            .await
            .unwrap();
        let mut snapshots = Vec::new();
        while let Some(snapshot) = stream.next().await {
            snapshots.push(json_of(
                &snapshot.unwrap_or_else(|e| panic!("{provider} {mode:?}: {e}")),
            ));
        }
        assert!(snapshots.len() >= 2, "{provider} {mode:?}: {snapshots:?}");
        for pair in snapshots.windows(2) {
            assert!(
                extends(&pair[0], &pair[1]),
                "{provider} {mode:?}: {} then {}",
                pair[0],
                pair[1]
            );
            assert_ne!(
                pair[0], pair[1],
                "{provider} {mode:?}: a snapshot is only sent when it changed"
            );
        }
        assert_eq!(snapshots.last(), Some(&user()), "{provider} {mode:?}");
        let value = stream.take_value().expect("the final value");
        assert_eq!(json_of(&value), user(), "{provider} {mode:?}");
        assert_eq!(stream.attempts(), 1);
        assert!(
            stream.usage().is_some_and(|u| u.total_tokens > 0),
            "{provider} {mode:?}: usage read"
        );
        assert!(stream.next().await.is_none(), "an ended stream stays ended");
    }
}

#[tokio::test]
async fn create_iterable_in_every_mode() {
    for (provider, mode) in every_provider_and_mode() {
        let server = ReplayServer::start([Reply::items(users())]).await.unwrap();
        let stream = request_as(&server, provider, mode)
            .create_iterable::<Object>()
            .await
            .unwrap();
        let items: Vec<Object> = stream
            .map(|item| item.unwrap_or_else(|e| panic!("{provider} {mode:?}: {e}")))
            .collect()
            .await;
        assert_eq!(json_of(&items), json!(users()), "{provider} {mode:?}");
    }
}

#[tokio::test]
async fn each_mode_sends_its_request_shape() {
    for mode in MODES {
        let server = ReplayServer::start([Reply::value(&json!({}))])
            .await
            .unwrap();
        request(&server, mode)
            .system("Be precise.")
            .temperature(0.5)
            .max_tokens(300)
            .seed(7)
            .extra("top_p", 0.9)
            .create::<Object>()
            .await
            .unwrap();
        let sent = server.requests()[0].json();
        assert_eq!(sent["model"], "test-model");
        assert_eq!(sent["stream"], true);
        assert_eq!(sent["stream_options"], json!({"include_usage": true}));
        assert_eq!(
            (sent["temperature"].clone(), sent["max_tokens"].clone()),
            (json!(0.5), json!(300))
        );
        assert_eq!(
            (sent["seed"].clone(), sent["top_p"].clone()),
            (json!(7), json!(0.9))
        );
        let messages = sent["messages"].as_array().unwrap();
        let name = <Object as ResponseModel>::spec().whole.name;
        match mode {
            Mode::Tools | Mode::ToolsStrict => {
                assert_eq!(sent["tools"][0]["type"], "function");
                assert_eq!(sent["tools"][0]["function"]["name"], json!(name));
                assert_eq!(
                    sent["tool_choice"],
                    json!({"type": "function", "function": {"name": name}})
                );
                let strict = sent["tools"][0]["function"].get("strict").cloned();
                assert_eq!(strict, (mode == Mode::ToolsStrict).then_some(json!(true)));
                assert!(sent.get("response_format").is_none());
            }
            Mode::ParallelTools => {
                assert_eq!(sent["tool_choice"], "auto");
                assert!(sent["tools"][0]["function"]["parameters"].is_object());
            }
            Mode::JsonSchema => {
                assert_eq!(sent["response_format"]["type"], "json_schema");
                assert_eq!(sent["response_format"]["json_schema"]["strict"], true);
                assert_eq!(sent["response_format"]["json_schema"]["name"], json!(name));
                assert!(sent.get("tools").is_none());
            }
            Mode::Json | Mode::MdJson => {
                let format = sent.get("response_format").cloned();
                assert_eq!(
                    format,
                    (mode == Mode::Json).then(|| json!({"type": "json_object"}))
                );
                assert_eq!(messages[0]["role"], "system");
                assert!(messages[0]["content"]
                    .as_str()
                    .unwrap()
                    .contains("JSON Schema"));
            }
            _ => unreachable!(),
        }
        let roles: Vec<&str> = messages
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        let expected: &[&str] = if matches!(mode, Mode::Json | Mode::MdJson) {
            &["system", "user", "system"]
        } else {
            &["user", "system"]
        };
        assert_eq!(roles, expected, "{mode:?}");
        assert_eq!(
            server.requests()[0].header("authorization"),
            Some("Bearer test-key")
        );
        assert_eq!(server.requests()[0].path, "/v1/chat/completions");
    }
}

#[tokio::test]
async fn iterable_requests_use_the_wrapper_or_the_item_tool() {
    let server = ReplayServer::start([Reply::items(users()), Reply::items(users())])
        .await
        .unwrap();
    request(&server, Mode::Tools)
        .create::<Iterable<Object>>()
        .await
        .unwrap();
    request(&server, Mode::ParallelTools)
        .create::<Iterable<Object>>()
        .await
        .unwrap();
    let (tools, parallel) = (server.requests()[0].json(), server.requests()[1].json());
    let wrapper = &tools["tools"][0]["function"];
    assert!(wrapper["name"].as_str().unwrap().starts_with("Iterable_"));
    assert_eq!(wrapper["parameters"]["required"], json!(["items"]));
    let item = &parallel["tools"][0]["function"];
    assert_eq!(
        item["name"],
        json!(<Object as ResponseModel>::spec().whole.name)
    );
}

#[tokio::test]
async fn extra_null_removes_a_field_and_non_streamed_answers_work() {
    let server = ReplayServer::start([Reply::value(&user()), Reply::items(users())])
        .await
        .unwrap();
    let extraction = request(&server, Mode::Tools)
        .extra("stream", false)
        .extra("stream_options", Value::Null)
        .create_with_completion::<Object>()
        .await
        .unwrap();
    assert_eq!(json_of(&extraction.value), user());
    assert_eq!(
        extraction.completion.finish_reason.as_deref(),
        Some("tool_calls")
    );
    assert_eq!(extraction.usage.map(|u| u.total_tokens), Some(20));
    let sent = server.requests()[0].json();
    assert!(sent.get("stream_options").is_none());
    let items = request(&server, Mode::ParallelTools)
        .extra("stream", false)
        .create::<Iterable<Object>>()
        .await;
    assert_eq!(json_of(&items.unwrap()), json!(users()));
}

#[tokio::test]
async fn create_with_completion_keeps_the_raw_answer() {
    let server = ReplayServer::start([Reply::value(&user())]).await.unwrap();
    let extraction = request(&server, Mode::Tools)
        .create_with_completion::<Object>()
        .await
        .unwrap();
    assert_eq!(extraction.attempts, 1);
    let call = &extraction.completion.tool_calls[0];
    assert_eq!(call.id, "call_replay_0");
    assert_eq!(
        serde_json::from_str::<Value>(&call.arguments).unwrap(),
        user()
    );
    assert_eq!(
        extraction.completion.id.as_deref(),
        Some("chatcmpl-replay-1")
    );
    assert_eq!(extraction.completion.model.as_deref(), Some("test-model"));
    assert!(extraction.usage.is_some());
}

#[tokio::test]
async fn md_json_reads_inside_the_fence_only() {
    let text = "Sure. I looked at it carefully:\n```json\n{\"a\": [1, 2]}\n```\nThe `a` field holds {numbers}.";
    let server = ReplayServer::start([Reply::text(text).fragment(2)])
        .await
        .unwrap();
    let got: Object = request(&server, Mode::MdJson)
        .create::<Object>()
        .await
        .unwrap();
    assert_eq!(json_of(&got), json!({"a": [1, 2]}));
}

#[test]
fn futures_and_streams_can_move_between_threads() {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<extract_core::openai::Client>();
    send_sync::<extract_core::openai::ChatRequest>();
    send_sync::<extract_core::Error>();
    let client = extract_core::openai::Client::builder().build().unwrap();
    let request = client.chat().model("m");
    send(&request.clone().create::<Object>());
    send(&request.clone().create::<Iterable<Object>>());
    send(&request.clone().create_partial::<Object>());
    send(&request.create_iterable::<Object>());
    fn stream<S: futures::Stream + Send + Unpin>() {}
    stream::<extract_core::openai::PartialStream<Object>>();
    stream::<extract_core::openai::ItemStream<Object>>();
}

#[tokio::test]
async fn md_json_ignores_what_follows_the_value() {
    for text in [
        "Result: ```{\"a\": 1}``` done.",
        "{\"a\": 1}\n\nHope this helps!",
    ] {
        let server = ReplayServer::start([Reply::text(text)]).await.unwrap();
        let got = request(&server, Mode::MdJson).create::<Object>().await;
        assert_eq!(json_of(&got.unwrap()), json!({"a": 1}), "{text}");
    }
}
