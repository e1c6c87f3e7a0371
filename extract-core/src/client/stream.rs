//! The streams of [`create_partial`](super::ChatRequest::create_partial) and
//! [`create_iterable`](super::ChatRequest::create_iterable).
//!
//! Both are driven by polling: no task is spawned, and dropping a stream
//! closes the connection and cancels the request. Both are `Unpin`, so
//! `stream.next().await` works without pinning.

use super::assembler::Completion;
use super::engine::{Engine, Step};
use super::output::{ItemCollector, ValueCollector};
use super::usage::Usage;
use crate::patch::{Op, PatchMode};
use crate::{Error, Extract, Partial, Path, Progress};
use futures::Stream;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};

/// Drives `engine` until the first response starts streaming (or fails).
async fn first_response<C: ?Sized + super::output::Collector>(
    engine: &mut Engine<C>,
) -> Result<(), Error> {
    loop {
        match futures::future::poll_fn(|cx| engine.poll_step(cx)).await {
            Some(Ok(Step::Started)) => return Ok(()),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error),
            None => {
                return Err(Error::Config {
                    message: "the request was already finished".to_owned(),
                })
            }
        }
    }
}

/// Typed partial snapshots of a `T` while the answer streams in.
///
/// Yields one [`Partial<T>`], shared as an `Arc` (field access is the same
/// through it), after each network read that changed it (a read that only
/// brought whitespace, a key, or part of a number is not reported), each a
/// complete, monotone snapshot. When the answer is complete and valid the
/// stream ends; [`take_value`](Self::take_value) then returns the validated
/// `T`:
///
/// ```no_run
/// # async fn run(request: extract_core::client::ChatRequest) -> Result<(), extract_core::Error> {
/// use futures::StreamExt;
///
/// let mut stream = request.create_partial::<Vec<String>>().await?;
/// while let Some(snapshot) = stream.next().await {
///     println!("{:?}", snapshot?);
/// }
/// let names: Vec<String> = stream.take_value().expect("the stream ended without an error");
/// # Ok(()) }
/// ```
///
/// An error is the last item: after it the stream ends and there is no
/// value.
///
/// **What a snapshot costs.** An item is the partial the parser writes
/// into, shared, not a copy of it: the parser copies the partial only if,
/// when the next read changes it, the last item is still held (copy on
/// write). A loop that drops each snapshot before asking for the next (as
/// above) never pays for a copy, and its cost per read stays flat however
/// long the answer grows; keeping every snapshot works too, and costs a
/// copy of the partial per snapshot kept. [`next_snapshot`](Self::next_snapshot)
/// lends the same snapshots without the `Arc`.
///
/// **Across attempts.** When an answer fails to parse or validate and
/// [`max_retries`](super::ChatRequest::max_retries) allows a re-ask, or a
/// transient failure cuts a stream short, the stream does not end: the next
/// attempt's snapshots follow, starting again from empty (so a snapshot may
/// show less than the one before it). [`attempts`](Self::attempts) tells
/// them apart. Only the final failure is yielded as an error, as
/// [`Error::RetriesExhausted`] holding every attempt's error.
#[must_use = "streams do nothing unless polled"]
pub struct PartialStream<T: Extract> {
    engine: Engine<ValueCollector<T>>,
    value: Option<T>,
    /// Each attempt's parser records its changes so.
    record: Option<PatchMode>,
    /// The values completed up to the last snapshot, and its attempt.
    completed: Vec<Path>,
    snapshot_attempt: u32,
    /// Where the last snapshot stands (see [`progress`](Self::progress)),
    /// made the first time it is asked for: the path being written is
    /// built only for a caller that wants it.
    progress: OnceLock<Progress>,
}

impl<T: Extract> PartialStream<T> {
    pub(crate) async fn start(mut engine: Engine<ValueCollector<T>>) -> Result<Self, Error> {
        first_response(&mut engine).await?;
        Ok(PartialStream {
            engine,
            value: None,
            record: None,
            completed: Vec::new(),
            snapshot_attempt: 0,
            progress: OnceLock::from(Progress::default()),
        })
    }

