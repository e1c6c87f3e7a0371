//! No layer of the streaming pipeline looks at a byte again and again: the
//! work each layer counts ([`crate::work`]) stays within a small constant of
//! its input, and grows with the input as the input grows.
//!
//! This is counting, not timing. A re-scan of a buffer that grows across
//! reads (an SSE line carried over many reads, a key or a number cut by
//! many chunks) is quadratic, yet cheap on the small inputs of the other
//! tests, so each case here is about a megabyte, fed in 7-byte and in
//! 64 KiB pieces, and compared with the same case at a tenth of the size.
//!
//! The pipeline is the one an attempt runs (`attempt.rs`): the SSE decoder,
//! each event's `chat.completion.chunk` decoded (serde_json, not counted),
//! the delta assembler, the adapter of the mode's route, and a
//! `StreamParser<Value>` with the chat runtime's lexer options.
//!
//! A test, kept with the tests; compiled as `openai::no_rescan`
//! (`#[path]` in `openai/mod.rs`) to reach the pipeline's private stages.

use super::adapter::{Adapter, Route};
use super::assembler::Assembler;
use super::output::lexer_options;
use super::providers::Provider;
use super::sse::{SseDecoder, SseError, SseEvent};
use crate::work::{self, Counts, Layer};
use crate::{Error, StreamParser};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Work per layer may not exceed this many times the layer's input.
const MAX_WORK_PER_BYTE: u64 = 3;
/// From a tenth of the input to all of it, work may not grow more than this.
const MAX_GROWTH: u64 = 12;
const SMALL: usize = 100_000;
const LARGE: usize = 1_000_000;
const SMALL_PIECES: usize = 7;
const LARGE_PIECES: usize = 64 << 10;

// ---- answers --------------------------------------------------------------

/// A 64-bit LCG, so every run reads the same bytes.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize % n
    }
}

const WORDS: &[&str] = &[
    "stream",
    "token",
    "Zürich",
    "café",
    "東京",
    "🚀",
    r"\n",
    r#"\"q\""#,
    r"\u00e9",
    r"\ud83d\ude00",
    "data",
];

fn words(rng: &mut Lcg, n: usize, out: &mut String) {
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.below(WORDS.len())]);
    }
}

/// About `bytes` of `{"records": [...]}`, one record per line: strings
/// with escapes and multi-byte characters, integers, floats, literals,
/// nested objects and arrays.
fn records(bytes: usize) -> String {
    let mut rng = Lcg(0x5eed);
    let mut out = String::from("{\"records\": [");
    let mut id = 0;
    while out.len() < bytes {
        if id > 0 {
            out.push(',');
        }
        let _ = write!(out, "\n  {{\"id\": {id}, \"name\": \"");
        words(&mut rng, 2, &mut out);
        let _ = write!(
            out,
            "\", \"score\": {}.{:03}, \"rank\": -{}, \"active\": {}, \"note\": null, ",
            rng.below(1000),
            rng.below(1000),
            rng.below(100_000),
            rng.below(2) == 0
        );
        out.push_str("\"geo\": {\"lat\": 47.37, \"lon\": -8.54e-1}, \"tags\": [");
        for t in 0..rng.below(4) {
            if t > 0 {
                out.push_str(", ");
            }
            out.push('"');
            words(&mut rng, 1, &mut out);
            out.push('"');
        }
        out.push_str("], \"bio\": \"");
        let n = 10 + rng.below(60);
        words(&mut rng, n, &mut out);
        out.push_str("\"}");
        id += 1;
    }
    out.push_str("\n]}");
    out
}

/// About `bytes` of three tokens that chunks cut many times: a long key
/// (escapes and multi-byte characters in it), a long number, and a long
/// string of escapes, each about a third.
fn long_tokens(bytes: usize) -> String {
    let third = bytes / 3;
    let mut key = String::new();
    while key.len() < third {
        key.push_str(r"key é 東 \n ");
    }
    let mut escapes = String::new();
    while escapes.len() < third {
        escapes.push_str(r"\u00e9\n\ud83d\ude00\t");
    }
    let digits: String = (0..third)
        .map(|i| char::from(b'0' + (i % 10) as u8))
        .collect();
    format!("{{\"{key}\": 1, \"n\": -0.{digits}e+5, \"s\": \"{escapes}\"}}")
}

// ---- streams --------------------------------------------------------------

/// `text` in deltas of `chars` characters (`None`: one delta).
fn deltas(text: &str, chars: Option<usize>) -> Vec<&str> {
    let Some(chars) = chars else {
        return vec![text];
    };
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest
            .char_indices()
            .nth(chars)
            .map_or(rest.len(), |(at, _)| at);
        let (delta, tail) = rest.split_at(end);
        out.push(delta);
        rest = tail;
    }
    out
}

