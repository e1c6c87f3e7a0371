//! Peak memory of one streamed extraction: a ~1 MB answer streamed as a
//! tool call in 8-character deltas from the replay server, read with
//! `create_partial` (every snapshot taken, and dropped before the next)
//! into a derived type and into a `serde_json::Value`. A snapshot is the
//! parser's partial shared, not a copy: dropping one frees nothing.
//!
//! The target (the performance issue's): the peak of live heap bytes on the
//! reading thread during the call is at most three times the final value's
//! own heap size plus the length of the raw answer text (which the runtime
//! keeps, as `Completion::tool_calls[0].arguments`).
//!
//! A counting global allocator tracks live bytes and their peak per thread,
//! and only while the thread is armed: the server runs on a thread of its
//! own and is not counted. A `realloc` counts as its size change (what an
//! allocator that grows in place, or remaps a large block, holds).
//!
//! `cargo test -p extract-test-suite --test memory -- --nocapture` prints the figures.

#![allow(
    unsafe_code,
    reason = "a global allocator is unsafe to implement; it only forwards to `System`"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::mpsc;

use extract::openai::{Client, Mode};
use extract::testing::{ReplayServer, Reply};
use extract::Extract;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use support::document::Document;

#[path = "../benches/support/mod.rs"]
mod support;

// ---- the counting allocator ----------------------------------------------

/// `System`, counting the live bytes of each armed thread.
struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One thread's counts. `const`-initialised and without `Drop`, so reaching
/// it never allocates (and never registers a destructor).
struct Counts {
    armed: Cell<bool>,
    /// Live bytes allocated (less those freed) since the thread was armed.
    live: Cell<isize>,
    /// The highest `live` since the thread was armed.
    peak: Cell<isize>,
}

thread_local! {
    static COUNTS: Counts = const {
        Counts {
            armed: Cell::new(false),
            live: Cell::new(0),
            peak: Cell::new(0),
        }
    };
}

/// Adds `delta` bytes to this thread's live count, if it is armed.
fn count(delta: isize) {
    let _ = COUNTS.try_with(|c| {
        if c.armed.get() {
            let live = c.live.get() + delta;
            c.live.set(live);
            if live > c.peak.get() {
                c.peak.set(live);
            }
        }
    });
}

fn signed(bytes: usize) -> isize {
    isize::try_from(bytes).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded to `System` with the caller's arguments;
// the counting touches only a thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which is `System`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(signed(layout.size()));
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(signed(layout.size()));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract: `ptr` came from
        // this allocator, so from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        count(-signed(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(signed(new_size) - signed(layout.size()));
        }
        new
    }
}

/// Counts this thread's allocations from now on, from zero.
fn arm() {
    COUNTS.with(|c| {
        c.live.set(0);
        c.peak.set(0);
        c.armed.set(true);
    });
}

fn disarm() {
    COUNTS.with(|c| c.armed.set(false));
}

fn live() -> isize {
    COUNTS.with(|c| c.live.get())
}

fn peak() -> isize {
    COUNTS.with(|c| c.peak.get())
}

// ---- the answer -----------------------------------------------------------

/// Bytes of the answer.
const ANSWER_BYTES: usize = 1_000_000;
/// Characters per streamed delta.
const DELTA_CHARS: usize = 8;
/// Bytes per network write of the event stream (which is about 25 times
/// the answer): writes as large as this keep the test quick in a debug
/// build (a snapshot per read shares the partial, so its size is not what
/// a read costs).
const WRITE_BYTES: usize = 16 << 10;

/// Starts a replay server on a thread and runtime of its own, answering
/// every request with `doc`; returns its base URL. The server lives until
/// the test process ends.
fn serve(doc: &str) -> String {
    let reply = Reply::json(doc)
        .fragment(DELTA_CHARS)
        .split_every(WRITE_BYTES);
    serve_with(move |server| server.repeat(reply))
}

