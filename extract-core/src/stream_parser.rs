//! [`StreamParser`]: feed chunks, read a typed partial, finish with a value.

use std::sync::Arc;

use crate::builder::{feed_child, Builder, ChildStep, Skip, Tracked};
use crate::error::{Error, Received};
use crate::json::{Event, Lexer, LexerOptions, Sink, SyntaxError};
use crate::patch::{Op, PatchMode, Recorder};
use crate::path::{Path, Segment};
use crate::progress::{Completions, Progress};
use crate::validation::{Checker, Issue, ValidationError};
use crate::{Extract, Partial};

/// Where the top-level value stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    NotStarted,
    Building,
    Ended,
}

/// Takes the lexer's events and drives the root builder.
struct RootSink<T: Extract> {
    builder: T::Builder,
    /// The partial, shared with the snapshots handed out.
    slot: Option<Arc<T::Partial>>,
    skip: Option<Skip>,
    root: Root,
    issues: Vec<Issue>,
    changed: bool,
    recorder: Option<Recorder>,
    /// Values ended since the last take, when asked for
    /// ([`StreamParser::with_progress`]).
    completions: Option<Box<Completions>>,
}

impl<T: Extract> Sink for RootSink<T> {
    type Error = SyntaxError;

    #[inline]
    fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
        if self.root == Root::Ended {
            return Ok(());
        }
        if let Some(completions) = &mut self.completions {
            completions.event(&event);
        }
        self.root = Root::Building;
        let mut slot = Tracked::new(&mut self.slot, &mut self.changed, self.recorder.as_mut());
        match feed_child(&mut self.builder, &mut self.skip, &mut slot, &event) {
            ChildStep::Continue(issue) => {
                if let Some(issue) = issue {
                    self.issues.push(issue.into_issue());
                }
            }
            ChildStep::Ended { issue, .. } => {
                self.root = Root::Ended;
                if let Some(issue) = issue {
                    self.issues.push(issue.into_issue());
                }
            }
        }
        Ok(())
    }
}

/// Parses one JSON value of type `T` from chunks split at any byte, keeping
/// a typed [`Partial<T>`] snapshot up to date in place.
///
/// Each byte is looked at once: a chunk costs time proportional to its
/// length, whatever came before. Problems with the value's shape (a missing
/// field, a string where a number belongs) do not stop the stream; they are
/// all reported by [`finish`](Self::finish). Only malformed JSON stops it.
///
/// ```
/// use extract_core::StreamParser;
/// use std::collections::BTreeMap;
///
/// let mut parser = StreamParser::<BTreeMap<String, Vec<u32>>>::new();
/// parser.feed(r#"{"primes": [2, 3, 5"#)?;
/// assert_eq!(parser.partial()["primes"], [2, 3]); // 5 may be 57: not shown yet
/// parser.feed("7]}")?;
/// let done = parser.finish()?;
/// assert_eq!(done["primes"], [2, 3, 57]);
/// # Ok::<(), extract_core::Error>(())
/// ```
pub struct StreamParser<T: Extract> {
    lexer: Lexer,
    sink: RootSink<T>,
    empty: Arc<T::Partial>,
}

impl<T: Extract> Default for StreamParser<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Extract> std::fmt::Debug for StreamParser<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamParser")
            .field("partial", self.partial())
            .field("offset", &self.lexer.offset())
            .field("issues", &self.sink.issues)
            .finish_non_exhaustive()
    }
}

impl<T: Extract> StreamParser<T> {
    /// A parser with strict RFC 8259 JSON and the default limits.
    #[must_use]
    pub fn new() -> Self {
        Self::with_options(LexerOptions::default())
    }

    /// A parser with the given lexer options (depth limit, leniency).
    #[must_use]
    pub fn with_options(options: LexerOptions) -> Self {
        Self {
            lexer: Lexer::with_options(options),
            sink: RootSink {
                builder: T::Builder::default(),
                slot: None,
                skip: None,
                root: Root::NotStarted,
                issues: Vec::new(),
                changed: false,
                recorder: None,
                completions: None,
            },
            empty: Arc::default(),
        }
    }

    /// Also records each value as it ends, for
    /// [`take_progress`](Self::take_progress): a path copy per value, so it
    /// is off unless asked for.
    #[must_use]
    pub fn with_progress(mut self) -> Self {
        self.sink.completions = Some(Box::default());
        self
    }

