//! The synchronous core of a relay body: updates in, framed bytes out.

use bytes::{Bytes, BytesMut};
use serde_json::{Map, Value};

use super::apply::{apply, PatchError};
use super::frame::{ErrorInfo, Format, Framer, Message, StateInfo};
use super::patch::{Differ, Op, PatchMode};
use crate::Progress;

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
///
/// Patches made elsewhere (from the parser's own changes, say) go through
/// [`ops`](Self::ops), which frames them as they are.
#[derive(Debug, Clone)]
pub struct Encoder {
    framer: Framer,
    state: State,
    /// What the `state` messages said so far, once one was asked for.
    fields: Option<Fields>,
}

/// The field state sent so far: for the next `state` message (what
/// changed) and for a client that resumes (all of it).
#[derive(Debug, Clone, Default)]
struct Fields {
    attempt: u32,
    active: Option<String>,
    /// Every path completed in this attempt, outermost only, in the order
    /// they ended.
    completed: Vec<String>,
    /// Completed since the last `state` message.
    unsent: Vec<String>,
    /// The next `state` message starts the set over.
    reset: bool,
    /// Something changed since the last `state` message.
    dirty: bool,
}

impl Fields {
    /// Adds a completed path, dropping the paths inside it (they ended
    /// just before it, so they are at the tail).
    fn complete(&mut self, path: String) {
        while self.completed.last().is_some_and(|last| {
            last.strip_prefix(path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        }) {
            self.completed.pop();
        }
        self.completed.push(path);
    }
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
        Self {
            framer,
            state,
            fields: None,
        }
    }

    /// The wire format.
    #[must_use]
    pub fn format(&self) -> Format {
        self.framer.format()
    }

    /// The message for a new snapshot, or `None` when it equals the last
    /// one (nothing to send).
    ///
    /// After [`progress`](Self::progress), a `state` message goes first,
    /// in the same chunk.
    pub fn snapshot(&mut self, snapshot: Value) -> Option<Bytes> {
        let ops = match &mut self.state {
            State::Snapshots { last } => {
                if last.as_ref() == Some(&snapshot) {
                    return None;
                }
                let state = self.take_state();
                let bytes = self.with_state(state, &Message::Snapshot(&snapshot));
                self.state = State::Snapshots {
                    last: Some(snapshot),
                };
                return Some(bytes);
            }
            State::Patches { differ, started } => {
                *started = true;
                differ.next(snapshot)
            }
        };
        if ops.is_empty() {
            return None;
        }
        let state = self.take_state();
        Some(self.with_state(state, &Message::Patch(&ops)))
    }

    /// The `patch` message for ops made elsewhere, framed as they are
    /// (in [`Encoding::Snapshots`], the `snapshot` they lead to), or `None`
    /// for no ops. They are applied to the encoder's copy of the state, so
    /// [`last`](Self::last), a later [`snapshot`](Self::snapshot) and a
    /// resumed client start from their result.
    ///
    /// ```
    /// use extract_core::relay::{Encoder, Encoding, Format, Op};
    /// use serde_json::json;
    ///
    /// let mut enc = Encoder::new(Format::Ndjson, Encoding::default());
    /// let ops: Vec<Op> = serde_json::from_value(json!([{"op": "add", "path": "/a", "value": "x"}])).unwrap();
    /// let bytes = enc.ops(&ops).unwrap().unwrap();
    /// assert_eq!(&bytes[..], br#"{"event":"patch","data":[{"op":"add","path":"/a","value":"x"}]}
    /// "#);
    /// assert_eq!(enc.last(), Some(&json!({"a": "x"})));
    /// ```
    ///
    /// # Errors
    ///
    /// An op that does not apply to the state so far (nothing is sent; the
    /// ops before it stay applied to the encoder's copy).
    pub fn ops(&mut self, ops: &[Op]) -> Result<Option<Bytes>, PatchError> {
        if ops.is_empty() {
            if let State::Patches { started, .. } = &mut self.state {
                *started = true;
            }
            return Ok(None);
        }
        match &mut self.state {
            State::Snapshots { last } => {
                let mut value = last.take().unwrap_or_else(|| Value::Object(Map::new()));
                let applied = apply(&mut value, ops);
                let bytes = match applied {
                    Ok(()) => {
                        let state = self.take_state();
                        Ok(Some(self.with_state(state, &Message::Snapshot(&value))))
                    }
                    Err(error) => Err(error),
                };
                self.state = State::Snapshots { last: Some(value) };
                bytes
            }
            State::Patches { differ, started } => {
                *started = true;
                differ.advance(ops)?;
                let state = self.take_state();
                Ok(Some(self.with_state(state, &Message::Patch(ops))))
            }
        }
    }

