//! The replay server's Responses API: typed events, as OpenAI streams them.
//!
//! `response.created` and `response.in_progress`; per output item an
//! `output_item.added`, (for a message) a `content_part.added`, the
//! fragments (`output_text.delta`, `refusal.delta`,
//! `function_call_arguments.delta`), the part's `.done` event repeating its
//! whole text, `content_part.done`, `output_item.done`; then
//! `response.completed` with the whole output and the usage. Every event
//! has an `event:` line, its `type` and a `sequence_number`.
//!
//! A cut at the token limit ends with `response.incomplete`
//! (`incomplete_details.reason: max_output_tokens`); an error mid-stream is
//! an `error` event then `response.failed`. A reply's
//! [`finish_reason`](crate::testing::Reply::finish_reason) other than
//! `completed` (or the chat words `stop`, `tool_calls`) is sent as the
//! reason of a `response.incomplete` (`length` as `max_output_tokens`).

use super::{openai_error_body, sse_event, Dialect, Encoder, Finish, Placement, Rendered, Step};
use crate::client::Provider;
use crate::testing::script::{Answer, Reply};
use serde_json::{json, Map, Value};

/// The Responses dialect.
pub(crate) struct Responses;

/// The id of the message item of an answer in text.
const MESSAGE_ID: &str = "msg_replay";

impl Dialect for Responses {
    fn provider(&self) -> Provider {
        Provider::Responses
    }

    fn placement(&self, request: &Value) -> Placement {
        let first_tool = request["tools"][0]["name"].as_str();
        let format = request["text"]["format"]["type"].as_str();
        match (first_tool, request["tool_choice"]["name"].as_str()) {
            (Some(_), Some(forced)) => Placement::Tool(forced.to_owned()),
            (Some(name), None) => Placement::Tools(name.to_owned()),
            (None, _) if matches!(format, Some("json_schema" | "json_object")) => {
                Placement::Content
            }
            (None, _) => Placement::Fenced,
        }
    }

    fn encoder(&self, request: &Value, id: &str) -> Box<dyn Encoder> {
        Box::new(EventEncoder {
            id: id.to_owned(),
            model: request["model"].as_str().unwrap_or("replay").to_owned(),
            sequence: 0,
            output: Vec::new(),
        })
    }

    fn whole_body(&self, reply: &Reply, rendered: &Rendered, request: &Value, id: &str) -> String {
        let refusal = matches!(reply.answer, Answer::Refusal(_));
        let output: Vec<Value> = if rendered.tools() {
            let calls = rendered.parts.iter().enumerate();
            calls
                .map(|(k, (name, text))| call_item(k, name.as_deref().unwrap_or(""), text))
                .collect()
        } else {
            let parts = rendered.parts.iter();
            parts.map(|(_, text)| message_item(text, refusal)).collect()
        };
        let mut response = response_object(id, &request["model"], "completed", output);
        if let Some(reason) = incomplete_reason(false, reply.finish_reason.as_deref()) {
            response["status"] = json!("incomplete");
            response["incomplete_details"] = json!({ "reason": reason });
        }
        response["usage"] = usage(10, 10);
        response.to_string()
    }

    fn error_body(&self, status: u16, message: &str) -> String {
        openai_error_body(status, message)
    }

    fn id_prefix(&self) -> &'static str {
        "resp_replay"
    }
}

/// Writes Responses events, keeping the items it completed for the last
/// event.
struct EventEncoder {
    id: String,
    model: String,
    sequence: u64,
    output: Vec<Value>,
}

impl EventEncoder {
    /// One event: `event: <kind>`, and its data with `type` and
    /// `sequence_number` first.
    fn event(&mut self, kind: &str, fields: Value) -> Vec<u8> {
        let mut data = Map::new();
        data.insert("type".into(), json!(kind));
        data.insert("sequence_number".into(), json!(self.sequence));
        self.sequence += 1;
        if let Value::Object(fields) = fields {
            data.extend(fields);
        }
        sse_event(Some(kind), &Value::Object(data).to_string())
    }

    /// An event carrying the response as it stands.
    fn response_event(&mut self, kind: &str, status: &str) -> Vec<u8> {
        let response = response_object(&self.id, &json!(self.model), status, Vec::new());
        self.event(kind, json!({ "response": response }))
    }

    /// The last event: `response.completed`, or `response.incomplete`.
    fn finish(&mut self, finish: Finish<'_>) -> Vec<u8> {
        let output = std::mem::take(&mut self.output);
        let mut response = response_object(&self.id, &json!(self.model), "completed", output);
        response["usage"] = usage(finish.usage.0, finish.usage.1);
        match incomplete_reason(finish.truncated, finish.reason) {
            Some(reason) => {
                response["status"] = json!("incomplete");
                response["incomplete_details"] = json!({ "reason": reason });
                self.event("response.incomplete", json!({ "response": response }))
            }
            None => self.event("response.completed", json!({ "response": response })),
        }
    }
}

