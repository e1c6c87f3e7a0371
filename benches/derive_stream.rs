//! `StreamParser<T>` for a derived type (records with nested structs, a
//! string enum, vecs of strings and of structs, options) fed a ~1 MB
//! document in 4-byte chunks, against `serde_json::from_str::<T>` of the
//! whole text (serde derive on the same type) in the same run; and the
//! same document fed in one chunk, for context.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use extract::Extract;
use serde::Deserialize;

mod support;

#[derive(Extract, Deserialize, Debug, PartialEq)]
struct Document {
    records: Vec<Record>,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
struct Record {
    id: u64,
    name: String,
    email: String,
    active: bool,
    score: f64,
    rank: i64,
    kind: Kind,
    address: Address,
    tags: Vec<String>,
    history: Vec<Entry>,
    bio: String,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Speaker,
    Attendee,
    Organizer,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
struct Address {
    street: String,
    city: String,
    zip: String,
    geo: Geo,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
struct Geo {
    lat: f64,
    lon: f64,
}

#[derive(Extract, Deserialize, Debug, PartialEq)]
struct Entry {
    year: u16,
    event: String,
    note: Option<String>,
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("derive");
    group.sample_size(20);
    let doc = support::records_document(1_000_000);
    let chunks = support::chunks(&doc, 4);
    assert_eq!(
        support::stream_parse::<Document>(&chunks),
        serde_json::from_str::<Document>(&doc).unwrap()
    );
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("serde_json_from_str", doc.len()),
        &doc,
        |b, doc| b.iter(|| serde_json::from_str::<Document>(black_box(doc)).unwrap()),
    );
    group.bench_with_input(
        BenchmarkId::new("stream_parser_4b_chunks", doc.len()),
        &chunks,
        |b, chunks| b.iter(|| support::stream_parse::<Document>(black_box(chunks))),
    );
    // For context: the same parse fed in one piece (no per-chunk work).
    let whole = [doc.as_bytes()];
    group.bench_with_input(
        BenchmarkId::new("stream_parser_one_chunk", doc.len()),
        &whole[..],
        |b, chunks| b.iter(|| support::stream_parse::<Document>(black_box(chunks))),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
