//! Many inputs, one template: [`ChatRequest::many`] extracts the same
//! thing from each of a stream of [`Input`]s, many at once, and yields
//! `(id, Result<T, Error>)` as each one finishes.
//!
//! * **Bounded concurrency** ([`Many::concurrency`], default 16): no more
//!   requests are under way at once, and the inputs are read only as
//!   fast as they are used, so an input of a million documents is never
//!   held whole.
//! * **The same call as `create`.** Each input is one `create` of the
//!   template with the input's messages appended: the same re-asks
//!   ([`max_retries`](ChatRequest::max_retries)), the same transient
//!   retries, the same errors. Every request goes through the client's
//!   rate limiter ([`RateLimit`](super::RateLimit)): a 429 slows every
//!   request of the run down together.
//! * **Resumable** ([`Many::journal`]): each result is appended to a JSONL
//!   file the moment it arrives; started again with the same file, inputs
//!   already there are skipped (see [`read_journal`] for the format). By
//!   default inputs that failed are tried again on the next run
//!   ([`Many::retry_failed`]).
//! * **Progress** ([`ManyStream::progress`]): done, failed, skipped, in
//!   flight, tokens, time left.
//!
//! No task is spawned: the requests are driven by whoever polls the
//! stream, and dropping it cancels every one of them (what was written to
//! the journal stays).
//!
//! ```no_run
//! # async fn run(client: extract_core::client::Client) -> Result<(), extract_core::Error> {
//! use extract_core::client::Input;
//! use futures::StreamExt;
//!
//! let docs = vec![("a", "Ann is 3."), ("b", "Bo is 4.")];
//! let mut results = client
//!     .chat()
//!     .model("gpt-4o-mini")
//!     .system("Extract the person.")
//!     .max_retries(2)
//!     .many::<serde_json::Value>(docs.into_iter().map(|(id, text)| Input::text(id, text)))
//!     .concurrency(64)
//!     .journal("people.jsonl")
//!     .start()?;
//! while let Some((id, result)) = results.next().await {
//!     match result {
//!         Ok(person) => println!("{id}: {person}"),
//!         Err(error) => eprintln!("{id}: {error}"),
//!     }
//! }
//! # Ok(()) }
//! ```

pub(crate) mod journal;
pub(crate) mod progress;
pub(crate) mod stream;

pub use journal::{read_journal, ErrorRecord, Record};
pub use progress::Progress;
pub use stream::ManyStream;

use super::input::Part;
use super::message::Message;
use super::output::ResponseModel;
use super::request::ChatRequest;
use crate::Error;
use futures::{Stream, StreamExt};
use serde::Serialize;
use serde_json::Value;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::pin::Pin;

/// One input of a run over many: an id (unique within the run; it names
/// the result and the journal line) and the messages appended to the
/// template for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub(crate) id: String,
    pub(crate) messages: Vec<Message>,
}

impl Input {
    /// An input of one user message of text.
    pub fn text(id: impl Into<String>, text: impl Into<String>) -> Input {
        Input::messages(id, [Message::user(text)])
    }

    /// An input of one user message of several parts (text, images,
    /// documents, audio).
    pub fn parts(id: impl Into<String>, parts: impl IntoIterator<Item = Part>) -> Input {
        Input::messages(id, [Message::user_parts(parts)])
    }

    /// An input of any messages.
    pub fn messages(id: impl Into<String>, messages: impl IntoIterator<Item = Message>) -> Input {
        Input {
            id: id.into(),
            messages: messages.into_iter().collect(),
        }
    }

    /// The input's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The input's messages.
    #[must_use]
    pub fn message_list(&self) -> &[Message] {
        &self.messages
    }
}

impl<I: Into<String>, T: Into<String>> From<(I, T)> for Input {
    /// `(id, text)`: [`Input::text`].
    fn from((id, text): (I, T)) -> Input {
        Input::text(id, text)
    }
}

