//! Readers of an event stream the caller received itself: the client's
//! decoding path (SSE framing, the provider's events, delta assembly, the
//! mode's routing, incremental parsing) without its HTTP client.
//!
//! For a body that came through another HTTP stack, a message queue, a proxy
//! or a recording: feed the bytes as they arrive, read typed partials or
//! completed items, then finish. The outcome is exactly what
//! [`create_partial`](super::ChatRequest::create_partial) and
//! [`create_iterable`](super::ChatRequest::create_iterable) make of the same
//! body in one attempt (there is no one to re-ask).

use super::adapter::Route;
use super::assembler::Completion;
use super::attempt::{Attempt, Framing};
use super::config::DEFAULT_MAX_RESPONSE_BYTES;
use super::mode::Mode;
use super::output::{Collector, ItemCollector, ValueCollector};
use super::providers::Provider;
use crate::{Error, Extract, Partial};

/// The part both readers share: one attempt, and whether it already failed.
struct Core<C: Collector> {
    attempt: Attempt<C>,
    failed: bool,
}

impl<C: Collector> Core<C> {
    fn new(collector: C, route: Route) -> Self {
        Core {
            attempt: Attempt::new(
                Framing::Sse,
                route,
                Provider::ChatCompletions.protocol().decoder(),
                Box::new(collector),
                DEFAULT_MAX_RESPONSE_BYTES,
            ),
            failed: false,
        }
    }

    /// Reads `provider`'s events (nothing may have been fed yet).
    fn provider(mut self, provider: Provider) -> Self {
        self.attempt.set_decoder(provider.protocol().decoder());
        self
    }

    fn limit(mut self, bytes: usize) -> Self {
        self.attempt.set_limit(bytes);
        self
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.failed {
            return Err(stopped());
        }
        self.attempt.read(bytes);
        match self.attempt.failure.take() {
            None => Ok(()),
            Some(error) => {
                self.failed = true;
                Err(self.attempt.attach(error))
            }
        }
    }

    fn finish(self) -> Result<C::Output, Error> {
        if self.failed {
            return Err(stopped());
        }
        self.attempt.finish().0
    }
}

/// The error of a reader used after it failed.
fn stopped() -> Error {
    Error::Config {
        message: "the reader already failed: a failed stream cannot go on".to_owned(),
    }
}

/// Reads a provider's event stream (chat completions unless
/// [`provider`](Self::provider) says otherwise) into typed partial
/// snapshots of a `T`, then the validated `T`: what
/// [`create_partial`](super::ChatRequest::create_partial) does, fed by you.
///
/// Snapshots are lent, not cloned: following a stream costs time in
/// proportion to the bytes fed, however large the partial grows.
///
/// ```
/// use extract_core::client::{Mode, PartialReader};
///
/// let body = concat!(
///     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"[\\\"ada\\\", \\\"gr\"}}]}\n\n",
///     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ace\\\"]\"},\"finish_reason\":\"stop\"}]}\n\n",
///     "data: [DONE]\n\n",
/// );
/// let mut reader = PartialReader::<Vec<String>>::new(Mode::Json);
/// let mut seen = Vec::new();
/// for read in body.as_bytes().chunks(40) {
///     if let Some(partial) = reader.feed(read)? {
///         seen.push(partial.clone());
///     }
/// }
/// assert_eq!(seen.last().unwrap(), &["ada", "grace"]);
/// assert_eq!(reader.finish()?, ["ada", "grace"]);
/// # Ok::<(), extract_core::Error>(())
/// ```
pub struct PartialReader<T: Extract> {
    core: Core<ValueCollector<T>>,
}

impl<T: Extract> PartialReader<T> {
    /// A reader of an answer requested in `mode` (which says where the JSON
    /// is: the content, a fenced block, the first tool call's arguments).
    #[must_use]
    pub fn new(mode: Mode) -> Self {
        PartialReader {
            core: Core::new(ValueCollector::new(mode), Route::of(mode, false)),
        }
    }

    /// Reads the events of `provider` (default
    /// [`Provider::ChatCompletions`]).
    #[must_use]
    pub fn provider(self, provider: Provider) -> Self {
        PartialReader {
            core: self.core.provider(provider),
        }
    }

    /// Bounds the body at `bytes` (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](super::DEFAULT_MAX_RESPONSE_BYTES));
    /// past it, `feed` fails with [`Error::TooLarge`].
    #[must_use]
    pub fn max_response_bytes(self, bytes: usize) -> Self {
        PartialReader {
            core: self.core.limit(bytes),
        }
    }

