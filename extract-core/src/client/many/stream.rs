//! [`ManyStream`]: the results of a run over many inputs, as each finishes.

use super::journal::Resumed;
use super::progress::{Progress, Tracker};
use super::{Input, Inputs};
use crate::client::engine::Engine;
use crate::client::mode::Mode;
use crate::client::output::Collector;
use crate::client::request::{drive, Template};
use crate::client::usage::Usage;
use crate::Error;
use futures::stream::FuturesUnordered;
use futures::{Future, Stream, StreamExt};
use std::collections::HashSet;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::watch;

/// What [`Many::start`](super::Many::start) hands the stream.
pub(crate) struct Setup<O> {
    pub template: Template,
    pub make: fn(Mode) -> Box<dyn Collector<Output = O>>,
    pub inputs: Inputs,
    pub total: Option<u64>,
    pub concurrency: usize,
    pub resume: Resumed<O>,
}

/// One input's call, to its end.
type Call<O> = Pin<Box<dyn Future<Output = Finished<O>> + Send>>;

struct Finished<O> {
    id: String,
    result: Result<O, Error>,
    usage: Option<Usage>,
}

/// The results of a run over many inputs: `(id, Result<T, Error>)` in the
/// order they finish (not the order of the inputs), each exactly once.
///
/// Requests are sent as the stream is polled, at most
/// [`concurrency`](super::Many::concurrency) at once; dropping the stream
/// cancels those under way. With a journal, each result is written to it
/// before the stream yields it. If writing fails (a full disk), the stream
/// yields that result and ends, and [`journal_error`](Self::journal_error)
/// tells why.
#[must_use = "streams do nothing unless polled"]
pub struct ManyStream<O> {
    template: Template,
    make: fn(Mode) -> Box<dyn Collector<Output = O>>,
    inputs: Option<Inputs>,
    running: FuturesUnordered<Call<O>>,
    concurrency: usize,
    /// Ids not to run: already in the journal, or started in this run.
    seen: HashSet<String>,
    resume: Resumed<O>,
    journal_error: Option<io::Error>,
    tracker: Tracker,
}

impl<O: Send + 'static> ManyStream<O> {
    pub(crate) fn new(setup: Setup<O>) -> Self {
        let seen = setup.resume.done().cloned().collect();
        ManyStream {
            template: setup.template,
            make: setup.make,
            inputs: Some(setup.inputs),
            running: FuturesUnordered::new(),
            concurrency: setup.concurrency,
            seen,
            resume: setup.resume,
            journal_error: None,
            tracker: Tracker::new(setup.total),
        }
    }

    /// The progress, updated as requests start and finish (a `watch`
    /// receiver: read the latest with `borrow()`, or await `changed()` in
    /// another task to draw a progress bar).
    #[must_use]
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.tracker.subscribe()
    }

    /// The progress now.
    #[must_use]
    pub fn snapshot(&self) -> Progress {
        self.tracker.snapshot()
    }

    /// Why the journal could not be written, if it could not (the stream
    /// ended there).
    #[must_use]
    pub fn journal_error(&self) -> Option<&io::Error> {
        self.journal_error.as_ref()
    }

    /// Starts the call of one input.
    fn launch(&mut self, input: Input) {
        let mut messages = self.template.messages.clone();
        messages.extend(input.messages);
        let engine = Engine::new(
            self.template.prepared.clone(),
            messages,
            self.make,
            self.template.span.clone(),
        );
        let id = input.id;
        self.running.push(Box::pin(async move {
            let (result, usage) = drive(engine).await;
            Finished {
                id,
                result: result.map(|extraction| extraction.value),
                usage,
            }
        }));
        self.tracker.started();
    }

    /// Reads inputs while there is room; true once they are exhausted.
    fn fill(&mut self, cx: &mut Context<'_>) -> bool {
        while self.running.len() < self.concurrency {
            let Some(inputs) = &mut self.inputs else {
                return true;
            };
            match inputs.poll_next_unpin(cx) {
                Poll::Ready(Some(input)) => {
                    if self.seen.contains(input.id.as_str()) {
                        self.tracker.skipped();
                        continue;
                    }
                    self.seen.insert(input.id.clone());
                    self.launch(input);
                }
                Poll::Ready(None) => {
                    self.inputs = None;
                    return true;
                }
                Poll::Pending => return false,
            }
        }
        self.inputs.is_none()
    }

    /// Writes a result to the journal; false when that failed.
    fn record(&mut self, finished: &Finished<O>) -> bool {
        let written = self.resume.record(&finished.id, &finished.result);
        match written {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(%error, "the journal cannot be written: the run stops");
                self.journal_error = Some(error);
                false
            }
        }
    }
}

impl<O> Unpin for ManyStream<O> {}

impl<O: Send + 'static> Stream for ManyStream<O> {
    type Item = (String, Result<O, Error>);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.journal_error.is_some() {
            return Poll::Ready(None);
        }
        let exhausted = this.fill(cx);
        match this.running.poll_next_unpin(cx) {
            Poll::Ready(Some(finished)) => {
                this.tracker
                    .finished(finished.result.is_ok(), finished.usage);
                if !this.record(&finished) {
                    this.inputs = None;
                    this.running.clear();
                    this.tracker.end();
                }
                Poll::Ready(Some((finished.id, finished.result)))
            }
            Poll::Ready(None) if exhausted => {
                this.tracker.end();
                Poll::Ready(None)
            }
            // Nothing running and the inputs pending: their waker is
            // registered. Or requests running: theirs are.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.running.len(), None)
    }
}

impl<O> std::fmt::Debug for ManyStream<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManyStream")
            .field("running", &self.running.len())
            .field("concurrency", &self.concurrency)
            .field("journal", &self.resume.is_on())
            .finish_non_exhaustive()
    }
}
