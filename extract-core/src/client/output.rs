//! What a request extracts: [`ResponseModel`] (`T` or `Iterable<T>`) and the
//! collectors that turn JSON text into it.

use super::adapter::Route;
use super::mode::{sanitize_name, Mode, Spec, Target};
use crate::json::LexerOptions;
use crate::patch::{Op, PatchMode};
use crate::{Error, Extract, ItemParser, Iterable, Partial, StreamParser};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Arc;

/// What [`ChatRequest::create`](super::ChatRequest::create) can extract:
/// any `T: Extract` (giving a `T`), or [`Iterable<T>`] (giving a `Vec<T>`).
///
/// Sealed: implemented for exactly those two shapes.
pub trait ResponseModel: sealed::Sealed {
    /// What `create` returns: `T`, or `Vec<T>` for `Iterable<T>`.
    type Output: Send + 'static;

    /// The request shape (schemas and names).
    #[doc(hidden)]
    fn spec() -> Spec;

    /// A fresh collector for one attempt.
    #[doc(hidden)]
    fn collector(mode: Mode) -> Box<dyn Collector<Output = Self::Output>>;

    /// Whether the answer is a list (decides the route in `ParallelTools`).
    #[doc(hidden)]
    const LIST: bool;
}

mod sealed {
    pub trait Sealed {}
    impl<T: crate::Extract> Sealed for T {}
    impl<T: crate::Extract> Sealed for crate::Iterable<T> {}
}

impl<T: Extract> ResponseModel for T {
    type Output = T;
    const LIST: bool = false;

    fn spec() -> Spec {
        Spec {
            whole: target::<T>(),
            item: None,
        }
    }

    fn collector(mode: Mode) -> Box<dyn Collector<Output = T>> {
        Box::new(ValueCollector::<T>::new(mode))
    }
}

impl<T: Extract> ResponseModel for Iterable<T> {
    type Output = Vec<T>;
    const LIST: bool = true;

    fn spec() -> Spec {
        Spec {
            whole: Target {
                name: sanitize_name(&Iterable::<T>::schema_name()),
                schema: Iterable::<T>::json_schema,
                strict_schema: Iterable::<T>::json_schema_strict,
            },
            item: Some(target::<T>()),
        }
    }

    fn collector(mode: Mode) -> Box<dyn Collector<Output = Vec<T>>> {
        Box::new(ItemCollector::<T>::new(mode))
    }
}

fn target<T: Extract>() -> Target {
    Target {
        name: sanitize_name(&T::schema_name()),
        schema: T::json_schema,
        strict_schema: T::json_schema_strict,
    }
}

/// The lexer options of the chat runtime: models put raw control characters
/// (tabs, line feeds) inside strings often enough that they are accepted.
/// In `MdJson`, what follows the value (a closing fence on the same line,
/// prose) is ignored.
pub(crate) fn lexer_options(route: Route) -> LexerOptions {
    LexerOptions {
        lenient_control_characters: true,
        allow_trailing_data: route == Route::Fenced,
        ..LexerOptions::default()
    }
}

/// Turns the JSON text of one attempt into the output. Not public API.
#[doc(hidden)]
pub trait Collector: Send {
    /// What the attempt produces.
    type Output;

    /// Takes the next piece of JSON text.
    ///
    /// # Errors
    ///
    /// Malformed JSON; an invalid item of a list.
    fn feed(&mut self, text: &str) -> Result<(), Error>;

    /// The last snapshot, as JSON.
    fn partial_json(&self) -> Option<Value>;

    /// Ends the input.
    ///
    /// # Errors
    ///
    /// Incomplete or invalid JSON; validation failures.
    fn finish(self: Box<Self>) -> Result<Self::Output, Error>;
}

/// Parses one `T`, tracking whether the partial changed.
pub(crate) struct ValueCollector<T: Extract> {
    parser: StreamParser<T>,
    changed: bool,
}

impl<T: Extract> ValueCollector<T> {
    pub fn new(mode: Mode) -> Self {
        ValueCollector {
            parser: StreamParser::with_options(lexer_options(Route::of(mode, false)))
                .with_progress(),
            changed: false,
        }
    }

    /// The snapshot so far.
    pub fn partial(&self) -> &Partial<T> {
        self.parser.partial()
    }

    /// The snapshot so far, shared.
    pub fn snapshot(&self) -> Arc<Partial<T>> {
        self.parser.snapshot()
    }

    /// Records the parser's changes from now on.
    pub fn record_changes(&mut self, mode: PatchMode) {
        self.parser.record_changes(mode);
    }

    /// The changes recorded since the last call.
    pub fn take_changes(&mut self) -> Result<Vec<Op>, serde_json::Error> {
        self.parser.take_changes()
    }

