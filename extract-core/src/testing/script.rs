//! [`Reply`]: one scripted answer, and how it is rendered for a request.

use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// A gate a reply can wait at ([`Pause::Until`]) until the test opens it.
///
/// A gate never holds a reply forever: after 10 s it lets the reply go on,
/// so a failing test fails instead of hanging.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<GateInner>);

#[derive(Debug, Default)]
struct GateInner {
    open: AtomicBool,
    notify: Notify,
}

impl Gate {
    /// A closed gate.
    #[must_use]
    pub fn new() -> Self {
        Gate::default()
    }

    /// Opens the gate: every reply waiting at it goes on.
    pub fn open(&self) {
        self.0.open.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// True once opened.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.0.open.load(Ordering::SeqCst)
    }

    pub(crate) async fn wait(&self) {
        let waiting = async {
            loop {
                let notified = self.0.notify.notified();
                if self.is_open() {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(10), waiting).await;
    }
}

/// A pause in a streamed reply.
#[derive(Debug, Clone)]
pub enum Pause {
    /// Wait this long.
    For(Duration),
    /// Wait until the gate is opened (at most 10 s).
    Until(Gate),
}

/// What a reply answers with.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// JSON text, placed where the request's mode reads it.
    Json(String),
    /// List items: the `{"items": […]}` wrapper, or one tool call per item
    /// when the request offers tools without forcing one.
    Items(Vec<String>),
    /// Plain `content`, as is.
    Text(String),
    /// A refusal (`delta.refusal`).
    Refusal(String),
    /// An HTTP error status with an OpenAI-style error body.
    Status { status: u16, message: String },
    /// A raw event-stream body, sent byte for byte.
    Raw(Vec<u8>),
}

/// How a streamed reply goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Cut the answer at this many bytes, then `finish_reason: "length"`.
    Truncate(usize),
    /// Close the connection after this many bytes of the answer.
    Drop(usize),
    /// After this many bytes, send a data line that is not JSON.
    Malformed(usize),
    /// After this many bytes, send an error object and end the stream.
    ErrorEvent(usize, String),
    /// End the stream with neither a finish_reason nor `[DONE]`.
    NoEnd,
    /// After this many bytes, break the HTTP chunked framing (a chunk
    /// size that is not hexadecimal) and close the connection.
    BadChunk(usize),
}

/// What a reply does once its answer is sent, before the body ends.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tail {
    /// Leave out the end-of-stream event (`[DONE]`, `message_stop`, …)
    /// after the finish reason.
    pub without_end: bool,
    /// Send this many event-stream comments (`: keep-alive`), this far
    /// apart.
    pub keep_alive: Option<(usize, Duration)>,
    /// Then wait before ending the body.
    pub hold: Option<Pause>,
    /// Then break the chunked framing and close the connection.
    pub break_framing: bool,
}

/// How a reply is carried over HTTP, whatever it answers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transport {
    /// Wait before sending the status line.
    pub before_headers: Option<Pause>,
    /// Wait between the headers and the first byte of the body.
    pub before_body: Option<Pause>,
    /// Write the body this many bytes at a time, this far apart.
    pub trickle: Option<(usize, Duration)>,
    /// Replace the `Content-Type` (`Some(None)`: send none).
    pub content_type: Option<Option<String>>,
    /// Answer with the whole (non-streamed) body, even to a request that
    /// asked for a stream.
    pub whole: bool,
}

/// One scripted answer of a [`ReplayServer`](super::ReplayServer).
///
/// A structured answer ([`json`](Self::json), [`items`](Self::items)) is
/// placed where the request's mode reads it: forced tool → the arguments of
/// one tool call; tools offered but not forced (`ParallelTools`) → one call
/// per item; `response_format` → `content`; neither (`MdJson`) → `content`
/// inside a ```` ```json ```` fence with a sentence before and after. It is
/// streamed as OpenAI does: a first chunk with the role (and the tool call's
/// id and name), the text in [`fragment`](Self::fragment)-sized deltas, a
/// chunk with the `finish_reason`, a `choices: []` usage chunk when the
/// request asked for usage, then `data: [DONE]`. Other providers get the
/// same answer in their own events (Responses: `response.output_text.delta`,
/// `response.function_call_arguments.delta`, … up to `response.completed`),
/// and the same faults in their own words (a cut is `response.incomplete`,
/// an error an `error` event then `response.failed`).
#[derive(Debug, Clone)]
#[must_use]
pub struct Reply {
    pub(crate) answer: Answer,
    pub(crate) fragment: usize,
    pub(crate) delay: Duration,
    pub(crate) pauses: Vec<(Marker, Pause)>,
    pub(crate) fault: Option<Fault>,
    pub(crate) finish_reason: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) split: Option<usize>,
    pub(crate) tail: Tail,
    pub(crate) transport: Transport,
    pub(crate) usage: Option<(u64, u64)>,
}

