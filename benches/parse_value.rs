//! `StreamParser<serde_json::Value>` fed a ~1 MB document in 4-byte chunks,
//! against `serde_json::from_str::<Value>` of the whole text in the same run;
//! and 100 KB vs 1 MB to show the time grows linearly.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::Value;

mod support;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("value");
    group.sample_size(20);
    for size in [100_000, 1_000_000] {
        let doc = support::records_document(size);
        let chunks = support::chunks(&doc, 4);
        assert_eq!(
            support::stream_parse::<Value>(&chunks),
            serde_json::from_str::<Value>(&doc).unwrap()
        );
        group.throughput(Throughput::Bytes(doc.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("serde_json_whole", size),
            &doc,
            |b, doc| {
                b.iter(|| serde_json::from_str::<Value>(black_box(doc)).unwrap());
            },
        );
        group.bench_with_input(
            BenchmarkId::new("stream_parser_4b_chunks", size),
            &chunks,
            |b, chunks| {
                b.iter(|| support::stream_parse::<Value>(black_box(chunks)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
