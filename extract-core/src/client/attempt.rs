//! One attempt: the body of one successful HTTP response, read into a
//! collector, and its outcome. The bytes come from whoever holds the body
//! (the engine's HTTP response, or a caller's own transport through the
//! [readers](super::reader)).

use super::adapter::{Adapter, Route};
use super::assembler::{Assembler, Completion};
use super::config::{SizeLimit, DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_STREAM_BYTES};
use super::output::Collector;
use super::providers::{Decode, Delta, Stop};
use super::sse::{SseDecoder, SseError, SseEvent};
use crate::{Error, Received};
use serde_json::Value;

/// How the body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// An event stream: chunks as SSE events.
    Sse,
    /// One whole JSON response (a server that ignored `stream: true`).
    Whole,
    /// Not known yet: the first bytes of the body decide ([`sniff`]), with
    /// the response's [`Label`] as a hint.
    Detect,
}

/// What a response said its body is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Label {
    /// `Content-Type`, lowercased, if sent.
    pub content_type: Option<String>,
    /// `Content-Encoding`, lowercased, if sent.
    pub encoding: Option<String>,
}

/// What the first bytes of a body say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sniffed {
    Sse,
    Whole,
    /// Neither: why not.
    Reject(String),
}

/// The framing of a body that begins with `head` (leading whitespace and
/// BOM already left out), or `None` while more bytes are needed (`at_end`:
/// no more will come).
///
/// Servers label bodies wrongly or not at all (an event stream as
/// `application/json`, a whole completion with no `Content-Type`), so the
/// bytes decide, as the official SDKs do by reading a requested stream as
/// events whatever its label: `{` or `[` is JSON; a first line that is an
/// event-stream field (`data`, `event`, `id`, `retry`, or a `:` comment) is
/// an event stream. Anything else — an HTML page, text, a compressed body —
/// is refused at once, naming the label and the first bytes, instead of
/// being read as an event stream that never ends.
fn sniff(head: &[u8], label: &Label, at_end: bool) -> Option<Sniffed> {
    let content_type = || match &label.content_type {
        Some(t) => format!("`Content-Type: {t}`"),
        None => "no `Content-Type`".to_owned(),
    };
    let shown = || {
        let start = &head[..head.len().min(80)];
        format!("{:?}", String::from_utf8_lossy(start))
    };
    if let Some(encoding) = label.encoding.as_deref().filter(|e| *e != "identity") {
        if head.is_empty() && !at_end {
            return None;
        }
        return Some(Sniffed::Reject(format!(
            "the body is encoded (`Content-Encoding: {encoding}`, {}), which this client does \
             not decode (it asks for `Accept-Encoding: identity`); it begins {}",
            content_type(),
            shown()
        )));
    }
    let Some(&first) = head.first() else {
        // An empty body: an event stream that ended before it began.
        return at_end.then_some(Sniffed::Sse);
    };
    let html = || {
        Sniffed::Reject(format!(
            "the server answered with an HTML page ({}), not an event stream (check the base \
             URL); it begins {}",
            content_type(),
            shown()
        ))
    };
    let labelled = |kind: &str| {
        label
            .content_type
            .as_deref()
            .is_some_and(|t| t.starts_with(kind))
    };
    match first {
        b'{' | b'[' => return Some(Sniffed::Whole),
        b'<' => return Some(html()),
        _ if labelled("text/html") => return Some(html()),
        _ if labelled("text/event-stream") => return Some(Sniffed::Sse),
        _ => {}
    }
    const LONGEST_FIELD: usize = "retry".len();
    let field = match head.iter().position(|&b| matches!(b, b':' | b'\r' | b'\n')) {
        Some(end) => &head[..end],
        None if at_end || head.len() > LONGEST_FIELD => head,
        None => return None,
    };
    Some(match field {
        b"" | b"data" | b"event" | b"id" | b"retry" => Sniffed::Sse,
        _ => Sniffed::Reject(format!(
            "the server answered ({}) with a body that is neither an event stream nor JSON; \
             it begins {}",
            content_type(),
            shown()
        )),
    })
}

/// An error found while feeding, carried through the SSE decoder.
struct Fail(Error);

