//! Extractions per second per core of a run over many documents
//! (`ChatRequest::many`) against the replay server on loopback, at
//! concurrency 1, 64 and 1,000.
//!
//! Each iteration extracts 2,000 small documents (a `{name, age}` answer of
//! 27 bytes, sent in one delta: the cost is the request, not the parsing)
//! on a current-thread runtime. The time criterion reports is the **CPU
//! time of that thread** (`/proc/thread-self/schedstat`), not wall time:
//! the server runs on a thread of its own and is not counted, so
//! `elements/s` is extractions per second per core of the client. The
//! baseline in the same run, `raw_post`, sends the same requests with the
//! same HTTP client (reqwest) at concurrency 64 and only reads the body:
//! what HTTP alone costs per request.
//!
//! Linux only (the CPU time comes from `/proc`). Memory per request in
//! flight is measured by `test_suite/tests/memory.rs`
//! (`memory_per_request_in_flight_is_at_most_64_kb`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use extract::openai::{Client, Input};
use extract::testing::{ReplayServer, Reply};
use futures::StreamExt;
use serde_json::Value;
use std::sync::mpsc;
use std::time::Duration;

/// Documents per iteration.
const DOCS: usize = 2_000;

/// Nanoseconds this thread has run on a CPU.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("Linux: /proc/thread-self/schedstat");
    let nanos: u64 = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the CPU time of the thread");
    Duration::from_nanos(nanos)
}

/// A replay server on a thread and runtime of its own; its base URL.
fn serve() -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        rt.block_on(async move {
            let server = ReplayServer::start([]).await.expect("a loopback port");
            server.repeat(Reply::json("{\"name\": \"Ann\", \"age\": 3}").fragment(1 << 20));
            tx.send(server.base_url()).expect("the bench is waiting");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("the server started")
}

fn docs() -> Vec<Input> {
    (0..DOCS)
        .map(|i| Input::text(format!("doc-{i}"), format!("Ann is 3 (document {i}).")))
        .collect()
}

/// Runs `DOCS` extractions at `concurrency`: the CPU time it took.
async fn run(client: &Client, concurrency: usize) -> Duration {
    let start = thread_cpu();
    let mut stream = client
        .chat()
        .model("m")
        .system("Extract the person.")
        .many::<Value>(docs())
        .concurrency(concurrency)
        .start()
        .expect("a run");
    let mut n = 0;
    while let Some((_, result)) = stream.next().await {
        result.expect("an answer");
        n += 1;
    }
    assert_eq!(n, DOCS);
    thread_cpu() - start
}

/// The baseline: the same number of POSTs with reqwest alone, 64 at once.
async fn raw_post(http: &reqwest::Client, url: &str) -> Duration {
    let start = thread_cpu();
    let body = serde_json::json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "Ann is 3."}]});
    let sends = futures::stream::iter(0..DOCS).map(|_| async {
        let response = http.post(url).json(&body).send().await.expect("a response");
        response.bytes().await.expect("a body").len()
    });
    let total: usize = sends
        .buffer_unordered(64)
        .fold(0, |a, b| async move { a + b })
        .await;
    assert!(total > 0);
    thread_cpu() - start
}

fn many(c: &mut Criterion) {
    let base = serve();
    // A current-thread runtime: every request of the client runs on the
    // measured thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = Client::builder()
        .base_url(&base)
        .api_key("k")
        .build()
        .expect("a client");
    let mut group = c.benchmark_group("many");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for concurrency in [1, 64, 1_000] {
        group.bench_function(BenchmarkId::new("extractions", concurrency), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += run(&client, concurrency).await;
                    }
                    total
                })
            });
        });
    }
    let http = reqwest::Client::new();
    let url = format!("{base}/chat/completions");
    group.bench_function("raw_post_64", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += raw_post(&http, &url).await;
                }
                total
            })
        });
    });
    group.finish();
}

criterion_group!(benches, many);
criterion_main!(benches);