    /// The `state` message due, if the field state changed since the last.
    fn take_state(&mut self) -> Option<StateInfo> {
        let fields = self.fields.as_mut().filter(|fields| fields.dirty)?;
        fields.dirty = false;
        Some(StateInfo {
            active: fields.active.clone(),
            completed: std::mem::take(&mut fields.unsent),
            reset: std::mem::take(&mut fields.reset),
        })
    }

    /// `message`, after the `state` message if there is one, in one chunk.
    fn with_state(&mut self, state: Option<StateInfo>, message: &Message<'_>) -> Bytes {
        let Some(state) = state else {
            return self.framer.frame(message);
        };
        let mut out = BytesMut::from(&self.framer.frame(&Message::State(&state))[..]);
        out.extend_from_slice(&self.framer.frame(message));
        out.freeze()
    }

    /// Takes where the next snapshot stands: the next `patch` (or
    /// `snapshot`) message is then preceded by a `state` message (see
    /// [`StateInfo`]) with the field being written and the paths completed
    /// since the last `state` message, as JSON Pointers, when either
    /// changed. A new attempt starts the set over (`"reset": true`).
    ///
    /// ```
    /// use extract_core::relay::{Encoder, Encoding, Format};
    /// use extract_core::{Path, Progress};
    /// use serde_json::json;
    ///
    /// let mut enc = Encoder::new(Format::Ndjson, Encoding::default());
    /// let mut name = Path::root();
    /// name.push_key("name");
    /// enc.progress(&Progress::new(Some(name), vec![], 1));
    /// let bytes = enc.snapshot(json!({"name": "Jo"})).unwrap();
    /// assert_eq!(&bytes[..], br#"{"event":"state","data":{"active":"/name","completed":[]}}
    /// {"event":"patch","data":[{"op":"add","path":"/name","value":"Jo"}]}
    /// "#);
    /// ```
    pub fn progress(&mut self, progress: &Progress) {
        let fields = self.fields.get_or_insert_with(|| Fields {
            attempt: progress.attempt,
            ..Fields::default()
        });
        if fields.attempt != progress.attempt {
            *fields = Fields {
                attempt: progress.attempt,
                reset: true,
                dirty: true,
                ..Fields::default()
            };
        }
        let active = progress.active.as_ref().map(crate::Path::to_pointer);
        if active != fields.active {
            fields.active = active;
            fields.dirty = true;
        }
        for path in &progress.completed {
            let path = path.to_pointer();
            fields.complete(path.clone());
            fields.unsent.push(path);
            fields.dirty = true;
        }
    }

    /// What a client that missed messages starts again from: a `state`
    /// message with every completed path (`"reset": true`, unnumbered),
    /// when `state` messages are sent, then a `snapshot` of the state so
    /// far carrying id `id` (the last message it stands for).
    #[must_use]
    pub fn resync(&self, id: u64) -> Bytes {
        let mut out = BytesMut::new();
        if let Some(fields) = &self.fields {
            let info = StateInfo {
                active: fields.active.clone(),
                completed: fields.completed.clone(),
                reset: true,
            };
            out.extend_from_slice(&self.framer.frame_with_id(&Message::State(&info), None));
        }
        let empty = Value::Object(Map::new());
        let value = self.last().unwrap_or(&empty);
        let id = self.framer.ids().then_some(id);
        out.extend_from_slice(&self.framer.frame_with_id(&Message::Snapshot(value), id));
        out.freeze()
    }

    /// The number of the last message framed (0 before the first).
    #[must_use]
    pub fn sent(&self) -> u64 {
        self.framer.sent()
    }

    /// Numbers the messages from here on (for a resumable body).
    pub(crate) fn number_messages(&mut self) {
        self.framer = self.framer.clone().with_ids(true);
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

    #[test]
    fn an_empty_first_snapshot_sends_nothing_in_patch_mode() {
        let mut enc = Encoder::new(Format::Sse, Encoding::default());
        assert!(enc.snapshot(json!({})).is_none());
        assert_eq!(enc.last(), Some(&json!({})));
    }
}