impl From<SseError> for Fail {
    fn from(error: SseError) -> Self {
        match error.too_large {
            // The decoder's limit is `SizeLimits::event` of the answer's.
            Some(limit) => Fail(too_large(
                SizeLimit::Answer,
                limit.saturating_sub(EVENT_ENVELOPE),
            )),
            None => Fail(protocol(error.message)),
        }
    }
}

/// The bounds on one response's size (see [`SizeLimit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SizeLimits {
    /// Bytes of the body (the event stream).
    pub stream: usize,
    /// Bytes of the answer's text.
    pub answer: usize,
}

impl Default for SizeLimits {
    fn default() -> Self {
        SizeLimits {
            stream: DEFAULT_MAX_STREAM_BYTES,
            answer: DEFAULT_MAX_ANSWER_BYTES,
        }
    }
}

impl SizeLimits {
    /// The most an event (or a body that is not streamed) may hold: it is
    /// kept until it ends, and it carries at most the answer, in an
    /// envelope.
    fn event(&self) -> usize {
        self.answer.saturating_add(EVENT_ENVELOPE)
    }
}

/// What an event may hold besides its piece of the answer (see
/// [`SizeLimits::event`]).
const EVENT_ENVELOPE: usize = 64 << 10;

fn too_large(which: SizeLimit, limit: usize) -> Error {
    Error::TooLarge {
        which,
        limit,
        received: Box::default(),
    }
}

fn protocol(message: String) -> Error {
    Error::Protocol {
        message,
        received: Box::default(),
    }
}

/// The state of one attempt while its body streams in.
pub(crate) struct Attempt<C: ?Sized + Collector> {
    framing: Framing,
    label: Label,
    /// The whole body ([`Framing::Whole`]), or its first bytes while the
    /// framing is detected.
    whole: Vec<u8>,
    sse: SseDecoder,
    decoder: Box<dyn Decode>,
    assembler: Assembler,
    adapter: Adapter,
    pub collector: Box<C>,
    bytes: usize,
    limits: SizeLimits,
    /// The provider said the stream is over (`data: [DONE]`,
    /// `message_stop`, …).
    done: bool,
    /// A failure found during the last read, handled at the next poll (so
    /// what that read completed is handed out first).
    pub failure: Option<Error>,
}

impl<C: ?Sized + Collector> Attempt<C> {
    pub fn new(
        framing: Framing,
        route: Route,
        decoder: Box<dyn Decode>,
        collector: Box<C>,
        limits: SizeLimits,
    ) -> Self {
        Attempt {
            framing,
            label: Label::default(),
            whole: Vec::new(),
            sse: SseDecoder::new().limit(limits.event()),
            decoder,
            assembler: Assembler::default(),
            adapter: Adapter::new(route),
            collector,
            bytes: 0,
            limits,
            done: false,
            failure: None,
        }
    }

    /// Bounds the response (before any byte is read).
    pub fn set_limits(&mut self, limits: SizeLimits) {
        self.limits = limits;
        self.sse = SseDecoder::new().limit(limits.event());
    }

    /// What the response said its body is (for [`Framing::Detect`]).
    pub fn set_label(&mut self, label: Label) {
        self.label = label;
    }

    /// Reads the events with `decoder` instead (before any byte is read).
    pub fn set_decoder(&mut self, decoder: Box<dyn Decode>) {
        self.decoder = decoder;
    }

    /// The body needs no more reading (`[DONE]` seen, or a failure found).
    pub fn is_over(&self) -> bool {
        self.done || self.failure.is_some()
    }

    /// The provider said how the answer ended (its finish reason): the
    /// answer is settled. What the stream sends after it (usage, the end
    /// event) is read if it comes, but cannot fail the attempt: a broken
    /// line, a byte past the limit, a dropped connection or a stall after
    /// it ends the body there instead, and any more answer text is
    /// ignored.
    pub fn is_settled(&self) -> bool {
        self.framing == Framing::Sse && self.assembler.stop().is_some()
    }

    /// The body ends here, as far as the answer is concerned (a settled
    /// answer whose stream then failed or stalled).
    pub fn end_here(&mut self) {
        self.done = true;
    }

