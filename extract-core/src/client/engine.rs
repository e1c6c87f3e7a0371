//! The request engine: sends, streams, retries. A poll-driven state machine
//! with no task of its own: whoever polls it (a `create…` future or a
//! stream) does the work, and dropping it cancels the request.
//!
//! One call goes through attempts. An attempt that fails is followed by
//! another when the budget allows:
//! * a re-ask (answer did not parse, failed validation, or held no JSON):
//!   the previous answer and the errors are appended to the messages, up to
//!   [`ChatRequest::max_retries`](super::ChatRequest::max_retries) times;
//! * a transient failure (HTTP 408/429/500/502/503/504, connection failure,
//!   a stream cut short, an error sent mid-stream): the same messages are
//!   sent again after a backoff delay, up to [`Backoff::max_retries`] times.
//!
//! Everything else ends the call at once.

use super::adapter::Route;
use super::assembler::Completion;
use super::attempt::{interrupted, received_of, Attempt, Framing, Label};
use super::config::Client;
use super::deadline::{Clock, Deadline};
use super::limit::Gate;
use super::message::Message;
use super::mode::Mode;
use super::output::Collector;
use super::providers::{reask_messages, Protocol};
use super::retry::{retry_after, Backoff};
use super::usage::Usage;
use crate::{Error, Received};
use bytes::Bytes;
use futures::{Future, Stream, StreamExt};
use reqwest::header::{
    HeaderMap, ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, LOCATION,
};
use reqwest::StatusCode;
use serde_json::{Map, Value};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tracing::Span;

/// The largest HTTP error body kept, in bytes.
const MAX_ERROR_BODY: usize = 64 << 10;

/// The fixed part of a request: everything but the messages.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub client: Client,
    pub body: Map<String, Value>,
    pub mode: Mode,
    pub route: Route,
    pub max_reasks: u32,
}

/// What one poll of the engine produced.
pub(crate) enum Step<O> {
    /// A response began to stream (each attempt).
    Started,
    /// One network read was processed.
    Read,
    /// The attempt failed; another one follows.
    Retrying,
    /// The call succeeded.
    Finished(O),
}

type Sending = Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send>>;

/// The body of a response, as reqwest streams it.
type Body = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

enum State<C: ?Sized + Collector> {
    Idle,
    Sending(Sending),
    ErrorBody(Box<ErrorBody>),
    Waiting(Pin<Box<tokio::time::Sleep>>),
    Streaming(Body, Box<Attempt<C>>),
    Done,
}

/// Drives one `create…` call through its attempts.
pub(crate) struct Engine<C: ?Sized + Collector> {
    prepared: Arc<Prepared>,
    messages: Vec<Message>,
    make: fn(Mode) -> Box<C>,
    state: State<C>,
    clock: Clock,
    attempts: u32,
    reasks: u32,
    transient: u32,
    /// Items of the answer already handed to the caller (an item stream's).
    delivered: usize,
    errors: Vec<Error>,
    usage: Option<Usage>,
    completion: Option<Completion>,
    /// The client's rate limiter for the model.
    gate: Gate,
    span: Span,
    attempt_span: Span,
}

