//! The replay server's Messages API, streaming as Anthropic does: a
//! `message_start` with the input usage; per text or tool call a
//! `content_block_start` (a tool call's id and name, its input `{}`), its
//! `text_delta`s or `input_json_delta`s (the first one `""`) and a
//! `content_block_stop`; a `ping` after the first block starts; a
//! `message_delta` with the `stop_reason` (`max_tokens` when cut,
//! `refusal` for a refusal) and the output usage; `message_stop`. An error
//! mid-stream is an `error` event (`overloaded_error` when its message
//! says so, else `api_error`).
//!
//! Where the answer goes: a forced tool (`tool_choice: {type: tool}`) gets
//! one call, tools offered otherwise one call per item; without tools the
//! answer is text, in a ```` ```json ```` fence when the system prompt asks
//! for one (`MdJson`), bare otherwise (`JsonSchema`, `Json`). A refusal is
//! text with `stop_reason: refusal` (the API has no refusal channel).

use super::{sse_event, Dialect, Encoder, Placement, Rendered, Step};
use crate::client::Provider;
use crate::testing::script::{Answer, Reply};
use serde_json::{json, Value};

/// The Messages dialect.
pub(crate) struct Anthropic;

impl Dialect for Anthropic {
    fn provider(&self) -> Provider {
        Provider::Anthropic
    }

    fn placement(&self, request: &Value) -> Placement {
        let forced = match &request["tool_choice"] {
            choice if choice["type"] == "tool" => choice["name"].as_str(),
            _ => None,
        };
        match (request["tools"][0]["name"].as_str(), forced) {
            (Some(_), Some(forced)) => Placement::Tool(forced.to_owned()),
            (Some(name), None) => Placement::Tools(name.to_owned()),
            (None, _) if asks_for_a_fence(&request["system"]) => Placement::Fenced,
            (None, _) => Placement::Content,
        }
    }

    fn encoder(&self, request: &Value, id: &str) -> Box<dyn Encoder> {
        Box::new(EventEncoder {
            id: id.to_owned(),
            model: request["model"].as_str().unwrap_or("replay").to_owned(),
            prompt: request.to_string().len() as u64 / 4,
            refusal: false,
            blocks: 0,
            open: None,
        })
    }

    fn whole_body(&self, reply: &Reply, rendered: &Rendered, request: &Value, id: &str) -> String {
        let refusal = matches!(reply.answer, Answer::Refusal(_));
        let content: Vec<Value> = rendered
            .parts
            .iter()
            .enumerate()
            .map(|(k, (name, text))| match name {
                Some(name) => json!({
                    "type": "tool_use", "id": tool_id(k), "name": name,
                    "input": serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text)),
                }),
                None => json!({ "type": "text", "text": text }),
            })
            .collect();
        let stop = reply
            .finish_reason
            .clone()
            .unwrap_or_else(|| stop_reason(false, refusal, rendered.tools()).to_owned());
        json!({
            "id": id, "type": "message", "role": "assistant", "model": request["model"],
            "content": content, "stop_reason": stop, "stop_sequence": null,
            "usage": { "input_tokens": 10, "output_tokens": 10 },
        })
        .to_string()
    }

    fn error_body(&self, status: u16, message: &str) -> String {
        let kind = match status {
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            413 => "request_too_large",
            429 => "rate_limit_error",
            529 => "overloaded_error",
            500..=599 => "api_error",
            _ => "invalid_request_error",
        };
        json!({ "type": "error", "error": { "type": kind, "message": message }, "request_id": "req_replay" })
            .to_string()
    }

    fn id_prefix(&self) -> &'static str {
        "msg_replay"
    }
}

/// Whether the system prompt asks for a ```` ```json ```` block: the
/// Messages API has no JSON mode, so `Json` and `MdJson` differ only in
/// what their prompt asks for (JSON alone, or JSON in a fence).
fn asks_for_a_fence(system: &Value) -> bool {
    let asks = |text: &str| text.contains("```json");
    match system {
        Value::String(text) => asks(text),
        Value::Array(blocks) => blocks.iter().any(|b| b["text"].as_str().is_some_and(asks)),
        _ => false,
    }
}

/// The id of tool call `k`.
fn tool_id(k: usize) -> String {
    format!("toolu_replay_{k}")
}

/// The `stop_reason` of an answer that was not given one.
fn stop_reason(truncated: bool, refusal: bool, tools: bool) -> &'static str {
    match (truncated, refusal, tools) {
        (true, _, _) => "max_tokens",
        (_, true, _) => "refusal",
        (_, _, true) => "tool_use",
        _ => "end_turn",
    }
}

/// Writes Messages events, numbering content blocks as they open.
struct EventEncoder {
    id: String,
    model: String,
    /// Input tokens to report.
    prompt: u64,
    /// The answer is a refusal.
    refusal: bool,
    /// Blocks opened so far.
    blocks: usize,
    /// The open block: its index, and whether it is a tool call.
    open: Option<(usize, bool)>,
}