    /// Takes one network read.
    ///
    /// The bytes within the limit are taken first, and only a byte past it
    /// that still matters (the body is not over) fails: so the outcome does
    /// not depend on where the reads are cut. A read that crosses the limit
    /// after `[DONE]` or an error event ends as a body cut there would.
    pub fn read(&mut self, bytes: &[u8]) {
        if self.is_over() {
            return;
        }
        let room = self.limits.stream.saturating_sub(self.bytes);
        let (within, past) = bytes.split_at(bytes.len().min(room));
        self.bytes = self.bytes.saturating_add(within.len());
        self.take(within);
        if !past.is_empty() && !self.is_over() {
            if self.is_settled() {
                self.done = true;
            } else {
                self.failure = Some(too_large(SizeLimit::EventStream, self.limits.stream));
            }
        }
    }

    /// Takes bytes within the limit.
    fn take(&mut self, bytes: &[u8]) {
        match self.framing {
            Framing::Whole => return self.keep_whole(bytes),
            Framing::Detect => return self.detect(bytes, false),
            Framing::Sse => {}
        }
        let (sse, sink) = self.decoder();
        let result = sse.feed(bytes, sink);
        // Once `[DONE]` has come the body is over: a later read is not
        // looked at, so a broken line after it in the same read is no
        // error either (the events after it were ignored already). The
        // same once the answer is settled: the body ends there.
        if let Err(Fail(error)) = result {
            if self.is_settled() {
                self.done = true;
            } else if !self.done {
                self.failure = Some(error);
            }
        }
    }

    /// Keeps more of a body that is not streamed, held whole until it ends:
    /// as an event would be, it is bounded by the answer's bound.
    fn keep_whole(&mut self, bytes: &[u8]) {
        if self.whole.len().saturating_add(bytes.len()) > self.limits.event() {
            self.failure = Some(too_large(SizeLimit::Answer, self.limits.answer));
            return;
        }
        self.whole.extend_from_slice(bytes);
    }

    /// Gathers the first bytes of the body until they say how it is
    /// framed, then reads it so.
    fn detect(&mut self, bytes: &[u8], at_end: bool) {
        let bytes = if self.whole.is_empty() {
            let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let skip = start.iter().take_while(|b| b.is_ascii_whitespace()).count();
            &start[skip..]
        } else {
            bytes
        };
        self.whole.extend_from_slice(bytes);
        match sniff(&self.whole, &self.label, at_end) {
            None => {}
            Some(Sniffed::Whole) => {
                self.framing = Framing::Whole;
                self.keep_whole(&[]);
            }
            Some(Sniffed::Sse) => {
                self.framing = Framing::Sse;
                let head = std::mem::take(&mut self.whole);
                self.take(&head);
            }
            Some(Sniffed::Reject(message)) => {
                self.failure = Some(Error::Protocol {
                    message,
                    received: Box::new(Received {
                        raw: Some(String::from_utf8_lossy(&self.whole).into_owned()),
                        partial: None,
                    }),
                });
            }
        }
    }

    /// The SSE decoder, and where it hands each event it completes: the
    /// provider's decoder, then the assembler, the adapter and the
    /// collector ([`on_event`]).
    fn decoder(
        &mut self,
    ) -> (
        &mut SseDecoder,
        impl FnMut(SseEvent<'_>) -> Result<(), Fail> + '_,
    ) {
        let (sse, _, decoder, mut sink) = self.parts();
        let on_event = move |event: SseEvent<'_>| {
            if *sink.done {
                return Ok(());
            }
            decoder
                .event(event, &mut |delta| sink.take(delta))
                .map_err(Fail)
        };
        (sse, on_event)
    }

    /// The body ended (or `[DONE]` came): decides the outcome.
    ///
    /// On success nothing more is built: the raw text and the partial as
    /// JSON, which an error carries, are made only for an error (the
    /// parser's own errors already hold their partial).
    pub fn finish(mut self) -> (Result<C::Output, Error>, Completion) {
        if let Err(error) = self.conclude() {
            let (error, completion) = self.fail(error);
            return (Err(error), completion);
        }
        let Attempt {
            collector,
            mut assembler,
            adapter,
            ..
        } = self;
        let result = collector
            .finish()
            .map_err(|error| with_received(error, raw_text(&assembler, &adapter), None));
        (result, assembler.take())
    }