impl<C: ?Sized + Collector> Engine<C> {
    pub fn new(
        prepared: impl Into<Arc<Prepared>>,
        messages: Vec<Message>,
        make: fn(Mode) -> Box<C>,
        span: Span,
    ) -> Self {
        let prepared = prepared.into();
        let clock = Clock::new(prepared.client.inner.timeouts);
        let model = prepared.body.get("model").and_then(Value::as_str);
        let gate = prepared.client.inner.limits.gate(model.unwrap_or(""));
        Engine {
            prepared,
            messages,
            make,
            state: State::Idle,
            clock,
            attempts: 0,
            reasks: 0,
            transient: 0,
            delivered: 0,
            errors: Vec::new(),
            usage: None,
            completion: None,
            gate,
            span,
            attempt_span: Span::none(),
        }
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Token usage summed over the attempts that reported it.
    pub fn usage(&self) -> Option<Usage> {
        self.usage
    }

    /// The completion of the successful attempt, once finished.
    pub fn completion(&self) -> Option<&Completion> {
        self.completion.as_ref()
    }

    /// Takes the completion of the successful attempt.
    pub fn take_completion(&mut self) -> Option<Completion> {
        self.completion.take()
    }

    /// The collector of the attempt streaming now.
    pub fn collector(&self) -> Option<&C> {
        match &self.state {
            State::Streaming(_, attempt) => Some(attempt.collector.as_ref()),
            _ => None,
        }
    }

    /// The collector of the attempt streaming now.
    pub fn collector_mut(&mut self) -> Option<&mut C> {
        match &mut self.state {
            State::Streaming(_, attempt) => Some(attempt.collector.as_mut()),
            _ => None,
        }
    }

    /// Records that the caller now holds `items` items of the answer: a
    /// later attempt asks the model to begin with them (see
    /// [`ItemStream`](super::ItemStream)).
    pub fn set_delivered(&mut self, items: usize) {
        self.delivered = items;
    }

    /// True once the call succeeded or failed for good.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Drives the call one step; `None` once it is over.
    pub fn poll_step(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Step<C::Output>, Error>>> {
        let spans = (self.span.clone(), self.attempt_span.clone());
        let _request = spans.0.enter();
        let _attempt = spans.1.enter();
        loop {
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Idle => match self.gate.wait(&self.prepared.body, &self.messages) {
                    Some(wait) => self.state = State::Waiting(Box::pin(tokio::time::sleep(wait))),
                    None => self.send(),
                },
                State::Waiting(sleep) => {
                    ready!(sleep.as_mut().poll(cx));
                    self.state = State::Idle;
                }
                State::Sending(sending) => {
                    let sent = match sending.as_mut().poll(cx) {
                        Poll::Ready(sent) => sent,
                        Poll::Pending => {
                            let (deadline, limit) = ready!(self.clock.poll_expired(cx));
                            let error = timeout(deadline, limit, Received::default());
                            return Poll::Ready(Some(self.fail(error, None)));
                        }
                    };
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            self.start(response);
                            return Poll::Ready(Some(Ok(Step::Started)));
                        }
                        Ok(response) => {
                            tracing::debug!(status = response.status().as_u16(), "error status");
                            self.gate
                                .observe(response.status().as_u16(), response.headers());
                            self.clock.reading();
                            self.state = State::ErrorBody(Box::new(ErrorBody::new(response)));
                        }
                        Err(source) => {
                            let error = if source.is_builder() {
                                Error::Config {
                                    message: source.to_string(),
                                }
                            } else if source.is_connect() && source.is_timeout() {
                                let limit = self.prepared.client.inner.timeouts.connect;
                                timeout(
                                    Deadline::Connect,
                                    limit.unwrap_or_default(),
                                    Received::default(),
                                )
                            } else {
                                Error::Transport { source }
                            };
                            return Poll::Ready(Some(self.fail(error, None)));
                        }
                    }
                }
                State::ErrorBody(reading) => {
                    let protocol = self.prepared.client.protocol();
                    let error = loop {
                        match reading.body.poll_next_unpin(cx) {
                            Poll::Ready(Some(Ok(bytes))) => {
                                self.clock.read();
                                if !reading.push(&bytes) {
                                    break reading.error(protocol);
                                }
                            }
                            Poll::Ready(Some(Err(_)) | None) => break reading.error(protocol),
                            Poll::Pending => {
                                // A body that trickles ends here: the
                                // status and what came are the error.
                                let (deadline, _) = ready!(self.clock.poll_expired(cx));
                                tracing::debug!(%deadline, "the error body was cut short");
                                break reading.error(protocol);
                            }
                        }
                    };
                    return Poll::Ready(Some(self.fail(error, None)));
                }
                State::Streaming(body, attempt) => {
                    if let Some(error) = attempt.failure.take() {
                        let State::Streaming(_, attempt) =
                            std::mem::replace(&mut self.state, State::Idle)
                        else {
                            unreachable!("matched above")
                        };
                        let (error, completion) = (*attempt).fail(error);
                        return Poll::Ready(Some(self.fail(error, Some(completion))));
                    }
                    if !attempt.is_over() {
                        match body.poll_next_unpin(cx) {
                            Poll::Ready(Some(Ok(bytes))) => {
                                attempt.read(&bytes);
                                let now = self.clock.read();
                                if attempt.is_settled() {
                                    self.clock.settled();
                                }
                                // A body that is always ready would never
                                // let the timer be polled.
                                if let Some((deadline, limit)) = self.clock.overdue_at(now) {
                                    expired(attempt, deadline, limit);
                                }
                                return Poll::Ready(Some(Ok(Step::Read)));
                            }
                            Poll::Ready(Some(Err(_))) if attempt.is_settled() => {
                                attempt.end_here();
                            }
                            Poll::Ready(Some(Err(source))) => {
                                attempt.failure =
                                    Some(interrupted(&format!("the connection failed: {source}")));
                                continue;
                            }
                            Poll::Ready(None) => {}
                            Poll::Pending => {
                                let (deadline, limit) = ready!(self.clock.poll_expired(cx));
                                expired(attempt, deadline, limit);
                                continue;
                            }
                        }
                    }
                    let State::Streaming(_, attempt) =
                        std::mem::replace(&mut self.state, State::Idle)
                    else {
                        unreachable!("matched above")
                    };
                    self.clock.between();
                    let (result, completion) = (*attempt).finish();
                    self.add_usage(completion.usage);
                    match result {
                        Ok(output) => {
                            tracing::debug!(finish_reason = ?completion.finish_reason, "attempt succeeded");
                            self.completion = Some(completion);
                            self.state = State::Done;
                            return Poll::Ready(Some(Ok(Step::Finished(output))));
                        }
                        Err(error) => return Poll::Ready(Some(self.fail(error, Some(completion)))),
                    }
                }
            }
        }
    }

    fn add_usage(&mut self, usage: Option<Usage>) {
        if let Some(usage) = usage {
            self.gate.settle(usage);
            *self.usage.get_or_insert_with(Usage::default) += usage;
        }
    }

    fn send(&mut self) {
        self.attempts += 1;
        self.attempt_span = tracing::debug_span!(parent: &self.span, "attempt", n = self.attempts);
        let prepared = &self.prepared;
        let inner = &prepared.client.inner;
        let protocol = prepared.client.protocol();
        let mut body = prepared.body.clone();
        protocol.write_messages(&mut body, &self.messages);
        let request = inner
            .http
            .post(prepared.client.endpoint_url())
            .headers(inner.headers.clone())
            .header(ACCEPT, "text/event-stream, application/json")
            .header(ACCEPT_ENCODING, "identity")
            .json(&body);
        self.attempt_span
            .in_scope(|| tracing::debug!(messages = self.messages.len(), "sending"));
        self.clock.sending();
        self.state = State::Sending(Box::pin(request.send()));
    }

    fn start(&mut self, response: reqwest::Response) {
        self.gate
            .observe(response.status().as_u16(), response.headers());
        let header = |name| {
            let value = response.headers().get(name)?.to_str().ok()?;
            Some(value.trim().to_ascii_lowercase())
        };
        let label = Label {
            content_type: header(CONTENT_TYPE),
            encoding: header(CONTENT_ENCODING),
        };
        let prepared = &self.prepared;
        let collector = (self.make)(prepared.mode);
        let sizes = prepared.client.sizes();
        let decoder = prepared.client.protocol().decoder();
        let mut attempt = Attempt::new(Framing::Detect, prepared.route, decoder, collector, sizes);
        attempt.set_label(label);
        let body: Body = Box::pin(response.bytes_stream());
        self.clock.reading();
        self.state = State::Streaming(body, Box::new(attempt));
    }

    /// Records a failed attempt and either schedules the next one
    /// (`Ok(Step::Retrying)`) or ends the call with the final error.
    ///
    /// When the caller already holds items of the answer (an item stream),
    /// the next request shows the model its answer so far and asks it to
    /// begin again with those items, whether the attempt is re-asked or
    /// retried after a transient failure (a fresh answer to the same
    /// request would be another list).
    fn fail(
        &mut self,
        error: Error,
        completion: Option<Completion>,
    ) -> Result<Step<C::Output>, Error> {
        self.clock.between();
        let backoff: Backoff = self.prepared.client.inner.backoff;
        let mode = self.prepared.mode;
        tracing::debug!(error = %error, "attempt failed");
        let kept = (self.delivered > 0).then(|| kept_items(self.delivered));
        let why = || match &kept {
            Some(kept) => format!("{error}\n{kept}"),
            None => error.to_string(),
        };
        let next = match &error {
            _ if self.clock.call_expired() => None,
            Error::Syntax { .. }
            | Error::Validation { .. }
            | Error::NoJson { .. }
            | Error::Diverged { .. }
                if self.reasks < self.prepared.max_reasks =>
            {
                self.reasks += 1;
                let completion = completion.unwrap_or_default();
                self.messages.extend(reask_messages(mode, &completion, &why(), self.attempts));
                Some(State::Idle)
            }
            _ if self.transient < backoff.max_retries => transient_delay(self.prepared.client.protocol(), &error)
                .and_then(|after| backoff.delay(self.transient, after))
                .filter(|delay| self.clock.leaves_time_for(*delay))
                .map(|delay| {
                    self.transient += 1;
                    if let Some(completion) = completion.as_ref().filter(|c| kept.is_some() && has_answer(c)) {
                        self.messages.extend(reask_messages(mode, completion, &why(), self.attempts));
                    }
                    tracing::warn!(delay_ms = delay.as_millis(), error = %error, "retrying after a transient failure");
                    State::Waiting(Box::pin(tokio::time::sleep(delay)))
                }),
            _ => None,
        };
        self.errors.push(error);
        if let Some(state) = next {
            self.state = state;
            return Ok(Step::Retrying);
        }
        self.state = State::Done;
        let mut errors = std::mem::take(&mut self.errors);
        if errors.len() == 1 {
            return Err(errors.remove(0));
        }
        // The model's last answer (an attempt with a partial) is what matters
        // most; failing that, the last body received (e.g. an error page).
        let received: Received = errors
            .iter()
            .rev()
            .map(received_of)
            .find(|r| r.partial.is_some())
            .or_else(|| {
                errors
                    .iter()
                    .rev()
                    .map(received_of)
                    .find(|r| r.raw.is_some())
            })
            .unwrap_or_default();
        Err(Error::RetriesExhausted {
            attempts: errors,
            received: Box::new(received),
        })
    }
}

