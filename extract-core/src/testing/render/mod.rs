//! How a [`Reply`] is rendered for a request: where the answer goes, the
//! steps that stream it (shared by every provider), and each provider's
//! [`Dialect`]: its events, its whole-body and its error shapes.
//!
//! Adding a provider to the replay server: a module here implementing
//! [`Dialect`], and its line in [`dialect_for_path`] / [`dialect_of`].

mod anthropic;
mod chat_completions;
mod responses;

use super::script::{Answer, Fault, Marker, Pause, Reply};
use crate::client::Provider;
use serde_json::Value;

/// Where the request wants the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// One forced tool call with this name.
    Tool(String),
    /// Tools offered, not forced: one call per item, named so.
    Tools(String),
    /// Raw JSON in the answer text.
    Content,
    /// JSON in a Markdown fence in the answer text.
    Fenced,
}

/// One provider's wire format, as the replay server speaks it.
pub(crate) trait Dialect: Send + Sync {
    /// The provider.
    fn provider(&self) -> Provider;

    /// Where `request` wants the answer.
    fn placement(&self, request: &Value) -> Placement;

    /// Whether `request` asked for a streamed answer.
    fn streams(&self, request: &Value) -> bool {
        request.get("stream").and_then(Value::as_bool) == Some(true)
    }

    /// An encoder for the events of one streamed answer.
    fn encoder(&self, request: &Value, id: &str) -> Box<dyn Encoder>;

    /// The body of a whole (non-streamed) answer.
    fn whole_body(&self, reply: &Reply, rendered: &Rendered, request: &Value, id: &str) -> String;

    /// The JSON body of an HTTP error response.
    fn error_body(&self, status: u16, message: &str) -> String;

    /// The prefix of the ids of its responses (`chatcmpl-replay`).
    fn id_prefix(&self) -> &'static str;
}

