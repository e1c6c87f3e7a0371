//! The JavaScript client, run with `node` against fixtures made here: it
//! applies patches exactly as `relay::apply` does and reads both formats,
//! whatever the chunking. Skipped, loudly, only when `node` is missing.

use std::convert::Infallible;
use std::process::Command;

use extract_core::relay::{Differ, ErrorInfo, Op, PatchMode, Relay, RelayError, CLIENT_JS};
use futures::stream::{self, StreamExt};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use crate::support::{arb_object, arb_value, body_text_blocking, monotone_snapshots};

/// One fixture: the snapshots, their patches in both modes, and the three
/// bodies (SSE patches, NDJSON patches, SSE snapshots).
fn fixture(snapshots: &[Value]) -> Value {
    let mut append = Differ::new(PatchMode::Append);
    let mut strict = Differ::new(PatchMode::Strict);
    let (mut states, mut patches_append, mut patches_strict) = (vec![], vec![], vec![]);
    for snapshot in snapshots {
        let a = append.next(snapshot.clone());
        let s = strict.next(snapshot.clone());
        assert_eq!(a.is_empty(), s.is_empty());
        if !a.is_empty() {
            states.push(snapshot.clone());
            patches_append.push(a);
            patches_strict.push(s);
        }
    }
    let mut snapshot_states: Vec<Value> = snapshots.to_vec();
    snapshot_states.dedup();
    let upstream = || stream::iter(snapshots.to_vec()).map(Ok::<_, Infallible>);
    json!({
        "snapshots": states,
        "snapshot_states": snapshot_states,
        "patches": {"append": patches_append, "strict": patches_strict},
        "done": snapshots.last().cloned().unwrap_or(Value::Null),
        "sse": body_text_blocking(Relay::sse().partial(upstream())),
        "ndjson": body_text_blocking(Relay::ndjson().with_ids(true).partial(upstream())),
        "sse_snapshots": body_text_blocking(Relay::sse().snapshots().with_ids(true).partial(upstream())),
    })
}

struct Boom;

impl RelayError for Boom {
    fn error_info(&self) -> ErrorInfo {
        ErrorInfo::new("line one\nline two", "http", None)
    }
}

fn fixtures() -> Value {
    let mut runner = TestRunner::deterministic();
    let mut cases = Vec::new();
    let monotone = (arb_object(), prop::collection::vec(any::<usize>(), 0..16));
    for _ in 0..120 {
        let (value, points) = monotone.new_tree(&mut runner).unwrap().current();
        cases.push(fixture(&monotone_snapshots(&value, &points)));
    }
    let arbitrary = prop::collection::vec(arb_value(), 1..5);
    for _ in 0..60 {
        cases.push(fixture(&arbitrary.new_tree(&mut runner).unwrap().current()));
    }
    cases.push(fixture(&[
        json!({"__proto__": {"x": "a"}, "constructor": "b"}),
        json!({"__proto__": {"x": "ab"}, "constructor": "bc", "a/b~": ["\u{e9}\u{1f600}"]}),
    ]));
    let long = json!({"users": [{"name": "Ada Lovelace", "tags": ["math", "poetry"]}, {"name": "Grace Hopper", "tags": ["cobol"]}], "title": "Pioneers \u{1f600}"});
    let long_snapshots = crate::support::step_by_step(&long);
    let resumable = || stream::iter(long_snapshots.clone()).map(Ok::<_, Infallible>);
    let items = vec![json!({"name": "a"}), json!({"name": "\u{1f600}"})];
    let item_stream = stream::iter(items.clone()).map(Ok::<_, Infallible>);
    let failing = stream::iter(vec![Ok(json!({"users": ["x"]})), Err(Boom)]);
    json!({
        "cases": cases,
        "items": items,
        "items_sse": body_text_blocking(Relay::sse().items(item_stream)),
        "error_sse": body_text_blocking(Relay::sse().partial(failing)),
        "error": {"message": "line one\nline two", "kind": "http", "partial": {"users": ["x"]}},
        "resumable": {
            "sse": body_text_blocking(Relay::sse().with_ids(true).partial(resumable())),
            "ndjson": body_text_blocking(Relay::ndjson().with_ids(true).partial(resumable())),
            "done": long,
        },
        "state_sse": state_body(),
    })
}

/// A body with `state` messages: `/a` written then completed, `/b`
/// written, a reset (a new attempt) and `/c` completed.
fn state_body() -> String {
    use extract_core::relay::{Encoder, Encoding, Format};
    use extract_core::{Path, Progress};
    let key = |k: &str| {
        let mut path = Path::root();
        path.push_key(k);
        path
    };
    let mut enc = Encoder::with_framer(
        extract_core::relay::Framer::new(Format::Sse).with_ids(true),
        Encoding::default(),
    );
    let mut out = String::new();
    let mut push = |enc: &mut Encoder, progress: Progress, value: Value| {
        enc.progress(&progress);
        out.push_str(std::str::from_utf8(&enc.snapshot(value).unwrap()).unwrap());
    };
    push(
        &mut enc,
        Progress::new(Some(key("a")), vec![], 1),
        json!({"a": "x"}),
    );
    push(
        &mut enc,
        Progress::new(Some(key("b")), vec![key("a")], 1),
        json!({"a": "xy", "b": "z"}),
    );
    push(
        &mut enc,
        Progress::new(Some(key("c")), vec![], 2),
        json!({"c": ""}),
    );
    push(
        &mut enc,
        Progress::new(None, vec![key("c")], 2),
        json!({"c": "done"}),
    );
    out.push_str(std::str::from_utf8(&enc.done(&json!({"c": "done"}))).unwrap());
    out
}

/// `node --version`, or `None` when there is no node to run.
fn node_version() -> Option<String> {
    let output = Command::new("node").arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn the_javascript_client_agrees_with_the_rust_side() {
    let Some(version) = node_version() else {
        eprintln!(
            "\n==== SKIPPED: the_javascript_client_agrees_with_the_rust_side ====\n\
             `node` is not on PATH, so the JavaScript relay client was NOT tested.\n\
             Install Node.js (e.g. `apt-get install -y nodejs`) to run this test.\n"
        );
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("relay_js");
    std::fs::create_dir_all(&dir).unwrap();
    let client = dir.join("client.js");
    std::fs::write(&client, CLIENT_JS).unwrap();
    let data = dir.join("fixtures.json");
    std::fs::write(&data, serde_json::to_vec(&fixtures()).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/relay/client_test.js");
    let output = Command::new("node")
        .arg(script)
        .arg(&client)
        .arg(&data)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("node {version}: {stdout}{stderr}");
    assert!(
        output.status.success(),
        "the JavaScript client disagrees:\n{stderr}"
    );
    assert!(stdout.starts_with("ok:"), "{stdout}");
}

#[test]
fn the_fixture_patches_also_apply_in_rust() {
    // The same fixtures through `relay::apply`, so a disagreement points
    // at the JavaScript side.
    let fixtures = fixtures();
    for case in fixtures["cases"].as_array().unwrap() {
        let mut doc = json!({});
        let states = case["snapshots"].as_array().unwrap();
        for (ops, expected) in case["patches"]["append"]
            .as_array()
            .unwrap()
            .iter()
            .zip(states)
        {
            let ops: Vec<Op> = serde_json::from_value(ops.clone()).unwrap();
            extract_core::relay::apply(&mut doc, &ops).unwrap();
            assert_eq!(&doc, expected);
        }
    }
}
