//! OpenAI chat completions (`POST /chat/completions`, `stream: true`), the
//! protocol of OpenAI and of most other servers.
//!
//! | `Mode` | request |
//! | --- | --- |
//! | `Tools` | one function tool, `tool_choice: {type: function, function: {name}}` |
//! | `ToolsStrict` | the same with `strict: true` and the strict schema |
//! | `JsonSchema` | `response_format: {type: json_schema, json_schema: {name, schema, strict: true}}` |
//! | `Json` | `response_format: {type: json_object}` (the schema in a system message) |
//! | `MdJson` | nothing (the schema in a system message) |
//! | `ParallelTools` | the item type as a tool, `tool_choice: auto` |
//!
//! Messages: `{role, content}` with `content` a string, or an array of
//! parts for images (`image_url`), documents (`file`, with `file_data` or
//! `file_id`) and audio (`input_audio`). A re-ask sends the assistant's
//! `tool_calls` and a `tool` message per call.

mod decode;
mod template;
mod wire;

use super::{secret_header, Decode, Endpoint, Params, Protocol};
use crate::client::input::{default_filename, Part, Source};
use crate::client::message::{Message, Role};
use crate::client::mode::{Mode, Target};
use crate::Error;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use serde_json::{json, Map, Value};

/// The chat-completions protocol.
pub(crate) struct ChatCompletions;

impl Protocol for ChatCompletions {
    fn endpoint(&self) -> &'static Endpoint {
        &Endpoint {
            name: "chat_completions",
            default_base_url: "https://api.openai.com/v1",
            key_var: "OPENAI_API_KEY",
            base_url_var: "OPENAI_BASE_URL",
            path: "/chat/completions",
        }
    }

    fn auth_headers(&self, key: Option<&str>) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        bearer_auth(key)
    }

    fn accepts(&self, message: &Message, part: &Part) -> Result<(), String> {
        match (message.role(), part) {
            (_, Part::Text(_)) => Ok(()),
            (Role::User, Part::Image(Source::FileId(_))) => {
                Err("chat completions take images by URL or as bytes, not by file id".to_owned())
            }
            (Role::User, Part::Image(_)) => Ok(()),
            (
                Role::User,
                Part::Document {
                    source: Source::Url(_),
                    ..
                },
            ) => {
                Err("chat completions take documents as bytes or by file id, not by URL".to_owned())
            }
            (Role::User, Part::Document { .. }) => Ok(()),
            (Role::User, Part::Audio(Source::Data { media_type, .. }))
                if audio_format(media_type).is_some() =>
            {
                Ok(())
            }
            (Role::User, Part::Audio(_)) => {
                Err("chat completions take audio as WAV or MP3 bytes".to_owned())
            }
            (role, part) => Err(format!(
                "chat completions take {} parts in user messages only, not in {} messages",
                part.kind(),
                role.as_str()
            )),
        }
    }

    fn body(
        &self,
        params: Params<'_>,
        mode: Mode,
        target: &Target,
    ) -> Result<Map<String, Value>, Error> {
        let mut body = Map::new();
        body.insert("model".into(), json!(params.model));
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({ "include_usage": true }));
        if let Some(t) = params.temperature {
            body.insert("temperature".into(), json!(t));
        }
        if let Some(m) = params.max_tokens {
            body.insert("max_tokens".into(), json!(m));
        }
        if let Some(s) = params.seed {
            body.insert("seed".into(), json!(s));
        }
        let schema = target.schema_for(mode);
        match mode {
            Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools => {
                let mut function = json!({
                    "name": target.name,
                    "description": target.description(&schema),
                    "parameters": schema,
                });
                if mode.is_strict() {
                    function["strict"] = Value::Bool(true);
                }
                body.insert(
                    "tools".into(),
                    json!([{ "type": "function", "function": function }]),
                );
                let choice = if mode == Mode::ParallelTools {
                    json!("auto")
                } else {
                    json!({ "type": "function", "function": { "name": target.name } })
                };
                body.insert("tool_choice".into(), choice);
            }
            Mode::JsonSchema => {
                let mut format = json!({ "name": target.name, "schema": schema, "strict": true });
                if let Some(description) = crate::client::mode::schema_description(&schema) {
                    format["description"] = Value::String(description);
                }
                body.insert(
                    "response_format".into(),
                    json!({ "type": "json_schema", "json_schema": format }),
                );
            }
            Mode::Json => {
                body.insert("response_format".into(), json!({ "type": "json_object" }));
            }
            Mode::MdJson => {}
        }
        Ok(body)
    }

    fn write_messages(&self, body: &mut Map<String, Value>, messages: &[Message]) {
        let messages: Vec<Value> = messages.iter().map(message).collect();
        body.insert("messages".into(), Value::Array(messages));
    }

    fn decoder(&self) -> Box<dyn Decode> {
        Box::new(decode::ChatDecoder::default())
    }

    fn batch(&self) -> Option<&'static dyn crate::client::batch::api::BatchApi> {
        Some(&crate::client::batch::OpenAiBatches::CHAT)
    }
}