/// Where in the answer a pause happens.
#[derive(Debug, Clone)]
pub(crate) enum Marker {
    /// After the first occurrence of this text.
    After(String),
    /// After the closing brace of item `i`.
    Item(usize),
}

impl Reply {
    fn new(answer: Answer) -> Self {
        Reply {
            answer,
            fragment: 4,
            delay: Duration::ZERO,
            pauses: Vec::new(),
            fault: None,
            finish_reason: None,
            headers: Vec::new(),
            split: None,
            tail: Tail::default(),
            transport: Transport::default(),
            usage: None,
        }
    }

    /// Answers with this JSON text (sent as written, valid or not).
    pub fn json(text: impl Into<String>) -> Self {
        Reply::new(Answer::Json(text.into()))
    }

    /// Answers with this JSON value (compact).
    pub fn value(value: &Value) -> Self {
        Reply::json(value.to_string())
    }

    /// Answers with a list of items (compact JSON each).
    pub fn items<I: IntoIterator<Item = Value>>(items: I) -> Self {
        Reply::new(Answer::Items(
            items.into_iter().map(|v| v.to_string()).collect(),
        ))
    }

    /// Answers with plain `content` text, whatever the mode.
    pub fn text(text: impl Into<String>) -> Self {
        Reply::new(Answer::Text(text.into()))
    }

    /// Refuses, streaming `text` as `delta.refusal`.
    pub fn refusal(text: impl Into<String>) -> Self {
        Reply::new(Answer::Refusal(text.into()))
    }