/// What the next request says about the items the caller already holds.
fn kept_items(items: usize) -> String {
    format!(
        "The first {items} items of the list were already received from the answer above and \
         are kept. Answer with the complete list again: those {items} items first, exactly as \
         they were, then the rest."
    )
}

/// The completion holds some of an answer.
fn has_answer(completion: &Completion) -> bool {
    !completion.content.is_empty() || !completion.tool_calls.is_empty()
}

/// An [`Error::Timeout`].
fn timeout(deadline: Deadline, limit: Duration, received: Received) -> Error {
    Error::Timeout {
        deadline,
        limit,
        received: Box::new(received),
    }
}

/// A bound passed while `attempt` streamed: a settled answer ends there,
/// any other fails with the bound.
fn expired<C: ?Sized + Collector>(attempt: &mut Attempt<C>, deadline: Deadline, limit: Duration) {
    if attempt.is_settled() {
        attempt.end_here();
    } else if attempt.failure.is_none() {
        attempt.failure = Some(timeout(deadline, limit, Received::default()));
    }
}

/// For a transient failure, the delay the server asked for (if any);
/// `None` for failures that are not transient.
fn transient_delay(protocol: &dyn Protocol, error: &Error) -> Option<Option<Duration>> {
    match error {
        Error::Http {
            status,
            retry_after,
            ..
        } if protocol.is_retryable_status(*status) => Some(*retry_after),
        Error::Timeout { deadline, .. } if *deadline != Deadline::Call => Some(None),
        Error::Transport { .. } | Error::Interrupted { .. } | Error::Provider { .. } => Some(None),
        _ => None,
    }
}