impl Encoder for EventEncoder {
    fn step(&mut self, step: Step<'_>) -> Vec<Vec<u8>> {
        match step {
            Step::Start { .. } => vec![
                self.response_event("response.created", "in_progress"),
                self.response_event("response.in_progress", "in_progress"),
            ],
            Step::ToolStart { call, name } => {
                let mut item = call_item(call, name, "");
                item["status"] = json!("in_progress");
                let added = json!({ "output_index": call, "item": item });
                vec![self.event("response.output_item.added", added)]
            }
            Step::TextStart { refusal } => {
                let item = json!({
                    "id": MESSAGE_ID, "type": "message", "status": "in_progress",
                    "role": "assistant", "content": [],
                });
                let part = json!({ "item_id": MESSAGE_ID, "output_index": 0, "content_index": 0, "part": content_part("", refusal) });
                vec![
                    self.event(
                        "response.output_item.added",
                        json!({ "output_index": 0, "item": item }),
                    ),
                    self.event("response.content_part.added", part),
                ]
            }
            Step::Fragment {
                call: Some(k),
                text,
                ..
            } => {
                let delta = json!({ "item_id": format!("fc_replay_{k}"), "output_index": k, "delta": text });
                vec![self.event("response.function_call_arguments.delta", delta)]
            }
            Step::Fragment {
                call: None,
                text,
                refusal,
            } => {
                let mut delta = json!({ "item_id": MESSAGE_ID, "output_index": 0, "content_index": 0, "delta": text });
                let kind = if refusal {
                    "response.refusal.delta"
                } else {
                    delta["logprobs"] = json!([]);
                    "response.output_text.delta"
                };
                vec![self.event(kind, delta)]
            }
            Step::PartEnd {
                call: Some(k),
                name,
                text,
                ..
            } => {
                let item = call_item(k, name.unwrap_or(""), text);
                self.output.push(item.clone());
                let done = json!({ "item_id": format!("fc_replay_{k}"), "output_index": k, "arguments": text });
                vec![
                    self.event("response.function_call_arguments.done", done),
                    self.event(
                        "response.output_item.done",
                        json!({ "output_index": k, "item": item }),
                    ),
                ]
            }
            Step::PartEnd {
                call: None,
                text,
                refusal,
                ..
            } => {
                let item = message_item(text, refusal);
                self.output.push(item.clone());
                let (kind, field) = if refusal {
                    ("response.refusal.done", "refusal")
                } else {
                    ("response.output_text.done", "text")
                };
                let mut done = json!({ "item_id": MESSAGE_ID, "output_index": 0, "content_index": 0 });
                done[field] = json!(text);
                let part = json!({ "item_id": MESSAGE_ID, "output_index": 0, "content_index": 0, "part": content_part(text, refusal) });
                vec![
                    self.event(kind, done),
                    self.event("response.content_part.done", part),
                    self.event(
                        "response.output_item.done",
                        json!({ "output_index": 0, "item": item }),
                    ),
                ]
            }
            Step::Finish(finish) => vec![self.finish(finish)],
            Step::Error { message } => {
                let error = json!({ "code": "server_error", "message": message, "param": null });
                let mut failed =
                    response_object(&self.id, &json!(self.model), "failed", Vec::new());
                failed["error"] = json!({ "code": "server_error", "message": message });
                vec![
                    self.event("error", error),
                    self.event("response.failed", json!({ "response": failed })),
                ]
            }
            Step::Malformed => vec![b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"\n\n".to_vec()],
        }
    }
}

/// Why the response is incomplete, if it is: cut at the token limit, or the
/// reply's finish reason when it is not a complete one.
fn incomplete_reason(truncated: bool, reason: Option<&str>) -> Option<&str> {
    match reason {
        _ if truncated => Some("max_output_tokens"),
        None | Some("completed" | "stop" | "tool_calls") => None,
        Some("length") => Some("max_output_tokens"),
        Some(reason) => Some(reason),
    }
}

/// A `response` object with `status` and `output`.
fn response_object(id: &str, model: &Value, status: &str, output: Vec<Value>) -> Value {
    json!({
        "id": id, "object": "response", "created_at": 1_700_000_000, "status": status,
        "error": null, "incomplete_details": null, "model": model, "output": output,
        "parallel_tool_calls": true, "store": false, "usage": null,
    })
}