/// The inputs of a run, read as they are needed.
pub(crate) type Inputs = Pin<Box<dyn Stream<Item = Input> + Send>>;

/// How a value becomes JSON for the journal.
pub(crate) type ToJson<O> = fn(&O) -> serde_json::Result<Value>;

/// A run over many inputs, being configured: [`start`](Self::start) it to
/// get the [`ManyStream`] of results.
#[must_use = "a run does nothing until it is started and its stream polled"]
pub struct Many<R: ResponseModel> {
    request: ChatRequest,
    inputs: Inputs,
    total: Option<u64>,
    concurrency: usize,
    resume: journal::Resume<R::Output>,
    _model: PhantomData<fn() -> R>,
}

impl<R: ResponseModel> std::fmt::Debug for Many<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Many")
            .field("total", &self.total)
            .field("concurrency", &self.concurrency)
            .field("resume", &self.resume)
            .finish_non_exhaustive()
    }
}

impl ChatRequest {
    /// Extracts an `R` (a `T`, or `Iterable<T>` for a list) from each of
    /// `inputs`, many at once: this request is the template, each input's
    /// messages are appended to it. See [`Many`] for the settings and
    /// [`ManyStream`] for the results.
    ///
    /// The inputs are read lazily, as requests finish; anything that
    /// converts to an [`Input`] works, e.g. `(id, text)` pairs.
    pub fn many<R: ResponseModel>(
        self,
        inputs: impl IntoIterator<Item = impl Into<Input> + 'static, IntoIter: Send + 'static>,
    ) -> Many<R> {
        let inputs = inputs.into_iter();
        let total = match inputs.size_hint() {
            (low, Some(high)) if low == high => Some(low as u64),
            _ => None,
        };
        let mut many = self.many_stream(futures::stream::iter(inputs));
        many.total = total;
        many
    }

    /// As [`many`](Self::many), with the inputs coming from a stream (a
    /// database cursor, a queue, a directory walk).
    pub fn many_stream<R: ResponseModel>(
        self,
        inputs: impl Stream<Item = impl Into<Input> + 'static> + Send + 'static,
    ) -> Many<R> {
        Many {
            request: self,
            inputs: Box::pin(inputs.map(Into::into)),
            total: None,
            concurrency: 16,
            resume: journal::Resume::default(),
            _model: PhantomData,
        }
    }
}

impl<R: ResponseModel> Many<R> {
    /// Requests under way at once, at most (default 16, at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The number of inputs, for the time left in [`Progress`] (known
    /// already when the inputs are an iterator of known length).
    pub fn total(mut self, n: u64) -> Self {
        self.total = Some(n);
        self
    }

    /// Appends each result to the JSONL file at `path` as it arrives, and
    /// skips the inputs whose id it already holds (see the
    /// [module docs](crate::client::many) and [`read_journal`]).
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self
    where
        R::Output: Serialize,
    {
        self.resume.journal(path.into());
        self
    }

    /// Whether inputs whose last journal record is an error are tried
    /// again (default `true`: a failure may have been the server's; with
    /// `false` only the inputs not in the journal at all are run).
    pub fn retry_failed(mut self, retry: bool) -> Self {
        self.resume.retry_failed(retry);
        self
    }

    /// Opens the journal (if any) and checks the template: the stream of
    /// results, which sends the requests as it is polled.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the template cannot be sent (no model, a
    /// mode the provider lacks, …) or the journal cannot be opened or
    /// read.
    pub fn start(self) -> Result<ManyStream<R::Output>, Error> {
        let template = self
            .request
            .prepare(R::spec(), R::LIST, std::any::type_name::<R>())?;
        let resume = self.resume.open()?;
        Ok(ManyStream::new(stream::Setup {
            template,
            make: R::collector,
            inputs: self.inputs,
            total: self.total,
            concurrency: self.concurrency,
            resume,
        }))
    }
}
