//! [`ItemParser`] and [`Iterable`]: list items handed out one by one, each
//! the moment its closing bracket arrives.

use std::collections::VecDeque;
use std::marker::PhantomData;

use serde_json::{json, Value};

use crate::builder::{feed_child, ChildStep, Skip};
use crate::error::{Error, Received};
use crate::json::{Event, Lexer, LexerOptions, Sink, SyntaxError};
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, StreamIssue, ValidationError};
use crate::{Extract, Partial};

/// A list of `T` asked of a model as an object with one array property,
/// [`Iterable::ITEMS`], whose elements stream out one by one.
///
/// `create::<Iterable<User>>()` returns a `Vec<User>`;
/// `create_iterable::<User>()` streams the users as each one closes.
pub struct Iterable<T>(PhantomData<fn() -> T>);

impl<T: Extract> Iterable<T> {
    /// The name of the wrapper's array property.
    pub const ITEMS: &'static str = "items";

    /// The wrapper's name in schemas and tool names: `Iterable_User`.
    #[must_use]
    pub fn schema_name() -> String {
        format!("Iterable_{}", T::schema_name())
    }

    /// The wrapper's JSON Schema: an object whose `items` property is an
    /// array of `T`.
    #[must_use]
    pub fn json_schema() -> Value {
        let mut generator = SchemaGenerator::new();
        let items = T::schema(&mut generator);
        let wrapper = json!({
            "type": "object",
            "description": format!("Every {} found, in order.", T::schema_name()),
            "properties": { Self::ITEMS: { "type": "array", "items": items } },
            "required": [Self::ITEMS],
        });
        generator.into_root(wrapper)
    }

    /// The wrapper's schema in OpenAI's strict form.
    #[must_use]
    pub fn json_schema_strict() -> Value {
        crate::schema::strict(Self::json_schema())
    }
}

/// Where the parser stands in the document.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Before the top-level value.
    Top,
    /// In the wrapper object, between properties.
    WrapperKey,
    /// The wrapper property's value starts with the next event.
    WrapperValue,
    /// Skipping a wrapper property that does not hold the items.
    WrapperSkip(Skip),
    /// In the items array, between items.
    Items,
    /// Inside an item.
    Item,
    /// After the items (or a top-level value holding none).
    Done,
}

struct ItemSink<T: Extract> {
    state: State,
    wrapper_key: Option<String>,
    found_items: bool,
    builder: T::Builder,
    current: Option<T::Partial>,
    skip: Option<Skip>,
    index: usize,
    item_issues: Vec<crate::validation::Issue>,
    out: VecDeque<Result<T, Error>>,
    /// When asked for, the [fingerprint](fingerprint) of each item in
    /// `out`, in the same order.
    fingerprints: Option<VecDeque<u64>>,
}

impl<T: Extract> ItemSink<T> {
    fn in_items(&self, issue: Box<StreamIssue>) -> Box<StreamIssue> {
        let issue = issue.in_index(self.index);
        match &self.wrapper_key {
            Some(key) => issue.in_key(key),
            None => issue,
        }
    }

    fn item_ended(&mut self) {
        let mut checker = Checker::new();
        for issue in self.item_issues.drain(..) {
            checker.push_issue(issue);
        }
        let partial = self.current.take();
        if let Some(key) = &self.wrapper_key {
            checker.enter_key(key);
        }
        checker.enter_index(self.index);
        self.index += 1;
        if let Some(fingerprints) = &mut self.fingerprints {
            fingerprints.push_back(fingerprint(&partial));
        }
        let result = match partial {
            Some(partial) => {
                T::check(&partial, &mut checker);
                if checker.is_ok() {
                    match T::convert(partial) {
                        Some(value) => {
                            value.validate(&mut checker);
                            if checker.is_ok() {
                                Ok(value)
                            } else {
                                let json = serde_json::to_value(value.into_partial()).ok();
                                Err(invalid(checker, json))
                            }
                        }
                        None => {
                            checker.report("the item is incomplete");
                            Err(invalid(checker, None))
                        }
                    }
                } else {
                    let json = serde_json::to_value(&partial).ok();
                    Err(invalid(checker, json))
                }
            }
            None => match T::missing() {
                Some(value) if checker.is_ok() => Ok(value),
                _ => {
                    checker.report("the item is missing or invalid");
                    Err(invalid(checker, None))
                }
            },
        };
        self.out.push_back(result);
    }

