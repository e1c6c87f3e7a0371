//! The providers' Batch APIs as the engine of a large job: half the price
//! of live calls, results within 24 hours (usually much sooner), run on
//! the provider's fleet. [`ChatRequest::batch`] takes the same template and
//! inputs as [`ChatRequest::many`] and gives the same `(id, Result<T,
//! Error>)`, validated the same way.
//!
//! * **The same requests.** Each request of a batch is the body a live
//!   call would send (the provider's own encoder, every [`Mode`]), with
//!   streaming turned off as the Batch APIs require; each result goes
//!   through the same decoding and validation as a live answer that came
//!   whole.
//! * **Split at the limits** (see the table in `split.rs`): OpenAI takes
//!   50,000 requests or 200 MB per batch, Anthropic 100,000 requests or
//!   256 MB; a job over that becomes several batches, created one after
//!   the other and polled together.
//! * **Failures asked again.** An answer that does not parse or validate
//!   (or holds no JSON) is re-asked with the errors sent back, exactly as
//!   `create` does, up to [`max_retries`](ChatRequest::max_retries); a
//!   request that failed for a transient reason (a 5xx, an expired batch,
//!   an overloaded model) is sent again as it was, up to the client's
//!   [`Backoff::max_retries`](super::Backoff). The follow-ups go in a new
//!   batch, or live ([`Reask::Live`]). The errors that end an input are
//!   all kept ([`Error::RetriesExhausted`]).
//! * **Cancel** ([`Batch::cancel`], [`BatchCanceller`]): the batches are
//!   cancelled, what they finished is still read, nothing is asked again.
//! * **Resume by id** ([`BatchJob::resume`]): after a restart, the same
//!   template and inputs and the batch ids ([`Batch::ids`], logged when
//!   each batch is created) pick the job up where it was; inputs the
//!   batches do not hold are sent in a new batch.
//! * A [journal](BatchJob::journal) and [`Progress`] as for `many`.
//!
//! The inputs are held in memory until their result is final (a re-ask
//! needs them); each batch's payload is built in memory (up to its byte
//! limit) and dropped once sent. Results are read from the result files
//! line by line and never held all at once.
//!
//! ```no_run
//! # async fn run(client: extract_core::client::Client) -> Result<(), extract_core::Error> {
//! use extract_core::client::{Input, Reask};
//! use futures::StreamExt;
//!
//! let inputs = vec![Input::text("a", "Ann is 3."), Input::text("b", "Bo is 4.")];
//! let batch = client
//!     .chat()
//!     .model("gpt-4o-mini")
//!     .max_retries(2)
//!     .batch::<serde_json::Value>(inputs)
//!     .reask(Reask::Live)
//!     .journal("people.jsonl")
//!     .submit()
//!     .await?;
//! println!("submitted: {:?}", batch.ids()); // keep these to resume after a restart
//! let mut results = batch.results();
//! while let Some((id, result)) = results.next().await {
//!     println!("{id}: {result:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! [`Mode`]: super::Mode

mod anthropic;
pub(crate) mod api;
mod decode;
mod openai;
mod run;
mod split;

pub use run::Reask;

pub(crate) use anthropic::AnthropicBatches;
pub(crate) use openai::OpenAiBatches;

use super::many::{journal::Resume, Input, Progress};
use super::output::ResponseModel;
use super::request::ChatRequest;
use crate::Error;
use futures::Stream;
use run::{Config, Driver, Shared};
use serde::Serialize;
use split::Limits;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::watch;

/// A batch job being configured: [`submit`](Self::submit) it, or
/// [`resume`](Self::resume) one submitted before.
#[must_use = "a batch job does nothing until it is submitted or resumed"]
pub struct BatchJob<R: ResponseModel> {
    request: ChatRequest,
    inputs: Vec<Input>,
    reask: Reask,
    poll: (Duration, Duration),
    limits: Option<Limits>,
    live_concurrency: usize,
    resume: Resume<R::Output>,
    _model: PhantomData<fn() -> R>,
}

impl<R: ResponseModel> std::fmt::Debug for BatchJob<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchJob")
            .field("inputs", &self.inputs.len())
            .field("reask", &self.reask)
            .field("poll", &self.poll)
            .field("resume", &self.resume)
            .finish_non_exhaustive()
    }
}

