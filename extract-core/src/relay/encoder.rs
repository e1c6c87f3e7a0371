//! The synchronous core of a relay body: updates in, framed bytes out.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::apply::apply;
use super::frame::{ErrorInfo, Format, Framer, Message};
use super::patch::{Differ, Op, PatchMode};

/// How partial snapshots travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// Each change sends the whole partial value (`snapshot` messages).
    /// Simple to read, but the bytes for an answer grow with its square.
    Snapshots,
    /// Each change sends JSON Patch operations from the previous state
    /// (`patch` messages); the receiver starts from `{}`. Bytes grow with
    /// the answer.
    Patches(PatchMode),
}

impl Default for Encoding {
    fn default() -> Self {
        Encoding::Patches(PatchMode::default())
    }
}

/// Turns the updates of one extraction into framed messages: snapshots
/// (deduplicated, and diffed in [`Encoding::Patches`]), items, and the
/// final `done` or `error`.
///
/// It does no I/O and spawns nothing; the body streams drive it, and it
/// can drive any other transport (a websocket, a test).
///
/// ```
/// use extract_core::relay::{Encoder, Encoding, Format, PatchMode};
/// use serde_json::json;
///
/// let mut enc = Encoder::new(Format::Ndjson, Encoding::Patches(PatchMode::Append));
/// let first = enc.snapshot(json!({"name": "Jo"})).unwrap();
/// assert_eq!(&first[..], br#"{"event":"patch","data":[{"op":"add","path":"/name","value":"Jo"}]}
/// "#);
/// assert!(enc.snapshot(json!({"name": "Jo"})).is_none()); // nothing changed
/// let next = enc.snapshot(json!({"name": "John"})).unwrap();
/// assert_eq!(&next[..], br#"{"event":"patch","data":[{"op":"append","path":"/name","value":"hn"}]}
/// "#);
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    framer: Framer,
    state: State,
}

/// What the encoder remembers of the snapshots so far.
#[derive(Debug, Clone)]
enum State {
    Snapshots { last: Option<Value> },
    Patches { differ: Differ, started: bool },
}

impl Encoder {
    /// An encoder for `format` and `encoding`, without message ids.
    #[must_use]
    pub fn new(format: Format, encoding: Encoding) -> Self {
        Self::with_framer(Framer::new(format), encoding)
    }

    /// An encoder writing through `framer` (to turn ids on).
    #[must_use]
    pub fn with_framer(framer: Framer, encoding: Encoding) -> Self {
        let state = match encoding {
            Encoding::Snapshots => State::Snapshots { last: None },
            Encoding::Patches(mode) => State::Patches {
                differ: Differ::new(mode),
                started: false,
            },
        };
        Self { framer, state }
    }

    /// The wire format.
    #[must_use]
    pub fn format(&self) -> Format {
        self.framer.format()
    }

    /// The message for a new snapshot, or `None` when it equals the last
    /// one (nothing to send).
    pub fn snapshot(&mut self, snapshot: Value) -> Option<Bytes> {
        match &mut self.state {
            State::Snapshots { last } => {
                if last.as_ref() == Some(&snapshot) {
                    return None;
                }
                let bytes = self.framer.frame(&Message::Snapshot(&snapshot));
                *last = Some(snapshot);
                Some(bytes)
            }
            State::Patches { differ, started } => {
                let ops = differ.next(snapshot);
                *started = true;
                if ops.is_empty() {
                    return None;
                }
                Some(self.framer.frame(&Message::Patch(&ops)))
            }
        }
    }

    /// The message for operations made elsewhere, from the last state
    /// ([`last`](Self::last), `{}` at first): a parser's own record of its
    /// changes ([`StreamParser::record_changes`](crate::StreamParser::record_changes)),
    /// which costs what changed where [`snapshot`](Self::snapshot) costs
    /// the whole value. `None` when they change nothing.
    ///
    /// The operations are applied to the encoder's copy of the receiver's
    /// state, so that [`last`](Self::last) and the partial of an
    /// [`error`](Self::error) stay right; a first operation replacing the
    /// whole state by an equal value is left out. With
    /// [`Encoding::Patches`] they are sent as they are (`append`s included,
    /// whatever the [`PatchMode`]: the recorder's mode decides), with
    /// [`Encoding::Snapshots`] the state they make is sent whole.
    ///
    /// ```
    /// use extract_core::patch::PatchMode;
    /// use extract_core::relay::{Encoder, Encoding, Format};
    /// use extract_core::StreamParser;
    ///
    /// let mut parser = StreamParser::<serde_json::Value>::new();
    /// parser.record_changes(PatchMode::Append);
    /// let mut enc = Encoder::new(Format::Ndjson, Encoding::default());
    /// parser.feed(r#"{"name": "Jo"#)?;
    /// let first = enc.ops(&parser.take_changes().unwrap()).unwrap();
    /// assert_eq!(&first[..], br#"{"event":"patch","data":[{"op":"add","path":"/name","value":"Jo"}]}
    /// "#);
    /// parser.feed(r#"hn"}"#)?;
    /// let next = enc.ops(&parser.take_changes().unwrap()).unwrap();
    /// assert_eq!(&next[..], br#"{"event":"patch","data":[{"op":"append","path":"/name","value":"hn"}]}
    /// "#);
    /// # Ok::<(), extract_core::Error>(())
    /// ```
    pub fn ops(&mut self, ops: &[Op]) -> Option<Bytes> {
        match &mut self.state {
            State::Snapshots { last } => {
                let mut state = last.clone().unwrap_or_else(|| Value::Object(Map::new()));
                // Ops that do not apply leave the state as far as they got.
                let _ = apply(&mut state, ops);
                self.snapshot(state)
            }
            State::Patches { differ, started } => {
                let current = differ.current_mut();
                let unchanged = match ops.first() {
                    Some(Op::Replace { path, value } | Op::Add { path, value }) => {
                        path.is_empty() && value == current
                    }
                    _ => false,
                };
                let ops = &ops[usize::from(unchanged)..];
                *started = true;
                if ops.is_empty() {
                    return None;
                }
                let applied = apply(current, ops);
                debug_assert!(applied.is_ok(), "the ops made elsewhere apply: {applied:?}");
                Some(self.framer.frame(&Message::Patch(ops)))
            }
        }
    }

