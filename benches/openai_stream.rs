//! The whole chat runtime over loopback HTTP, against the built-in replay
//! server: SSE framing, chunk decoding, delta assembly and incremental
//! parsing of a streamed answer.
//!
//! * `recorded/json-object-pretty`: OpenAI's recorded 47 KB `json_object`
//!   stream, replayed byte for byte, parsed into a `serde_json::Value`.
//! * `items/<answer bytes>`: a `{"records": […]}` answer streamed in 8-char
//!   tool-call deltas (one SSE event each, rendered once, replayed in 16 KiB
//!   writes), read as
//!   `Iterable<Value>`; two sizes to show the cost grows linearly with the
//!   answer. Throughput is in bytes of the answer (the event stream carrying
//!   it is about 25 times larger).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use extract::openai::{Client, Mode};
use extract::testing::{ReplayServer, Reply};
use extract::Iterable;
use serde_json::{json, Value};
use tokio::runtime::Runtime;

mod support;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

async fn one<R: extract::openai::ResponseModel>(client: &Client, mode: Mode) -> R::Output {
    client
        .chat()
        .model("bench")
        .mode(mode)
        .user("x")
        .create::<R>()
        .await
        .expect("a valid answer")
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("runtime");
    group.sample_size(20);

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/sse/openai/json-object-pretty.sse");
    let recorded =
        std::fs::read(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()));
    let server = rt
        .block_on(ReplayServer::start([]))
        .expect("a loopback port");
    server.repeat(Reply::sse(recorded.clone()));
    let client = server.client();
    group.throughput(Throughput::Bytes(recorded.len() as u64));
    group.bench_function("recorded/json-object-pretty", |b| {
        b.iter(|| black_box(rt.block_on(one::<Value>(&client, Mode::Json))));
    });

    for size in [50_000, 200_000] {
        let doc = support::records_document(size);
        let server = rt
            .block_on(ReplayServer::start([]))
            .expect("a loopback port");
        let request = json!({
            "model": "bench",
            "tools": [{ "type": "function", "function": { "name": "Iterable_Value" } }],
            "tool_choice": { "type": "function", "function": { "name": "Iterable_Value" } },
            "stream_options": { "include_usage": true },
        });
        let body = Reply::json(doc.clone())
            .fragment(8)
            .render_sse(&request)
            .expect("an event stream");
        server.repeat(Reply::sse(body).split_every(16 << 10));
        let client = server.client();
        let items = rt.block_on(one::<Iterable<Value>>(&client, Mode::Tools));
        let expected: Value = serde_json::from_str(&doc).expect("valid JSON");
        assert_eq!(Value::Array(items), expected["records"]);
        group.throughput(Throughput::Bytes(doc.len() as u64));
        group.bench_with_input(BenchmarkId::new("items", size), &client, |b, client| {
            b.iter(|| black_box(rt.block_on(one::<Iterable<Value>>(client, Mode::Tools))));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