impl ChatRequest {
    /// Extracts an `R` from each of `inputs` through the provider's Batch
    /// API (see [the module docs](crate::client::batch)): this request is the template,
    /// each input's messages are appended to it.
    pub fn batch<R: ResponseModel>(
        self,
        inputs: impl IntoIterator<Item = impl Into<Input>>,
    ) -> BatchJob<R> {
        BatchJob {
            request: self,
            inputs: inputs.into_iter().map(Into::into).collect(),
            reask: Reask::default(),
            poll: (Duration::from_secs(10), Duration::from_secs(120)),
            limits: None,
            live_concurrency: 16,
            resume: Resume::default(),
            _model: PhantomData,
        }
    }
}

impl<R: ResponseModel> BatchJob<R> {
    /// How failed inputs are asked again (default [`Reask::Batch`]).
    pub fn reask(mut self, reask: Reask) -> Self {
        self.reask = reask;
        self
    }

    /// The wait before the first status poll, growing by half each poll up
    /// to `max` (default 10 s, then up to 2 minutes).
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.poll = (first, max.max(first));
        self
    }

    /// Splits into batches of at most `n` requests (default: the
    /// provider's limit).
    pub fn max_requests_per_batch(mut self, n: usize) -> Self {
        let limits = self.limits.get_or_insert(Limits {
            requests: usize::MAX,
            bytes: usize::MAX,
        });
        limits.requests = n.max(1);
        self
    }

    /// Splits into batches of at most `bytes` bytes of requests (default:
    /// the provider's limit).
    pub fn max_bytes_per_batch(mut self, bytes: usize) -> Self {
        let limits = self.limits.get_or_insert(Limits {
            requests: usize::MAX,
            bytes: usize::MAX,
        });
        limits.bytes = bytes.max(1);
        self
    }

    /// Requests at once for live re-asks ([`Reask::Live`]; default 16).
    pub fn live_concurrency(mut self, n: usize) -> Self {
        self.live_concurrency = n.max(1);
        self
    }

    /// Appends each result to a JSONL journal and skips the inputs it
    /// holds, as [`Many::journal`](super::Many::journal) does.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self
    where
        R::Output: Serialize,
    {
        self.resume.journal(path.into());
        self
    }

    /// Whether inputs the journal holds as failed are run again (default
    /// `true`).
    pub fn retry_failed(mut self, retry: bool) -> Self {
        self.resume.retry_failed(retry);
        self
    }

    fn driver(self) -> Result<Driver<R::Output>, Error> {
        let client = self.request.client().clone();
        let provider = client.provider();
        let Some(api) = client.protocol().batch() else {
            return Err(Error::Config {
                message: format!("{provider}: no Batch API is supported for this provider"),
            });
        };
        let template = self
            .request
            .prepare(R::spec(), R::LIST, std::any::type_name::<R>())?;
        let resume = self.resume.open()?;
        let provider_limits = api.limits();
        let limits = self.limits.map_or(provider_limits, |own| Limits {
            requests: own.requests.min(provider_limits.requests),
            bytes: own.bytes.min(provider_limits.bytes),
        });
        let config = Config {
            api,
            template,
            make: R::collector,
            limits,
            reask: self.reask,
            poll: self.poll,
            live_concurrency: self.live_concurrency,
            resume,
        };
        Driver::new(config, self.inputs)
    }

    /// Writes the requests, splits them into batches and creates them.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a template that cannot be sent, a provider
    /// without a Batch API, or a journal that cannot be opened; the HTTP
    /// error of an upload or a creation the provider refused (after
    /// transient retries).
    pub async fn submit(self) -> Result<Batch<R::Output>, Error> {
        let mut driver = self.driver()?;
        driver.submit().await?;
        Ok(Batch { driver })
    }

    /// Picks up batches submitted before (by this job, perhaps in another
    /// process): their results are read as they end, and the inputs none
    /// of them holds are sent in a new batch.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit), but nothing is sent here.
    pub fn resume(
        self,
        ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Batch<R::Output>, Error> {
        let mut driver = self.driver()?;
        driver.resume(ids.into_iter().map(Into::into).collect());
        Ok(Batch { driver })
    }
}

/// The state of one batch, as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchStatus {
    /// The batch's id.
    pub id: String,
    /// The provider's word: `validating`, `in_progress`, `finalizing`,
    /// `completed`, `expired`, `cancelling`, `cancelled`, `failed`
    /// (OpenAI); `in_progress`, `canceling`, `ended` (Anthropic).
    pub status: String,
    /// Its results can be read.
    pub ended: bool,
    /// Requests in all, succeeded, failed (errored, expired, cancelled).
    pub total: u64,
    /// Requests that succeeded so far.
    pub succeeded: u64,
    /// Requests that failed so far.
    pub failed: u64,
}

