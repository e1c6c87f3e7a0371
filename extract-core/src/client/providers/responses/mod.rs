//! The OpenAI Responses API (`POST /responses`, `stream: true`).
//!
//! | `Mode` | request |
//! | --- | --- |
//! | `Tools` | one function tool (`{type: function, name, description, parameters, strict: false}`), `tool_choice: {type: function, name}` |
//! | `ToolsStrict` | the same with `strict: true` and the strict schema |
//! | `JsonSchema` | `text.format: {type: json_schema, name, schema, strict: true}` |
//! | `Json` | `text.format: {type: json_object}` (the schema in a system message) |
//! | `MdJson` | nothing (the schema in a system message) |
//! | `ParallelTools` | the item type as a tool (`strict: false`), `tool_choice: auto` |
//!
//! `strict` is always sent: the Responses API makes a function tool strict
//! when it is left out, which the schema of `Tools` need not allow.
//!
//! **Messages** are `input` items, in order. A message is `{type: message,
//! role, content}` with typed content parts: `input_text` for the system
//! and user roles, `output_text` for the assistant's; images are
//! `input_image` (`image_url` holding a URL or a `data:` URL, or `file_id`)
//! and documents `input_file` (`file_data` as a `data:` URL with a
//! `filename`, `file_id`, or `file_url`). Audio is not taken. System
//! messages stay `system` items where they are, rather than going to
//! `instructions`: their order is kept, there may be several (the `Json` and
//! `MdJson` schema message is one), and other servers that implement the
//! API read them the same. The assistant's tool calls are `function_call`
//! items (`call_id`, `name`, `arguments`, no item id: a call made by a
//! reasoning model cannot be sent back by id without its reasoning item),
//! and tool results `function_call_output` items: a re-ask sends the errors
//! that way in the tool modes.
//!
//! **Defaults.** `store: false`: every request carries the whole
//! conversation and nothing refers to a stored response, so nothing needs
//! to be kept on the server (`.extra("store", true)` to keep it).
//! `max_tokens` is sent as `max_output_tokens`. There is no `seed` in this
//! API: a request with one is a configuration error. `stream_options` is
//! not sent (usage always comes with the last event).

mod decode;
mod wire;

use super::chat_completions::bearer_auth;
use super::{Decode, Endpoint, Params, Protocol};
use crate::client::input::{default_filename, Part, Source};
use crate::client::message::{Message, Role};
use crate::client::mode::{schema_description, Mode, Target};
use crate::Error;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{json, Map, Value};

/// The Responses protocol.
pub(crate) struct Responses;

