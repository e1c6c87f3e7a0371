//! Token-paced: the whole client path as a model streams, one SSE event per
//! network read, CPU per event against a bare `reqwest` read of the same
//! stream.
//!
//! The server is this bench run again as a child process (see `server`):
//! it writes the `{"records": […]}` answer of 10 KB, 100 KB and 1 MB as
//! one forced tool call in 4-character deltas, one `chat.completion.chunk`
//! event per `write`, pausing `EXTRACT_PACE_MICROS` (default 20 µs) after
//! each, so every event arrives in a read of its own, as the tokens of a
//! real model do (only much faster, to keep the run short). The pause
//! sleeps (`EXTRACT_PACE=sleep`, the default: the machine idles between
//! events as it does between a model's tokens; ~65 µs per event on a VM)
//! or spins (`EXTRACT_PACE=spin`: ~28 µs, but the spinning server takes a
//! core the client's threads could use). `EXTRACT_PACED_SIZES=100000,…`
//! picks the sizes. The pacing sets the wall time; what is measured is
//! the CPU time of the client's process (every thread, the server's
//! not), over the same requests:
//!
//! * `drain`: a bare `reqwest` POST whose body is read chunk by chunk and
//!   thrown away: the floor any client pays per event;
//! * `partial`: `create_partial::<Value>()` read as a `Stream` (each
//!   snapshot an `Arc`, dropped before the next);
//! * `iterable`: `create_iterable::<Value>()`, an item per record;
//! * `relay`: `create_partial` turned into the relay's SSE body
//!   (`PartialStream::relay(Relay::sse())`, patches), read to its end.
//!
//! each on a current-thread and on a multi-thread tokio runtime (the
//! future run by `block_on` as `#[tokio::main]` does). Before measuring, a
//! check run of each path prints its events, reads, wall and CPU time per
//! event: `reads/event` near 1 shows the pacing holds (a client slower than
//! the pace would find several events per read and look cheaper).
//!
//! Criterion's times are CPU times; divide by the events per answer for
//! CPU per event, as BENCHMARKS.md does.

use std::hint::black_box;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use extract::client::{Client, Mode};
use extract::relay::Relay;
use futures::StreamExt;
use serde_json::Value;
use tokio::runtime::Runtime;

mod cpu;
mod server;
#[path = "../support/mod.rs"]
mod support;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// Set in the child process: serve, do not measure.
const SERVER: &str = "EXTRACT_PACED_SERVER";

/// The pause after each event, in µs.
const PACE: &str = "EXTRACT_PACE_MICROS";

/// The 1 MB answer in 4-char deltas is a 63 MB event stream.
const MAX_STREAM: usize = 256 << 20;

/// How the server pauses: `sleep` or `spin`.
const PACE_BY: &str = "EXTRACT_PACE";

/// The sizes to run, comma-separated (all by default).
const ONLY_SIZES: &str = "EXTRACT_PACED_SIZES";

fn main() {
    let gap = Duration::from_micros(
        std::env::var(PACE)
            .ok()
            .and_then(|micros| micros.parse().ok())
            .unwrap_or(20),
    );
    let pace = match std::env::var(PACE_BY).as_deref() {
        Ok("spin") => server::Pace::Spin,
        Ok("sleep") | Err(_) => server::Pace::Sleep,
        Ok(other) => panic!("{PACE_BY}={other}: expected sleep or spin"),
    };
    let sizes: Vec<usize> = match std::env::var(ONLY_SIZES) {
        Ok(list) => list
            .split(',')
            .map(|size| size.trim().parse().expect("a size in bytes"))
            .collect(),
        Err(_) => SIZES.to_vec(),
    };
    if std::env::var_os(SERVER).is_some() {
        server::run(&sizes, pace, gap);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &sizes, pace, gap);
    criterion.final_summary();
}

/// The child process serving the paced answers; killed when dropped.
struct PacedServer {
    child: Child,
    /// Closed with the bench: the server then exits by itself.
    _stdin: ChildStdin,
    port: u16,
}

impl PacedServer {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this bench's path"))
            .env(SERVER, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the paced server");
        let stdin = child.stdin.take().expect("a stdin pipe");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("a stdout pipe")),
            &mut line,
        )
        .expect("the server's port");
        let port = line.trim().parse().expect("a port number");
        PacedServer {
            child,
            _stdin: stdin,
            port,
        }
    }

    fn url(&self, size: usize) -> String {
        format!("http://127.0.0.1:{}/{size}/v1", self.port)
    }
}

impl Drop for PacedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What is measured.
#[derive(Clone, Copy, Debug)]
enum Path {
    Drain,
    Partial,
    Iterable,
    Relay,
}

impl Path {
    const ALL: [Path; 4] = [Path::Drain, Path::Partial, Path::Iterable, Path::Relay];

    fn name(self) -> &'static str {
        match self {
            Path::Drain => "drain",
            Path::Partial => "partial",
            Path::Iterable => "iterable",
            Path::Relay => "relay",
        }
    }
}

/// One answer's clients, made on the runtime that drives them (a pooled
/// connection belongs to the runtime that opened it).
struct Target {
    url: String,
    http: reqwest::Client,
    client: Client,
}

