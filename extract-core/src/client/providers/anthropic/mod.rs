//! Anthropic's Messages API (`POST /v1/messages`, `stream: true`), with the
//! key in `x-api-key` and `anthropic-version: 2023-06-01`.
//!
//! | `Mode` | request |
//! | --- | --- |
//! | `Tools` | one tool `{name, description, input_schema}`, `tool_choice: {type: tool, name, disable_parallel_tool_use: true}` |
//! | `ToolsStrict` | the same with `strict: true` and the strict schema |
//! | `JsonSchema` | `output_config: {format: {type: json_schema, schema}}` (the strict schema; no beta header) |
//! | `Json` | nothing (the schema in the system prompt; the Messages API has no JSON mode) |
//! | `MdJson` | nothing (the schema in the system prompt) |
//! | `ParallelTools` | the item type as a tool, `tool_choice: {type: any}` |
//!
//! `ParallelTools` sends `any` rather than `auto`: the answer must be calls
//! of the one tool offered (with `auto` Claude often answers in prose), and
//! `any` still lets it call the tool several times in one turn. Extended
//! thinking takes only `auto`: with `thinking` set through
//! [`extra`](crate::client::ChatRequest::extra), set `tool_choice` there
//! too. The strict modes send the strict schema without the keywords
//! Anthropic's structured outputs reject (`minimum`, `maximum`,
//! `multipleOf`, `maxItems`, `minItems` above 1): they are moved into the
//! description, as Anthropic's SDKs do, and the answer is still validated
//! against them.
//!
//! `max_tokens` is required: a request that sets none sends
//! [`DEFAULT_MAX_TOKENS`] (4096, what every Claude model can write; longer
//! answers fail with [`Error::Truncated`](crate::Error::Truncated) and need
//! [`max_tokens`](crate::client::ChatRequest::max_tokens)). There is no
//! `seed`, and `temperature` is between 0 and 1: a request outside these
//! fails with [`Error::Config`] before it is sent.
//!
//! Messages: system messages go to the top-level `system` (text blocks, in
//! order); the others are `{role, content}` turns of content blocks, a
//! message's text as `text` blocks, images as `image` blocks and documents
//! as `document` blocks (a `source` of type `base64`, `url`, `file` or, for
//! plain-text documents, `text`). Consecutive messages of one role are
//! merged into one turn, as the API requires turns to alternate. File ids
//! need the Files API beta header (`anthropic-beta: files-api-2025-04-14`,
//! through [`ClientBuilder::header`](crate::client::ClientBuilder::header)).
//!
//! A re-ask sends the assistant's `tool_use` blocks and, in one user turn,
//! a `tool_result` block per call with `is_error: true` and the errors
//! (`tool_result` blocks first, as the API requires). A `tool_use.input`
//! must be an object: arguments that are not a JSON object (cut short,
//! malformed) are sent as `{}`, and their text is added to that call's
//! `tool_result`, so the model sees what it wrote.

mod decode;
mod wire;

use super::{retryable_status, secret_header, Decode, Endpoint, Params, Protocol};
use crate::client::input::{base64_of, Part, Source};
use crate::client::message::{Message, Role};
use crate::client::mode::{Mode, Target};
use crate::Error;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The `max_tokens` sent when the request sets none (the API requires one).
pub(crate) const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The `anthropic-version` header sent with every request.
const VERSION: &str = "2023-06-01";

/// The image types the API reads.
const IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// The Messages protocol.
pub(crate) struct Anthropic;