impl Protocol for Responses {
    fn endpoint(&self) -> &'static Endpoint {
        &Endpoint {
            name: "responses",
            default_base_url: "https://api.openai.com/v1",
            key_var: "OPENAI_API_KEY",
            base_url_var: "OPENAI_BASE_URL",
            path: "/responses",
        }
    }

    fn auth_headers(&self, key: Option<&str>) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        bearer_auth(key)
    }

    fn accepts(&self, message: &Message, part: &Part) -> Result<(), String> {
        match (message.role(), part) {
            (_, Part::Text(_)) => Ok(()),
            (Role::User, Part::Image(_) | Part::Document { .. }) => Ok(()),
            (Role::User, Part::Audio(_)) => Err(
                "the Responses API takes no audio input (chat completions do: `Provider::ChatCompletions`)"
                    .to_owned(),
            ),
            (role, part) => Err(format!(
                "the Responses API takes {} parts in user messages only, not in {} messages",
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
        if params.seed.is_some() {
            return Err(Error::Config {
                message: "responses: the Responses API takes no `seed`; leave it unset".to_owned(),
            });
        }
        let mut body = Map::new();
        body.insert("model".into(), json!(params.model));
        body.insert("stream".into(), json!(true));
        body.insert("store".into(), json!(false));
        if let Some(t) = params.temperature {
            body.insert("temperature".into(), json!(t));
        }
        if let Some(m) = params.max_tokens {
            body.insert("max_output_tokens".into(), json!(m));
        }
        let schema = target.schema_for(mode);
        match mode {
            Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools => {
                let tool = json!({
                    "type": "function",
                    "name": target.name,
                    "description": target.description(&schema),
                    "parameters": schema,
                    "strict": mode.is_strict(),
                });
                body.insert("tools".into(), json!([tool]));
                let choice = if mode == Mode::ParallelTools {
                    json!("auto")
                } else {
                    json!({ "type": "function", "name": target.name })
                };
                body.insert("tool_choice".into(), choice);
            }
            Mode::JsonSchema => {
                let mut format = json!({
                    "type": "json_schema",
                    "name": target.name,
                    "schema": schema,
                    "strict": true,
                });
                if let Some(description) = schema_description(&schema) {
                    format["description"] = Value::String(description);
                }
                body.insert("text".into(), json!({ "format": format }));
            }
            Mode::Json => {
                body.insert(
                    "text".into(),
                    json!({ "format": { "type": "json_object" } }),
                );
            }
            Mode::MdJson => {}
        }
        Ok(body)
    }

    fn write_messages(&self, body: &mut Map<String, Value>, messages: &[Message]) {
        let mut input = Vec::with_capacity(messages.len());
        for message in messages {
            items(message, &mut input);
        }
        body.insert("input".into(), Value::Array(input));
    }

    fn decoder(&self) -> Box<dyn Decode> {
        Box::new(decode::ResponsesDecoder::default())
    }

    fn batch(&self) -> Option<&'static dyn crate::client::batch::api::BatchApi> {
        Some(&crate::client::batch::OpenAiBatches::RESPONSES)
    }
}

/// Appends the `input` items of one message: a `message` item (when it has
/// parts), then a `function_call` item per tool call; a tool result is one
/// `function_call_output` item.
fn items(message: &Message, input: &mut Vec<Value>) {
    if let Some(result) = message.tool_result_of() {
        input.push(json!({
            "type": "function_call_output",
            "call_id": result.call_id,
            "output": message.content().unwrap_or_default(),
        }));
        return;
    }
    let role = match message.role() {
        Role::Tool => Role::User,
        role => role,
    };
    if !message.parts().is_empty() {
        let content: Vec<Value> = message
            .parts()
            .iter()
            .filter_map(|p| part(role, p))
            .collect();
        input.push(json!({ "type": "message", "role": role.as_str(), "content": content }));
    }
    for call in message.tool_calls() {
        input.push(json!({
            "type": "function_call",
            "call_id": call.id,
            "name": call.name,
            "arguments": call.arguments,
        }));
    }
}

/// The content part of one part of a message of `role` (`None` for a part
/// [`accepts`](Protocol::accepts) refused).
fn part(role: Role, part: &Part) -> Option<Value> {
    Some(match part {
        Part::Text(text) if role == Role::Assistant => {
            json!({ "type": "output_text", "text": text })
        }
        Part::Text(text) => json!({ "type": "input_text", "text": text }),
        Part::Image(Source::Url(url)) => {
            json!({ "type": "input_image", "image_url": url, "detail": "auto" })
        }
        Part::Image(source @ Source::Data { .. }) => {
            json!({ "type": "input_image", "image_url": source.data_url()?, "detail": "auto" })
        }
        Part::Image(Source::FileId(id)) => {
            json!({ "type": "input_image", "file_id": id, "detail": "auto" })
        }
        Part::Document {
            source: source @ Source::Data { .. },
            filename,
        } => {
            let filename = filename.clone().unwrap_or_else(|| default_filename(source));
            json!({ "type": "input_file", "filename": filename, "file_data": source.data_url()? })
        }
        Part::Document {
            source: Source::FileId(id),
            ..
        } => json!({ "type": "input_file", "file_id": id }),
        Part::Document {
            source: Source::Url(url),
            ..
        } => json!({ "type": "input_file", "file_url": url }),
        Part::Audio(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::assembler::ToolCall;
    use crate::client::providers::test_target as target;

    fn params() -> Params<'static> {
        Params {
            model: "gpt-4.1",
            temperature: Some(0.0),
            max_tokens: Some(100),
            seed: None,
        }
    }

    fn schema() -> Value {
        (target().schema)()
    }

    /// The body of each mode, as the API reference ("Create a model
    /// response": `tools`, `tool_choice`, `text.format`) writes it.
    #[test]
    fn each_mode_writes_the_documented_body() {
        let base = json!({"model": "gpt-4.1", "stream": true, "store": false, "temperature": 0.0, "max_output_tokens": 100});
        let tool = |strict: bool| json!([{"type": "function", "name": "User", "description": "A user.", "parameters": schema(), "strict": strict}]);
        let table = [
            (
                Mode::Tools,
                json!({"tools": tool(false), "tool_choice": {"type": "function", "name": "User"}}),
            ),
            (
                Mode::ToolsStrict,
                json!({"tools": tool(true), "tool_choice": {"type": "function", "name": "User"}}),
            ),
            (
                Mode::ParallelTools,
                json!({"tools": tool(false), "tool_choice": "auto"}),
            ),
            (
                Mode::JsonSchema,
                json!({"text": {"format": {"type": "json_schema", "name": "User", "schema": schema(), "strict": true, "description": "A user."}}}),
            ),
            (
                Mode::Json,
                json!({"text": {"format": {"type": "json_object"}}}),
            ),
            (Mode::MdJson, json!({})),
        ];
        for (mode, fields) in table {
            let mut expected = base.clone();
            expected
                .as_object_mut()
                .unwrap()
                .extend(fields.as_object().unwrap().clone());
            let body = Responses.body(params(), mode, &target()).unwrap();
            assert_eq!(Value::Object(body), expected, "{mode:?}");
        }
    }

    #[test]
    fn a_seed_is_a_configuration_error() {
        let params = Params {
            seed: Some(7),
            ..params()
        };
        let err = Responses.body(params, Mode::Tools, &target()).unwrap_err();
        assert!(
            matches!(err, Error::Config { .. }) && err.to_string().contains("seed"),
            "{err}"
        );
    }

    fn input(messages: &[Message]) -> Value {
        let mut body = Map::new();
        Responses.write_messages(&mut body, messages);
        body.remove("input").unwrap()
    }

    /// A conversation with a re-ask, as the "Function calling" guide sends
    /// it back: `function_call` items, then a `function_call_output` per
    /// call.
    #[test]
    fn messages_and_tool_calls_are_input_items() {
        let call = ToolCall {
            id: "call_1".into(),
            name: "User".into(),
            arguments: "{\"name\":1}".into(),
        };
        let messages = [
            Message::system("Be precise."),
            Message::user("Jason is 25."),
            Message::assistant("{\"name\":1}"),
            Message::assistant_tool_calls(vec![call]),
            Message::tool_error("call_1", "name: expected a string"),
        ];
        assert_eq!(
            input(&messages),
            json!([
                {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "Be precise."}]},
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Jason is 25."}]},
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "{\"name\":1}"}]},
                {"type": "function_call", "call_id": "call_1", "name": "User", "arguments": "{\"name\":1}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "name: expected a string"},
            ])
        );
    }

    /// The shapes of the "Images and vision" and "File inputs" guides:
    /// `input_image` with an `image_url` (a URL or a `data:` URL) or a
    /// `file_id`; `input_file` with `filename` + `file_data` (a `data:`
    /// URL), `file_id` or `file_url`.
    #[test]
    fn parts_are_typed_content_parts() {
        let user = Message::user_parts([
            Part::text("Read these."),
            Part::image_url("https://example.com/r.png"),
            Part::image(&b"hi"[..], "image/png"),
            Part::Image(Source::FileId("file-img".into())),
            Part::pdf(&b"%PDF"[..]),
            Part::document(&b"a,b"[..], "text/csv", Some("t.csv".into())),
            Part::file_id("file-123"),
            Part::document_url("https://example.com/r.pdf"),
        ]);
        for part in user.parts() {
            Responses.accepts(&user, part).unwrap();
        }
        assert_eq!(
            input(&[user])[0]["content"],
            json!([
                {"type": "input_text", "text": "Read these."},
                {"type": "input_image", "image_url": "https://example.com/r.png", "detail": "auto"},
                {"type": "input_image", "image_url": "data:image/png;base64,aGk=", "detail": "auto"},
                {"type": "input_image", "file_id": "file-img", "detail": "auto"},
                {"type": "input_file", "filename": "document.pdf", "file_data": "data:application/pdf;base64,JVBERg=="},
                {"type": "input_file", "filename": "t.csv", "file_data": "data:text/csv;base64,YSxi"},
                {"type": "input_file", "file_id": "file-123"},
                {"type": "input_file", "file_url": "https://example.com/r.pdf"},
            ])
        );
    }

    #[test]
    fn parts_it_cannot_send_are_refused() {
        let audio = Message::user_parts([Part::audio(&b"RIFF"[..], "audio/wav")]);
        let err = Responses.accepts(&audio, &audio.parts()[0]).unwrap_err();
        assert!(err.contains("no audio"), "{err}");
        let system = Message::system("s");
        let err = Responses
            .accepts(&system, &Part::image_url("https://x/y.png"))
            .unwrap_err();
        assert!(err.contains("user messages only"), "{err}");
        Responses.accepts(&system, &Part::text("t")).unwrap();
    }
}
