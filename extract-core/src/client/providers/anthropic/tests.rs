//! Request bodies against the shapes of Anthropic's documentation
//! ("Messages", "Tool use", "Structured outputs", "Vision", "PDF support",
//! "Files API").

use super::*;
use crate::client::assembler::ToolCall;

fn target() -> Target {
    fn schema() -> Value {
        json!({"type": "object", "description": "A user.", "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        }})
    }
    Target {
        name: "User".into(),
        schema,
        strict_schema: schema,
    }
}

fn params() -> Params<'static> {
    Params {
        model: "claude-test",
        temperature: Some(0.5),
        max_tokens: None,
        seed: None,
    }
}

fn body(mode: Mode) -> Value {
    Value::Object(Anthropic.body(params(), mode, &target()).unwrap())
}

fn messages(messages: &[Message]) -> Value {
    let mut body = Map::new();
    Anthropic.write_messages(&mut body, messages);
    Value::Object(body)
}

fn call(id: &str, arguments: &str) -> ToolCall {
    ToolCall {
        id: id.into(),
        name: "User".into(),
        arguments: arguments.into(),
    }
}

#[test]
fn every_mode_has_its_request_shape() {
    let schema = (target().schema)();
    let tool = json!({"name": "User", "description": "A user.", "input_schema": schema});
    let forced = json!({"type": "tool", "name": "User", "disable_parallel_tool_use": true});
    let base =
        json!({"model": "claude-test", "max_tokens": 4096, "stream": true, "temperature": 0.5});
    let with = |extra: Value| {
        let mut out = base.clone();
        out.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        out
    };
    assert_eq!(
        body(Mode::Tools),
        with(json!({"tools": [tool], "tool_choice": forced}))
    );
    assert_eq!(
        body(Mode::ParallelTools),
        with(json!({"tools": [tool], "tool_choice": {"type": "any"}}))
    );
    assert_eq!(body(Mode::Json), base);
    assert_eq!(body(Mode::MdJson), base);
    let strict = body(Mode::ToolsStrict);
    assert_eq!(strict["tools"][0]["strict"], true);
    assert_eq!(strict["tool_choice"], forced);
    let format = &body(Mode::JsonSchema)["output_config"]["format"];
    assert_eq!(format["type"], "json_schema");
    assert!(format["schema"]["properties"]["name"].is_object());
    assert!(body(Mode::JsonSchema).get("tools").is_none());
}

#[test]
fn strict_schemas_lose_the_keywords_anthropic_rejects() {
    for mode in [Mode::ToolsStrict, Mode::JsonSchema] {
        let sent = body(mode);
        let schema = if mode == Mode::JsonSchema {
            &sent["output_config"]["format"]["schema"]
        } else {
            &sent["tools"][0]["input_schema"]
        };
        let age = &schema["properties"]["age"];
        assert!(age.get("minimum").is_none(), "{mode:?}: {age}");
        assert_eq!(age["description"], "minimum: 0");
        let tags = &schema["properties"]["tags"];
        assert_eq!(tags["minItems"], 1, "minItems 0 or 1 is taken");
        assert!(tags.get("maxItems").is_none());
    }
    let tools = body(Mode::Tools);
    assert_eq!(
        tools["tools"][0]["input_schema"]["properties"]["age"]["minimum"], 0,
        "non-strict tools take any schema"
    );
}

#[test]
fn settings_the_api_has_not_are_config_errors() {
    let mut with_seed = params();
    with_seed.seed = Some(7);
    let err = Anthropic
        .body(with_seed, Mode::Tools, &target())
        .unwrap_err();
    assert!(err.to_string().contains("`seed`"), "{err}");
    let mut hot = params();
    hot.temperature = Some(1.5);
    let err = Anthropic.body(hot, Mode::Tools, &target()).unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");
    assert!(err.to_string().contains("between 0 and 1"), "{err}");
    let mut capped = params();
    capped.max_tokens = Some(300);
    let body = Anthropic.body(capped, Mode::Json, &target()).unwrap();
    assert_eq!(body["max_tokens"], 300);
}

#[test]
fn system_messages_go_to_the_top_and_same_role_turns_merge() {
    let sent = messages(&[
        Message::system("Schema here."),
        Message::user("Extract it."),
        Message::user(""),
        Message::user("Quickly."),
        Message::system("Be precise."),
        Message::assistant("{\"a\": 1}"),
        Message::user("Again."),
    ]);
    assert_eq!(
        sent,
        json!({
            "system": [{"type": "text", "text": "Schema here."}, {"type": "text", "text": "Be precise."}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Extract it."}, {"type": "text", "text": "Quickly."}]},
                {"role": "assistant", "content": [{"type": "text", "text": "{\"a\": 1}"}]},
                {"role": "user", "content": [{"type": "text", "text": "Again."}]},
            ],
        })
    );
    assert!(messages(&[Message::user("hi")]).get("system").is_none());
}

/// The re-ask of a tool answer: the `tool_use` blocks, then one user turn
/// with a `tool_result` per call, `is_error: true`, results first.
#[test]
fn tool_calls_and_their_failed_results() {
    let sent = messages(&[
        Message::user("Extract it."),
        Message::assistant_tool_calls(vec![
            call("toolu_1", r#"{"age": "ten"}"#),
            call("toolu_2", ""),
        ]),
        Message::tool_error("toolu_1", "age: expected an integer"),
        Message::tool_error("toolu_2", "name: missing"),
        Message::user("Try again."),
    ]);
    assert_eq!(
        sent["messages"][1],
        json!({"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "User", "input": {"age": "ten"}},
            {"type": "tool_use", "id": "toolu_2", "name": "User", "input": {}},
        ]})
    );
    assert_eq!(
        sent["messages"][2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "age: expected an integer", "is_error": true},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "name: missing", "is_error": true},
            {"type": "text", "text": "Try again."},
        ]})
    );
    let ok = messages(&[Message::tool_result("toolu_1", "done")]);
    assert!(ok["messages"][0]["content"][0].get("is_error").is_none());
    let first = messages(&[Message::user("a"), Message::tool_error("t", "e")]);
    assert_eq!(
        first["messages"][0]["content"][0]["type"], "tool_result",
        "tool results come first in a user turn"
    );
}