    /// Answers with a redirect (`status` 301, 302, 303, 307 or 308) to
    /// `location`, with an empty JSON body.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Reply::status(status, "moved").header("location", location)
    }

    /// Answers with an HTTP error status and an OpenAI-style error body.
    pub fn status(status: u16, message: impl Into<String>) -> Self {
        Reply::new(Answer::Status {
            status,
            message: message.into(),
        })
    }

    /// Sends `body` as the event stream, byte for byte (see
    /// [`split_every`](Self::split_every)).
    pub fn sse(body: impl Into<Vec<u8>>) -> Self {
        Reply::new(Answer::Raw(body.into()))
    }

    /// Replays a recorded `.sse` file byte for byte.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn sse_file(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        Ok(Reply::sse(std::fs::read(path)?))
    }

    /// Characters per streamed delta (default 4, at least 1).
    pub fn fragment(mut self, chars: usize) -> Self {
        self.fragment = chars.max(1);
        self
    }

    /// Waits this long before each event.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Pauses once the answer has been sent up to the end of the first
    /// occurrence of `text`.
    pub fn pause_after(mut self, text: impl Into<String>, pause: Pause) -> Self {
        self.pauses.push((Marker::After(text.into()), pause));
        self
    }

    /// Pauses once item `index` (0-based) of an [`items`](Self::items)
    /// answer has been sent up to its closing brace.
    pub fn pause_after_item(mut self, index: usize, pause: Pause) -> Self {
        self.pauses.push((Marker::Item(index), pause));
        self
    }

    /// Cuts the answer after `bytes` bytes and ends with
    /// `finish_reason: "length"`.
    pub fn truncate(mut self, bytes: usize) -> Self {
        self.fault = Some(Fault::Truncate(bytes));
        self
    }

    /// Drops the connection after `bytes` bytes of the answer (no end of
    /// the chunked body, no `[DONE]`).
    pub fn drop_after(mut self, bytes: usize) -> Self {
        self.fault = Some(Fault::Drop(bytes));
        self
    }

    /// After `bytes` bytes of the answer, sends a `data:` line that is not
    /// valid JSON.
    pub fn malformed_after(mut self, bytes: usize) -> Self {
        self.fault = Some(Fault::Malformed(bytes));
        self
    }

    /// After `bytes` bytes of the answer, sends an `error` object (as OpenAI
    /// does mid-stream) and ends the stream.
    pub fn error_after(mut self, bytes: usize, message: impl Into<String>) -> Self {
        self.fault = Some(Fault::ErrorEvent(bytes, message.into()));
        self
    }

    /// Ends the stream cleanly but with neither a `finish_reason` nor
    /// `data: [DONE]`.
    pub fn without_end(mut self) -> Self {
        self.fault = Some(Fault::NoEnd);
        self
    }

    /// Breaks the HTTP framing after `bytes` bytes of the answer: a chunk
    /// whose size line is not hexadecimal, then the connection closes.
    pub fn malformed_chunk_after(mut self, bytes: usize) -> Self {
        self.fault = Some(Fault::BadChunk(bytes));
        self
    }

    /// Sends the finish reason (and usage) but not the provider's
    /// end-of-stream event (`data: [DONE]`, `message_stop`, …).
    pub fn without_done(mut self) -> Self {
        self.tail.without_end = true;
        self
    }

    /// After the answer, sends `count` event-stream comments (`:
    /// keep-alive`), `every` apart, before the body ends.
    pub fn keep_alive(mut self, count: usize, every: Duration) -> Self {
        self.tail.keep_alive = Some((count, every));
        self
    }

    /// After the answer (and any keep-alives), waits before ending the
    /// body: a server that stalls once it has said everything.
    pub fn hold_open(mut self, pause: Pause) -> Self {
        self.tail.hold = Some(pause);
        self
    }

    /// After the answer (and any keep-alives or stall), breaks the HTTP
    /// chunked framing and closes the connection.
    pub fn then_malformed_chunk(mut self) -> Self {
        self.tail.break_framing = true;
        self
    }

    /// Waits before sending the status line: a server that accepts the
    /// request and says nothing.
    pub fn delay_headers(mut self, pause: Pause) -> Self {
        self.transport.before_headers = Some(pause);
        self
    }

    /// Waits between the headers and the body.
    pub fn delay_body(mut self, pause: Pause) -> Self {
        self.transport.before_body = Some(pause);
        self
    }

    /// Writes the body (an event stream, a whole answer or an error body)
    /// `bytes` bytes at a time, `every` apart: a slow, or slowloris,
    /// server.
    pub fn trickle(mut self, bytes: usize, every: Duration) -> Self {
        self.transport.trickle = Some((bytes.max(1), every));
        self
    }

    /// Sends this `Content-Type` instead of the usual one.
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.transport.content_type = Some(Some(value.into()));
        self
    }

    /// Sends no `Content-Type` at all.
    pub fn without_content_type(mut self) -> Self {
        self.transport.content_type = Some(None);
        self
    }

    /// Answers with the whole (non-streamed) response, as a server that
    /// ignores `stream: true` does.
    pub fn whole(mut self) -> Self {
        self.transport.whole = true;
        self
    }

    /// Reports this usage (prompt and completion tokens) at the end of the
    /// answer, instead of counts made up from the request and the answer.
    pub fn usage(mut self, prompt: u64, completion: u64) -> Self {
        self.usage = Some((prompt, completion));
        self
    }

    /// The `finish_reason` sent (default `tool_calls` for tool answers,
    /// `stop` otherwise).
    pub fn finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }

    /// Adds a response header (e.g. `retry-after`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `Retry-After: <seconds>`.
    pub fn retry_after(self, seconds: u64) -> Self {
        self.header("retry-after", seconds.to_string())
    }

    /// Writes the event stream in pieces of `bytes` bytes, each its own
    /// network write, cut anywhere (inside a line, a UTF-8 character…), with
    /// no regard for event boundaries. By default a recorded body
    /// ([`sse`](Self::sse)) goes out in 512-byte pieces and a scripted answer
    /// one event per write.
    pub fn split_every(mut self, bytes: usize) -> Self {
        self.split = Some(bytes.max(1));
        self
    }

    /// The chat-completions event-stream body this reply streams for a
    /// request with `body` (pauses and delays left out; a dropped
    /// connection ends it), or `None` for an HTTP error status. A benchmark
    /// can render once and replay the bytes with [`sse`](Self::sse).
    #[must_use]
    pub fn render_sse(&self, body: &Value) -> Option<Vec<u8>> {
        self.render_sse_as(crate::client::Provider::ChatCompletions, body)
    }

    /// As [`render_sse`](Self::render_sse), in `provider`'s event format.
    #[must_use]
    pub fn render_sse_as(
        &self,
        provider: crate::client::Provider,
        body: &Value,
    ) -> Option<Vec<u8>> {
        if matches!(self.answer, Answer::Status { .. }) {
            return None;
        }
        let dialect = super::render::dialect_of(provider);
        let mut out = Vec::new();
        for action in super::render::actions(dialect, self, body, dialect.id_prefix()) {
            match action {
                super::render::Action::Send(bytes) => out.extend_from_slice(&bytes),
                super::render::Action::Pause(_) => {}
                super::render::Action::Drop | super::render::Action::BadChunk => break,
            }
        }
        Some(out)
    }
}
