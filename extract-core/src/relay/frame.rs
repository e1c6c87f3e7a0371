//! Framing relay messages as Server-Sent Events or NDJSON (the message
//! set is described in the [relay docs](super#messages)).

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::patch::Op;

/// The wire format of a relay body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Server-Sent Events (`text/event-stream`): readable by `EventSource`
    /// for GET requests and by the bundled client for any request.
    #[default]
    Sse,
    /// Newline-delimited JSON (`application/x-ndjson`): one message per
    /// line.
    Ndjson,
}

impl Format {
    /// The `Content-Type` of a body in this format.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Sse => "text/event-stream; charset=utf-8",
            Format::Ndjson => "application/x-ndjson; charset=utf-8",
        }
    }

    /// What a body sends to keep an idle connection open
    /// ([`Relay::with_heartbeat`](super::Relay::with_heartbeat)): an SSE
    /// comment line, which every SSE reader ignores, or an empty NDJSON
    /// line.
    #[must_use]
    pub fn heartbeat(self) -> &'static [u8] {
        match self {
            Format::Sse => b": keep-alive\n\n",
            Format::Ndjson => b"\n",
        }
    }
}

/// The payload of an `error` message: what went wrong, and what had
/// arrived, so a page can keep showing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorInfo {
    /// A human-readable description.
    pub message: String,
    /// A stable, machine-readable kind (`validation`, `http`, `truncated`,
    /// …; see [`error_kind`](super::error_kind)).
    pub kind: String,
    /// The last partial value before the failure, when there was one.
    pub partial: Option<Value>,
}

impl ErrorInfo {
    /// An error payload.
    #[must_use]
    pub fn new(
        message: impl Into<String>,
        kind: impl Into<String>,
        partial: Option<Value>,
    ) -> Self {
        Self {
            message: message.into(),
            kind: kind.into(),
            partial,
        }
    }
}

/// The payload of a `state` message ([`Relay::with_state`](super::Relay::with_state)):
/// where the answer stands, as JSON Pointers into the state the patches
/// build. It is sent just before the `patch` (or `snapshot`) it describes.
///
/// `{"active": "/users/3/name", "completed": ["/users/2"]}`: the value
/// being written, and the values received in full since the previous
/// `state` message, outermost only (a finished user, not its fields). A
/// receiver keeps the union of the `completed` lists; `"reset": true` (sent
/// when a re-asked answer starts over, and when a resumed client is sent
/// the whole set) says to drop the paths it had first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StateInfo {
    /// The value being written, or `None` between values.
    pub active: Option<String>,
    /// The values completed since the previous `state` message.
    pub completed: Vec<String>,
    /// Forget the completed paths received so far first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
}