/// The event stream of an answer in `deltas`: as a tool call's arguments
/// (`FirstTool`) or as `content`.
fn event_stream(deltas: &[&str], route: Route) -> Vec<u8> {
    let tool = route == Route::FirstTool;
    let delta = |text: &str| {
        if tool {
            json!({ "tool_calls": [{ "index": 0, "function": { "arguments": text } }] })
        } else {
            json!({ "content": text })
        }
    };
    let mut first = json!({ "role": "assistant" });
    if tool {
        first["tool_calls"] = json!([{
            "index": 0, "id": "call_1", "type": "function",
            "function": { "name": "f", "arguments": "" },
        }]);
    }
    let mut events = vec![first];
    events.extend(deltas.iter().map(|text| delta(text)));
    let mut out = String::new();
    for (i, delta) in events.into_iter().enumerate() {
        let chunk = json!({
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "choices": [{ "index": 0, "delta": delta, "finish_reason": null }],
        });
        let _ = write!(out, "data: {chunk}\n\n");
        if i == 0 {
            // A keep-alive comment, as some servers send.
            out.push_str(": ping\n\n");
        }
    }
    let reason = if tool { "tool_calls" } else { "stop" };
    let last = json!({ "choices": [{ "index": 0, "delta": {}, "finish_reason": reason }] });
    let _ = write!(out, "data: {last}\n\ndata: [DONE]\n\n");
    out.into_bytes()
}

/// What stops the pipeline in a test: the first failure, as text.
#[derive(Debug)]
struct Broken(String);

impl From<SseError> for Broken {
    fn from(error: SseError) -> Self {
        Broken(error.message)
    }
}

impl From<Error> for Broken {
    fn from(error: Error) -> Self {
        Broken(error.to_string())
    }
}

/// Reads `body` in `read`-byte pieces through the whole pipeline.
fn through_events(body: &[u8], read: usize, route: Route) -> Result<Value, Broken> {
    let mut sse = SseDecoder::new();
    let mut decoder = Provider::ChatCompletions.protocol().decoder();
    let mut assembler = Assembler::default();
    let mut adapter = Adapter::new(route);
    let mut parser = StreamParser::<Value>::with_options(lexer_options(route));
    {
        let mut on_event = |event: SseEvent<'_>| -> Result<(), Broken> {
            decoder.event(event, &mut |delta| {
                assembler.apply(delta, &mut |piece| {
                    adapter.piece(piece, &mut |text| parser.feed_str(text).map(drop))
                })
            })?;
            Ok(())
        };
        for piece in body.chunks(read) {
            sse.feed(piece, &mut on_event)?;
        }
        sse.finish(&mut on_event)?;
    }
    adapter.finish("", &mut |text| parser.feed_str(text).map(drop))?;
    Ok(parser.finish()?)
}

/// Feeds `text` straight to the parser, as bytes, in `chunk`-byte pieces
/// (cut anywhere, inside characters too).
fn straight(text: &str, chunk: usize) -> Result<Value, Broken> {
    let mut parser = StreamParser::<Value>::new();
    for piece in text.as_bytes().chunks(chunk) {
        parser.feed(piece)?;
    }
    Ok(parser.finish()?)
}

// ---- the checks -----------------------------------------------------------

/// How an answer reaches the parser.
#[derive(Debug, Clone, Copy)]
enum Feed {
    /// The JSON text alone, fed as bytes in pieces of this size.
    Straight { chunk: usize },
    /// The event stream, in reads of `read` bytes, of the answer in deltas
    /// of `chars` characters (`None`: one delta, one line) placed by `route`.
    Events {
        read: usize,
        chars: Option<usize>,
        route: Route,
    },
}

/// What one run read, and the work it counted.
struct Run {
    /// Bytes of the event stream (0 when fed straight).
    body: u64,
    /// Bytes of the answer text (the JSON, with the fence and prose around
    /// it in `Fenced`).
    text: u64,
    work: Counts,
}

impl Run {
    /// The input of `layer`.
    fn input(&self, layer: Layer) -> u64 {
        match layer {
            Layer::SseScan | Layer::SseLine | Layer::SseCarryIn | Layer::SseCarryOut => self.body,
            _ => self.text,
        }
    }
}

/// Runs `doc` along `feed`, checks the value, returns the work counted.
fn run(doc: &str, feed: Feed) -> Run {
    let expected: Value = serde_json::from_str(doc).expect("the document is valid");
    let (text, body) = match feed {
        Feed::Straight { .. } => (doc.to_owned(), Vec::new()),
        Feed::Events { chars, route, .. } => {
            let text = if route == Route::Fenced {
                format!("Here it is:\n\n```json\n{doc}\n```\n\nAnything else?")
            } else {
                doc.to_owned()
            };
            let body = event_stream(&deltas(&text, chars), route);
            (text, body)
        }
    };
    work::take();
    let value = match feed {
        Feed::Straight { chunk } => straight(&text, chunk),
        Feed::Events { read, route, .. } => through_events(&body, read, route),
    }
    .unwrap_or_else(|Broken(message)| panic!("{feed:?}: {message}"));
    let work = work::take();
    assert!(value == expected, "{feed:?}: not the document's value");
    Run {
        body: body.len() as u64,
        text: text.len() as u64,
        work,
    }
}