    /// A failure found before the end, with what had arrived attached.
    ///
    /// The answer's text is moved into the error, not copied, unless the
    /// engine may need it again (to re-ask, or to show the model its answer
    /// so far): an answer that grew to the size limit is then held once,
    /// not twice.
    pub fn fail(self, error: Error) -> (Error, Completion) {
        let partial = self.collector.partial_json();
        let Attempt {
            mut assembler,
            adapter,
            ..
        } = self;
        let mut completion = assembler.take();
        let from = RawFrom::of(&adapter);
        let raw = if reuses_answer(&error) {
            raw_of(&completion, from)
        } else {
            take_raw(&mut completion, from)
        };
        (with_received(error, raw, partial), completion)
    }

    /// `error` with the raw text and the last partial attached, leaving the
    /// attempt as it is.
    pub fn attach(&self, error: Error) -> Error {
        with_received(
            error,
            raw_text(&self.assembler, &self.adapter),
            self.collector.partial_json(),
        )
    }

    /// The response assembled so far.
    pub fn completion(&self) -> &Completion {
        self.assembler.completion()
    }

    /// Everything but the collector's own finish.
    fn conclude(&mut self) -> Result<(), Error> {
        if self.framing == Framing::Detect {
            self.detect(&[], true);
        }
        if let Some(error) = self.failure.take() {
            return Err(error);
        }
        if self.framing == Framing::Whole {
            self.apply_whole()?;
        } else if !self.done {
            let (sse, sink) = self.decoder();
            let flushed = sse.finish(sink);
            match flushed {
                Err(Fail(_)) if self.is_settled() => {}
                Err(Fail(Error::Protocol { .. })) => {
                    return Err(interrupted("the body ended inside an event"))
                }
                Err(Fail(error)) => return Err(error),
                Ok(()) => {}
            }
        }
        let completion = self.assembler.completion();
        let stop = self.assembler.stop();
        if !self.done && stop.is_none() {
            return Err(interrupted(
                "the body ended before the server said the answer was over \
                 (no finish reason, no end-of-stream event)",
            ));
        }
        match stop {
            Some(Stop::Length) => {
                return Err(Error::Truncated {
                    received: Box::default(),
                })
            }
            Some(Stop::ContentFilter) => {
                return Err(Error::ContentFilter {
                    received: Box::default(),
                })
            }
            Some(Stop::Refusal) if completion.refusal.is_empty() => {
                return Err(Error::Refusal {
                    refusal: completion.content.clone(),
                    received: Box::default(),
                })
            }
            _ => {}
        }
        if !completion.refusal.is_empty() {
            return Err(Error::Refusal {
                refusal: completion.refusal.clone(),
                received: Box::default(),
            });
        }
        let collector = self.collector.as_mut();
        let content = &self.assembler.completion().content;
        self.adapter
            .finish(content, &mut |text| collector.feed(text))?;
        self.check_found()
    }

    /// The mode's JSON was found at all (else a re-askable `NoJson`).
    fn check_found(&self) -> Result<(), Error> {
        let completion = self.assembler.completion();
        let wrote_text = !completion.content.trim().is_empty();
        let message = match self.adapter.route() {
            Route::EachTool if self.adapter.calls() == 0 && wrote_text => {
                "the model answered in text instead of calling the tool"
            }
            Route::EachTool => return Ok(()),
            Route::FirstTool if self.adapter.calls() == 0 && !self.adapter.fed_any() => {
                if wrote_text {
                    "the model answered in text instead of calling the tool, and the text holds no JSON"
                } else {
                    "the model did not call the tool"
                }
            }
            Route::Fenced if !self.adapter.found_fence() && wrote_text => {
                "the answer has no ```json code block and does not start with JSON"
            }
            _ if self.adapter.fed_any() => return Ok(()),
            _ => "the answer is empty",
        };
        Err(Error::NoJson {
            message: message.to_owned(),
            received: Box::default(),
        })
    }