/// `Authorization: Bearer <key>` (marked sensitive) when there is a key:
/// how OpenAI's APIs, and the servers that copy them, take it.
pub(crate) fn bearer_auth(key: Option<&str>) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    let Some(key) = key else {
        return Ok(Vec::new());
    };
    Ok(vec![(
        AUTHORIZATION,
        secret_header(&format!("Bearer {key}"))?,
    )])
}

/// The wire form of one message.
fn message(message: &Message) -> Value {
    let mut out = json!({ "role": message.role().as_str(), "content": content(message) });
    if !message.tool_calls().is_empty() {
        let calls: Vec<Value> = message
            .tool_calls()
            .iter()
            .map(|call| {
                json!({
                    "id": call.id,
                    "type": "function",
                    "function": { "name": call.name, "arguments": call.arguments },
                })
            })
            .collect();
        out["tool_calls"] = Value::Array(calls);
    }
    if let Some(result) = message.tool_result_of() {
        out["tool_call_id"] = Value::String(result.call_id.clone());
    }
    out
}

/// `content`: a string when the message is text only (what every
/// compatible server takes), an array of parts otherwise, `null` when
/// empty.
fn content(message: &Message) -> Value {
    let parts = message.parts();
    if parts.iter().all(|p| matches!(p, Part::Text(_))) {
        return message.content().map_or(Value::Null, Value::String);
    }
    Value::Array(parts.iter().filter_map(part).collect())
}

/// The wire form of one part (`None` for a part `accepts` refused).
fn part(part: &Part) -> Option<Value> {
    Some(match part {
        Part::Text(text) => json!({ "type": "text", "text": text }),
        Part::Image(Source::Url(url)) => {
            json!({ "type": "image_url", "image_url": { "url": url } })
        }
        Part::Image(source @ Source::Data { .. }) => {
            json!({ "type": "image_url", "image_url": { "url": source.data_url()? } })
        }
        Part::Document {
            source: source @ Source::Data { .. },
            filename,
        } => {
            let filename = filename.clone().unwrap_or_else(|| default_filename(source));
            json!({ "type": "file", "file": { "filename": filename, "file_data": source.data_url()? } })
        }
        Part::Document {
            source: Source::FileId(id),
            ..
        } => json!({ "type": "file", "file": { "file_id": id } }),
        Part::Audio(Source::Data { media_type, data }) => json!({
            "type": "input_audio",
            "input_audio": { "data": crate::client::input::base64_of(data), "format": audio_format(media_type)? },
        }),
        _ => return None,
    })
}