    /// The next snapshot, lent: `None` once the stream has ended, an error
    /// as the last item. The same snapshots as the [`Stream`] yields, at a
    /// cost per network read that does not grow with the partial.
    ///
    /// ```no_run
    /// # async fn run(request: extract_core::client::ChatRequest) -> Result<(), extract_core::Error> {
    /// let mut stream = request.create_partial::<Vec<String>>().await?;
    /// while let Some(snapshot) = stream.next_snapshot().await {
    ///     println!("{} names so far", snapshot?.len());
    /// }
    /// let names = stream.take_value().expect("the stream ended without an error");
    /// # Ok(()) }
    /// ```
    pub async fn next_snapshot(&mut self) -> Option<Result<&Partial<T>, Error>> {
        match futures::future::poll_fn(|cx| self.poll_changed(cx)).await? {
            Ok(()) => self.snapshot().map(Ok),
            Err(error) => Some(Err(error)),
        }
    }

    /// Drives the engine to the next read that changed the partial
    /// (`Some(Ok(()))`), an error, or the end.
    fn poll_changed(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<(), Error>>> {
        loop {
            match ready!(self.engine.poll_step(cx)) {
                None => return Poll::Ready(None),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                Some(Ok(Step::Read)) => {
                    let attempt = self.engine.attempts();
                    if let Some(collector) = self.engine.collector_mut() {
                        if collector.take_changed() {
                            self.completed = collector.take_completed();
                            self.snapshot_attempt = attempt;
                            self.progress = OnceLock::new();
                            return Poll::Ready(Some(Ok(())));
                        }
                    }
                }
                Some(Ok(Step::Finished(value))) => self.value = Some(value),
                Some(Ok(Step::Started)) => {
                    if let Some(mode) = self.record {
                        if let Some(collector) = self.engine.collector_mut() {
                            collector.record_changes(mode);
                        }
                    }
                }
                Some(Ok(Step::Retrying)) => {}
            }
        }
    }

    /// Where the last snapshot stands: the field being written and the
    /// values received in full since the snapshot before it, as paths into
    /// the answer (see [`Progress`]), for a UI that shows a spinner on the
    /// field being written and a mark on the finished ones. Tracked as the
    /// answer is parsed, at a cost per value, not per snapshot.
    ///
    /// ```no_run
    /// # async fn run(request: extract_core::client::ChatRequest) -> Result<(), extract_core::Error> {
    /// let mut stream = request.create_partial::<Vec<String>>().await?;
    /// while let Some(snapshot) = stream.next_snapshot().await {
    ///     let _ = snapshot?;
    ///     let progress = stream.progress();
    ///     println!("writing {:?}; finished {:?}", progress.active, progress.completed);
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn progress(&self) -> &Progress {
        self.progress.get_or_init(|| {
            let active = self.engine.collector().and_then(ValueCollector::active);
            Progress::new(active, self.completed.clone(), self.snapshot_attempt)
        })
    }

    /// The partial of the attempt streaming now.
    fn snapshot(&self) -> Option<&Partial<T>> {
        self.engine.collector().map(ValueCollector::partial)
    }

    /// The partial of the attempt streaming now, shared.
    fn shared(&self) -> Option<Arc<Partial<T>>> {
        self.engine.collector().map(ValueCollector::snapshot)
    }

    /// Records, from now on, each change to the snapshots as JSON Patch
    /// operations on their JSON, at the writes that make them
    /// ([`StreamParser::record_changes`](crate::StreamParser::record_changes)):
    /// after each snapshot, [`take_changes`](Self::take_changes) gives
    /// what made it from the one before, at a cost that does not grow with
    /// the partial. A new attempt's first operation replaces the whole
    /// document. (This is how [`relay`](Self::relay) sends patches.)
    pub fn record_changes(&mut self, mode: PatchMode) {
        self.record = Some(mode);
        if let Some(collector) = self.engine.collector_mut() {
            collector.record_changes(mode);
        }
    }

    /// The changes recorded since the last call, oldest first (none
    /// without [`record_changes`](Self::record_changes), or once the
    /// stream has ended).
    ///
    /// # Errors
    ///
    /// A value could not be serialized (see
    /// [`StreamParser::take_changes`](crate::StreamParser::take_changes)).
    pub fn take_changes(&mut self) -> Result<Vec<Op>, serde_json::Error> {
        match self.engine.collector_mut() {
            Some(collector) => collector.take_changes(),
            None => Ok(Vec::new()),
        }
    }

    /// The validated final value, once the stream has ended without an
    /// error (`None` before that, after an error, or once taken).
    pub fn take_value(&mut self) -> Option<T> {
        self.value.take()
    }

    /// Requests sent so far (1 + re-asks + transient retries).
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.engine.attempts()
    }

    /// Token usage summed over the attempts finished so far.
    #[must_use]
    pub fn usage(&self) -> Option<Usage> {
        self.engine.usage()
    }

