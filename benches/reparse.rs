//! The design's advantage, measured: a document arriving in 4-byte chunks,
//! parsed once by `StreamParser<Value>`, against re-parsing the whole
//! accumulated text at every chunk with `jiter`'s partial mode (the parser
//! behind pydantic, which Python's instructor uses this way), and against
//! `serde_json::from_str` of the whole text once (the floor), in one run.
//!
//! Re-parsing is quadratic, so it is measured up to 100 KB only (1 MB would
//! take minutes per iteration).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use jiter::{JsonValue, PartialMode};
use serde_json::Value;

mod support;

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

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("reparse");
    group.sample_size(10);
    for size in [1_000, 10_000, 100_000] {
        let doc = support::records_document(size);
        let chunks = support::chunks(&doc, 4);
        assert_eq!(
            support::stream_parse::<Value>(&chunks),
            serde_json::from_str::<Value>(&doc).unwrap()
        );
        assert!(reparse_every_chunk(&chunks) > chunks.len() / 2);
        group.throughput(Throughput::Bytes(doc.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("serde_json_whole", size),
            &doc,
            |b, doc| {
                b.iter(|| serde_json::from_str::<Value>(black_box(doc)).unwrap());
            },
        );
        group.bench_with_input(
            BenchmarkId::new("stream_parser_4b", size),
            &chunks,
            |b, chunks| {
                b.iter(|| support::stream_parse::<Value>(black_box(chunks)));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("jiter_reparse_4b", size),
            &chunks,
            |b, chunks| {
                b.iter(|| reparse_every_chunk(black_box(chunks)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