/// Checks that each layer of `run` did at most [`MAX_WORK_PER_BYTE`] times
/// its input in work.
fn check_per_byte(name: &str, feed: Feed, run: &Run) {
    for layer in Layer::ALL {
        let (work, input) = (run.work.get(layer), run.input(layer));
        assert!(
            work <= MAX_WORK_PER_BYTE * input,
            "{name} {feed:?}: {layer:?} did {work} bytes of work for {input} bytes of input"
        );
    }
}

/// Runs a tenth of the document and all of it along `feed`, and checks the
/// work of each layer: within [`MAX_WORK_PER_BYTE`] of its input (the small
/// run first, so that a quadratic layer fails fast), growing at most
/// [`MAX_GROWTH`] times (less work than a tenth of the input counts as a
/// tenth: a layer a case barely touches may not grow evenly); and at least
/// `exercised` (per byte of input) in each layer named there, so the case
/// does reach what it is meant to test.
fn check(name: &str, make: fn(usize) -> String, feed: Feed, exercised: &[(Layer, f64)]) {
    let small = run(&make(SMALL), feed);
    check_per_byte(name, feed, &small);
    let large = run(&make(LARGE), feed);
    for layer in Layer::ALL {
        let (work, input) = (large.work.get(layer), large.input(layer));
        let before = small.work.get(layer);
        println!(
            "{name} {feed:?} {layer:?}: {work} bytes of work for {input} of input \
             ({:.2} per byte), {:.1}x the work for {} of input",
            work as f64 / input.max(1) as f64,
            work as f64 / before.max(1) as f64,
            small.input(layer),
        );
        let floor = before.max(small.input(layer) / 10);
        assert!(
            work <= MAX_GROWTH * floor,
            "{name} {feed:?}: {layer:?} did {before} bytes of work for {} bytes of input, \
             {work} for {input}",
            small.input(layer)
        );
    }
    check_per_byte(name, feed, &large);
    for &(layer, least) in exercised {
        let (work, input) = (large.work.get(layer), large.input(layer));
        assert!(
            work as f64 >= least * input as f64,
            "{name} {feed:?}: {layer:?} did only {work} bytes of work for {input} of input: \
             the case misses what it is meant to test"
        );
    }
}

#[test]
fn records_fed_straight() {
    let exercised = [
        (Layer::LexerStep, 0.99),
        (Layer::LexerScan, 0.3),
        (Layer::LexerUtf8, 0.9),
    ];
    for chunk in [SMALL_PIECES, LARGE_PIECES] {
        check("records", records, Feed::Straight { chunk }, &exercised);
    }
}

/// A key and a number cut by thousands of chunks go through the lexer's
/// token buffer.
#[test]
fn long_tokens_fed_straight() {
    let buffered = [(Layer::LexerBufIn, 0.6), (Layer::LexerBufOut, 0.6)];
    for chunk in [SMALL_PIECES, LARGE_PIECES] {
        check(
            "long tokens",
            long_tokens,
            Feed::Straight { chunk },
            &buffered,
        );
    }
}

/// The usual shape of a stream: a tool call's arguments in short deltas.
#[test]
fn records_as_tool_call_deltas() {
    for read in [SMALL_PIECES, LARGE_PIECES] {
        let feed = Feed::Events {
            read,
            chars: Some(16),
            route: Route::FirstTool,
        };
        let exercised = [
            (Layer::SseScan, 0.99),
            (Layer::Assembled, 0.99),
            (Layer::AdapterRouted, 0.99),
        ];
        check("records", records, feed, &exercised);
    }
}

/// `content` with the JSON in a Markdown fence: the adapter's fence scanner
/// (and its held-back line starts) on every delta.
#[test]
fn records_in_a_fence() {
    for read in [SMALL_PIECES, LARGE_PIECES] {
        let feed = Feed::Events {
            read,
            chars: Some(16),
            route: Route::Fenced,
        };
        check("records", records, feed, &[(Layer::AdapterScan, 0.9)]);
    }
}

/// The whole answer in one delta: one SSE line of over a megabyte, which
/// small reads cut thousands of times (the decoder's carry buffer), and
/// long tokens in it.
#[test]
fn one_long_line() {
    let feed = |read| Feed::Events {
        read,
        chars: None,
        route: Route::Content,
    };
    let carried = [(Layer::SseCarryIn, 0.9), (Layer::SseCarryOut, 0.9)];
    check("long tokens", long_tokens, feed(SMALL_PIECES), &carried);
    check("long tokens", long_tokens, feed(LARGE_PIECES), &carried);
}