    /// The raw completion of the successful attempt, once the stream ended.
    #[must_use]
    pub fn completion(&self) -> Option<&Completion> {
        self.engine.completion()
    }
}

// Nothing is ever pinned in place: the engine's futures are boxed and `T`
// is only moved out by value.
impl<T: Extract> Unpin for PartialStream<T> {}

impl<T: Extract> Stream for PartialStream<T> {
    type Item = Result<Arc<Partial<T>>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        Poll::Ready(match ready!(this.poll_changed(cx)) {
            Some(Ok(())) => this.shared().map(Ok),
            Some(Err(error)) => Some(Err(error)),
            None => None,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.engine.is_done() {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

impl<T: Extract> std::fmt::Debug for PartialStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartialStream")
            .field("attempts", &self.engine.attempts())
            .field("done", &self.engine.is_done())
            .finish_non_exhaustive()
    }
}

/// The items of a list, each yielded the moment its closing brace arrives,
/// long before the answer ends.
///
/// The stream ends after the last item; an error is the last item it
/// yields.
///
/// **Across attempts.** When an item fails validation (or the JSON breaks)
/// and [`max_retries`](super::ChatRequest::max_retries) allows a re-ask, or a
/// transient failure cuts the stream short, the request is sent again and
/// the stream goes on where it stopped, with nothing lost and nothing
/// mixed from two different lists:
///
/// * once items were yielded, the next request shows the model its answer
///   so far and asks for the complete list again, beginning with the items
///   already received, exactly as they were (for a transient failure too:
///   the same request again would be answered with another list);
/// * the new answer's first items are checked against those yielded (the
///   JSON of each, compared by a fingerprint): the ones it repeats are not
///   yielded again, and the items after them are;
/// * if it does not begin with them (an item differs, or it ends before
///   them), none of its items is yielded: the attempt fails with
///   [`Error::Diverged`], re-asked like a validation failure while
///   `max_retries` allows, the last error of the stream otherwise (its raw
///   text is the new answer, so nothing received is lost).
///
/// So every item yielded belongs to one list, the one the final answer
/// holds. Only the final failure is yielded, as
/// [`Error::RetriesExhausted`] holding every attempt's error.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T: Extract> {
    engine: Engine<ItemCollector<T>>,
    /// The fingerprint of each item yielded, over all attempts.
    delivered: Vec<u64>,
    /// Items of a finished attempt not yet yielded.
    tail: VecDeque<T>,
}

impl<T: Extract> ItemStream<T> {
    pub(crate) async fn start(mut engine: Engine<ItemCollector<T>>) -> Result<Self, Error> {
        first_response(&mut engine).await?;
        Ok(ItemStream {
            engine,
            delivered: Vec::new(),
            tail: VecDeque::new(),
        })
    }

    /// Requests sent so far (1 + re-asks + transient retries).
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.engine.attempts()
    }

    /// Token usage summed over the attempts finished so far.
    #[must_use]
    pub fn usage(&self) -> Option<Usage> {
        self.engine.usage()
    }

    /// The raw completion of the successful attempt, once the stream ended.
    #[must_use]
    pub fn completion(&self) -> Option<&Completion> {
        self.engine.completion()
    }

    /// The item being written right now, as a partial (for a progress
    /// view), if one has started.
    #[must_use]
    pub fn current(&self) -> Option<&Partial<T>> {
        self.engine.collector().and_then(ItemCollector::current)
    }
}

// As for `PartialStream`: nothing is pinned in place.
impl<T: Extract> Unpin for ItemStream<T> {}

impl<T: Extract> Stream for ItemStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.tail.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            let next = this
                .engine
                .collector_mut()
                .and_then(ItemCollector::next_item);
            if let Some((item, fingerprint)) = next {
                this.delivered.push(fingerprint);
                this.engine.set_delivered(this.delivered.len());
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(this.engine.poll_step(cx)) {
                None => return Poll::Ready(None),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                Some(Ok(Step::Finished(rest))) => this.tail.extend(rest),
                Some(Ok(Step::Started)) => {
                    let delivered = &this.delivered;
                    if let Some(collector) = this.engine.collector_mut() {
                        collector.expect(delivered);
                    }
                }
                Some(Ok(Step::Read | Step::Retrying)) => {}
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.engine.is_done() {
            (self.tail.len(), Some(self.tail.len()))
        } else {
            (self.tail.len(), None)
        }
    }
}

impl<T: Extract> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream")
            .field("attempts", &self.engine.attempts())
            .field("yielded", &self.delivered.len())
            .field("done", &self.engine.is_done())
            .finish_non_exhaustive()
    }
}