/// A submitted (or resumed) batch job. [`results`](Self::results) waits
/// for its batches and streams the results.
pub struct Batch<O> {
    driver: Driver<O>,
}

impl<O> std::fmt::Debug for Batch<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("ids", &self.driver.shared.ids())
            .finish_non_exhaustive()
    }
}

/// Cancels a batch job from anywhere (a signal handler, another task)
/// while its results are read.
#[derive(Clone)]
pub struct BatchCanceller {
    shared: Arc<Shared>,
    client: super::Client,
}

impl std::fmt::Debug for BatchCanceller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchCanceller")
            .field("ids", &self.shared.ids())
            .finish_non_exhaustive()
    }
}

impl BatchCanceller {
    /// Cancels the job's batches under way: what they finished is still
    /// read; nothing is asked again after this.
    ///
    /// # Errors
    ///
    /// The HTTP error of a cancel request the provider refused (the others
    /// are sent anyway).
    pub async fn cancel(&self) -> Result<(), Error> {
        self.shared.cancelled.store(true, Ordering::SeqCst);
        let Some(api) = self.client.protocol().batch() else {
            return Ok(());
        };
        let mut result = Ok(());
        for id in self.shared.ids() {
            if let Err(error) = api.cancel(&self.client, &id).await {
                tracing::error!(batch = %id, %error, "the batch could not be cancelled");
                result = Err(error);
            }
        }
        result
    }
}

impl<O: Send + 'static> Batch<O> {
    /// The ids of the batches under way (to resume the job later).
    #[must_use]
    pub fn ids(&self) -> Vec<String> {
        self.driver.shared.ids()
    }

    /// A handle that cancels the job.
    #[must_use]
    pub fn canceller(&self) -> BatchCanceller {
        BatchCanceller {
            shared: self.driver.shared.clone(),
            client: self.driver_client(),
        }
    }

    fn driver_client(&self) -> super::Client {
        self.driver.client()
    }

    /// Cancels the job (see [`BatchCanceller::cancel`]).
    ///
    /// # Errors
    ///
    /// As [`BatchCanceller::cancel`].
    pub async fn cancel(&self) -> Result<(), Error> {
        self.canceller().cancel().await
    }

    /// The status of each batch under way, polled now.
    ///
    /// # Errors
    ///
    /// The HTTP error of a status request.
    pub async fn statuses(&self) -> Result<Vec<BatchStatus>, Error> {
        let client = self.driver_client();
        let api = client
            .protocol()
            .batch()
            .expect("a batch job has a Batch API");
        let mut statuses = Vec::new();
        for id in self.ids() {
            let status = api.retrieve(&client, &id).await?;
            statuses.push(BatchStatus {
                ended: status.state != api::State::Running,
                id: status.id,
                status: status.status,
                total: status.counts.0,
                succeeded: status.counts.1,
                failed: status.counts.2,
            });
        }
        Ok(statuses)
    }

    /// The job's progress (inputs done, failed, in batches, tokens).
    #[must_use]
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.driver.tracker.subscribe()
    }

    /// Waits for the batches and streams `(id, Result<T, Error>)` as each
    /// batch's results are read, asking the failures again as configured.
    /// Each input is yielded exactly once.
    pub fn results(self) -> BatchResults<O> {
        let shared = self.driver.shared.clone();
        let progress = self.driver.tracker.subscribe();
        let stream = futures::stream::unfold(self.driver, |mut driver| async move {
            let (id, result, _) = driver.next().await?;
            Some(((id, result), driver))
        });
        BatchResults {
            stream: Box::pin(stream),
            shared,
            progress,
        }
    }
}

/// One input's id and outcome.
type Outcome<O> = (String, Result<O, Error>);

/// The results of a batch job, as each batch's results are read (see
/// [`Batch::results`]).
#[must_use = "streams do nothing unless polled"]
pub struct BatchResults<O> {
    stream: Pin<Box<dyn Stream<Item = Outcome<O>> + Send>>,
    shared: Arc<Shared>,
    progress: watch::Receiver<Progress>,
}

impl<O> BatchResults<O> {
    /// The ids of the batches under way.
    #[must_use]
    pub fn ids(&self) -> Vec<String> {
        self.shared.ids()
    }

    /// The job's progress.
    #[must_use]
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.clone()
    }
}

impl<O> std::fmt::Debug for BatchResults<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchResults")
            .field("ids", &self.shared.ids())
            .finish_non_exhaustive()
    }
}

impl<O> Stream for BatchResults<O> {
    type Item = (String, Result<O, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}