    /// Feeds the next chunk (`&str`, `&[u8]`, `String`, `Bytes`, …).
    ///
    /// Returns true when the partial changed: a value appeared or grew
    /// (false for chunks that only held whitespace, keys, closing brackets,
    /// skipped unknown values, or parts of a value not shown yet, such as a
    /// number still arriving).
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] when the JSON is malformed (with the byte offset);
    /// the parser then refuses further input, and [`partial`](Self::partial)
    /// still shows what was received.
    pub fn feed(&mut self, chunk: impl AsRef<[u8]>) -> Result<bool, Error> {
        self.sink.changed = false;
        match self.lexer.feed(chunk.as_ref(), &mut self.sink) {
            Ok(()) => Ok(self.sink.changed),
            Err(error) => Err(self.syntax_error(error)),
        }
    }

    /// Feeds the next chunk of text: like [`feed`](Self::feed), without the
    /// UTF-8 check a `&str` does not need (what a chat model's deltas are).
    /// A `&str` chunk may follow byte chunks that cut a character.
    ///
    /// # Errors
    ///
    /// As [`feed`](Self::feed).
    pub fn feed_str(&mut self, chunk: &str) -> Result<bool, Error> {
        self.sink.changed = false;
        match self.lexer.feed_str(chunk, &mut self.sink) {
            Ok(()) => Ok(self.sink.changed),
            Err(error) => Err(self.syntax_error(error)),
        }
    }

    /// The snapshot so far (the type's empty partial before anything
    /// arrived).
    #[must_use]
    pub fn partial(&self) -> &Partial<T> {
        self.sink.slot.as_deref().unwrap_or(&self.empty)
    }

    /// The snapshot so far, shared: a pointer copy, not a copy of the
    /// partial.
    ///
    /// The parser goes on writing into the same partial, and copies it
    /// only if, at its next write, the snapshot is still held (copy on
    /// write): a caller who drops each snapshot before feeding the next
    /// chunk never pays for a copy, one who keeps them all pays one per
    /// snapshot kept, and each snapshot stays as it was when taken.
    ///
    /// ```
    /// use extract_core::StreamParser;
    ///
    /// let mut parser = StreamParser::<Vec<String>>::new();
    /// parser.feed(r#"["Ad"#)?;
    /// let kept = parser.snapshot();
    /// parser.feed(r#"a", "Grace"]"#)?;
    /// assert_eq!(*kept, ["Ad"]); // taken before the next chunk
    /// assert_eq!(*parser.snapshot(), ["Ada", "Grace"]);
    /// # Ok::<(), extract_core::Error>(())
    /// ```
    #[must_use]
    pub fn snapshot(&self) -> Arc<Partial<T>> {
        Arc::clone(self.sink.slot.as_ref().unwrap_or(&self.empty))
    }

    /// Records, from now on, each change the chunks make to the partial
    /// as JSON Patch operations on its JSON ([`take_changes`](Self::take_changes)
    /// hands them out), with string growth expressed as `mode` says.
    ///
    /// Each operation is recorded where the parser writes, at the JSON
    /// Pointer of the value written in the partial's JSON (serde's names and
    /// enum tagging, as the partial serializes), and only the value written
    /// is serialized: recording costs what changed, never the size of the
    /// partial. Applied in order to the JSON of the partial before the
    /// first chunk (`{}` for a struct), the operations give the partial's
    /// JSON after each chunk. The first one is a `replace` of the whole
    /// document when the value begins (for a parser that already began,
    /// with the partial so far). Without this call nothing is recorded.
    ///
    /// ```
    /// use extract_core::patch::PatchMode;
    /// use extract_core::StreamParser;
    /// use serde_json::json;
    ///
    /// let mut parser = StreamParser::<Vec<String>>::new();
    /// parser.record_changes(PatchMode::Append);
    /// let changes = |parser: &mut StreamParser<_>| {
    ///     serde_json::to_value(parser.take_changes().unwrap()).unwrap()
    /// };
    /// parser.feed(r#"["Ad"#)?;
    /// assert_eq!(changes(&mut parser), json!([
    ///     {"op": "replace", "path": "", "value": []},
    ///     {"op": "add", "path": "/0", "value": "Ad"},
    /// ]));
    /// parser.feed(r#"a", "Gr"#)?;
    /// assert_eq!(changes(&mut parser), json!([
    ///     {"op": "append", "path": "/0", "value": "a"},
    ///     {"op": "add", "path": "/1", "value": "Gr"},
    /// ]));
    /// # Ok::<(), extract_core::Error>(())
    /// ```
    pub fn record_changes(&mut self, mode: PatchMode) {
        let mut recorder = Recorder::new(mode);
        if let Some(partial) = &self.sink.slot {
            recorder.replace(&**partial);
        }
        self.sink.recorder = Some(recorder);
    }

    /// The changes recorded since the last call, oldest first (none unless
    /// [`record_changes`](Self::record_changes) was called).
    ///
    /// # Errors
    ///
    /// A value written could not be serialized (its `Serialize` impl
    /// failed, as serde's does for an internally tagged newtype variant
    /// holding a string): recording stops there.
    pub fn take_changes(&mut self) -> Result<Vec<Op>, serde_json::Error> {
        match &mut self.sink.recorder {
            Some(recorder) => recorder.take(),
            None => Ok(Vec::new()),
        }
    }

    /// True once the top-level value has begun to arrive.
    #[must_use]
    pub fn is_started(&self) -> bool {
        self.sink.root != Root::NotStarted
    }

    /// True once the top-level value has ended (only whitespace may follow).
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.sink.root == Root::Ended
    }

    /// The bytes consumed so far.
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.lexer.offset()
    }

    /// Problems found so far while streaming (values of the wrong type,
    /// invalid enum variants…), each with its path. Missing fields and
    /// constraints are only known at [`finish`](Self::finish).
    #[must_use]
    pub fn issues(&self) -> &[Issue] {
        &self.sink.issues
    }

    /// The path of the value being written right now (`users[3].name`), or
    /// `None` between values.
    #[must_use]
    pub fn active_path(&self) -> Option<Path> {
        if self.sink.root != Root::Building {
            return None;
        }
        let mut segments: Vec<Segment> = Vec::new();
        self.sink.builder.active_path(&mut segments);
        Some(Path::from(segments))
    }

    /// The value being written and the values completed since the last
    /// call (see [`Progress`]), for a UI that shows a spinner on the field
    /// being written and a mark on the finished ones. Costs what ended
    /// since the last call, not a walk of the snapshot.
    ///
    /// Completions are recorded only by a parser made
    /// [`with_progress`](Self::with_progress); without it `completed` is
    /// empty. `attempt` is 1.
    ///
    /// ```
    /// use extract_core::StreamParser;
    /// use std::collections::BTreeMap;
    ///
    /// let mut parser = StreamParser::<BTreeMap<String, Vec<String>>>::new().with_progress();
    /// parser.feed(r#"{"a": ["x", "y"], "b": ["wri"#)?;
    /// let progress = parser.take_progress();
    /// assert_eq!(progress.active.unwrap().to_string(), "b[0]");
    /// assert_eq!(progress.completed.iter().map(ToString::to_string).collect::<Vec<_>>(), ["a"]);
    /// parser.feed(r#"tten"]}"#)?;
    /// let progress = parser.take_progress();
    /// assert!(progress.active.is_none());
    /// assert_eq!(progress.completed.iter().map(ToString::to_string).collect::<Vec<_>>(), ["(root)"]);
    /// # Ok::<(), extract_core::Error>(())
    /// ```
    pub fn take_progress(&mut self) -> Progress {
        Progress::new(self.progress_active(), self.take_completed(), 1)
    }

    /// [`Progress::active`] as [`take_progress`](Self::take_progress)
    /// gives it, alone (a path built only when asked for).
    pub(crate) fn progress_active(&self) -> Option<Path> {
        match &self.sink.completions {
            Some(completions) if self.sink.root == Root::Building => completions.active(),
            Some(_) => None,
            None => self.active_path(),
        }
    }

    /// [`Progress::completed`] as [`take_progress`](Self::take_progress)
    /// gives it, alone.
    pub(crate) fn take_completed(&mut self) -> Vec<Path> {
        let Some(completions) = &mut self.sink.completions else {
            return Vec::new();
        };
        let mut completed = completions.take();
        if self.sink.root == Root::Building {
            // Values the type ignores (an unknown field) or rejected are
            // not in the partial: not listed.
            let builder = &self.sink.builder;
            completed.retain(|path| builder.is_complete_at(path.segments()));
        }
        completed
    }

    /// True when the value at `path` (a path present in the
    /// [`partial`](Self::partial)) has been received in full: a UI can stop
    /// showing a spinner on it. The root is complete once the whole value
    /// has ended.
    ///
    /// ```
    /// use extract_core::{Path, StreamParser};
    /// use std::collections::BTreeMap;
    ///
    /// let mut parser = StreamParser::<BTreeMap<String, String>>::new();
    /// parser.feed(r#"{"a": "done", "b": "still wri"#)?;
    /// let at = |key: &str| Path::from(vec![extract_core::Segment::Key(key.into())]);
    /// assert!(parser.is_complete_at(&at("a")));
    /// assert!(!parser.is_complete_at(&at("b")));
    /// assert!(!parser.is_complete_at(&Path::root()));
    /// # Ok::<(), extract_core::Error>(())
    /// ```
    #[must_use]
    pub fn is_complete_at(&self, path: &Path) -> bool {
        match self.sink.root {
            Root::NotStarted => false,
            Root::Ended => true,
            Root::Building => self.sink.builder.is_complete_at(path.segments()),
        }
    }

    /// The paths of the parts of the partial received in full, outermost
    /// only (a complete struct is listed, not its fields), in document
    /// order. Costs a walk of the snapshot: call it when drawing, not per
    /// chunk.
    #[must_use]
    pub fn completed_paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        match self.sink.root {
            Root::NotStarted => {}
            Root::Ended => {
                if self.sink.slot.is_some() {
                    out.push(Path::root());
                }
            }
            Root::Building => {
                if let Ok(json) = serde_json::to_value(self.partial()) {
                    let mut segments = Vec::new();
                    self.collect_completed(&json, &mut segments, &mut out);
                }
            }
        }
        out
    }

    fn collect_completed(
        &self,
        json: &serde_json::Value,
        segments: &mut Vec<Segment>,
        out: &mut Vec<Path>,
    ) {
        if !segments.is_empty() && self.sink.builder.is_complete_at(segments) {
            out.push(Path::from(segments.clone()));
            return;
        }
        match json {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    segments.push(Segment::Key(key.clone()));
                    self.collect_completed(child, segments, out);
                    segments.pop();
                }
            }
            serde_json::Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    segments.push(Segment::Index(index));
                    self.collect_completed(child, segments, out);
                    segments.pop();
                }
            }
            _ => {}
        }
    }

    /// Takes the snapshot, leaving the type's empty partial.
    #[must_use]
    pub fn into_partial(self) -> Partial<T> {
        Arc::unwrap_or_clone(self.sink.slot.unwrap_or(self.empty))
    }

    /// Ends the input and returns the complete, validated value.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] when the JSON is incomplete or malformed;
    /// [`Error::Validation`] listing every problem (wrong types seen while
    /// streaming, missing required values, constraint and custom validator
    /// failures), each with its JSON path. Both carry the last partial.
    pub fn finish(mut self) -> Result<T, Error> {
        if let Err(error) = self.lexer.finish(&mut self.sink) {
            return Err(self.syntax_error(error));
        }
        let mut checker = Checker::new();
        for issue in self.sink.issues.drain(..) {
            checker.push_issue(issue);
        }
        let partial = match self.sink.slot.take() {
            Some(partial) => Arc::unwrap_or_clone(partial),
            None => match T::missing() {
                Some(value) => return finish_value(value, checker),
                None => {
                    // A value rejected while streaming already says why.
                    if checker.is_ok() {
                        checker.report("no value");
                    }
                    return Err(validation_error(checker, None));
                }
            },
        };
        T::check(&partial, &mut checker);
        if !checker.is_ok() {
            let json = serde_json::to_value(&partial).ok();
            return Err(validation_error(checker, json));
        }
        match T::convert(partial) {
            Some(value) => finish_value(value, checker),
            None => {
                checker.report("the value is incomplete");
                Err(validation_error(checker, None))
            }
        }
    }

    fn syntax_error(&self, source: SyntaxError) -> Error {
        Error::Syntax {
            source,
            received: Box::new(Received {
                raw: None,
                partial: serde_json::to_value(self.partial()).ok(),
            }),
        }
    }
}

fn finish_value<T: Extract>(value: T, mut checker: Checker) -> Result<T, Error> {
    value.validate(&mut checker);
    if checker.is_ok() {
        return Ok(value);
    }
    let json = serde_json::to_value(value.into_partial()).ok();
    Err(validation_error(checker, json))
}

fn validation_error(checker: Checker, partial: Option<serde_json::Value>) -> Error {
    let source = checker
        .into_result()
        .err()
        .unwrap_or_else(|| ValidationError::new(Vec::new()));
    Error::Validation {
        source,
        received: Box::new(Received { raw: None, partial }),
    }
}