    /// The attempt split into its event-stream decoder, its whole body,
    /// the provider's decoder, and the sink their deltas go to.
    fn parts(&mut self) -> (&mut SseDecoder, &[u8], &mut dyn Decode, Sink<'_, C>) {
        let Attempt {
            whole,
            sse,
            decoder,
            assembler,
            adapter,
            collector,
            done,
            limits,
            ..
        } = self;
        let sink = Sink {
            assembler,
            adapter,
            collector: collector.as_mut(),
            done,
            answer: limits.answer,
        };
        (sse, whole, decoder.as_mut(), sink)
    }

    fn apply_whole(&mut self) -> Result<(), Error> {
        let (_, whole, decoder, mut sink) = self.parts();
        let result = decoder.whole(whole, &mut |delta| sink.take(delta));
        // A whole body is over once read, whatever it said.
        *sink.done = true;
        let body = || String::from_utf8_lossy(whole).into_owned();
        let assembler = sink.assembler;
        let completion = assembler.completion();
        // No answer, and neither an id nor a finish reason to say it is an
        // empty one: another JSON document.
        let nothing = completion.content.is_empty()
            && completion.refusal.is_empty()
            && completion.tool_calls.is_empty()
            && (completion.id.is_none() || assembler.stop().is_none());
        match result {
            Ok(()) if nothing => {
                let shown: String = body().chars().take(200).collect();
                Err(Error::Protocol {
                    message: format!(
                        "the JSON body holds no answer of this provider (no message, and \
                         no id or no finish reason): {shown}"
                    ),
                    received: Box::new(Received {
                        raw: Some(body()),
                        partial: None,
                    }),
                })
            }
            Err(mut error @ Error::Protocol { .. }) => {
                if let Some(received) = error.received_mut().filter(|r| r.raw.is_none()) {
                    received.raw = Some(body());
                }
                Err(error)
            }
            other => other,
        }
    }
}

/// Where the provider's deltas go: the assembler, then (for the text they
/// add) the adapter, then the collector.
struct Sink<'a, C: ?Sized + Collector> {
    assembler: &'a mut Assembler,
    adapter: &'a mut Adapter,
    collector: &'a mut C,
    done: &'a mut bool,
    /// The bound on the answer's text.
    answer: usize,
}

impl<C: ?Sized + Collector> Sink<'_, C> {
    fn take(&mut self, delta: Delta<'_>) -> Result<(), Error> {
        if *self.done {
            return Ok(());
        }
        if delta == Delta::Done {
            *self.done = true;
            return Ok(());
        }
        // A settled answer takes no more text (see `Attempt::is_settled`).
        let answer = matches!(
            delta,
            Delta::Text(_)
                | Delta::Refusal(_)
                | Delta::ToolStarted { .. }
                | Delta::ToolIdentity { .. }
                | Delta::ToolArguments { .. }
        );
        if answer && self.assembler.stop().is_some() {
            return Ok(());
        }
        let text = match delta {
            Delta::Text(text) | Delta::Refusal(text) | Delta::ToolArguments { text, .. } => {
                text.len()
            }
            _ => 0,
        };
        if self.assembler.text_bytes().saturating_add(text) > self.answer {
            return Err(too_large(SizeLimit::Answer, self.answer));
        }
        let Sink {
            assembler,
            adapter,
            collector,
            ..
        } = self;
        assembler.apply(delta, &mut |piece| {
            adapter.piece(piece, &mut |text| collector.feed(text))
        })
    }
}

/// Whether the engine may send the answer of an attempt that failed so
/// back to the model (a re-ask, or a retry that goes on from it).
fn reuses_answer(error: &Error) -> bool {
    matches!(
        error,
        Error::Syntax { .. }
            | Error::Validation { .. }
            | Error::NoJson { .. }
            | Error::Diverged { .. }
            | Error::Interrupted { .. }
            | Error::Transport { .. }
            | Error::Provider { .. }
            | Error::Timeout { .. }
    )
}

/// Where an answer's raw text is: what the mode read its JSON from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawFrom {
    /// The answer text.
    Content,
    /// The first tool call's arguments.
    FirstCall,
    /// Every tool call's arguments, one per line.
    EveryCall,
}