/// `input_audio.format` of a media type.
fn audio_format(media_type: &str) -> Option<&'static str> {
    match media_type {
        "audio/wav" | "audio/x-wav" | "audio/wave" => Some("wav"),
        "audio/mpeg" | "audio/mp3" => Some("mp3"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::assembler::ToolCall;
    use crate::client::providers::test_target as target;

    fn params() -> Params<'static> {
        Params {
            model: "m",
            temperature: Some(0.0),
            max_tokens: Some(10),
            seed: None,
        }
    }

    #[test]
    fn tools_force_the_function() {
        let body = ChatCompletions
            .body(params(), Mode::ToolsStrict, &target())
            .unwrap();
        assert_eq!(body["tool_choice"]["function"]["name"], "User");
        assert_eq!(body["tools"][0]["function"]["strict"], true);
        assert_eq!(body["tools"][0]["function"]["description"], "A user.");
        assert_eq!(body["stream_options"]["include_usage"], true);
        assert_eq!(body["max_tokens"], 10);
        let parallel = ChatCompletions
            .body(params(), Mode::ParallelTools, &target())
            .unwrap();
        assert_eq!(parallel["tool_choice"], "auto");
    }

    #[test]
    fn response_formats() {
        let schema = ChatCompletions
            .body(params(), Mode::JsonSchema, &target())
            .unwrap();
        assert_eq!(schema["response_format"]["json_schema"]["strict"], true);
        assert_eq!(schema["response_format"]["json_schema"]["name"], "User");
        let json = ChatCompletions
            .body(params(), Mode::Json, &target())
            .unwrap();
        assert_eq!(json["response_format"], json!({"type": "json_object"}));
        let md = ChatCompletions
            .body(params(), Mode::MdJson, &target())
            .unwrap();
        assert!(!md.contains_key("response_format") && !md.contains_key("tools"));
    }

    #[test]
    fn message_wire_forms() {
        assert_eq!(
            message(&Message::user("hi")),
            json!({"role": "user", "content": "hi"})
        );
        let call = ToolCall {
            id: "c1".into(),
            name: "f".into(),
            arguments: "{}".into(),
        };
        let assistant = message(&Message::assistant_tool_calls(vec![call]));
        assert_eq!(assistant["content"], Value::Null);
        assert_eq!(assistant["tool_calls"][0]["function"]["name"], "f");
        assert_eq!(
            message(&Message::tool_error("c1", "bad")),
            json!({"role": "tool", "content": "bad", "tool_call_id": "c1"})
        );
    }

    /// The shapes of OpenAI's documentation ("Images and vision", "File
    /// inputs", "Audio"): `image_url` with a URL or a data URL, `file` with
    /// `filename` + `file_data` or `file_id`, `input_audio` with `data` +
    /// `format`.
    #[test]
    fn parts_wire_forms() {
        let user = Message::user_parts([
            Part::text("Read these."),
            Part::image_url("https://example.com/r.png"),
            Part::image(&b"hi"[..], "image/png"),
            Part::pdf(&b"%PDF"[..]),
            Part::file_id("file-123"),
            Part::audio(&b"RIFF"[..], "audio/wav"),
        ]);
        for part in user.parts() {
            ChatCompletions.accepts(&user, part).unwrap();
        }
        assert_eq!(
            message(&user)["content"],
            json!([
                {"type": "text", "text": "Read these."},
                {"type": "image_url", "image_url": {"url": "https://example.com/r.png"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk="}},
                {"type": "file", "file": {"filename": "document.pdf", "file_data": "data:application/pdf;base64,JVBERg=="}},
                {"type": "file", "file": {"file_id": "file-123"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            ])
        );
    }

    #[test]
    fn parts_it_cannot_send_are_refused() {
        let user = Message::user_parts([Part::document_url("https://x/y.pdf")]);
        assert!(ChatCompletions.accepts(&user, &user.parts()[0]).is_err());
        let audio = Message::user_parts([Part::audio(&b"x"[..], "audio/ogg")]);
        assert!(ChatCompletions.accepts(&audio, &audio.parts()[0]).is_err());
        let system = Message::system("s");
        let image = Part::image_url("https://x/y.png");
        let err = ChatCompletions.accepts(&system, &image).unwrap_err();
        assert!(err.contains("user messages only"), "{err}");
    }
}