/// Writes the events of one streamed answer, step by step.
pub(crate) trait Encoder: Send {
    /// The events (each a complete `event:`/`data:` block) of one step.
    fn step(&mut self, step: Step<'_>) -> Vec<Vec<u8>>;
}

/// One step of a streamed answer, the same for every provider.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    /// The response begins; `tools` when its first part is a tool call,
    /// `refusal` when the answer is a refusal.
    Start { tools: bool, refusal: bool },
    /// Tool call `call` begins.
    ToolStart { call: usize, name: &'a str },
    /// A text part (answer or refusal) begins.
    TextStart { refusal: bool },
    /// A fragment of tool call `call`'s arguments, or (`call: None`) of the
    /// answer text.
    Fragment {
        call: Option<usize>,
        text: &'a str,
        refusal: bool,
    },
    /// A part is complete: tool call `call` (or the text), all of `text`.
    PartEnd {
        call: Option<usize>,
        name: Option<&'a str>,
        text: &'a str,
        refusal: bool,
    },
    /// The answer is over.
    Finish(Finish<'a>),
    /// An error object sent mid-stream, then the end.
    Error { message: &'a str },
    /// A data line that is not valid JSON.
    Malformed,
}

/// How an answer ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Finish<'a> {
    /// Cut at the token limit.
    pub truncated: bool,
    /// The finish reason the reply asked for, in the provider's words.
    pub reason: Option<&'a str>,
    /// The answer was tool calls.
    pub tools: bool,
    /// Prompt and completion token counts to report.
    pub usage: (u64, u64),
    /// Send the end-of-stream event after the finish (`data: [DONE]`,
    /// `message_stop`, …); false for a server that leaves it out. A
    /// provider whose finish event is its end event sends it anyway.
    pub end: bool,
}

/// The dialect of the provider whose path `path` ends with.
pub(crate) fn dialect_for_path(path: &str) -> Option<&'static dyn Dialect> {
    let path = path.split('?').next().unwrap_or(path);
    Provider::ALL
        .iter()
        .map(|&p| dialect_of(p))
        .find(|d| path.ends_with(d.provider().protocol().endpoint().path))
}

/// The dialect of `provider`.
pub(crate) fn dialect_of(provider: Provider) -> &'static dyn Dialect {
    match provider {
        Provider::ChatCompletions => &chat_completions::ChatCompletions,
        Provider::Responses => &responses::Responses,
        Provider::Anthropic => &anthropic::Anthropic,
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

impl Rendered {
    /// The answer is tool calls.
    pub fn tools(&self) -> bool {
        self.parts.first().is_some_and(|(name, _)| name.is_some())
    }
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

/// One step of a streamed answer, as the server carries it out.
pub(crate) enum Action {
    /// Send these bytes as one HTTP chunk.
    Send(Vec<u8>),
    /// Wait.
    Pause(Pause),
    /// Close the connection now, mid-body.
    Drop,
    /// Break the chunked framing, then close the connection.
    BadChunk,
}

/// The steps of a streamed answer for `request`, in `dialect`. See
/// [`Reply`] for the shape.
pub(crate) fn actions(
    dialect: &dyn Dialect,
    reply: &Reply,
    request: &Value,
    id: &str,
) -> Vec<Action> {
    if let Answer::Raw(body) = &reply.answer {
        return body
            .chunks(reply.split.unwrap_or(512))
            .map(|piece| Action::Send(piece.to_vec()))
            .collect();
    }
    let placement = dialect.placement(request);
    let rendered = render(&reply.answer, &placement);
    let refusal = matches!(reply.answer, Answer::Refusal(_));
    let tools = rendered.tools();
    let fault_at = match &reply.fault {
        Some(
            Fault::Truncate(n)
            | Fault::Drop(n)
            | Fault::Malformed(n)
            | Fault::ErrorEvent(n, _)
            | Fault::BadChunk(n),
        ) => Some(*n),
        _ => None,
    };
    let mut encoder = dialect.encoder(request, id);
    let mut out = Vec::new();
    let emit = |encoder: &mut Box<dyn Encoder>, out: &mut Vec<Action>, step: Step<'_>| {
        out.extend(encoder.step(step).into_iter().map(Action::Send));
    };
    emit(&mut encoder, &mut out, Step::Start { tools, refusal });
    let mut sent = 0usize;
    let mut fragments_sent = 0u64;
    let mut ended_early = None;
    'parts: for (k, (name, text)) in rendered.parts.iter().enumerate() {
        let call = name.as_ref().map(|_| k);
        match name {
            Some(name) => emit(&mut encoder, &mut out, Step::ToolStart { call: k, name }),
            None => emit(&mut encoder, &mut out, Step::TextStart { refusal }),
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
            emit(
                &mut encoder,
                &mut out,
                Step::Fragment {
                    call,
                    text: piece,
                    refusal,
                },
            );
            fragments_sent += 1;
            for (_, pause) in pauses.iter().filter(|(at, _)| *at == end) {
                out.push(Action::Pause((*pause).clone()));
            }
        }
        emit(
            &mut encoder,
            &mut out,
            Step::PartEnd {
                call,
                name: name.as_deref(),
                text,
                refusal,
            },
        );
        sent += text.len();
    }
    if ended_early.is_none() && fault_at.is_some() {
        ended_early = reply.fault.clone();
    }
    let truncated = match (&ended_early, &reply.fault) {
        (Some(Fault::Drop(_)), _) => {
            out.push(Action::Drop);
            return out;
        }
        (Some(Fault::BadChunk(_)), _) => {
            out.push(Action::BadChunk);
            return out;
        }
        (Some(Fault::ErrorEvent(_, message)), _) => {
            emit(&mut encoder, &mut out, Step::Error { message });
            return out;
        }
        (Some(Fault::Malformed(_)), _) => {
            emit(&mut encoder, &mut out, Step::Malformed);
            return out;
        }
        (Some(Fault::Truncate(_)), _) => true,
        (_, Some(Fault::NoEnd)) => {
            tail(reply, &mut out);
            return out;
        }
        _ => false,
    };
    let prompt = request.to_string().len() as u64 / 4;
    emit(
        &mut encoder,
        &mut out,
        Step::Finish(Finish {
            truncated,
            reason: reply.finish_reason.as_deref(),
            tools,
            usage: reply.usage.unwrap_or((prompt, fragments_sent)),
            end: !reply.tail.without_end,
        }),
    );
    tail(reply, &mut out);
    out
}

/// What a reply sends once its answer is over: keep-alive comments, a
/// stall, broken framing.
fn tail(reply: &Reply, out: &mut Vec<Action>) {
    if let Some((count, every)) = reply.tail.keep_alive {
        for _ in 0..count {
            if !every.is_zero() {
                out.push(Action::Pause(Pause::For(every)));
            }
            out.push(Action::Send(b": keep-alive\n\n".to_vec()));
        }
    }
    if let Some(pause) = &reply.tail.hold {
        out.push(Action::Pause(pause.clone()));
    }
    if reply.tail.break_framing {
        out.push(Action::BadChunk);
    }
}

/// The body of a whole (non-streamed) answer.
pub(crate) fn whole_body(
    dialect: &dyn Dialect,
    reply: &Reply,
    request: &Value,
    id: &str,
) -> String {
    let rendered = render(&reply.answer, &dialect.placement(request));
    dialect.whole_body(reply, &rendered, request, id)
}

/// The JSON body of an HTTP error in OpenAI's shape (chat completions and
/// Responses): `{"error": {"message", "type", "param", "code"}}`.
pub(crate) fn openai_error_body(status: u16, message: &str) -> String {
    let kind = if status >= 500 {
        "server_error"
    } else {
        "invalid_request_error"
    };
    serde_json::json!({ "error": { "message": message, "type": kind, "param": null, "code": null } })
        .to_string()
}

/// `event:` (when named) and `data:` lines of one server-sent event.
pub(crate) fn sse_event(event: Option<&str>, data: &str) -> Vec<u8> {
    match event {
        Some(event) => format!("event: {event}\ndata: {data}\n\n").into_bytes(),
        None => format!("data: {data}\n\n").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn every_provider_has_a_dialect_at_its_path() {
        for &provider in Provider::ALL {
            let path = format!("/v1{}", provider.protocol().endpoint().path);
            let dialect = dialect_for_path(&path).expect("a dialect");
            assert_eq!(dialect.provider(), provider);
        }
        assert!(dialect_for_path("/v1/nothing").is_none());
    }
}