impl EventEncoder {
    /// One event, named by its `type`.
    fn event(kind: &str, data: &Value) -> Vec<u8> {
        sse_event(Some(kind), &data.to_string())
    }

    /// Opens a block (closing the open one); a `ping` follows the first.
    fn start(&mut self, block: &Value, tool: bool) -> Vec<Vec<u8>> {
        let mut events = self.stop();
        let index = self.blocks;
        self.blocks += 1;
        self.open = Some((index, tool));
        events.push(Self::event(
            "content_block_start",
            &json!({ "type": "content_block_start", "index": index, "content_block": block }),
        ));
        if index == 0 {
            events.push(Self::event("ping", &json!({ "type": "ping" })));
        }
        events
    }

    /// Closes the open block, if any.
    fn stop(&mut self) -> Vec<Vec<u8>> {
        match self.open.take() {
            Some((index, _)) => vec![Self::event(
                "content_block_stop",
                &json!({ "type": "content_block_stop", "index": index }),
            )],
            None => Vec::new(),
        }
    }

    /// A fragment of the open block.
    fn delta(&self, text: &str) -> Vec<u8> {
        let (index, tool) = self.open.unwrap_or((0, false));
        let delta = if tool {
            json!({ "type": "input_json_delta", "partial_json": text })
        } else {
            json!({ "type": "text_delta", "text": text })
        };
        Self::event(
            "content_block_delta",
            &json!({ "type": "content_block_delta", "index": index, "delta": delta }),
        )
    }
}

impl Encoder for EventEncoder {
    fn step(&mut self, step: Step<'_>) -> Vec<Vec<u8>> {
        match step {
            Step::Start { refusal, .. } => {
                self.refusal = refusal;
                let message = json!({
                    "id": self.id, "type": "message", "role": "assistant", "model": self.model,
                    "content": [], "stop_reason": null, "stop_sequence": null,
                    "usage": { "input_tokens": self.prompt, "cache_creation_input_tokens": 0,
                               "cache_read_input_tokens": 0, "output_tokens": 1 },
                });
                vec![Self::event(
                    "message_start",
                    &json!({ "type": "message_start", "message": message }),
                )]
            }
            Step::ToolStart { call, name } => {
                let block = json!({ "type": "tool_use", "id": tool_id(call), "name": name, "input": {} });
                let mut events = self.start(&block, true);
                events.push(self.delta(""));
                events
            }
            Step::TextStart { .. } => self.start(&json!({ "type": "text", "text": "" }), false),
            Step::Fragment { text, .. } => vec![self.delta(text)],
            Step::PartEnd { .. } => self.stop(),
            Step::Finish(finish) => {
                let reason = match finish.reason {
                    Some(reason) if !finish.truncated => reason,
                    _ => stop_reason(finish.truncated, self.refusal, finish.tools),
                };
                let mut events = self.stop();
                events.push(Self::event(
                    "message_delta",
                    &json!({
                        "type": "message_delta",
                        "delta": { "stop_reason": reason, "stop_sequence": null },
                        "usage": { "input_tokens": finish.usage.0, "output_tokens": finish.usage.1 },
                    }),
                ));
                if finish.end {
                    events.push(Self::event("message_stop", &json!({ "type": "message_stop" })));
                }
                events
            }
            Step::Error { message } => {
                let kind = if message.to_ascii_lowercase().contains("overload") {
                    "overloaded_error"
                } else {
                    "api_error"
                };
                vec![Self::event(
                    "error",
                    &json!({ "type": "error", "error": { "type": kind, "message": message } }),
                )]
            }
            Step::Malformed => vec![b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}\n\n".to_vec()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_follows_the_request() {
        let d = Anthropic;
        let forced =
            json!({"tools": [{"name": "User"}], "tool_choice": {"type": "tool", "name": "User"}});
        assert_eq!(d.placement(&forced), Placement::Tool("User".into()));
        for choice in ["any", "auto"] {
            let offered = json!({"tools": [{"name": "User"}], "tool_choice": {"type": choice}});
            assert_eq!(d.placement(&offered), Placement::Tools("User".into()));
        }
        let format = json!({"output_config": {"format": {"type": "json_schema", "schema": {}}}});
        assert_eq!(d.placement(&format), Placement::Content);
        let json = json!({"system": "Answer with the JSON only."});
        assert_eq!(d.placement(&json), Placement::Content);
        let fenced =
            json!({"system": [{"type": "text", "text": "Write it in one ```json code block."}]});
        assert_eq!(d.placement(&fenced), Placement::Fenced);
    }

    #[test]
    fn error_bodies_name_the_kind_of_the_status() {
        let body: Value = serde_json::from_str(&Anthropic.error_body(529, "Overloaded")).unwrap();
        assert_eq!(body["type"], "error");
        assert_eq!(body["error"]["type"], "overloaded_error");
        assert_eq!(body["error"]["message"], "Overloaded");
    }
}
