//! The whole client path per SSE event: SSE framing, `chat.completion.chunk`
//! JSON, delta assembly, the mode's routing, incremental parsing and
//! snapshot or item emission.
//!
//! The answer is a `{"records": […]}` document of 10 KB, 100 KB and 1 MB sent
//! as one tool call in 4-character deltas (one event each, with OpenAI's
//! chunk envelope around it), so there are about as many events as a model
//! would send for the same answer. Two transports:
//!
//! * `memory/…`: [`PartialReader`] / [`ItemReader`] fed one event per read,
//!   the network taken out. The baseline in the same run,
//!   `memory/serde_chunks`, only parses each event's `data:` line with
//!   `serde_json` into a `Value`: the floor any client pays per event.
//! * `loopback/…`: `create_partial` / `create_iterable` against the replay
//!   server over HTTP on 127.0.0.1 (the server on a thread of its own),
//!   which writes the event stream in 16 KiB pieces. The baseline in the
//!   same run, `loopback/drain`, reads the same response off a bare TCP
//!   socket and throws it away: the transport's own cost per event.
//! * `loopback_512/…`: the same with the server writing 512-byte pieces (two
//!   events each, a `write` call per piece). There the server and the
//!   loopback device are the bottleneck: `loopback_512/drain`, which parses
//!   nothing, takes about as long per event as the client path does with
//!   16 KiB pieces, so these figures say how fast the server writes, not
//!   what the client costs.
//!
//! Snapshots are read two ways: lent (`PartialReader::feed`,
//! `PartialStream::next_snapshot`), which must cost the same per event at
//! any size, and owned: `memory/partial_cloned` clones each lent snapshot
//! (what the `Stream` impl yielded until it shared the partial as an
//! `Arc`), which costs the partial's size per snapshot, quadratic over the
//! answer, so only measured up to 100 KB; `loopback/partial_cloned` takes
//! the `Stream`'s items (now that `Arc`). The `snapshots` bench compares
//! the owned paths, and the relay's, in memory.
//!
//! Criterion reports time per iteration; divide by the event count printed
//! at the start (`events per answer`) for time per event, as BENCHMARKS.md
//! does.

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use extract::openai::{Client, ItemReader, Mode, PartialReader};
use extract::testing::{ReplayServer, Reply};
use futures::StreamExt;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

mod support;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// The replay server's write size for `loopback/…`: big enough that the
/// server is not what the client waits for.
const WRITE: usize = 16 << 10;

/// The write size for `loopback_512/…` (the replay server's default for a
/// recorded event stream).
const SMALL_WRITE: usize = 512;

/// The largest answer whose snapshots are cloned (clones are quadratic).
const MAX_CLONED: usize = 100_000;

/// The 1 MB answer in 4-char deltas is a 63 MB event stream, over the
/// default bound of a response body.
const MAX_BODY: usize = 256 << 20;

/// The client's runtime: this thread.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The replay server's runtime: a thread of its own, so that its work is
/// not counted as the client's (a real server is on another machine).
fn server_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn partial_lent(events: &[&[u8]]) -> Value {
    let mut reader = PartialReader::<Value>::new(Mode::Tools).max_stream_bytes(MAX_BODY);
    for event in events {
        if let Some(snapshot) = reader.feed(event).expect("a valid stream") {
            black_box(snapshot);
        }
    }
    reader.finish().expect("a valid answer")
}

fn partial_cloned(events: &[&[u8]]) -> Value {
    let mut reader = PartialReader::<Value>::new(Mode::Tools).max_stream_bytes(MAX_BODY);
    for event in events {
        if let Some(snapshot) = reader.feed(event).expect("a valid stream") {
            black_box(snapshot.clone());
        }
    }
    reader.finish().expect("a valid answer")
}

fn items(events: &[&[u8]]) -> usize {
    let mut reader = ItemReader::<Value>::new(Mode::Tools).max_stream_bytes(MAX_BODY);
    let mut n = 0;
    for event in events {
        for item in reader.feed(event) {
            black_box(item.expect("a valid item"));
            n += 1;
        }
    }
    n + reader.finish().expect("a valid answer").len()
}

async fn loopback_lent(client: &Client) -> Value {
    let mut stream = request(client)
        .create_partial::<Value>()
        .await
        .expect("a stream");
    while let Some(snapshot) = stream.next_snapshot().await {
        black_box(snapshot.expect("a valid answer"));
    }
    stream.take_value().expect("the value")
}