/// Starts a replay server on a thread and runtime of its own, set up by
/// `setup`; returns its base URL.
fn serve_with(setup: impl FnOnce(&ReplayServer) + Send + 'static) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        rt.block_on(async move {
            let server = ReplayServer::start([]).await.expect("a loopback port");
            setup(&server);
            tx.send(server.base_url()).expect("the test is waiting");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("the server started")
}

/// What one `create_partial` call cost on the reading thread, in bytes
/// over what was live before it.
#[derive(Debug, Clone, Copy)]
struct Figures {
    /// The highest live heap during the whole call.
    peak: isize,
    /// The highest live heap until the last snapshot (which it includes):
    /// everything but the end of the call.
    streaming_peak: isize,
    /// The most heap that dropping a snapshot freed: 0, as a snapshot
    /// shares the parser's partial instead of copying it.
    largest_snapshot: isize,
    /// Snapshots yielded.
    snapshots: usize,
    /// The final value's own heap size.
    value: isize,
    /// The capacity of the raw answer text the runtime keeps (the tool
    /// call's arguments in `Completion`).
    kept_text: usize,
}

/// One `create_partial` call reading `T` (checked against `expected`), every
/// snapshot taken and dropped at once.
fn call<T>(client: &Client, expected: &T) -> Figures
where
    T: Extract + PartialEq + std::fmt::Debug,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    arm();
    let (value, streaming_peak, largest_snapshot, snapshots, kept_text) = rt.block_on(async {
        let request = client.chat().model("m").mode(Mode::Tools).user("x");
        let mut stream = request.create_partial::<T>().await.expect("a stream");
        let (mut streaming_peak, mut largest_snapshot, mut snapshots) = (0, 0, 0);
        while let Some(snapshot) = stream.next().await {
            let snapshot = snapshot.expect("a snapshot");
            streaming_peak = peak();
            let held = live();
            drop(snapshot);
            largest_snapshot = largest_snapshot.max(held - live());
            snapshots += 1;
        }
        let kept_text = stream
            .completion()
            .and_then(|c| c.tool_calls.first())
            .map_or(0, |call| call.arguments.capacity());
        let value = stream.take_value().expect("a final value");
        (
            value,
            streaming_peak,
            largest_snapshot,
            snapshots,
            kept_text,
        )
    });
    let peak = peak();
    // Comparing allocates nothing (unless it fails).
    assert!(
        value == *expected,
        "the streamed value differs from the document"
    );
    let held = live();
    drop(value);
    let value = held - live();
    disarm();
    Figures {
        peak,
        streaming_peak,
        largest_snapshot,
        snapshots,
        value,
        kept_text,
    }
}

/// The peak of parsing the answer alone (no HTTP, no snapshots) in
/// `DELTA_CHARS`-byte chunks.
fn parse_alone<T: Extract>(doc: &str) -> isize {
    let chunks = support::chunks(doc, DELTA_CHARS);
    arm();
    let value = support::stream_parse::<T>(&chunks);
    let peak = peak();
    drop(value);
    disarm();
    peak
}

fn mb(bytes: isize) -> f64 {
    bytes as f64 / 1e6
}