    /// Feeds the next bytes of the body, split anywhere. Returns the
    /// snapshot when these bytes changed it.
    ///
    /// # Errors
    ///
    /// A malformed event stream or JSON, an error sent by the server, a
    /// body over the limit; each keeps the raw text and the last partial.
    /// The reader then refuses further input.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Option<&Partial<T>>, Error> {
        self.core.feed(bytes)?;
        let collector = self.core.attempt.collector.as_mut();
        Ok(collector
            .take_changed()
            .then(|| self.core.attempt.collector.partial()))
    }

    /// The snapshot so far.
    #[must_use]
    pub fn partial(&self) -> &Partial<T> {
        self.core.attempt.collector.partial()
    }

    /// The response assembled so far (content, tool calls, finish reason,
    /// usage).
    #[must_use]
    pub fn completion(&self) -> &Completion {
        self.core.attempt.completion()
    }

    /// Ends the body and returns the validated value.
    ///
    /// # Errors
    ///
    /// As [`create`](super::ChatRequest::create) fails on one attempt: a
    /// body cut short, `finish_reason: "length"`, a refusal, no JSON, JSON
    /// that does not parse or validate.
    pub fn finish(self) -> Result<T, Error> {
        self.core.finish()
    }
}

/// Reads a provider's event stream whose answer is a list,
/// handing out each item of `T` the moment it closes: what
/// [`create_iterable`](super::ChatRequest::create_iterable) does, fed by
/// you.
///
/// ```
/// use extract_core::client::{ItemReader, Mode};
///
/// let body = concat!(
///     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"[1, 2\"}}]}\n\n",
///     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\", 3]\"},\"finish_reason\":\"stop\"}]}\n\n",
///     "data: [DONE]\n\n",
/// );
/// let mut reader = ItemReader::<u32>::new(Mode::Json);
/// let mut items = Vec::new();
/// for read in body.as_bytes().chunks(50) {
///     for item in reader.feed(read) {
///         items.push(item?);
///     }
/// }
/// items.extend(reader.finish()?);
/// assert_eq!(items, [1, 2, 3]);
/// # Ok::<(), extract_core::Error>(())
/// ```
pub struct ItemReader<T: Extract> {
    core: Core<ItemCollector<T>>,
}

impl<T: Extract> ItemReader<T> {
    /// A reader of a list answer requested in `mode`.
    #[must_use]
    pub fn new(mode: Mode) -> Self {
        ItemReader {
            core: Core::new(ItemCollector::new(mode), Route::of(mode, true)),
        }
    }

    /// Reads the events of `provider`, as [`PartialReader::provider`].
    #[must_use]
    pub fn provider(self, provider: Provider) -> Self {
        ItemReader {
            core: self.core.provider(provider),
        }
    }

    /// Bounds the body at `bytes`, as
    /// [`PartialReader::max_response_bytes`].
    #[must_use]
    pub fn max_response_bytes(self, bytes: usize) -> Self {
        ItemReader {
            core: self.core.limit(bytes),
        }
    }

    /// Feeds the next bytes of the body, split anywhere, and hands out the
    /// items they completed, in order, then the error that stopped the
    /// stream, if one did: the errors of [`PartialReader::feed`], or an
    /// item that does not validate. Items completed before an error are
    /// never lost. After an error the reader refuses further input.
    pub fn feed(&mut self, bytes: &[u8]) -> impl Iterator<Item = Result<T, Error>> + '_ {
        let error = self.core.feed(bytes).err();
        self.core
            .attempt
            .collector
            .drain_ready()
            .map(Ok)
            .chain(error.map(Err))
    }

    /// The item being written right now, as a partial, if one has started.
    #[must_use]
    pub fn current(&self) -> Option<&Partial<T>> {
        self.core.attempt.collector.current()
    }

    /// The response assembled so far.
    #[must_use]
    pub fn completion(&self) -> &Completion {
        self.core.attempt.completion()
    }

    /// Ends the body and returns the items not handed out yet.
    ///
    /// # Errors
    ///
    /// As [`PartialReader::finish`], and an invalid last item.
    pub fn finish(self) -> Result<Vec<T>, Error> {
        self.core.finish()
    }
}

impl<T: Extract> std::fmt::Debug for PartialReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartialReader")
            .field("partial", self.partial())
            .field("failed", &self.core.failed)
            .finish_non_exhaustive()
    }
}

impl<T: Extract> std::fmt::Debug for ItemReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemReader")
            .field("current", &self.current())
            .field("failed", &self.core.failed)
            .finish_non_exhaustive()
    }
}