    fn report_shape(&mut self, event: &Event<'_>) {
        let issue = StreamIssue::expected("an array of items, or an object holding one", event);
        let mut checker = Checker::new();
        checker.push_issue(issue.into_issue());
        self.out.push_back(Err(invalid(checker, None)));
    }
}

/// A fingerprint of an item: a hash of its JSON as the partial serializes
/// it (the same names and shapes as the value), so two items with the
/// same JSON have the same fingerprint, whatever whitespace they were
/// written with.
fn fingerprint<P: serde::Serialize>(partial: &P) -> u64 {
    use std::hash::Hasher;
    struct Writer(std::hash::DefaultHasher);
    impl std::io::Write for Writer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = Writer(std::hash::DefaultHasher::new());
    // Serializing into a hasher cannot fail but for a partial that does
    // not serialize; its fingerprint is then that of what was written.
    let _ = serde_json::to_writer(&mut writer, partial);
    writer.0.finish()
}

fn invalid(checker: Checker, partial: Option<Value>) -> Error {
    Error::Validation {
        source: checker
            .into_result()
            .err()
            .unwrap_or_else(|| ValidationError::new(Vec::new())),
        received: Box::new(Received { raw: None, partial }),
    }
}

impl<T: Extract> Sink for ItemSink<T> {
    type Error = SyntaxError;

    fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
        match self.state {
            State::Top => match event {
                Event::ArrayStart => self.state = State::Items,
                Event::ObjectStart => self.state = State::WrapperKey,
                _ => {
                    self.report_shape(&event);
                    self.state = match Skip::start(&event) {
                        Some(skip) => State::WrapperSkip(skip),
                        None => State::Done,
                    };
                    self.found_items = true;
                }
            },
            State::WrapperKey => match event {
                Event::Key(key) if !self.found_items => {
                    self.wrapper_key = Some(key.to_owned());
                    self.state = State::WrapperValue;
                }
                Event::Key(_) => self.state = State::WrapperValue,
                _ => self.state = State::Done,
            },
            State::WrapperValue => {
                if matches!(event, Event::ArrayStart) && !self.found_items {
                    self.found_items = true;
                    self.state = State::Items;
                } else {
                    self.state = match Skip::start(&event) {
                        Some(skip) => State::WrapperSkip(skip),
                        None => State::WrapperKey,
                    };
                }
            }
            State::WrapperSkip(mut skip) => {
                self.state = if skip.event(&event) {
                    if self.wrapper_key.is_some() || !self.found_items {
                        State::WrapperKey
                    } else {
                        State::Done
                    }
                } else {
                    State::WrapperSkip(skip)
                };
            }
            State::Items => {
                if matches!(event, Event::ArrayEnd) {
                    self.state = if self.wrapper_key.is_some() {
                        State::WrapperKey
                    } else {
                        State::Done
                    };
                    return Ok(());
                }
                self.builder = T::Builder::default();
                self.current = None;
                self.state = State::Item;
                self.feed_item(&event);
            }
            State::Item => self.feed_item(&event),
            State::Done => {}
        }
        Ok(())
    }
}

impl<T: Extract> ItemSink<T> {
    #[inline]
    fn feed_item(&mut self, event: &Event<'_>) {
        match feed_child(&mut self.builder, &mut self.skip, &mut self.current, event) {
            ChildStep::Continue(issue) => {
                if let Some(issue) = issue {
                    let issue = self.in_items(issue);
                    self.item_issues.push(issue.into_issue());
                }
            }
            ChildStep::Ended { issue, .. } => {
                if let Some(issue) = issue {
                    let issue = self.in_items(issue);
                    self.item_issues.push(issue.into_issue());
                }
                self.state = State::Items;
                self.item_ended();
            }
        }
    }
}