/// Streams the answer into `T`, prints the figures, and returns them with
/// the target: 3 x value + answer.
fn measure<T>(name: &str, doc: &str) -> (Figures, isize)
where
    T: Extract + PartialEq + std::fmt::Debug + for<'de> Deserialize<'de>,
{
    let expected: T = serde_json::from_str(doc).expect("the document is valid");
    let client = Client::builder()
        .base_url(serve(doc))
        .api_key("test-key")
        .build()
        .expect("a client");
    let f = call(&client, &expected);
    let alone = parse_alone::<T>(doc);
    let answer = signed(doc.len());
    let bound = 3 * f.value + answer;
    let x = |bytes: isize| bytes as f64 / f.value as f64;
    let of_bound = |bytes: isize| bytes as f64 / bound as f64;
    println!(
        "{name}: answer {:.2} MB in {DELTA_CHARS}-char deltas; value {:.2} MB ({:.2}x answer); \
         target 3x value + answer = {:.2} MB\n\
         {name}:   whole call:     peak {:.2} MB = {:.2}x value = {:.2} of the target\n\
         {name}:   until the end:  peak {:.2} MB = {:.2}x value = {:.2} of the target; \
         {} snapshots, dropping one freed at most {:.2} MB = {:.2}x value = {:.0}% of that peak\n\
         {name}:   raw text kept {:.2} MB; parsing alone (no HTTP, no snapshots): peak {:.2} MB = {:.2}x value",
        mb(answer),
        mb(f.value),
        f.value as f64 / answer as f64,
        mb(bound),
        mb(f.peak),
        x(f.peak),
        of_bound(f.peak),
        mb(f.streaming_peak),
        x(f.streaming_peak),
        of_bound(f.streaming_peak),
        f.snapshots,
        mb(f.largest_snapshot),
        x(f.largest_snapshot),
        100.0 * f.largest_snapshot as f64 / f.streaming_peak as f64,
        mb(signed(f.kept_text)),
        mb(alone),
        x(alone),
    );
    (f, bound)
}

#[test]
fn json_value_peak_is_within_three_values_plus_the_answer() {
    let doc = support::records_document(ANSWER_BYTES);
    let (f, bound) = measure::<Value>("Value", &doc);
    assert_eq!(f.largest_snapshot, 0, "{f:?}: a snapshot was a copy");
    assert!(
        f.streaming_peak <= bound,
        "{f:?}: over {bound} B while streaming"
    );
    assert!(f.peak <= bound, "{f:?}: over {bound} B");
}

/// Over the whole call, its end included: the runtime must not build what
/// only an error needs (the partial as JSON, 2x the value for this type,
/// and a copy of the raw text) on success.
#[test]
fn derived_type_peak_is_within_three_values_plus_the_answer() {
    let doc = support::records_document(ANSWER_BYTES);
    let (f, bound) = measure::<Document>("Document", &doc);
    assert_eq!(f.largest_snapshot, 0, "{f:?}: a snapshot was a copy");
    assert!(f.peak <= bound, "{f:?}: over {bound} B");
}

// ---- many requests in flight ------------------------------------------------