    /// The last snapshot given, if any.
    #[must_use]
    pub fn last(&self) -> Option<&Value> {
        match &self.state {
            State::Snapshots { last } => last.as_ref(),
            State::Patches { differ, started } => started.then(|| differ.current()),
        }
    }

    /// The message for one complete list item.
    pub fn item(&mut self, item: &Value) -> Bytes {
        self.framer.frame(&Message::Item(item))
    }

    /// The `done` message carrying the final value.
    pub fn done(&mut self, value: &Value) -> Bytes {
        self.framer.frame(&Message::Done(value))
    }

    /// The `error` message. When `info` carries no partial, the last
    /// snapshot is attached, so the receiver keeps what arrived.
    pub fn error(&mut self, mut info: ErrorInfo) -> Bytes {
        if info.partial.is_none() {
            info.partial = self.last().cloned();
        }
        self.framer.frame(&Message::Error(&info))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(b: &Bytes) -> &str {
        std::str::from_utf8(b).unwrap()
    }

    #[test]
    fn snapshots_are_deduplicated() {
        let mut enc = Encoder::new(Format::Sse, Encoding::Snapshots);
        assert!(enc.last().is_none());
        let a = enc.snapshot(json!({"a": "x"})).unwrap();
        assert_eq!(text(&a), "event: snapshot\ndata: {\"a\":\"x\"}\n\n");
        assert!(enc.snapshot(json!({"a": "x"})).is_none());
        assert_eq!(enc.last(), Some(&json!({"a": "x"})));
    }

    #[test]
    fn errors_keep_the_last_partial() {
        let mut enc = Encoder::new(Format::Ndjson, Encoding::default());
        let _ = enc.snapshot(json!({"a": "x"}));
        let err = enc.error(ErrorInfo::new("cut", "truncated", None));
        let line: Value = serde_json::from_slice(&err).unwrap();
        assert_eq!(
            line,
            json!({"event": "error", "data": {"message": "cut", "kind": "truncated", "partial": {"a": "x"}}})
        );
        let own = enc.error(ErrorInfo::new("v", "validation", Some(json!(1))));
        let line: Value = serde_json::from_slice(&own).unwrap();
        assert_eq!(line["data"]["partial"], json!(1));
    }

    fn op(value: Value) -> Op {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn ops_made_elsewhere_keep_the_state() {
        let mut enc = Encoder::new(Format::Ndjson, Encoding::default());
        // The receiver starts from `{}`: replacing it by `{}` sends nothing.
        assert!(enc
            .ops(&[op(json!({"op": "replace", "path": "", "value": {}}))])
            .is_none());
        let sent = enc
            .ops(&[
                op(json!({"op": "replace", "path": "", "value": {}})),
                op(json!({"op": "add", "path": "/a", "value": "x"})),
            ])
            .unwrap();
        let line: Value = serde_json::from_slice(&sent).unwrap();
        assert_eq!(
            line["data"],
            json!([{"op": "add", "path": "/a", "value": "x"}])
        );
        let _ = enc.ops(&[op(json!({"op": "append", "path": "/a", "value": "y"}))]);
        assert_eq!(enc.last(), Some(&json!({"a": "xy"})));
        let err = enc.error(ErrorInfo::new("cut", "truncated", None));
        let line: Value = serde_json::from_slice(&err).unwrap();
        assert_eq!(line["data"]["partial"], json!({"a": "xy"}));
        // A new attempt replaces the whole state.
        let sent = enc
            .ops(&[op(json!({"op": "replace", "path": "", "value": {}}))])
            .unwrap();
        assert!(!sent.is_empty());
        assert_eq!(enc.last(), Some(&json!({})));

        let mut whole = Encoder::new(Format::Sse, Encoding::Snapshots);
        let sent = whole
            .ops(&[op(json!({"op": "add", "path": "/a", "value": 1}))])
            .unwrap();
        assert_eq!(text(&sent), "event: snapshot\ndata: {\"a\":1}\n\n");
    }

    #[test]
    fn an_empty_first_snapshot_sends_nothing_in_patch_mode() {
        let mut enc = Encoder::new(Format::Sse, Encoding::default());
        assert!(enc.snapshot(json!({})).is_none());
        assert_eq!(enc.last(), Some(&json!({})));
    }
}
