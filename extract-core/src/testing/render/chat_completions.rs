//! The replay server's chat completions: `chat.completion.chunk` events,
//! as OpenAI streams them (a first chunk with the role, and the tool
//! call's id and name; the text in deltas; a chunk with the
//! `finish_reason`; a `choices: []` usage chunk when the request asked for
//! usage; `data: [DONE]`).

use super::{openai_error_body, sse_event, Dialect, Encoder, Placement, Rendered, Step};
use crate::client::Provider;
use crate::testing::script::{Answer, Reply};
use serde_json::{json, Value};

/// The chat-completions dialect.
pub(crate) struct ChatCompletions;

impl Dialect for ChatCompletions {
    fn provider(&self) -> Provider {
        Provider::ChatCompletions
    }

    fn placement(&self, request: &Value) -> Placement {
        let first_tool = request["tools"][0]["function"]["name"].as_str();
        match (
            first_tool,
            request["tool_choice"]["function"]["name"].as_str(),
        ) {
            (Some(_), Some(forced)) => Placement::Tool(forced.to_owned()),
            (Some(name), None) => Placement::Tools(name.to_owned()),
            (None, _) if request.get("response_format").is_some() => Placement::Content,
            (None, _) => Placement::Fenced,
        }
    }

    fn encoder(&self, request: &Value, id: &str) -> Box<dyn Encoder> {
        Box::new(ChunkEncoder {
            id: id.to_owned(),
            model: request["model"].as_str().unwrap_or("replay").to_owned(),
            include_usage: request["stream_options"]["include_usage"] == json!(true),
        })
    }

    fn whole_body(&self, reply: &Reply, rendered: &Rendered, request: &Value, id: &str) -> String {
        let mut message = json!({ "role": "assistant", "content": null, "refusal": null });
        let tools = rendered.tools();
        if tools {
            let calls: Vec<Value> = rendered
                .parts
                .iter()
                .enumerate()
                .map(|(k, (name, text))| {
                    json!({
                        "id": format!("call_replay_{k}"), "type": "function",
                        "function": { "name": name, "arguments": text },
                    })
                })
                .collect();
            message["tool_calls"] = Value::Array(calls);
        } else if let Some((_, text)) = rendered.parts.first() {
            let field = if matches!(reply.answer, Answer::Refusal(_)) {
                "refusal"
            } else {
                "content"
            };
            message[field] = json!(text);
        }
        let (prompt, completion) = reply.usage.unwrap_or((10, 10));
        let finish = reply
            .finish_reason
            .clone()
            .unwrap_or_else(|| if tools { "tool_calls" } else { "stop" }.to_owned());
        json!({
            "id": id, "object": "chat.completion", "created": 1_700_000_000, "model": request["model"],
            "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
            "usage": { "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt.saturating_add(completion) },
        })
        .to_string()
    }

    fn error_body(&self, status: u16, message: &str) -> String {
        openai_error_body(status, message)
    }

    fn id_prefix(&self) -> &'static str {
        "chatcmpl-replay"
    }
}

/// Writes `chat.completion.chunk` events.
struct ChunkEncoder {
    id: String,
    model: String,
    include_usage: bool,
}

impl ChunkEncoder {
    /// One `chat.completion.chunk` event.
    fn chunk(&self, delta: Value, finish_reason: Option<&str>) -> Vec<u8> {
        let chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": self.model,
            "system_fingerprint": "fp_replay",
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
        });
        sse_event(None, &chunk.to_string())
    }

    /// The `choices: []` usage chunk.
    fn usage(&self, prompt: u64, completion: u64) -> Vec<u8> {
        let chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": self.model,
            "choices": [],
            "usage": { "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt.saturating_add(completion) },
        });
        sse_event(None, &chunk.to_string())
    }
}

impl Encoder for ChunkEncoder {
    fn step(&mut self, step: Step<'_>) -> Vec<Vec<u8>> {
        match step {
            Step::Start { tools: true, .. } | Step::TextStart { .. } | Step::PartEnd { .. } => {
                Vec::new()
            }
            Step::Start { refusal, .. } => {
                let first = if refusal {
                    json!({ "role": "assistant", "content": null, "refusal": "" })
                } else {
                    json!({ "role": "assistant", "content": "", "refusal": null })
                };
                vec![self.chunk(first, None)]
            }
            Step::ToolStart { call, name } => {
                let mut delta = json!({ "content": null, "tool_calls": [{
                    "index": call, "id": format!("call_replay_{call}"), "type": "function",
                    "function": { "name": name, "arguments": "" },
                }]});
                if call == 0 {
                    delta["role"] = json!("assistant");
                }
                vec![self.chunk(delta, None)]
            }
            Step::Fragment {
                call,
                text,
                refusal,
            } => {
                let delta = match call {
                    Some(k) => {
                        json!({ "tool_calls": [{ "index": k, "function": { "arguments": text } }] })
                    }
                    None if refusal => json!({ "refusal": text }),
                    None => json!({ "content": text }),
                };
                vec![self.chunk(delta, None)]
            }
            Step::Finish(finish) => {
                let reason = if finish.truncated {
                    "length"
                } else {
                    finish
                        .reason
                        .unwrap_or(if finish.tools { "tool_calls" } else { "stop" })
                };
                let mut events = vec![self.chunk(json!({}), Some(reason))];
                if self.include_usage {
                    events.push(self.usage(finish.usage.0, finish.usage.1));
                }
                if finish.end {
                    events.push(sse_event(None, "[DONE]"));
                }
                events
            }
            Step::Error { message } => {
                let error = json!({ "error": { "message": message, "type": "server_error", "param": null, "code": null } });
                vec![sse_event(None, &error.to_string())]
            }
            Step::Malformed => {
                vec![b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}\n\n".to_vec()]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_follows_the_request() {
        let d = ChatCompletions;
        let forced = json!({"tools": [{"function": {"name": "User"}}], "tool_choice": {"function": {"name": "User"}}});
        assert_eq!(d.placement(&forced), Placement::Tool("User".into()));
        let parallel = json!({"tools": [{"function": {"name": "User"}}], "tool_choice": "auto"});
        assert_eq!(d.placement(&parallel), Placement::Tools("User".into()));
        assert_eq!(
            d.placement(&json!({"response_format": {}})),
            Placement::Content
        );
        assert_eq!(d.placement(&json!({})), Placement::Fenced);
    }
}
