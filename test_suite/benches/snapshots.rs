//! What a snapshot, and a relayed one, cost per event: the old ways (a
//! clone of the partial per snapshot; the relay serializing the partial
//! and diffing it against the previous one) against the new (the partial
//! shared as an `Arc`, copied on write; the relay sending the parser's own
//! record of its changes).
//!
//! In memory, one SSE event per read, as a model streams: the
//! `{"records": […]}` document of 10 KB, 100 KB and 1 MB sent as one tool
//! call in 4-character deltas, read by a `PartialReader<Value>`. Rows:
//!
//! * `serde_chunks`: each event's `data:` line parsed by `serde_json`, the
//!   baseline of the same run (what any client pays per event);
//! * `lent`: the reader's lent snapshot read after each changed read;
//! * `owned_clone`: a clone of it taken and dropped (the `Stream`'s item
//!   before: quadratic, so up to 100 KB only);
//! * `owned_arc`: `PartialReader::snapshot()` taken and dropped (the
//!   `Stream`'s item now);
//! * `relay_diff`: the reader's snapshots through a relay body
//!   (`PartialBody`, SSE patches) that serializes and diffs each (the path
//!   any stream of `Serialize` values takes, and `PartialStream::relay`'s
//!   before: quadratic, up to 100 KB);
//! * `relay_ops`: the same body taking the parser's recorded changes
//!   (`PartialStream::relay`'s path now).
//!
//! Criterion reports time per iteration; divide by the event count printed
//! at the start for time per event.

use std::convert::Infallible;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use extract::openai::{Mode, PartialReader};
use extract::patch::PatchMode;
use extract::relay::{ErrorInfo, Relay};
use futures::executor::block_on;
use futures::{Stream, StreamExt};
use serde_json::Value;

mod support;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// The largest answer read the quadratic ways.
const MAX_QUADRATIC: usize = 100_000;

/// The 1 MB answer's event stream is about 63 MB.
const MAX_STREAM: usize = 256 << 20;

fn reader() -> PartialReader<Value> {
    PartialReader::<Value>::new(Mode::Tools).max_stream_bytes(MAX_STREAM)
}

fn lent(events: &[&[u8]]) -> Value {
    let mut reader = reader();
    for event in events {
        if let Some(snapshot) = reader.feed(event).expect("a valid stream") {
            black_box(snapshot);
        }
    }
    reader.finish().expect("a valid answer")
}

fn owned_clone(events: &[&[u8]]) -> Value {
    let mut reader = reader();
    for event in events {
        if let Some(snapshot) = reader.feed(event).expect("a valid stream") {
            drop(black_box(snapshot.clone()));
        }
    }
    reader.finish().expect("a valid answer")
}

fn owned_arc(events: &[&[u8]]) -> Value {
    let mut reader = reader();
    for event in events {
        if reader.feed(event).expect("a valid stream").is_some() {
            drop(black_box(reader.snapshot()));
        }
    }
    reader.finish().expect("a valid answer")
}

/// A reader fed one event per poll, yielding its snapshot (shared) after
/// each read that changed it: `create_partial`'s stream, in memory.
struct Snapshots<'a> {
    events: std::slice::Iter<'a, &'a [u8]>,
    reader: PartialReader<Value>,
}

impl Stream for Snapshots<'_> {
    type Item = Result<Arc<Value>, extract::Error>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        for event in this.events.by_ref() {
            match this.reader.feed(event) {
                Ok(Some(_)) => return Poll::Ready(Some(Ok(this.reader.snapshot()))),
                Ok(None) => {}
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
        }
        Poll::Ready(None)
    }
}

fn snapshots<'a>(events: &'a [&'a [u8]], mode: Option<PatchMode>) -> Snapshots<'a> {
    let mut reader = reader();
    if let Some(mode) = mode {
        reader.record_changes(mode);
    }
    Snapshots {
        events: events.iter(),
        reader,
    }
}

/// The bytes of the relay body over the snapshots: diffed, or from the
/// recorded changes.
fn relay(events: &[&[u8]], ops: bool) -> usize {
    let body = Relay::sse().partial(snapshots(events, ops.then_some(PatchMode::Append)));
    let body = if ops {
        body.with_changes(|stream: Pin<&mut Snapshots<'_>>| {
            stream
                .get_mut()
                .reader
                .take_changes()
                .map_err(|e| ErrorInfo::new(e.to_string(), "serialize", None))
        })
    } else {
        body
    };
    block_on(body.fold(0, |n, bytes| async move {
        let bytes: Result<_, Infallible> = bytes;
        n + black_box(bytes.expect("infallible")).len()
    }))
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshots");
    group.sample_size(10);
    for size in SIZES {
        let doc = support::records_document(size);
        let expected: Value = serde_json::from_str(&doc).expect("valid JSON");
        let body = support::tool_call_events(&doc, 4);
        let events = support::split_events(&body);
        eprintln!(
            "{size}: events per answer {}, answer {} B, event stream {} B",
            events.len(),
            doc.len(),
            body.len()
        );
        assert_eq!(lent(&events), expected);
        assert_eq!(owned_arc(&events), expected);
        let recorded = relay(&events, true);
        if size <= MAX_QUADRATIC {
            let diffed = relay(&events, false);
            eprintln!(
                "{size}: relay body {diffed} B diffed, {recorded} B from the recorded changes"
            );
        }

        group.throughput(Throughput::Elements(events.len() as u64));
        let events = &events[..];
        let id = |what: &str| BenchmarkId::new(what, size);
        group.bench_with_input(id("serde_chunks"), events, |b, e| {
            b.iter(|| support::serde_chunks(black_box(e)));
        });
        group.bench_with_input(id("lent"), events, |b, e| {
            b.iter(|| lent(black_box(e)));
        });
        group.bench_with_input(id("owned_arc"), events, |b, e| {
            b.iter(|| owned_arc(black_box(e)));
        });
        group.bench_with_input(id("relay_ops"), events, |b, e| {
            b.iter(|| relay(black_box(e), true));
        });
        if size <= MAX_QUADRATIC {
            group.bench_with_input(id("owned_clone"), events, |b, e| {
                b.iter(|| owned_clone(black_box(e)));
            });
            group.bench_with_input(id("relay_diff"), events, |b, e| {
                b.iter(|| relay(black_box(e), false));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