/// An error response whose body is being read (bounded in size, and in
/// time by the engine's clock).
struct ErrorBody {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    text: Vec<u8>,
}

impl ErrorBody {
    fn new(response: reqwest::Response) -> Self {
        ErrorBody {
            status: response.status(),
            headers: response.headers().clone(),
            text: Vec::new(),
            body: Box::pin(response.bytes_stream()),
        }
    }

    /// Takes one read; false once the body is as long as is kept.
    fn push(&mut self, bytes: &[u8]) -> bool {
        let room = MAX_ERROR_BODY - self.text.len();
        self.text.extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.text.len() < MAX_ERROR_BODY
    }

    /// The body so far as [`Error::Http`].
    fn error(&mut self, protocol: &dyn Protocol) -> Error {
        let status = self.status;
        let text = String::from_utf8_lossy(&self.text).into_owned();
        let parsed = protocol.error_body(&text);
        let (kind, code) = (parsed.kind, parsed.code);
        let location = self.headers.get(LOCATION).and_then(|v| v.to_str().ok());
        let message = match (status.is_redirection(), location) {
            (true, Some(location)) => {
                let location: String = location.chars().take(300).collect();
                format!(
                    "the server redirected to `{location}`, which is not followed: a redirect \
                     to another origin would take the credentials with it"
                )
            }
            _ => parsed.message.unwrap_or_else(|| match text.trim() {
                "" => status.canonical_reason().unwrap_or("no message").to_owned(),
                body => body.chars().take(300).collect(),
            }),
        };
        Error::Http {
            status: status.as_u16(),
            message,
            kind,
            code,
            retry_after: retry_after(&self.headers),
            received: Box::new(Received {
                raw: Some(text),
                partial: None,
            }),
        }
    }
}
