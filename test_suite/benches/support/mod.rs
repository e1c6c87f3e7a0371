//! Deterministic documents for the benchmarks.
#![allow(dead_code, missing_docs)]

use std::fmt::Write as _;

pub mod document;

/// A small deterministic generator (64-bit LCG), so every run and every
/// machine measures the same bytes.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "extract",
    "stream",
    "token",
    "partial",
    "schema",
    "model",
    "budget",
    "arena",
    "keynote",
    "speaker",
    "agenda",
    "Zürich",
    "café",
    "naïve",
    "東京",
    "🚀",
    "data",
    "meeting",
    "follow-up",
];

fn sentence(rng: &mut Lcg, words: usize, out: &mut String) {
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        match rng.below(40) {
            0 => out.push_str(r#" \"quoted\""#),
            1 => out.push_str(r"\n"),
            2 => out.push_str(r"\u00e9"),
            3 => out.push_str(r"\ud83d\ude00"),
            4 => out.push_str(r"\t"),
            _ => {}
        }
    }
}

/// One record: nested objects, an array of strings, an array of objects,
/// long and escaped strings, integers, floats, booleans, null.
fn record(rng: &mut Lcg, id: usize, out: &mut String) {
    let _ = write!(out, r#"{{"id":{id},"name":""#);
    sentence(rng, 2, out);
    let _ = write!(
        out,
        r#"","email":"user{id}@example.com","active":{},"#,
        rng.below(2) == 0
    );
    let _ = write!(
        out,
        r#""score":{}.{:03},"rank":-{},"#,
        rng.below(1000),
        rng.below(1000),
        rng.below(100_000)
    );
    out.push_str(r#""kind":""#);
    out.push_str(["speaker", "attendee", "organizer"][rng.below(3) as usize]);
    out.push_str(r#"","address":{"street":""#);
    sentence(rng, 3, out);
    let _ = write!(
        out,
        r#"","city":"Zürich","zip":"{:05}","geo":{{"lat":{}.{},"lon":-{}.{}}}}},"#,
        rng.below(99_999),
        rng.below(90),
        rng.below(1_000_000),
        rng.below(180),
        rng.below(1_000_000)
    );
    out.push_str(r#""tags":["#);
    for t in 0..rng.below(6) {
        if t > 0 {
            out.push(',');
        }
        out.push('"');
        sentence(rng, 1, out);
        out.push('"');
    }
    out.push_str(r#"],"history":["#);
    for h in 0..rng.below(4) {
        if h > 0 {
            out.push(',');
        }
        let _ = write!(out, r#"{{"year":{},"event":""#, 2000 + rng.below(26));
        sentence(rng, 4, out);
        out.push_str(r#"","note":null}"#);
    }
    out.push_str(r#"],"bio":""#);
    let words = 20 + rng.below(80) as usize;
    sentence(rng, words, out);
    out.push_str(r#""}"#);
}

/// A JSON document of about `bytes` bytes: `{"records":[record, …]}`.
pub fn records_document(bytes: usize) -> String {
    let mut rng = Lcg::new(0x5eed);
    let mut out = String::with_capacity(bytes + 2048);
    out.push_str(r#"{"records":["#);
    let mut id = 0;
    while out.len() < bytes {
        if id > 0 {
            out.push(',');
        }
        record(&mut rng, id, &mut out);
        id += 1;
    }
    out.push_str("]}");
    out
}

/// `text` cut into chunks of `size` bytes (at any byte, UTF-8 or not).
pub fn chunks(text: &str, size: usize) -> Vec<&[u8]> {
    text.as_bytes().chunks(size).collect()
}

/// `text` cut into pieces of about `size` bytes, each ending on a character
/// boundary (what text deltas are).
pub fn str_chunks(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

/// [`stream_parse`] with text chunks, fed by `StreamParser::feed_str`.
pub fn stream_parse_str<T: extract::Extract>(chunks: &[&str]) -> T {
    let mut parser = extract::StreamParser::<T>::new();
    for chunk in chunks {
        parser.feed_str(chunk).expect("valid JSON");
    }
    parser.finish().expect("a valid value")
}

/// Feeds `chunks` to a fresh `StreamParser<T>` and finishes it: what every
/// parser bench measures.
pub fn stream_parse<T: extract::Extract>(chunks: &[&[u8]]) -> T {
    let mut parser = extract::StreamParser::<T>::new();
    for chunk in chunks {
        parser.feed(chunk).expect("valid JSON");
    }
    parser.finish().expect("a valid value")
}

/// The event stream of `doc` sent as one forced tool call in `chars`-char
/// deltas, OpenAI's chunk envelope around each (as a model streams it).
pub fn tool_call_events(doc: &str, chars: usize) -> Vec<u8> {
    let request = serde_json::json!({
        "model": "bench",
        "tools": [{ "type": "function", "function": { "name": "Document" } }],
        "tool_choice": { "type": "function", "function": { "name": "Document" } },
        "stream_options": { "include_usage": true },
    });
    extract::testing::Reply::json(doc.to_owned())
        .fragment(chars)
        .render_sse(&request)
        .expect("an event stream")
}

/// `body` cut into its events, each ending in its blank line.
pub fn split_events(body: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(end) = rest.windows(2).position(|w| w == b"\n\n") {
        let (event, tail) = rest.split_at(end + 2);
        out.push(event);
        rest = tail;
    }
    assert!(rest.is_empty(), "the body ends with a whole event");
    out
}

/// What every client pays per event at least: each event's `data:` line
/// parsed by `serde_json` into a `Value` (the baseline of the per-event
/// benches). Returns the choices seen.
pub fn serde_chunks(events: &[&[u8]]) -> usize {
    let mut n = 0;
    for event in events {
        let line = event.strip_prefix(b"data: ").expect("a data line");
        let line = line.strip_suffix(b"\n\n").expect("an event");
        if line != b"[DONE]" {
            let chunk: serde_json::Value = serde_json::from_slice(line).expect("chunk JSON");
            n += chunk["choices"].as_array().map_or(0, Vec::len);
        }
    }
    n
}