/// A complete `function_call` item, call `k`.
fn call_item(k: usize, name: &str, arguments: &str) -> Value {
    json!({
        "id": format!("fc_replay_{k}"), "type": "function_call", "status": "completed",
        "arguments": arguments, "call_id": format!("call_replay_{k}"), "name": name,
    })
}

/// A complete `message` item holding `text` (or a refusal).
fn message_item(text: &str, refusal: bool) -> Value {
    json!({
        "id": MESSAGE_ID, "type": "message", "status": "completed", "role": "assistant",
        "content": [content_part(text, refusal)],
    })
}

/// An `output_text` (or `refusal`) content part.
fn content_part(text: &str, refusal: bool) -> Value {
    if refusal {
        json!({ "type": "refusal", "refusal": text })
    } else {
        json!({ "type": "output_text", "annotations": [], "logprobs": [], "text": text })
    }
}

/// `usage` for `input` and `output` tokens.
fn usage(input: u64, output: u64) -> Value {
    json!({
        "input_tokens": input, "input_tokens_details": { "cached_tokens": 0 },
        "output_tokens": output, "output_tokens_details": { "reasoning_tokens": 0 },
        "total_tokens": input.saturating_add(output),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_follows_the_request() {
        let d = Responses;
        let table = [
            (
                json!({"tools": [{"name": "User"}], "tool_choice": {"type": "function", "name": "User"}}),
                Placement::Tool("User".into()),
            ),
            (
                json!({"tools": [{"name": "User"}], "tool_choice": "auto"}),
                Placement::Tools("User".into()),
            ),
            (
                json!({"text": {"format": {"type": "json_schema"}}}),
                Placement::Content,
            ),
            (
                json!({"text": {"format": {"type": "json_object"}}}),
                Placement::Content,
            ),
            (
                json!({"text": {"format": {"type": "text"}}}),
                Placement::Fenced,
            ),
            (json!({}), Placement::Fenced),
        ];
        for (request, placement) in table {
            assert_eq!(d.placement(&request), placement, "{request}");
        }
    }

    /// The `event:` names of `reply` rendered for `request`, and the data
    /// of the last event.
    fn events(reply: &Reply, request: &Value) -> (Vec<String>, Value) {
        let body = reply.render_sse_as(Provider::Responses, request).unwrap();
        let body = String::from_utf8(body).unwrap();
        let names = body
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .map(str::to_owned)
            .collect();
        let last = body
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .next_back();
        let last = last.map_or(Value::Null, |d| {
            serde_json::from_str(d).unwrap_or(Value::Null)
        });
        (names, last)
    }

    /// The order of the API reference's streaming events.
    #[test]
    fn answers_stream_as_the_api_does() {
        let tool = json!({"model": "m", "tools": [{"name": "f"}], "tool_choice": {"type": "function", "name": "f"}});
        let (names, last) = events(&Reply::json("{\"a\":1}").fragment(4), &tool);
        let expected = [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ];
        assert_eq!(names, expected);
        assert_eq!(last["response"]["output"][0]["arguments"], "{\"a\":1}");
        assert_eq!(
            last["response"]["usage"]["total_tokens"],
            last["response"]["usage"]["input_tokens"].as_u64().unwrap() + 2
        );
        assert_eq!(last["sequence_number"], 7);
        let text = json!({"model": "m", "text": {"format": {"type": "json_object"}}});
        let (names, _) = events(&Reply::json("{}"), &text);
        let expected = [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ];
        assert_eq!(names, expected);
        let (names, last) = events(&Reply::json("{\"a\":1}").truncate(3), &text);
        assert_eq!(
            names.last().map(String::as_str),
            Some("response.incomplete")
        );
        assert_eq!(
            last["response"]["incomplete_details"]["reason"],
            "max_output_tokens"
        );
        let (names, last) = events(&Reply::json("{\"a\":1}").error_after(3, "boom"), &text);
        assert_eq!(names[names.len() - 2..], ["error", "response.failed"]);
        assert_eq!(last["response"]["error"]["message"], "boom");
        let (names, _) = events(&Reply::refusal("no"), &text);
        assert!(
            names.contains(&"response.refusal.delta".to_owned()),
            "{names:?}"
        );
    }

    #[test]
    fn finish_reasons_map_to_incomplete_reasons() {
        let table = [
            (true, None, Some("max_output_tokens")),
            (false, None, None),
            (false, Some("stop"), None),
            (false, Some("length"), Some("max_output_tokens")),
            (false, Some("content_filter"), Some("content_filter")),
        ];
        for (truncated, reason, expected) in table {
            assert_eq!(incomplete_reason(truncated, reason), expected, "{reason:?}");
        }
    }
}