/// One message of a relay body.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Message<'a> {
    /// The whole partial value.
    Snapshot(&'a Value),
    /// The operations from the previous state to the new one.
    Patch(&'a [Op]),
    /// One complete list item.
    Item(&'a Value),
    /// The final, validated value. Last message of a successful body.
    Done(&'a Value),
    /// The failure, with the last partial kept. Last message of a failed
    /// body.
    Error(&'a ErrorInfo),
    /// Where the answer stands (opt-in, [`Relay::with_state`](super::Relay::with_state)):
    /// the field being written and those completed, before the patch it
    /// describes.
    State(&'a StateInfo),
}

impl Message<'_> {
    /// The message's name: the SSE `event:` field, the NDJSON `event`
    /// member.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Message::Snapshot(_) => "snapshot",
            Message::Patch(_) => "patch",
            Message::Item(_) => "item",
            Message::Done(_) => "done",
            Message::Error(_) => "error",
            Message::State(_) => "state",
        }
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let start = out.len();
        let written = match self {
            Message::Snapshot(v) | Message::Item(v) | Message::Done(v) => {
                serde_json::to_writer(&mut *out, v)
            }
            Message::Patch(ops) => serde_json::to_writer(&mut *out, ops),
            Message::Error(info) => serde_json::to_writer(&mut *out, info),
            Message::State(state) => serde_json::to_writer(&mut *out, state),
        };
        if written.is_err() {
            // Unreachable for these payloads (string keys only), but a
            // half-written payload must never reach the wire.
            out.truncate(start);
            out.extend_from_slice(b"null");
        }
    }
}

/// Turns messages into bytes in one [`Format`], numbering them when ids
/// are on.
#[derive(Debug, Clone)]
pub struct Framer {
    format: Format,
    ids: bool,
    sent: u64,
}

impl Framer {
    /// A framer for `format`, without ids.
    #[must_use]
    pub fn new(format: Format) -> Self {
        Self {
            format,
            ids: false,
            sent: 0,
        }
    }

    /// Numbers the messages from 1 (SSE `id:` lines, NDJSON `"id"`).
    #[must_use]
    pub fn with_ids(mut self, ids: bool) -> Self {
        self.ids = ids;
        self
    }

    /// True when messages are numbered.
    #[must_use]
    pub fn ids(&self) -> bool {
        self.ids
    }

    /// The format.
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    /// How many messages were framed so far.
    #[must_use]
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// The bytes of one message.
    ///
    /// ```
    /// use extract_core::relay::{Format, Framer, Message};
    /// use serde_json::json;
    ///
    /// let v = json!({"name": "Ada"});
    /// let mut sse = Framer::new(Format::Sse).with_ids(true);
    /// assert_eq!(&sse.frame(&Message::Snapshot(&v))[..],
    ///            b"event: snapshot\nid: 1\ndata: {\"name\":\"Ada\"}\n\n");
    /// let mut ndjson = Framer::new(Format::Ndjson);
    /// assert_eq!(&ndjson.frame(&Message::Done(&v))[..],
    ///            b"{\"event\":\"done\",\"data\":{\"name\":\"Ada\"}}\n");
    /// ```
    pub fn frame(&mut self, message: &Message<'_>) -> Bytes {
        self.sent += 1;
        self.frame_with_id(message, self.ids.then_some(self.sent))
    }

    /// The bytes of one message carrying `id` (or none), outside the
    /// numbering: [`sent`](Self::sent) does not move. For a message re-sent
    /// to one client, such as the snapshot a resumed client starts from.
    #[must_use]
    pub fn frame_with_id(&self, message: &Message<'_>, id: Option<u64>) -> Bytes {
        let mut out = Vec::with_capacity(64);
        match self.format {
            Format::Sse => {
                let mut payload = Vec::with_capacity(64);
                message.write_payload(&mut payload);
                write_sse_event(&mut out, message.name(), id, &payload);
            }
            Format::Ndjson => {
                out.extend_from_slice(b"{\"event\":\"");
                out.extend_from_slice(message.name().as_bytes());
                out.extend_from_slice(b"\"");
                if let Some(id) = id {
                    out.extend_from_slice(format!(",\"id\":{id}").as_bytes());
                }
                out.extend_from_slice(b",\"data\":");
                message.write_payload(&mut out);
                out.extend_from_slice(b"}\n");
            }
        }
        Bytes::from(out)
    }
}

/// Writes one Server-Sent Event: an `event:` line, an optional `id:` line,
/// then one `data:` line per line of `data` (a line ends at `\r\n`, `\r`
/// or `\n`, as the SSE parser splits them), then a blank line.
///
/// An empty `data` is sent as one empty `data:` line, so the event is
/// still dispatched. Line breaks in `event` would end the field early, so
/// they are dropped.
///
/// ```
/// let mut out = Vec::new();
/// extract_core::relay::write_sse_event(&mut out, "note", None, b"one\r\ntwo\nthree");
/// assert_eq!(out, b"event: note\ndata: one\ndata: two\ndata: three\n\n");
/// ```
pub fn write_sse_event(out: &mut Vec<u8>, event: &str, id: Option<u64>, data: &[u8]) {
    out.extend_from_slice(b"event: ");
    out.extend(event.bytes().filter(|b| *b != b'\n' && *b != b'\r'));
    out.push(b'\n');
    if let Some(id) = id {
        out.extend_from_slice(format!("id: {id}\n").as_bytes());
    }
    let mut rest = data;
    loop {
        let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(&rest[..end]);
        out.push(b'\n');
        if end == rest.len() {
            break;
        }
        let skip = if rest[end..].starts_with(b"\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sse(data: &[u8]) -> String {
        let mut out = Vec::new();
        write_sse_event(&mut out, "e", Some(7), data);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sse_splits_every_line_break() {
        assert_eq!(sse(b""), "event: e\nid: 7\ndata: \n\n");
        assert_eq!(sse(b"a\nb"), "event: e\nid: 7\ndata: a\ndata: b\n\n");
        assert_eq!(
            sse(b"a\r\nb\rc"),
            "event: e\nid: 7\ndata: a\ndata: b\ndata: c\n\n"
        );
        assert_eq!(sse(b"a\n"), "event: e\nid: 7\ndata: a\ndata: \n\n");
        assert_eq!(sse(b"\n\n"), "event: e\nid: 7\ndata: \ndata: \ndata: \n\n");
    }

    #[test]
    fn event_names_cannot_break_the_frame() {
        let mut out = Vec::new();
        write_sse_event(&mut out, "a\nb\r", None, b"x");
        assert_eq!(out, b"event: ab\ndata: x\n\n");
    }

    #[test]
    fn json_payloads_stay_on_one_line() {
        let v = json!({"text": "line one\nline two\r\n"});
        let bytes = Framer::new(Format::Sse).frame(&Message::Snapshot(&v));
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(text.matches("data: ").count(), 1);
        let data = text.split("data: ").nth(1).unwrap().trim_end();
        assert_eq!(serde_json::from_str::<Value>(data).unwrap(), v);
    }

    #[test]
    fn ndjson_lines_parse_back() {
        let mut framer = Framer::new(Format::Ndjson).with_ids(true);
        let ops = vec![Op::Append {
            path: "/s".into(),
            value: "x\ny".into(),
        }];
        let info = ErrorInfo::new("boom", "http", Some(json!({"a": 1})));
        let lines: Vec<Value> = [Message::Patch(&ops), Message::Error(&info)]
            .iter()
            .map(|m| {
                let bytes = framer.frame(m);
                assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), 1);
                serde_json::from_slice(&bytes).unwrap()
            })
            .collect();
        assert_eq!(
            lines,
            [
                json!({"event": "patch", "id": 1, "data": [{"op": "append", "path": "/s", "value": "x\ny"}]}),
                json!({"event": "error", "id": 2, "data": {"message": "boom", "kind": "http", "partial": {"a": 1}}}),
            ]
        );
        assert_eq!(framer.sent(), 2);
    }
}