impl RawFrom {
    fn of(adapter: &Adapter) -> RawFrom {
        match adapter.route() {
            _ if adapter.reads_content() => RawFrom::Content,
            Route::EachTool => RawFrom::EveryCall,
            _ => RawFrom::FirstCall,
        }
    }
}

/// [`raw_of`] the assembled completion.
fn raw_text(assembler: &Assembler, adapter: &Adapter) -> String {
    raw_of(assembler.completion(), RawFrom::of(adapter))
}

/// [`raw_of`], moved out of the completion where it is one string.
fn take_raw(completion: &mut Completion, from: RawFrom) -> String {
    let first_call = completion.tool_calls.first_mut();
    match (from, first_call) {
        (RawFrom::Content, _) | (_, None) => std::mem::take(&mut completion.content),
        (RawFrom::FirstCall, Some(call)) => std::mem::take(&mut call.arguments),
        (RawFrom::EveryCall, Some(_)) => raw_of(completion, from),
    }
}

/// The text the mode reads JSON from, as the model wrote it (the answer
/// text when there is no tool call).
fn raw_of(completion: &Completion, from: RawFrom) -> String {
    match (from, completion.tool_calls.first()) {
        (RawFrom::Content, _) | (_, None) => completion.content.clone(),
        (RawFrom::FirstCall, Some(call)) => call.arguments.clone(),
        (RawFrom::EveryCall, Some(_)) => {
            let calls: Vec<&str> = completion
                .tool_calls
                .iter()
                .map(|c| c.arguments.as_str())
                .collect();
            calls.join("\n")
        }
    }
}

pub(crate) fn interrupted(reason: &str) -> Error {
    Error::Interrupted {
        reason: reason.to_owned(),
        received: Box::default(),
    }
}

/// Fills in the raw text and partial where the error does not have them.
fn with_received(mut error: Error, raw: String, partial: Option<Value>) -> Error {
    if let Some(received) = error.received_mut() {
        if received.raw.is_none() {
            received.raw = Some(raw);
        }
        if received.partial.is_none() {
            received.partial = partial;
        }
    }
    error
}

/// What had arrived, for [`Error::RetriesExhausted`].
pub(crate) fn received_of(error: &Error) -> Received {
    error.received().cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{sniff, Label, Sniffed};

    fn label(content_type: Option<&str>, encoding: Option<&str>) -> Label {
        Label {
            content_type: content_type.map(str::to_owned),
            encoding: encoding.map(str::to_owned),
        }
    }

    /// What the first bytes of a body say, under each label; `None` while
    /// more bytes are needed.
    #[test]
    fn first_bytes_decide_the_framing() {
        let sse = label(Some("text/event-stream"), None);
        let json = label(Some("application/json"), None);
        let none = label(None, None);
        let gzip = label(Some("text/event-stream"), Some("gzip"));
        let cases: &[(&[u8], &Label, bool, Option<&str>)] = &[
            (b"data: {}", &sse, false, Some("sse")),
            (b"anything", &sse, false, Some("sse")),
            (b"{\"id\":1}", &sse, false, Some("whole")),
            (b"<html>", &sse, false, Some("reject")),
            (b"data: {}", &json, false, Some("sse")),
            (b": keep-alive", &none, false, Some("sse")),
            (b"event: x", &none, false, Some("sse")),
            (b"retry", &none, true, Some("sse")),
            (b"retry", &none, false, None),
            (b"da", &none, false, None),
            (b"[1]", &none, false, Some("whole")),
            (b"hello world", &none, false, Some("reject")),
            (b"Hello", &json, true, Some("reject")),
            (b"", &none, false, None),
            (b"", &none, true, Some("sse")),
            (b"\x1f\x8b\x08", &gzip, false, Some("reject")),
            (b"", &gzip, false, None),
            (
                b"data: {}",
                &label(None, Some("identity")),
                false,
                Some("sse"),
            ),
        ];
        for (head, label, at_end, want) in cases {
            let got = sniff(head, label, *at_end).map(|s| match s {
                Sniffed::Sse => "sse",
                Sniffed::Whole => "whole",
                Sniffed::Reject(_) => "reject",
            });
            assert_eq!(
                got,
                *want,
                "{:?} under {label:?}",
                String::from_utf8_lossy(head)
            );
        }
    }
}
