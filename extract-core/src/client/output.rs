//! What a request extracts: [`ResponseModel`] (`T` or `Iterable<T>`) and the
//! collectors that turn JSON text into it.

use super::adapter::Route;
use super::mode::{sanitize_name, Mode, Spec, Target};
use crate::json::LexerOptions;
use crate::{Error, Extract, ItemParser, Iterable, Partial, StreamParser};
use serde_json::Value;
use std::collections::VecDeque;

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
            parser: StreamParser::with_options(lexer_options(Route::of(mode, false))),
            changed: false,
        }
    }

    /// The snapshot so far.
    pub fn partial(&self) -> &Partial<T> {
        self.parser.partial()
    }

    /// True when the partial changed since the last call.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
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
pub(crate) struct ItemCollector<T: Extract> {
    parser: ItemParser<T>,
    ready: VecDeque<T>,
}

impl<T: Extract> ItemCollector<T> {
    pub fn new(mode: Mode) -> Self {
        ItemCollector {
            parser: ItemParser::with_options(lexer_options(Route::of(mode, true))),
            ready: VecDeque::new(),
        }
    }

    /// The item being written, if one has started.
    pub fn current(&self) -> Option<&Partial<T>> {
        self.parser.current()
    }

    /// Takes the next completed item.
    pub fn next_item(&mut self) -> Option<T> {
        self.ready.pop_front()
    }

    /// Takes the completed items, oldest first.
    pub fn drain_ready(&mut self) -> std::collections::vec_deque::Drain<'_, T> {
        self.ready.drain(..)
    }
}

impl<T: Extract> Collector for ItemCollector<T> {
    type Output = Vec<T>;

    fn feed(&mut self, text: &str) -> Result<(), Error> {
        // Items the text completed before a syntax error are handed out
        // before it.
        let (results, error) = self.parser.feed_str_then_error(text);
        for result in results {
            self.ready.push_back(result?);
        }
        error.map_or(Ok(()), Err)
    }

    fn partial_json(&self) -> Option<Value> {
        serde_json::to_value(self.parser.current()?).ok()
    }

    fn finish(self: Box<Self>) -> Result<Vec<T>, Error> {
        let mut items: Vec<T> = self.ready.into_iter().collect();
        for result in self.parser.finish_results()? {
            items.push(result?);
        }
        Ok(items)
    }
}
