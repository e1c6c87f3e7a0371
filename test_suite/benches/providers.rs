//! Each provider's reader on the same answer: chat completions (the
//! baseline, in the same run), the OpenAI Responses API and Anthropic
//! Messages.
//!
//! The answer is a `{"records": […]}` document of 10 KB and 100 KB, sent in
//! 4-character deltas in the mode's place (a forced tool call in `Tools`,
//! the answer text in `JsonSchema`), as the replay server streams it for
//! the request each provider's client really sends (captured from the
//! server, not written by hand). Each reader, [`PartialReader`] with
//! `.provider(p)`, is fed one event per read, snapshots lent: the whole
//! decoding path in memory.
//!
//! The events differ by provider (Anthropic's are about half the size of
//! OpenAI's), so there are as many events for each but not as many bytes:
//! criterion reports time per event (`Throughput::Elements`); the bytes per
//! event are printed at the start, for time per byte.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use extract::openai::{Mode, PartialReader, Provider};
use extract::testing::{ReplayServer, Reply};
use serde_json::Value;

mod support;

const SIZES: [usize; 2] = [10_000, 100_000];
const MODES: [Mode; 2] = [Mode::Tools, Mode::JsonSchema];
const MAX_BODY: usize = 256 << 20;

/// The body `provider`'s client sends for a `Value` in `mode`, as the
/// replay server received it.
fn request_body(provider: Provider, mode: Mode) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let server = ReplayServer::start([Reply::json("{}")])
            .await
            .expect("a loopback port");
        server
            .client_for(provider)
            .chat()
            .model("bench")
            .mode(mode)
            .user("x")
            .create::<Value>()
            .await
            .expect("an answer");
        server.requests()[0].json()
    })
}

/// `body` cut into its events, each ending in its blank line.
fn split_events(body: &[u8]) -> Vec<&[u8]> {
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

fn read(provider: Provider, mode: Mode, events: &[&[u8]]) -> Value {
    let mut reader = PartialReader::<Value>::new(mode)
        .provider(provider)
        .max_response_bytes(MAX_BODY);
    for event in events {
        if let Some(snapshot) = reader.feed(event).expect("a valid stream") {
            black_box(snapshot);
        }
    }
    reader.finish().expect("a valid answer")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("providers");
    group.sample_size(20);
    for mode in MODES {
        for size in SIZES {
            let doc = support::records_document(size);
            let expected: Value = serde_json::from_str(&doc).expect("valid JSON");
            for &provider in Provider::ALL {
                let request = request_body(provider, mode);
                let body = Reply::json(doc.clone())
                    .fragment(4)
                    .render_sse_as(provider, &request)
                    .expect("an event stream");
                let events = split_events(&body);
                eprintln!(
                    "{provider}/{mode:?}/{size}: {} events, {} B, {:.0} B per event",
                    events.len(),
                    body.len(),
                    body.len() as f64 / events.len() as f64
                );
                assert_eq!(read(provider, mode, &events), expected);
                group.throughput(Throughput::Elements(events.len() as u64));
                let id = BenchmarkId::new(format!("{mode:?}/{provider}"), size);
                group.bench_with_input(id, &events[..], |b, e| {
                    b.iter(|| read(provider, mode, black_box(e)));
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
