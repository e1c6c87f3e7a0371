//! [`Recorder`]: the operations a stream's writes make, recorded where
//! they are written.

use serde::Serialize;
use serde_json::Value;

use super::pointer::PointerBuf;
use super::{Op, PatchMode};

/// Records the writes into a partial as JSON Patch operations on its JSON.
///
/// The slots on the way from the root to a write build the pointer of the
/// value written while they are reached
/// ([`Slot::reach`](crate::__private::Slot::reach)): the root slot starts
/// it at `""`, each slot below appends the segments of its part (a field's
/// JSON name, an element's index, a variant's key); the write then records
/// its operation there. Nothing is serialized but the value written, so a
/// write costs what it changes, whatever the size of the partial.
///
/// Not public API: the runtime and the code `#[derive(Extract)]` generates
/// use it.
#[derive(Debug, Default)]
pub struct Recorder {
    mode: PatchMode,
    path: PointerBuf,
    ops: Vec<Op>,
    /// A value whose JSON could not be made: recording stopped there.
    failed: Option<serde_json::Error>,
    stopped: bool,
}

impl Recorder {
    /// A recorder expressing string growth as `mode` says.
    #[must_use]
    pub(crate) fn new(mode: PatchMode) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }

    /// Starts the pointer at the whole value (the root slot does).
    #[inline]
    pub(crate) fn at_root(&mut self) {
        self.path.truncate(0);
    }

    /// The pointer goes into the member `key` of an object.
    #[inline]
    pub fn push_key(&mut self, key: &str) {
        self.path.push(key);
    }

    /// The pointer goes into element `index` of an array.
    #[inline]
    pub fn push_index(&mut self, index: usize) {
        self.path.push_index(index);
    }

    /// The pointer's length, to go [`back_to`](Self::back_to) later.
    #[inline]
    #[must_use]
    pub fn mark(&self) -> usize {
        self.path.len()
    }

    /// The pointer goes back to a [`mark`](Self::mark).
    #[inline]
    pub fn back_to(&mut self, mark: usize) {
        self.path.truncate(mark);
    }

    /// `value` appears at the pointer (a member added or replaced, an
    /// element inserted).
    pub fn add<V: Serialize + ?Sized>(&mut self, value: &V) {
        if let Some(value) = self.json(value) {
            let path = self.path.as_str().to_owned();
            self.ops.push(Op::Add { path, value });
        }
    }

    /// The value at the pointer, which exists, is now `value`.
    pub fn replace<V: Serialize + ?Sized>(&mut self, value: &V) {
        if let Some(value) = self.json(value) {
            let path = self.path.as_str().to_owned();
            self.ops.push(Op::Replace { path, value });
        }
    }

    /// The member at the pointer went away.
    pub fn remove(&mut self) {
        if !self.stopped {
            let path = self.path.as_str().to_owned();
            self.ops.push(Op::Remove { path });
        }
    }

    /// The string at the pointer grew by `text`, and is now `whole`: an
    /// `append` of `text` (a `replace` by `whole` in [`PatchMode::Strict`]).
    ///
    /// Growth of the string the last operation wrote joins that operation,
    /// so a string that appears and grows within one read is one `add`, and
    /// one that grows by many pieces is one `append`.
    pub fn append(&mut self, text: &str, whole: &str) {
        if self.stopped || text.is_empty() {
            return;
        }
        if let Some(
            Op::Append { path, value }
            | Op::Add {
                path,
                value: Value::String(value),
            }
            | Op::Replace {
                path,
                value: Value::String(value),
            },
        ) = self.ops.last_mut()
        {
            if *path == self.path.as_str() {
                value.push_str(text);
                return;
            }
        }
        let path = self.path.as_str().to_owned();
        self.ops.push(match self.mode {
            PatchMode::Append => Op::Append {
                path,
                value: text.to_owned(),
            },
            PatchMode::Strict => Op::Replace {
                path,
                value: Value::String(whole.to_owned()),
            },
        });
    }

    /// Takes the operations recorded so far, oldest first.
    ///
    /// # Errors
    ///
    /// A value written could not be made JSON (its `Serialize` impl
    /// failed): recording stopped there, and the operations before it are
    /// dropped (they would leave the receiver in a state the value never
    /// had).
    pub(crate) fn take(&mut self) -> Result<Vec<Op>, serde_json::Error> {
        let ops = std::mem::take(&mut self.ops);
        match self.failed.take() {
            Some(error) => Err(error),
            None => Ok(ops),
        }
    }

    /// The JSON of a value written, or `None` once recording stopped.
    fn json<V: Serialize + ?Sized>(&mut self, value: &V) -> Option<Value> {
        if self.stopped {
            return None;
        }
        match serde_json::to_value(value) {
            Ok(json) => Some(json),
            Err(error) => {
                self.stopped = true;
                self.failed = Some(error);
                None
            }
        }
    }
}