/// `tool_use.input` must be an object: arguments that are not one are sent
/// as `{}`, and their text goes with the call's result.
#[test]
fn arguments_that_are_not_an_object_are_sent_as_empty_with_their_text_in_the_result() {
    for arguments in [r#"{"a": 1,, "b": 2}"#, "[1, 2]", r#"{"cut": "sho"#] {
        let sent = messages(&[
            Message::assistant_tool_calls(vec![call("toolu_1", arguments)]),
            Message::tool_error("toolu_1", "not valid JSON"),
        ]);
        assert_eq!(sent["messages"][0]["content"][0]["input"], json!({}));
        let result = sent["messages"][1]["content"][0]["content"]
            .as_str()
            .unwrap();
        assert!(result.starts_with("not valid JSON"), "{result}");
        assert!(result.ends_with(arguments), "{result}");
    }
}

#[test]
fn parts_wire_forms() {
    let user = Message::user_parts([
        Part::text("Read these."),
        Part::image_url("https://example.com/r.png"),
        Part::image(&b"hi"[..], "image/png"),
        Part::image_url("data:image/jpeg;base64,/9j/"),
        Part::Image(Source::FileId("file_img".into())),
        Part::pdf(&b"%PDF"[..]),
        Part::document(
            &b"plain words"[..],
            "text/markdown",
            Some("notes.md".into()),
        ),
        Part::document_url("https://example.com/r.pdf"),
        Part::file_id("file_011"),
    ]);
    for part in user.parts() {
        Anthropic.accepts(&user, part).unwrap();
    }
    assert_eq!(
        messages(&[user])["messages"][0]["content"],
        json!([
            {"type": "text", "text": "Read these."},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/r.png"}},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "aGk="}},
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/"}},
            {"type": "image", "source": {"type": "file", "file_id": "file_img"}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERg=="}},
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}, "title": "notes.md"},
            {"type": "document", "source": {"type": "url", "url": "https://example.com/r.pdf"}},
            {"type": "document", "source": {"type": "file", "file_id": "file_011"}},
        ])
    );
}

#[test]
fn parts_it_cannot_send_are_refused() {
    let refused = |part: Part| {
        let message = Message::user_parts([part]);
        Anthropic
            .accepts(&message, &message.parts()[0])
            .unwrap_err()
    };
    let err = refused(Part::audio(&b"RIFF"[..], "audio/wav"));
    assert!(err.contains("no audio"), "{err}");
    let err = refused(Part::image(&b"x"[..], "image/tiff"));
    assert!(err.contains("image/tiff"), "{err}");
    let err = refused(Part::document(&b"x"[..], "application/msword", None));
    assert!(err.contains("PDF or plain text"), "{err}");
    let err = refused(Part::document(&b"\xFF"[..], "text/plain", None));
    assert!(err.contains("UTF-8"), "{err}");
    let err = refused(Part::image_url("data:image/png,%89PNG"));
    assert!(err.contains("base64"), "{err}");
    let system = Message::system("s");
    let err = Anthropic
        .accepts(&system, &Part::image_url("https://x/y.png"))
        .unwrap_err();
    assert!(err.contains("user messages only"), "{err}");
}

#[test]
fn headers_and_statuses() {
    let headers = Anthropic.auth_headers(Some("sk-ant")).unwrap();
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["anthropic-version", "x-api-key"]);
    assert!(headers[1].1.is_sensitive());
    assert_eq!(Anthropic.auth_headers(None).unwrap().len(), 1);
    for status in [408, 429, 500, 502, 503, 504, 529] {
        assert!(Anthropic.is_retryable_status(status), "{status}");
    }
    for status in [400, 401, 403, 404, 413] {
        assert!(!Anthropic.is_retryable_status(status), "{status}");
    }
}