impl Protocol for Anthropic {
    fn endpoint(&self) -> &'static Endpoint {
        &Endpoint {
            name: "anthropic",
            default_base_url: "https://api.anthropic.com",
            key_var: "ANTHROPIC_API_KEY",
            base_url_var: "ANTHROPIC_BASE_URL",
            path: "/v1/messages",
        }
    }

    fn auth_headers(&self, key: Option<&str>) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        let mut headers = vec![(
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static(VERSION),
        )];
        if let Some(key) = key {
            headers.push((HeaderName::from_static("x-api-key"), secret_header(key)?));
        }
        Ok(headers)
    }

    fn accepts(&self, message: &Message, part: &Part) -> Result<(), String> {
        match (message.role(), part) {
            (_, Part::Text(_)) => Ok(()),
            (_, Part::Audio(_)) => {
                Err("the Messages API takes no audio input (send a transcript as text)".to_owned())
            }
            (Role::User, Part::Image(source)) => image_source(source).map(drop),
            (Role::User, Part::Document { source, .. }) => document_source(source).map(drop),
            (role, part) => Err(format!(
                "the Messages API takes {} parts in user messages only, not in {} messages",
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
        let config = |why: String| Error::Config {
            message: format!("anthropic: {why}"),
        };
        if params.seed.is_some() {
            return Err(config(
                "the Messages API has no `seed`: leave it unset".to_owned(),
            ));
        }
        let mut body = Map::new();
        body.insert("model".into(), json!(params.model));
        let max_tokens = params.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
        body.insert("max_tokens".into(), json!(max_tokens));
        body.insert("stream".into(), json!(true));
        if let Some(t) = params.temperature {
            if !(0.0..=1.0).contains(&t) {
                return Err(config(format!(
                    "`temperature` is between 0 and 1 for the Messages API, not {t}"
                )));
            }
            body.insert("temperature".into(), json!(t));
        }
        let schema = target.schema_for(mode);
        let schema = if mode.is_strict() {
            crate::schema::moving_keywords(schema, rejected_by_strict)
        } else {
            schema
        };
        match mode {
            Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools => {
                let mut tool = json!({
                    "name": target.name,
                    "description": target.description(&schema),
                    "input_schema": schema,
                });
                if mode.is_strict() {
                    tool["strict"] = Value::Bool(true);
                }
                body.insert("tools".into(), json!([tool]));
                let choice = if mode == Mode::ParallelTools {
                    json!({ "type": "any" })
                } else {
                    json!({ "type": "tool", "name": target.name, "disable_parallel_tool_use": true })
                };
                body.insert("tool_choice".into(), choice);
            }
            Mode::JsonSchema => {
                body.insert(
                    "output_config".into(),
                    json!({ "format": { "type": "json_schema", "schema": schema } }),
                );
            }
            Mode::Json | Mode::MdJson => {}
        }
        Ok(body)
    }

    fn write_messages(&self, body: &mut Map<String, Value>, messages: &[Message]) {
        let (system, turns) = conversation(messages);
        if !system.is_empty() {
            body.insert("system".into(), Value::Array(system));
        }
        body.insert("messages".into(), Value::Array(turns));
    }

    fn decoder(&self) -> Box<dyn Decode> {
        Box::new(decode::AnthropicDecoder::default())
    }

    fn batch(&self) -> Option<&'static dyn crate::client::batch::api::BatchApi> {
        Some(&crate::client::batch::AnthropicBatches)
    }

    fn is_retryable_status(&self, status: u16) -> bool {
        // 529: the API is overloaded.
        status == 529 || retryable_status(status)
    }
}

/// Keywords Anthropic's structured outputs and strict tools reject, which
/// the strict schema may still hold.
fn rejected_by_strict(keyword: &str, value: &Value) -> bool {
    match keyword {
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf"
        | "maxItems" => true,
        "minItems" => value.as_u64().is_none_or(|n| n > 1),
        _ => false,
    }
}

/// The top-level `system` blocks and the `messages` turns of a
/// conversation.
fn conversation(messages: &[Message]) -> (Vec<Value>, Vec<Value>) {
    let mut system = Vec::new();
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    // Calls whose arguments were not a JSON object, by id: their text goes
    // with their result.
    let mut unsent: HashMap<&str, &str> = HashMap::new();
    for message in messages {
        let (role, blocks) = match message.role() {
            Role::System => {
                system.extend(message.parts().iter().filter_map(block));
                continue;
            }
            Role::User => ("user", message.parts().iter().filter_map(block).collect()),
            Role::Assistant => {
                let mut blocks: Vec<Value> = message.parts().iter().filter_map(block).collect();
                for call in message.tool_calls() {
                    let input = match serde_json::from_str::<Value>(&call.arguments) {
                        Ok(object @ Value::Object(_)) => object,
                        _ => {
                            if !call.arguments.trim().is_empty() {
                                unsent.insert(&call.id, &call.arguments);
                            }
                            json!({})
                        }
                    };
                    blocks.push(json!({
                        "type": "tool_use", "id": call.id, "name": call.name, "input": input,
                    }));
                }
                ("assistant", blocks)
            }
            Role::Tool => ("user", vec![tool_result(message, &unsent)]),
        };
        match turns.last_mut() {
            Some((last, content)) if *last == role => content.extend(blocks),
            _ if blocks.is_empty() => {}
            _ => turns.push((role, blocks)),
        }
    }
    let turns = turns
        .into_iter()
        .map(|(role, mut content)| {
            // In a user turn, tool results come before anything else.
            content.sort_by_key(|b| b["type"] != "tool_result");
            json!({ "role": role, "content": content })
        })
        .collect();
    (system, turns)
}

/// The `tool_result` block of a tool message.
fn tool_result(message: &Message, unsent: &HashMap<&str, &str>) -> Value {
    let call_id = message.tool_result_of().map_or("", |r| r.call_id.as_str());
    let mut text = message.content().unwrap_or_default();
    if let Some(arguments) = unsent.get(call_id) {
        text.push_str(
            "\n\nThe arguments were not a JSON object (so the call above shows `{}`); as written:\n",
        );
        text.push_str(arguments);
    }
    let mut out = json!({ "type": "tool_result", "tool_use_id": call_id, "content": text });
    if message.tool_result_of().is_some_and(|r| r.is_error) {
        out["is_error"] = Value::Bool(true);
    }
    out
}

/// The content block of one part (`None` for empty text, which the API
/// rejects, and for a part `accepts` refused).
fn block(part: &Part) -> Option<Value> {
    Some(match part {
        Part::Text(text) if text.is_empty() => return None,
        Part::Text(text) => json!({ "type": "text", "text": text }),
        Part::Image(source) => json!({ "type": "image", "source": image_source(source).ok()? }),
        Part::Document { source, filename } => {
            let mut block = json!({ "type": "document", "source": document_source(source).ok()? });
            if let Some(title) = filename {
                block["title"] = Value::String(title.clone());
            }
            block
        }
        Part::Audio(_) => return None,
    })
}

/// The `source` of an image block: `base64` (bytes, or a `data:` URL),
/// `url` or `file`; `Err` saying why not.
fn image_source(source: &Source) -> Result<Value, String> {
    let check = |media_type: &str| {
        if IMAGE_TYPES.contains(&media_type) {
            Ok(())
        } else {
            Err(format!(
                "the Messages API takes images as JPEG, PNG, GIF or WebP, not `{media_type}`"
            ))
        }
    };
    match source {
        Source::Url(url) => match data_url(url)? {
            Some((media_type, data)) => {
                check(media_type)?;
                Ok(base64_source(media_type, data))
            }
            None => Ok(json!({ "type": "url", "url": url })),
        },
        Source::Data { media_type, data } => {
            check(media_type)?;
            Ok(base64_source(media_type, &base64_of(data)))
        }
        Source::FileId(id) => Ok(json!({ "type": "file", "file_id": id })),
    }
}

/// The `source` of a document block: a PDF as `base64` (bytes, or a
/// `data:` URL), plain text as `text`, a URL as `url`, a file id as
/// `file`; `Err` saying why not.
fn document_source(source: &Source) -> Result<Value, String> {
    let not_read = |media_type: &str| {
        format!(
            "the Messages API takes documents as PDF or plain text (`text/…`), not `{media_type}`"
        )
    };
    match source {
        Source::Url(url) => match data_url(url)? {
            Some((pdf @ "application/pdf", data)) => Ok(base64_source(pdf, data)),
            Some((media_type, _)) => Err(not_read(media_type)),
            None => Ok(json!({ "type": "url", "url": url })),
        },
        Source::Data { media_type, data } if media_type == "application/pdf" => {
            Ok(base64_source(media_type, &base64_of(data)))
        }
        Source::Data { media_type, data } if media_type.starts_with("text/") => {
            let text = std::str::from_utf8(data)
                .map_err(|_| format!("a `{media_type}` document must be UTF-8 text"))?;
            Ok(json!({ "type": "text", "media_type": "text/plain", "data": text }))
        }
        Source::Data { media_type, .. } => Err(not_read(media_type)),
        Source::FileId(id) => Ok(json!({ "type": "file", "file_id": id })),
    }
}

/// `{type: base64, media_type, data}`.
fn base64_source(media_type: &str, data: &str) -> Value {
    json!({ "type": "base64", "media_type": media_type, "data": data })
}

/// The media type and base64 data of a `data:` URL (`None` for another
/// URL; `Err` for a `data:` URL that is not base64).
fn data_url(url: &str) -> Result<Option<(&str, &str)>, String> {
    let Some(rest) = url.strip_prefix("data:") else {
        return Ok(None);
    };
    match rest.split_once(";base64,") {
        Some((media_type, data)) if !media_type.contains(',') => Ok(Some((media_type, data))),
        _ => Err(
            "the Messages API takes `data:` URLs only in base64 (`data:<type>;base64,…`)"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests;