async fn loopback_cloned(client: &Client) -> Value {
    let mut stream = request(client)
        .create_partial::<Value>()
        .await
        .expect("a stream");
    while let Some(snapshot) = stream.next().await {
        black_box(snapshot.expect("a valid answer"));
    }
    stream.take_value().expect("the value")
}

async fn loopback_items(client: &Client) -> usize {
    let mut stream = request(client)
        .create_iterable::<Value>()
        .await
        .expect("a stream");
    let mut n = 0;
    while let Some(item) = stream.next().await {
        black_box(item.expect("a valid item"));
        n += 1;
    }
    n
}

/// Reads the whole response to a streamed request off a bare TCP socket,
/// parsing nothing: what the transport costs. Returns the bytes read.
async fn drain(addr: SocketAddr) -> usize {
    let mut socket = TcpStream::connect(addr).await.expect("the replay server");
    let body = r#"{"model":"bench","stream":true,"messages":[{"role":"user","content":"x"}]}"#;
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    socket
        .write_all(format!("{head}{body}").as_bytes())
        .await
        .expect("a request");
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0;
    loop {
        match socket.read(&mut buf).await.expect("a response") {
            0 => return total,
            n => total += n,
        }
    }
}

fn request(client: &Client) -> extract::openai::ChatRequest {
    client.chat().model("bench").mode(Mode::Tools).user("x")
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let server_rt = server_runtime();
    let mut group = c.benchmark_group("per_event");
    group.sample_size(10);
    for size in SIZES {
        let doc = support::records_document(size);
        let expected: Value = serde_json::from_str(&doc).expect("valid JSON");
        let records = expected["records"].as_array().expect("records").len();
        let body = support::tool_call_events(&doc, 4);
        let events = support::split_events(&body);
        eprintln!(
            "{size}: events per answer {}, answer {} B, event stream {} B",
            events.len(),
            doc.len(),
            body.len()
        );
        assert_eq!(partial_lent(&events), expected);
        assert_eq!(items(&events), records);

        let serve = |write: usize| {
            let server = server_rt
                .block_on(ReplayServer::start([]))
                .expect("a loopback port");
            server.repeat(Reply::sse(body.clone()).split_every(write));
            let client = server
                .client_builder()
                .max_stream_bytes(MAX_BODY)
                .build()
                .expect("a client");
            assert_eq!(rt.block_on(loopback_lent(&client)), expected);
            assert_eq!(rt.block_on(loopback_items(&client)), records);
            assert!(rt.block_on(drain(server.addr())) > body.len());
            (server, client)
        };
        let (server, client) = serve(WRITE);
        let (small_server, small_client) = serve(SMALL_WRITE);

        group.throughput(Throughput::Elements(events.len() as u64));
        let events = &events[..];
        group.bench_with_input(
            BenchmarkId::new("memory/serde_chunks", size),
            events,
            |b, e| {
                b.iter(|| support::serde_chunks(black_box(e)));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("memory/partial_lent", size),
            events,
            |b, e| {
                b.iter(|| partial_lent(black_box(e)));
            },
        );
        if size <= MAX_CLONED {
            group.bench_with_input(
                BenchmarkId::new("memory/partial_cloned", size),
                events,
                |b, e| b.iter(|| partial_cloned(black_box(e))),
            );
        }
        group.bench_with_input(BenchmarkId::new("memory/items", size), events, |b, e| {
            b.iter(|| items(black_box(e)));
        });
        // The lent and cloned snapshots only with 16 KiB writes: with 512
        // bytes the server's pace is what would be measured.
        let transports = [
            ("loopback", &server, &client, true),
            ("loopback_512", &small_server, &small_client, false),
        ];
        for (transport, server, client, snapshots) in transports {
            let id = |what: &str| BenchmarkId::new(format!("{transport}/{what}"), size);
            group.bench_with_input(id("drain"), &server.addr(), |b, &addr| {
                b.iter(|| rt.block_on(drain(addr)));
            });
            if snapshots {
                group.bench_with_input(id("partial_lent"), client, |b, c| {
                    b.iter(|| rt.block_on(loopback_lent(c)));
                });
            }
            if snapshots && size <= MAX_CLONED {
                group.bench_with_input(id("partial_cloned"), client, |b, c| {
                    b.iter(|| rt.block_on(loopback_cloned(c)));
                });
            }
            group.bench_with_input(id("items"), client, |b, c| {
                b.iter(|| rt.block_on(loopback_items(c)));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
