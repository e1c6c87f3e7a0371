//! How a [`Reply`] is rendered for a request: where the answer goes, the
//! `chat.completion.chunk` events that carry it, and the faults.

use super::script::{Answer, Fault, Marker, Pause, Reply};
use serde_json::{json, Value};

/// Where the request wants the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// One forced tool call with this name.
    Tool(String),
    /// Tools offered, not forced: one call per item, named so.
    Tools(String),
    /// Raw JSON in `content`.
    Content,
    /// JSON in a Markdown fence in `content`.
    Fenced,
}

impl Placement {
    pub fn of(request: &Value) -> Placement {
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
}

/// The text of an answer for a placement: per tool call (or one content
/// text), with the byte offsets where items end.
pub(crate) struct Rendered {
    /// `(tool name, text)` per tool call, or one `(None, content)`.
    pub parts: Vec<(Option<String>, String)>,
    /// For each item, `(part, offset just after its closing brace)`.
    pub item_ends: Vec<(usize, usize)>,
}

const FENCE_BEFORE: &str = "Here is the extracted data:\n\n```json\n";
const FENCE_AFTER: &str = "\n```\n\nLet me know if anything should change.";

pub(crate) fn render(answer: &Answer, placement: &Placement) -> Rendered {
    let wrap = |text: String, ends: Vec<usize>| -> Rendered {
        let (name, text, shift) = match placement {
            Placement::Tool(name) | Placement::Tools(name) => (Some(name.clone()), text, 0),
            Placement::Content => (None, text, 0),
            Placement::Fenced => (
                None,
                format!("{FENCE_BEFORE}{text}{FENCE_AFTER}"),
                FENCE_BEFORE.len(),
            ),
        };
        Rendered {
            parts: vec![(name, text)],
            item_ends: ends.into_iter().map(|e| (0, e + shift)).collect(),
        }
    };
    match answer {
        Answer::Json(text) => wrap(text.clone(), Vec::new()),
        Answer::Items(items) => match placement {
            Placement::Tools(name) => Rendered {
                parts: items
                    .iter()
                    .map(|i| (Some(name.clone()), i.clone()))
                    .collect(),
                item_ends: items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (i, item.len()))
                    .collect(),
            },
            _ => {
                let mut text = String::from("{\"items\":[");
                let mut ends = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(item);
                    ends.push(text.len());
                }
                text.push_str("]}");
                wrap(text, ends)
            }
        },
        Answer::Text(text) | Answer::Refusal(text) => Rendered {
            parts: vec![(None, text.clone())],
            item_ends: Vec::new(),
        },
        Answer::Status { .. } | Answer::Raw(_) => Rendered {
            parts: Vec::new(),
            item_ends: Vec::new(),
        },
    }
}

/// The JSON of one `chat.completion.chunk` event.
pub(crate) fn chunk(id: &str, model: &str, delta: Value, finish_reason: Option<&str>) -> String {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "system_fingerprint": "fp_replay",
        "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
    })
    .to_string()
}

/// The `choices: []` usage chunk.
pub(crate) fn usage_chunk(id: &str, model: &str, prompt: u64, completion: u64) -> String {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [],
        "usage": { "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion },
    })
    .to_string()
}

