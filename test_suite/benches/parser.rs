//! `StreamParser<T>` on documents of 1 KB, 10 KB, 100 KB and 1 MB arriving in
//! 4-byte chunks, for `serde_json::Value` and for a derived type, against, in
//! the same run:
//!
//! * `serde_json::from_str::<T>` of the whole text once (serde derive on the
//!   same derived type): the floor;
//! * re-parsing the whole accumulated text after every chunk with `jiter`'s
//!   partial mode (the parser behind pydantic, used this way by Python's
//!   instructor): quadratic, so measured up to 100 KB only (1 MB would take
//!   minutes per iteration).
//!
//! `stream_4b` feeds byte chunks (`feed`, cut anywhere, even inside a
//! character); `stream_4b_str` feeds text chunks of about 4 bytes cut at
//! character boundaries (`feed_str`, what the chat runtime does with
//! deltas, which skips the UTF-8 check of each chunk). Throughput is in
//! bytes, so time per byte can be compared across sizes.
//!
//! Two more rows say where the time of `stream_4b_str` goes:
//!
//! * `stream_whole`: the same parser fed the whole text as one chunk, so
//!   what the design costs without the cuts;
//! * `lexer_4b_str`: the lexer alone in the same text chunks, with a sink
//!   that only counts the events (no value built): the floor of any parser
//!   that reads JSON chunk by chunk through this lexer.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use extract::json::{Event, Lexer, Sink, SyntaxError};
use extract::Extract;
use jiter::{JsonValue, PartialMode};
use serde::de::DeserializeOwned;
use serde_json::Value;

mod support;

const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// The largest document re-parsed per chunk.
const MAX_REPARSED: usize = 100_000;

use support::document::Document;

/// What a re-parsing client does: after each chunk, parse everything so far
/// in partial mode to get a snapshot. Returns how many snapshots parsed.
fn reparse_every_chunk(chunks: &[&[u8]]) -> usize {
    let mut text = Vec::new();
    let mut parsed = 0;
    for chunk in chunks {
        text.extend_from_slice(chunk);
        // A chunk may end inside a UTF-8 character; such a snapshot fails and
        // the client waits for the next chunk, as the Python tools do.
        if JsonValue::parse_with_config(&text, false, PartialMode::TrailingStrings).is_ok() {
            parsed += 1;
        }
    }
    parsed
}

/// Counts the events it is given, and builds nothing.
struct CountEvents(usize);

impl Sink for CountEvents {
    type Error = SyntaxError;

    fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
        black_box(&event);
        self.0 += 1;
        Ok(())
    }
}

/// The lexer alone over `chunks`: how many events it reported.
fn lex_str(chunks: &[&str]) -> usize {
    let mut lexer = Lexer::new();
    let mut sink = CountEvents(0);
    for chunk in chunks {
        lexer.feed_str(chunk, &mut sink).expect("valid JSON");
    }
    lexer.finish(&mut sink).expect("valid JSON");
    sink.0
}

/// The benches of one target type `T` (`name` in the ids) at every size.
fn parse<T: Extract + DeserializeOwned + PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    name: &str,
) {
    let mut group = c.benchmark_group(format!("parser/{name}"));
    group.sample_size(10);
    for size in SIZES {
        let doc = support::records_document(size);
        let chunks = support::chunks(&doc, 4);
        let str_chunks = support::str_chunks(&doc, 4);
        let expected: T = serde_json::from_str(&doc).expect("valid JSON");
        assert_eq!(support::stream_parse::<T>(&chunks), expected);
        assert_eq!(support::stream_parse_str::<T>(&str_chunks), expected);
        group.throughput(Throughput::Bytes(doc.len() as u64));
        group.bench_with_input(BenchmarkId::new("serde_whole", size), &doc, |b, doc| {
            b.iter(|| serde_json::from_str::<T>(black_box(doc)).expect("valid JSON"));
        });
        group.bench_with_input(BenchmarkId::new("stream_4b", size), &chunks, |b, c| {
            b.iter(|| support::stream_parse::<T>(black_box(c)));
        });
        group.bench_with_input(
            BenchmarkId::new("stream_4b_str", size),
            &str_chunks,
            |b, c| b.iter(|| support::stream_parse_str::<T>(black_box(c))),
        );
        group.bench_with_input(BenchmarkId::new("stream_whole", size), &doc, |b, doc| {
            b.iter(|| support::stream_parse_str::<T>(&[black_box(doc.as_str())]));
        });
        group.bench_with_input(
            BenchmarkId::new("lexer_4b_str", size),
            &str_chunks,
            |b, c| b.iter(|| lex_str(black_box(c))),
        );
        if name == "value" && size <= MAX_REPARSED {
            assert!(reparse_every_chunk(&chunks) > chunks.len() / 2);
            group.bench_with_input(
                BenchmarkId::new("jiter_reparse_4b", size),
                &chunks,
                |b, c| {
                    b.iter(|| reparse_every_chunk(black_box(c)));
                },
            );
        }
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    parse::<Value>(c, "value");
    parse::<Document>(c, "derived");
}

criterion_group!(benches, bench);
criterion_main!(benches);