impl Target {
    fn new(url: String) -> Self {
        let client = Client::builder()
            .base_url(url.clone())
            .api_key("bench")
            .max_stream_bytes(MAX_STREAM)
            .build()
            .expect("a client");
        Target {
            url,
            http: reqwest::Client::new(),
            client,
        }
    }

    /// Runs `path` to the end of the answer. Returns what it counted:
    /// reads (drain), snapshots, items or relay messages.
    async fn run(&self, path: Path) -> usize {
        match path {
            Path::Drain => self.drain().await,
            Path::Partial => self.partial().await,
            Path::Iterable => self.iterable().await,
            Path::Relay => self.relay().await,
        }
    }

    async fn drain(&self) -> usize {
        let mut response = self
            .http
            .post(format!("{}/chat/completions", self.url))
            .header("content-type", "application/json")
            .body(r#"{"model":"bench","stream":true,"messages":[{"role":"user","content":"x"}]}"#)
            .send()
            .await
            .expect("a response");
        let mut reads = 0;
        while let Some(chunk) = response.chunk().await.expect("a body") {
            black_box(chunk);
            reads += 1;
        }
        reads
    }

    fn request(&self) -> extract::client::ChatRequest {
        self.client
            .chat()
            .model("bench")
            .mode(Mode::Tools)
            .user("x")
    }

    async fn partial(&self) -> usize {
        let mut stream = self
            .request()
            .create_partial::<Value>()
            .await
            .expect("a stream");
        let mut snapshots = 0;
        while let Some(snapshot) = stream.next().await {
            black_box(snapshot.expect("a valid answer"));
            snapshots += 1;
        }
        black_box(stream.take_value().expect("the value"));
        snapshots
    }

    async fn iterable(&self) -> usize {
        let mut stream = self
            .request()
            .create_iterable::<Value>()
            .await
            .expect("a stream");
        let mut items = 0;
        while let Some(item) = stream.next().await {
            black_box(item.expect("a valid item"));
            items += 1;
        }
        items
    }

    async fn relay(&self) -> usize {
        let mut body = self
            .request()
            .create_partial::<Value>()
            .await
            .expect("a stream")
            .relay(Relay::sse());
        let mut messages = 0;
        let mut last = None;
        while let Some(bytes) = body.next().await {
            let Ok(bytes) = bytes;
            messages += 1;
            last = Some(bytes);
        }
        let last = last.expect("a message");
        assert!(
            last.starts_with(b"event: done"),
            "the body ends with the value: {}",
            String::from_utf8_lossy(&last[..last.len().min(200)])
        );
        messages
    }
}

/// The two runtimes a user runs the client on.
fn runtimes() -> [(&'static str, Runtime); 2] {
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    [("current_thread", current), ("multi_thread", multi)]
}

/// One run of `path`, checked and printed: counts, wall and CPU per event.
fn check(runtime: &Runtime, name: &str, target: &Target, path: Path, size: usize, events: usize) {
    let (wall, cpu) = (Instant::now(), cpu::process_time());
    let counted = runtime.block_on(target.run(path));
    let (cpu, wall) = (cpu::process_time() - cpu, wall.elapsed());
    let per_event = |d: Duration| d.as_secs_f64() * 1e6 / events as f64;
    let what = match path {
        Path::Drain => "reads",
        Path::Partial => "snapshots",
        Path::Iterable => "items",
        Path::Relay => "messages",
    };
    eprintln!(
        "{name}/{}/{size}: {counted} {what} for {events} events ({:.2}/event); wall {:.1} µs/event, CPU {:.2} µs/event",
        path.name(),
        counted as f64 / events as f64,
        per_event(wall),
        per_event(cpu),
    );
}

fn bench(c: &mut Criterion, sizes: &[usize], pace: server::Pace, gap: Duration) {
    let server = PacedServer::start();
    let runtimes = runtimes();
    let mut group = c.benchmark_group("paced");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(500));
    eprintln!("pace: {pace:?}, {} µs after each event", gap.as_micros());
    // Under `--profile-time`, only the path profiled runs; under another
    // profiler (callgrind), `EXTRACT_PACED_ONLY=current_thread/partial`
    // with a filter that matches no benchmark runs one check alone.
    let checks = !std::env::args().any(|arg| arg == "--profile-time");
    let only = std::env::var("EXTRACT_PACED_ONLY").ok();
    for &size in sizes {
        let doc = support::records_document(size);
        let events = support::split_events(&support::tool_call_events(&doc, 4)).len();
        group.throughput(Throughput::Elements(events as u64));
        for (name, runtime) in &runtimes {
            let target = runtime.block_on(async { Target::new(server.url(size)) });
            let checked = |path: &Path| {
                checks
                    && only
                        .as_ref()
                        .is_none_or(|only| *only == format!("{name}/{}", path.name()))
            };
            for path in Path::ALL.into_iter().filter(checked) {
                check(runtime, name, &target, path, size, events);
            }
            for path in Path::ALL {
                let id = BenchmarkId::new(format!("{name}/{}", path.name()), size);
                group.bench_function(id, |b| {
                    b.iter_custom(|iterations| {
                        let start = cpu::process_time();
                        for _ in 0..iterations {
                            black_box(runtime.block_on(target.run(path)));
                        }
                        cpu::process_time() - start
                    });
                });
            }
        }
    }
    group.finish();
}