    /// True when the partial changed since the last call.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The values completed since the last call (see
    /// [`Progress::completed`](crate::Progress::completed)).
    pub fn take_completed(&mut self) -> Vec<crate::Path> {
        self.parser.take_completed()
    }

    /// The value being written (see
    /// [`Progress::active`](crate::Progress::active)).
    pub fn active(&self) -> Option<crate::Path> {
        self.parser.progress_active()
    }
}

impl<T: Extract> Collector for ValueCollector<T> {
    type Output = T;

    fn feed(&mut self, text: &str) -> Result<(), Error> {
        self.changed |= self.parser.feed_str(text)?;
        Ok(())
    }

    fn partial_json(&self) -> Option<Value> {
        serde_json::to_value(self.parser.partial()).ok()
    }

    fn finish(self: Box<Self>) -> Result<T, Error> {
        self.parser.finish()
    }
}

/// Parses a list of `T`, keeping completed items until they are taken.
///
/// For an [`ItemStream`](super::ItemStream) it also keeps a fingerprint of
/// each item, and checks a new answer against the items delivered from an
/// earlier one: those it repeats are dropped (the caller has them), and
/// the first that differs, or an answer that ends before them, fails with
/// [`Error::Diverged`].
pub(crate) struct ItemCollector<T: Extract> {
    parser: ItemParser<T>,
    ready: VecDeque<(T, u64)>,
    /// Fingerprints of the items delivered from earlier answers.
    delivered: Vec<u64>,
    /// Items of this answer so far.
    index: usize,
}

impl<T: Extract> ItemCollector<T> {
    pub fn new(mode: Mode) -> Self {
        ItemCollector {
            parser: ItemParser::with_options(lexer_options(Route::of(mode, true))),
            ready: VecDeque::new(),
            delivered: Vec::new(),
            index: 0,
        }
    }

    /// A collector that fingerprints its items (for an item stream).
    pub fn tracking(mode: Mode) -> Self {
        let mut collector = Self::new(mode);
        collector.parser = collector.parser.with_fingerprints();
        collector
    }

    /// The answer must begin with the items of these fingerprints, already
    /// delivered (set before anything is fed).
    pub fn expect(&mut self, delivered: &[u64]) {
        self.delivered = delivered.to_vec();
    }

    /// The item being written, if one has started.
    pub fn current(&self) -> Option<&Partial<T>> {
        self.parser.current()
    }

    /// Takes the next completed item, with its fingerprint (0 when not
    /// tracking).
    pub fn next_item(&mut self) -> Option<(T, u64)> {
        self.ready.pop_front()
    }

    /// Takes the completed items, oldest first.
    pub fn drain_ready(&mut self) -> impl Iterator<Item = T> + '_ {
        self.ready.drain(..).map(|(item, _)| item)
    }

    /// Takes item `self.index` of the answer: kept, or dropped when it
    /// repeats one already delivered.
    fn admit(&mut self, item: T, fingerprint: Option<u64>) -> Result<(), Error> {
        let index = self.index;
        self.index += 1;
        match (self.delivered.get(index), fingerprint) {
            (Some(delivered), Some(fingerprint)) if *delivered == fingerprint => Ok(()),
            (Some(_), _) => Err(self.diverged(index)),
            (None, fingerprint) => {
                self.ready.push_back((item, fingerprint.unwrap_or(0)));
                Ok(())
            }
        }
    }

    fn diverged(&self, index: usize) -> Error {
        Error::Diverged {
            index,
            kept: self.delivered.len(),
            received: Box::default(),
        }
    }
}

impl<T: Extract> Collector for ItemCollector<T> {
    type Output = Vec<T>;

    fn feed(&mut self, text: &str) -> Result<(), Error> {
        // Items the text completed before a syntax error are handed out
        // before it.
        let (results, error) = self.parser.feed_str_then_error(text);
        for result in results {
            let fingerprint = self.parser.next_fingerprint();
            self.admit(result?, fingerprint)?;
        }
        error.map_or(Ok(()), Err)
    }

    fn partial_json(&self) -> Option<Value> {
        serde_json::to_value(self.parser.current()?).ok()
    }

    fn finish(mut self: Box<Self>) -> Result<Vec<T>, Error> {
        let parser = std::mem::take(&mut self.parser);
        for (result, fingerprint) in parser.finish_fingerprinted()? {
            self.admit(result?, fingerprint)?;
        }
        if self.index < self.delivered.len() {
            return Err(self.diverged(self.index));
        }
        Ok(self.ready.into_iter().map(|(item, _)| item).collect())
    }
}
