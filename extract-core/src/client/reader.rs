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
use super::attempt::{Attempt, Framing, SizeLimits};
use super::mode::Mode;
use super::output::{Collector, ItemCollector, ValueCollector};
use super::providers::Provider;
use crate::patch::{Op, PatchMode};
use crate::{Error, Extract, Partial};
use std::sync::Arc;

/// The part both readers share: one attempt, and whether it already failed.
struct Core<C: Collector> {
    attempt: Attempt<C>,
    limits: SizeLimits,
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
                SizeLimits::default(),
            ),
            limits: SizeLimits::default(),
            failed: false,
        }
    }

    /// Reads `provider`'s events (nothing may have been fed yet).
    fn provider(mut self, provider: Provider) -> Self {
        self.attempt.set_decoder(provider.protocol().decoder());
        self
    }

    fn limits(mut self, limits: impl FnOnce(&mut SizeLimits)) -> Self {
        let mut bounds = self.limits;
        limits(&mut bounds);
        self.limits = bounds;
        self.attempt.set_limits(bounds);
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

    /// Bounds the event stream at `bytes` of body (default
    /// [`DEFAULT_MAX_STREAM_BYTES`](super::DEFAULT_MAX_STREAM_BYTES)); past
    /// it, `feed` fails with [`Error::TooLarge`] (see
    /// [`ClientBuilder::max_stream_bytes`](super::ClientBuilder::max_stream_bytes)).
    #[must_use]
    pub fn max_stream_bytes(self, bytes: usize) -> Self {
        PartialReader {
            core: self.core.limits(|l| l.stream = bytes),
        }
    }

    /// Bounds the answer at `bytes` of text (default
    /// [`DEFAULT_MAX_ANSWER_BYTES`](super::DEFAULT_MAX_ANSWER_BYTES)); past
    /// it, `feed` fails with [`Error::TooLarge`] (see
    /// [`ClientBuilder::max_answer_bytes`](super::ClientBuilder::max_answer_bytes)).
    #[must_use]
    pub fn max_answer_bytes(self, bytes: usize) -> Self {
        PartialReader {
            core: self.core.limits(|l| l.answer = bytes),
        }
    }

    /// Bounds the event stream at `bytes`.
    #[deprecated(
        since = "0.1.0",
        note = "two bounds now: `max_stream_bytes` (the event stream) and `max_answer_bytes` (the answer's text)"
    )]
    #[must_use]
    pub fn max_response_bytes(self, bytes: usize) -> Self {
        self.max_stream_bytes(bytes)
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

    /// The snapshot so far, shared (what
    /// [`PartialStream`](super::PartialStream) yields): a pointer copy; the
    /// reader copies the partial at its next change only if the snapshot
    /// is still held then.
    #[must_use]
    pub fn snapshot(&self) -> Arc<Partial<T>> {
        self.core.attempt.collector.snapshot()
    }

    /// Records, from now on, each change to the snapshots as JSON Patch
    /// operations on their JSON, where the parser writes
    /// ([`StreamParser::record_changes`](crate::StreamParser::record_changes)):
    /// after a [`feed`](Self::feed) that returned a snapshot,
    /// [`take_changes`](Self::take_changes) gives what made it from the one
    /// before, for a relay of your own ([`Encoder::ops`](crate::relay::Encoder::ops)
    /// with the `relay` feature).
    pub fn record_changes(&mut self, mode: PatchMode) {
        self.core.attempt.collector.record_changes(mode);
    }

    /// The changes recorded since the last call, oldest first.
    ///
    /// # Errors
    ///
    /// A value could not be serialized (see
    /// [`StreamParser::take_changes`](crate::StreamParser::take_changes)).
    pub fn take_changes(&mut self) -> Result<Vec<Op>, serde_json::Error> {
        self.core.attempt.collector.take_changes()
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

    /// Bounds the event stream, as [`PartialReader::max_stream_bytes`].
    #[must_use]
    pub fn max_stream_bytes(self, bytes: usize) -> Self {
        ItemReader {
            core: self.core.limits(|l| l.stream = bytes),
        }
    }

    /// Bounds the answer, as [`PartialReader::max_answer_bytes`].
    #[must_use]
    pub fn max_answer_bytes(self, bytes: usize) -> Self {
        ItemReader {
            core: self.core.limits(|l| l.answer = bytes),
        }
    }

    /// Bounds the event stream at `bytes`.
    #[deprecated(
        since = "0.1.0",
        note = "two bounds now: `max_stream_bytes` (the event stream) and `max_answer_bytes` (the answer's text)"
    )]
    #[must_use]
    pub fn max_response_bytes(self, bytes: usize) -> Self {
        self.max_stream_bytes(bytes)
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