/// A client of the server at `base_url`, and a current-thread runtime (so
/// every request runs on the measured thread).
fn client_and_runtime(base_url: String) -> (Client, tokio::runtime::Runtime) {
    let client = Client::builder()
        .base_url(base_url)
        .api_key("test-key")
        .build()
        .expect("a client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    (client, rt)
}

/// Requests held in flight at once.
const IN_FLIGHT: usize = 1_000;

/// Memory per request in flight in a run over many documents
/// (`ChatRequest::many`): 1,000 requests of small documents sent at once;
/// the server (on a thread of its own) starts each answer, then holds it
/// at a gate until all 1,000 have arrived. The live heap of the reading
/// thread then, over what it was before the run, divided by 1,000: every
/// request's engine, messages, HTTP connection and buffers, the start of
/// its answer. Target (the many-documents issue's): at most 64 KB each.
#[test]
fn memory_per_request_in_flight_is_at_most_64_kb() {
    use extract::openai::Input;
    use extract::testing::{Gate, Pause};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    let gate = Gate::new();
    let arrived = Arc::new(AtomicUsize::new(0));
    let (server_gate, counter) = (gate.clone(), arrived.clone());
    let base_url = serve_with(move |server| {
        server.respond_with(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Reply::json("{\"name\": \"Ann\", \"age\": 3}")
                .fragment(8)
                .pause_after("Ann", Pause::Until(server_gate.clone()))
        });
    });
    let (client, rt) = client_and_runtime(base_url);
    let docs: Vec<Input> = (0..IN_FLIGHT)
        .map(|i| Input::text(format!("doc-{i}"), format!("Ann is 3 (document {i}).")))
        .collect();
    arm();
    let before = live();
    let (held, results) = rt.block_on(async {
        let mut stream = client
            .chat()
            .model("m")
            .system("Extract the person.")
            .many::<Value>(docs)
            .concurrency(IN_FLIGHT)
            .start()
            .expect("a run");
        let started = Instant::now();
        // Drive the requests until every one is in flight and its answer
        // begun (nothing finishes: the answers wait at the gate).
        while arrived.load(Ordering::SeqCst) < IN_FLIGHT
            && started.elapsed() < Duration::from_secs(8)
        {
            let next = tokio::time::timeout(Duration::from_millis(20), stream.next()).await;
            assert!(next.is_err(), "nothing finishes before the gate opens");
        }
        assert_eq!(
            arrived.load(Ordering::SeqCst),
            IN_FLIGHT,
            "every request in flight"
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
        let held = live() - before;
        gate.open();
        let mut results = 0;
        while let Some((_, result)) = stream.next().await {
            result.expect("an answer");
            results += 1;
        }
        (held, results)
    });
    disarm();
    assert_eq!(results, IN_FLIGHT);
    let per_request = held / IN_FLIGHT as isize;
    println!(
        "many: {IN_FLIGHT} requests in flight hold {:.2} MB on the reading thread: {:.1} KB per request (target 64 KB)",
        mb(held),
        per_request as f64 / 1024.0
    );
    assert!(
        per_request <= 64 << 10,
        "{per_request} B per request in flight"
    );
}

/// A run's memory does not grow with its results: they go to the journal
/// and to the caller one by one. The peak live heap of a run of 8,000
/// documents (64 at once, each result written to a journal and dropped)
/// is that of a run of 2,000 plus less than one result's size per extra
/// document (what grows is the set of ids the run has seen, so that no id
/// runs twice).
#[test]
fn a_run_over_many_documents_holds_no_results() {
    use extract::openai::Input;

    const RESULT: &str = "{\"name\": \"Ann\", \"age\": 3, \"notes\": \"a result of about a hundred bytes, which a run must not keep\"}";
    arm();
    let value: Value = serde_json::from_str(RESULT).expect("valid JSON");
    let result_size = live();
    drop(value);
    disarm();

    let base_url = serve_with(|server| {
        server.repeat(Reply::json(RESULT).fragment(1 << 20));
    });
    let (client, rt) = client_and_runtime(base_url);
    let dir = std::env::temp_dir().join(format!("extract-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let run = |n: usize| -> isize {
        let journal = dir.join(format!("run-{n}.jsonl"));
        let _ = std::fs::remove_file(&journal);
        let docs =
            (0..n).map(|i| Input::text(format!("doc-{i}"), format!("Ann is 3 (document {i}).")));
        arm();
        let done = rt.block_on(async {
            let mut stream = client
                .chat()
                .model("m")
                .many::<Value>(docs)
                .concurrency(64)
                .journal(&journal)
                .start()
                .expect("a run");
            let mut done = 0;
            while let Some((_, result)) = stream.next().await {
                drop(result.expect("an answer"));
                done += 1;
            }
            done
        });
        let peak = peak();
        disarm();
        assert_eq!(done, n);
        peak
    };
    // The first run opens the connections; measure warm runs.
    run(500);
    let small = run(2_000);
    let large = run(8_000);
    let per_document = (large - small) / 6_000;
    println!(
        "many: peak {:.2} MB for 2,000 documents, {:.2} MB for 8,000: {per_document} B more per document \
         (one result is {result_size} B)",
        mb(small),
        mb(large)
    );
    assert!(
        per_document < result_size,
        "{per_document} B per extra document, a result is {result_size} B"
    );
}