/// An item (or its error) and its fingerprint, when they are kept.
#[cfg(feature = "openai")]
pub(crate) type Fingerprinted<T> = (Result<T, Error>, Option<u64>);

/// Parses a list of `T` from chunks split at any byte, handing out each item
/// the moment its closing bracket arrives.
///
/// Accepts a top-level array, or an object whose first array property holds
/// the items (the [`Iterable`] wrapper, whatever the property's name).
///
/// ```
/// use extract_core::ItemParser;
///
/// let mut parser = ItemParser::<Vec<u8>>::new();
/// assert!(parser.feed(r#"{"items": [[1, 2], [3"#)?.len() == 1);
/// assert_eq!(parser.feed("]]}")?, vec![vec![3]]);
/// assert!(parser.finish()?.is_empty());
/// # Ok::<(), extract_core::Error>(())
/// ```
pub struct ItemParser<T: Extract> {
    lexer: Lexer,
    sink: ItemSink<T>,
}

impl<T: Extract> Default for ItemParser<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Extract> ItemParser<T> {
    /// A parser with strict RFC 8259 JSON and the default limits.
    #[must_use]
    pub fn new() -> Self {
        Self::with_options(LexerOptions::default())
    }

    /// A parser with the given lexer options.
    #[must_use]
    pub fn with_options(options: LexerOptions) -> Self {
        Self {
            lexer: Lexer::with_options(options),
            sink: ItemSink {
                state: State::Top,
                wrapper_key: None,
                found_items: false,
                builder: T::Builder::default(),
                current: None,
                skip: None,
                index: 0,
                item_issues: Vec::new(),
                out: VecDeque::new(),
                fingerprints: None,
            },
        }
    }

    /// The same parser, keeping a fingerprint of each item (see
    /// [`next_fingerprint`](Self::next_fingerprint)).
    #[cfg(feature = "openai")]
    pub(crate) fn with_fingerprints(mut self) -> Self {
        self.sink.fingerprints = Some(VecDeque::new());
        self
    }

    /// The fingerprint of the next item handed out (valid or not), in the
    /// order they are handed out; `None` without
    /// [`with_fingerprints`](Self::with_fingerprints).
    #[cfg(feature = "openai")]
    pub(crate) fn next_fingerprint(&mut self) -> Option<u64> {
        self.sink.fingerprints.as_mut()?.pop_front()
    }

    /// [`finish_results`](Self::finish_results), with the fingerprint of
    /// each item when they are kept.
    #[cfg(feature = "openai")]
    pub(crate) fn finish_fingerprinted(mut self) -> Result<Vec<Fingerprinted<T>>, Error> {
        if let Err(error) = self.lexer.finish(&mut self.sink) {
            return Err(self.syntax_error(error));
        }
        let mut fingerprints = self.sink.fingerprints.take();
        Ok(self
            .sink
            .out
            .drain(..)
            .map(|result| (result, fingerprints.as_mut().and_then(VecDeque::pop_front)))
            .collect())
    }

    /// Feeds the next chunk; returns the items it completed, in order.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] for malformed JSON (the parser then refuses further
    /// input). [`Error::Validation`] for an item that is not a valid `T`
    /// (its path is `items[i]…`); the parser stays usable.
    ///
    /// Either way, items the chunk completed before the error are returned
    /// first, and the error comes with the next call (to `feed` or
    /// [`finish`](Self::finish)), followed by the items after it: nothing is
    /// lost and the order is kept.
    pub fn feed(&mut self, chunk: impl AsRef<[u8]>) -> Result<Vec<T>, Error> {
        let fed = self.lexer.feed(chunk.as_ref(), &mut self.sink);
        self.ready(fed)
    }