/// Splits `text` into pieces of `chars` characters, also cutting at each
/// of `cuts` (byte offsets), so a pause can fall exactly there.
pub(crate) fn fragments(text: &str, chars: usize, cuts: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut count = 0;
    for (i, _) in text.char_indices().skip(1) {
        count += 1;
        if count == chars || cuts.contains(&i) {
            out.push((start, i));
            start = i;
            count = 0;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// One step of a streamed answer.
pub(crate) enum Action {
    /// Send these bytes as one HTTP chunk.
    Send(Vec<u8>),
    /// Wait.
    Pause(Pause),
    /// Close the connection now, mid-body.
    Drop,
}

fn event(data: &str) -> Action {
    Action::Send(format!("data: {data}\n\n").into_bytes())
}

/// The steps of a streamed answer. See [`Reply`] for the shape.
pub(crate) fn actions(reply: &Reply, request: &Value, id: &str) -> Vec<Action> {
    if let Answer::Raw(body) = &reply.answer {
        return body
            .chunks(reply.split.unwrap_or(512))
            .map(|piece| Action::Send(piece.to_vec()))
            .collect();
    }
    let model = request["model"].as_str().unwrap_or("replay");
    let placement = Placement::of(request);
    let rendered = render(&reply.answer, &placement);
    let refusal = matches!(reply.answer, Answer::Refusal(_));
    let tools = rendered
        .parts
        .first()
        .is_some_and(|(name, _)| name.is_some());
    let fault_at = match &reply.fault {
        Some(
            Fault::Truncate(n) | Fault::Drop(n) | Fault::Malformed(n) | Fault::ErrorEvent(n, _),
        ) => Some(*n),
        _ => None,
    };
    let mut out = Vec::new();
    if !tools {
        let first = if refusal {
            json!({ "role": "assistant", "content": null, "refusal": "" })
        } else {
            json!({ "role": "assistant", "content": "", "refusal": null })
        };
        out.push(event(&chunk(id, model, first, None)));
    }
    let mut sent = 0usize;
    let mut fragments_sent = 0u64;
    let mut ended_early = None;
    'parts: for (k, (name, text)) in rendered.parts.iter().enumerate() {
        if let Some(name) = name {
            let mut delta = json!({ "content": null, "tool_calls": [{
                "index": k, "id": format!("call_replay_{k}"), "type": "function",
                "function": { "name": name, "arguments": "" },
            }]});
            if k == 0 {
                delta["role"] = json!("assistant");
            }
            out.push(event(&chunk(id, model, delta, None)));
        }
        let mut cuts: Vec<usize> = rendered
            .item_ends
            .iter()
            .filter(|(p, _)| *p == k)
            .map(|&(_, e)| e)
            .collect();
        let pauses: Vec<(usize, &Pause)> = reply
            .pauses
            .iter()
            .filter_map(|(marker, pause)| {
                let end = match marker {
                    Marker::After(needle) => {
                        text.find(needle.as_str()).map(|at| at + needle.len())?
                    }
                    Marker::Item(i) => rendered.item_ends.get(*i).filter(|(p, _)| *p == k)?.1,
                };
                Some((end, pause))
            })
            .collect();
        cuts.extend(pauses.iter().map(|(end, _)| *end));
        if let Some(n) = fault_at.filter(|&n| n >= sent && n < sent + text.len()) {
            cuts.push(n - sent);
        }
        for (start, end) in fragments(text, reply.fragment, &cuts) {
            if fault_at.is_some_and(|n| sent + start >= n) {
                ended_early = reply.fault.clone();
                break 'parts;
            }
            let piece = &text[start..end];
            let delta = match name {
                Some(_) => {
                    json!({ "tool_calls": [{ "index": k, "function": { "arguments": piece } }] })
                }
                None if refusal => json!({ "refusal": piece }),
                None => json!({ "content": piece }),
            };
            out.push(event(&chunk(id, model, delta, None)));
            fragments_sent += 1;
            for (_, pause) in pauses.iter().filter(|(at, _)| *at == end) {
                out.push(Action::Pause((*pause).clone()));
            }
        }
        sent += text.len();
    }
    if ended_early.is_none() && fault_at.is_some() {
        ended_early = reply.fault.clone();
    }
    let finish = match (&ended_early, &reply.fault) {
        (Some(Fault::Drop(_)), _) => {
            out.push(Action::Drop);
            return out;
        }
        (Some(Fault::ErrorEvent(_, message)), _) => {
            let error = json!({ "error": { "message": message, "type": "server_error", "param": null, "code": null } });
            out.push(event(&error.to_string()));
            return out;
        }
        (Some(Fault::Malformed(_)), _) => {
            out.push(Action::Send(
                b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}\n\n".to_vec(),
            ));
            return out;
        }
        (Some(Fault::Truncate(_)), _) => "length".to_owned(),
        (_, Some(Fault::NoEnd)) => return out,
        _ => reply
            .finish_reason
            .clone()
            .unwrap_or_else(|| if tools { "tool_calls" } else { "stop" }.to_owned()),
    };
    out.push(event(&chunk(id, model, json!({}), Some(&finish))));
    if request["stream_options"]["include_usage"] == json!(true) {
        let prompt = request.to_string().len() as u64 / 4;
        out.push(event(&usage_chunk(id, model, prompt, fragments_sent)));
    }
    out.push(event("[DONE]"));
    out
}

/// The body of a whole (non-streamed) `chat.completion`.
pub(crate) fn whole_body(reply: &Reply, request: &Value, id: &str) -> String {
    let placement = Placement::of(request);
    let rendered = render(&reply.answer, &placement);
    let mut message = json!({ "role": "assistant", "content": null, "refusal": null });
    let tools = rendered
        .parts
        .first()
        .is_some_and(|(name, _)| name.is_some());
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
    let finish = reply
        .finish_reason
        .clone()
        .unwrap_or_else(|| if tools { "tool_calls" } else { "stop" }.to_owned());
    json!({
        "id": id, "object": "chat.completion", "created": 1_700_000_000, "model": request["model"],
        "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
        "usage": { "prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20 },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_follows_the_request() {
        let forced = json!({"tools": [{"function": {"name": "User"}}], "tool_choice": {"function": {"name": "User"}}});
        assert_eq!(Placement::of(&forced), Placement::Tool("User".into()));
        let parallel = json!({"tools": [{"function": {"name": "User"}}], "tool_choice": "auto"});
        assert_eq!(Placement::of(&parallel), Placement::Tools("User".into()));
        assert_eq!(
            Placement::of(&json!({"response_format": {}})),
            Placement::Content
        );
        assert_eq!(Placement::of(&json!({})), Placement::Fenced);
    }

    #[test]
    fn items_render_with_their_ends() {
        let answer = Answer::Items(vec!["{\"a\":1}".into(), "{\"a\":2}".into()]);
        let rendered = render(&answer, &Placement::Content);
        assert_eq!(rendered.parts[0].1, "{\"items\":[{\"a\":1},{\"a\":2}]}");
        assert_eq!(
            &rendered.parts[0].1[..rendered.item_ends[0].1],
            "{\"items\":[{\"a\":1}"
        );
        let fenced = render(&answer, &Placement::Fenced);
        assert!(fenced.parts[0].1[..fenced.item_ends[1].1].ends_with("{\"a\":2}"));
    }

    #[test]
    fn fragments_cut_at_chars_and_marks() {
        let pieces = fragments("abcdéfgh", 3, &[2]);
        let text = "abcdéfgh";
        let parts: Vec<&str> = pieces.iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(parts, ["ab", "cdé", "fgh"]);
    }
}