    /// Feeds the next chunk of text: like [`feed`](Self::feed), without the
    /// UTF-8 check a `&str` does not need.
    ///
    /// # Errors
    ///
    /// As [`feed`](Self::feed).
    pub fn feed_str(&mut self, chunk: &str) -> Result<Vec<T>, Error> {
        let fed = self.lexer.feed_str(chunk, &mut self.sink);
        self.ready(fed)
    }

    /// Feeds the next chunk; returns every item it completed, valid or not,
    /// in order.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] for malformed JSON; the items the chunk completed
    /// before it are returned first, and the error comes with the next call.
    pub fn feed_results(
        &mut self,
        chunk: impl AsRef<[u8]>,
    ) -> Result<Vec<Result<T, Error>>, Error> {
        let fed = self.lexer.feed(chunk.as_ref(), &mut self.sink);
        self.error_now(fed)?;
        Ok(self.sink.out.drain(..).collect())
    }

    /// Feeds the next chunk of text; returns every item it completed, valid
    /// or not, in order, then the syntax error that stopped it, if any (for
    /// the chat runtime, which reports the error at once).
    #[cfg(feature = "openai")]
    pub(crate) fn feed_str_then_error(
        &mut self,
        chunk: &str,
    ) -> (Vec<Result<T, Error>>, Option<Error>) {
        let fed = self.lexer.feed_str(chunk, &mut self.sink);
        let items = self.sink.out.drain(..).collect();
        (items, fed.err().map(|error| self.syntax_error(error)))
    }

    /// The item being written, if one has appeared.
    #[must_use]
    pub fn current(&self) -> Option<&Partial<T>> {
        match self.sink.state {
            State::Item => self.sink.current.as_ref(),
            _ => None,
        }
    }

    /// How many items have completed (valid or not).
    #[must_use]
    pub fn completed(&self) -> usize {
        self.sink.index
    }

    /// Ends the input; returns the items not yet handed out.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] when the JSON is incomplete or malformed;
    /// [`Error::Validation`] for the first invalid item not yet handed out
    /// (use [`finish_results`](Self::finish_results) to get them all).
    pub fn finish(self) -> Result<Vec<T>, Error> {
        self.finish_results()?.into_iter().collect()
    }

    /// Ends the input; returns every item not yet handed out, valid or not.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] when the JSON is incomplete or malformed.
    pub fn finish_results(mut self) -> Result<Vec<Result<T, Error>>, Error> {
        if let Err(error) = self.lexer.finish(&mut self.sink) {
            return Err(self.syntax_error(error));
        }
        Ok(self.sink.out.drain(..).collect())
    }

    /// What a `feed` hands out: the items completed, or the first error.
    fn ready(&mut self, fed: Result<(), SyntaxError>) -> Result<Vec<T>, Error> {
        self.error_now(fed)?;
        self.drain_ready()
    }

    /// The syntax error a `feed` ended with, unless items the chunk completed
    /// before it are waiting: those come first, and the lexer, poisoned,
    /// reports the error again at the next call.
    fn error_now(&self, fed: Result<(), SyntaxError>) -> Result<(), Error> {
        match fed {
            Err(error) if self.sink.out.is_empty() => Err(self.syntax_error(error)),
            _ => Ok(()),
        }
    }

    fn drain_ready(&mut self) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        while let Some(result) = self.sink.out.pop_front() {
            match result {
                Ok(item) => items.push(item),
                Err(error) if items.is_empty() => return Err(error),
                Err(error) => {
                    self.sink.out.push_front(Err(error));
                    break;
                }
            }
        }
        Ok(items)
    }

    fn syntax_error(&self, source: SyntaxError) -> Error {
        Error::Syntax {
            source,
            received: Box::new(Received {
                raw: None,
                partial: self.current().and_then(|p| serde_json::to_value(p).ok()),
            }),
        }
    }
}
