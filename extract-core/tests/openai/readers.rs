//! `PartialReader` and `ItemReader` (the runtime's decoding path fed by the
//! caller) against the client over loopback HTTP: for every recorded
//! stream, every mode and several read sizes, the reader's outcome is the
//! client's. And `PartialStream::next_snapshot`, which lends snapshots.

use crate::common::{chat, client_without_backoff, extends, outcome, request, FIXTURES, MODES};
use extract_core::openai::{ItemReader, Mode, PartialReader};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::{Error, Iterable};
use futures::StreamExt;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Every recorded OpenAI-compatible stream (Anthropic's wire format is not
/// chat completions).
fn recorded_streams() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for provider in ["openai", "openrouter", "groq", "vllm"] {
        let dir = Path::new(FIXTURES).join(provider);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sse") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(
        paths.len() >= 10,
        "the recorded streams are missing from {FIXTURES}"
    );
    paths
}

/// Reads `body` with a `PartialReader<Value>` in reads of `size` bytes,
/// checking the lent snapshots grow monotonically.
fn read_partial(body: &[u8], mode: Mode, size: usize) -> Result<Value, Error> {
    let mut reader = PartialReader::<Value>::new(mode);
    let mut last: Option<Value> = None;
    for read in body.chunks(size) {
        if let Some(snapshot) = reader.feed(read)? {
            if let Some(last) = &last {
                assert!(extends(last, snapshot), "{last} then {snapshot}");
            }
            last = Some(snapshot.clone());
        }
    }
    if let Some(last) = &last {
        assert_eq!(reader.partial(), last, "the last change was reported");
    }
    reader.finish()
}

#[tokio::test]
async fn partial_reader_matches_the_client_on_every_recording_and_mode() {
    for path in recorded_streams() {
        let body = std::fs::read(&path).unwrap();
        for mode in MODES {
            let server = ReplayServer::start([Reply::sse(body.clone())])
                .await
                .unwrap();
            let expected = outcome(
                &chat(&client_without_backoff(&server))
                    .mode(mode)
                    .create::<Value>()
                    .await,
            );
            for size in [1, 7, 4096, body.len()] {
                let got = outcome(&read_partial(&body, mode, size));
                assert_eq!(
                    got,
                    expected,
                    "{} in {mode:?}, {size}-byte reads",
                    path.display()
                );
            }
        }
    }
}

/// The body the replay server streams for `reply` in `mode` (rendered for
/// the request the client really sends).
async fn rendered<R: extract_core::openai::ResponseModel>(reply: Reply, mode: Mode) -> Vec<u8> {
    let server = ReplayServer::start([reply.clone()]).await.unwrap();
    let _ = request(&server, mode).create::<R>().await;
    let sent = server.requests().remove(0).json();
    reply.render_sse(&sent).unwrap()
}

#[tokio::test]
async fn item_reader_hands_out_items_as_they_close_in_every_mode() {
    let items: Vec<Value> = (0..5)
        .map(|i| json!({ "id": i, "name": format!("user {i}"), "tags": ["a", "b"] }))
        .collect();
    for mode in MODES {
        let reply = Reply::items(items.clone()).fragment(3);
        let body = rendered::<Iterable<Value>>(reply, mode).await;
        for size in [1, 5, 64, body.len()] {
            let mut reader = ItemReader::<Value>::new(mode);
            let mut got = Vec::new();
            for read in body.chunks(size) {
                for item in reader.feed(read) {
                    got.push(item.unwrap());
                }
            }
            let handed_out_before_the_end = got.len();
            got.extend(reader.finish().unwrap());
            assert_eq!(got, items, "{mode:?}, {size}-byte reads");
            if size < body.len() && mode != Mode::ParallelTools {
                assert!(
                    handed_out_before_the_end >= items.len() - 1,
                    "{mode:?}: items wait for the end ({handed_out_before_the_end} before it)"
                );
            }
        }
    }
}

#[tokio::test]
async fn item_reader_keeps_the_items_before_an_invalid_one() {
    let body = rendered::<Iterable<u32>>(Reply::json("[1, 2, \"three\", 4]"), Mode::Json).await;
    let mut reader = ItemReader::<u32>::new(Mode::Json);
    let results: Vec<Result<u32, Error>> = reader.feed(&body).collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap(), &1);
    assert_eq!(results[1].as_ref().unwrap(), &2);
    let error = results[2].as_ref().unwrap_err();
    assert!(error.to_string().contains("[2]"), "the path: {error}");
    assert!(error.raw_text().unwrap().starts_with("[1, 2, \"three\""));
    let again: Vec<Result<u32, Error>> = reader.feed(b"data: [DONE]\n\n").collect();
    assert!(
        matches!(again[..], [Err(Error::Config { .. })]),
        "{again:?}"
    );
    assert!(matches!(reader.finish(), Err(Error::Config { .. })));
}

/// Items completed in the same delta as a syntax error are handed out, then
/// the error, in the same `feed`.
#[test]
fn item_reader_keeps_the_items_before_a_syntax_error() {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"[1, 2, }\"}}]}\n\n";
    let mut reader = ItemReader::<u32>::new(Mode::Json);
    let results: Vec<Result<u32, Error>> = reader.feed(body.as_bytes()).collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap(), &1);
    assert_eq!(results[1].as_ref().unwrap(), &2);
    let error = results[2].as_ref().unwrap_err();
    assert!(matches!(error, Error::Syntax { .. }), "{error}");
    assert_eq!(error.raw_text(), Some("[1, 2, }"));
}

#[test]
fn partial_reader_reports_a_broken_stream_with_what_it_received() {
    let body = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"a\\\": [1, 2\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\", }\"}}]}\n\n",
    );
    let mut reader = PartialReader::<Value>::new(Mode::Json);
    let error = body
        .as_bytes()
        .chunks(9)
        .find_map(|read| reader.feed(read).err())
        .expect("a syntax error");
    assert!(matches!(error, Error::Syntax { .. }), "{error}");
    assert_eq!(error.raw_text(), Some("{\"a\": [1, 2, }"));
    assert_eq!(error.partial(), Some(&json!({"a": [1, 2]})));
    assert_eq!(reader.partial(), &json!({"a": [1, 2]}));
    assert!(matches!(reader.feed(b"\n"), Err(Error::Config { .. })));
}

#[test]
fn partial_reader_bounds_the_body() {
    let body = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"[1, 2, 3]\"}}]}\n\n";
    let mut reader = PartialReader::<Vec<u32>>::new(Mode::Json).max_response_bytes(40);
    let error = body
        .chunks(16)
        .find_map(|read| reader.feed(read).err())
        .expect("over the limit");
    assert!(
        matches!(error, Error::TooLarge { limit: 40, .. }),
        "{error}"
    );
}

/// What `body` read in reads of `read` bytes under a `limit` ends with.
fn bounded_outcome(body: &[u8], read: usize, limit: usize) -> Result<Vec<u32>, String> {
    let mut reader = PartialReader::<Vec<u32>>::new(Mode::Json).max_response_bytes(limit);
    for piece in body.chunks(read) {
        reader.feed(piece).map_err(|error| error.to_string())?;
    }
    reader.finish().map_err(|error| error.to_string())
}

/// Found by the `openai_reader` fuzz target: a read crossing the limit was
/// refused whole, so a body failed with `TooLarge` read at once but with
/// what it held within the limit (an error, `[DONE]`) read in pieces. The
/// bytes within the limit are now read first, whatever the reads.
#[test]
fn a_body_over_the_limit_ends_the_same_whatever_the_reads() {
    let answer = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"[1, 2]\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let padding = ": past the limit\n\n".repeat(8);
    let done = [answer.as_bytes(), padding.as_bytes()].concat();
    let broken = [
        b"data: {\"choices\":[\xff]}\n\n".as_slice(),
        padding.as_bytes(),
    ]
    .concat();
    let late = [padding.as_bytes(), answer.as_bytes()].concat();
    let limits = [answer.len(), 30, padding.len() + 10];
    for (body, limit) in [&done, &broken, &late].into_iter().zip(limits) {
        assert!(body.len() > limit);
        let whole = bounded_outcome(body, body.len(), limit);
        for read in [1, 7, 64] {
            assert_eq!(bounded_outcome(body, read, limit), whole, "reads of {read}");
        }
    }
    assert_eq!(
        bounded_outcome(&done, done.len(), answer.len()),
        Ok(vec![1, 2])
    );
    let error = bounded_outcome(&broken, broken.len(), 30).unwrap_err();
    assert!(error.contains("not valid UTF-8"), "{error}");
    let error = bounded_outcome(&late, late.len(), limits[2]).unwrap_err();
    assert!(error.contains("limit"), "{error}");
}

/// Found by the `openai_reader` fuzz target: a line that is not UTF-8
/// after `[DONE]` failed the body when it came in the same read as
/// `[DONE]`, and was never looked at when it came in a later read.
#[test]
fn what_follows_done_is_ignored_whatever_the_reads() {
    let body = [
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"[1, 2]\"},\"finish_reason\":\"stop\"}]}\n\n".as_slice(),
        b"data: [DONE]\n\ndata:\xff\n\n",
    ]
    .concat();
    for read in [body.len(), 1, 7, 64] {
        assert_eq!(
            bounded_outcome(&body, read, usize::MAX),
            Ok(vec![1, 2]),
            "reads of {read}"
        );
    }
}

#[tokio::test]
async fn next_snapshot_lends_the_same_snapshots_the_stream_yields() {
    let answer = json!({
        "title": "Rust meetup",
        "speakers": ["Ada", "Grace", "Barbara"],
        "notes": "a long note ".repeat(20),
    });
    let reply = Reply::value(&answer).fragment(4).split_every(16);
    let server = ReplayServer::start([reply.clone(), reply]).await.unwrap();

    let mut stream = request(&server, Mode::Tools)
        .create_partial::<Value>()
        .await
        .unwrap();
    let mut cloned = Vec::new();
    while let Some(snapshot) = stream.next().await {
        cloned.push(snapshot.unwrap());
    }
    assert_eq!(stream.take_value(), Some(answer.clone()));

    let mut stream = request(&server, Mode::Tools)
        .create_partial::<Value>()
        .await
        .unwrap();
    let mut lent: Vec<Value> = Vec::new();
    while let Some(snapshot) = stream.next_snapshot().await {
        let snapshot = snapshot.unwrap();
        if let Some(last) = lent.last() {
            assert!(extends(last, snapshot), "{last} then {snapshot}");
            assert_ne!(snapshot, last, "only changes are lent");
        }
        lent.push(snapshot.clone());
    }
    assert_eq!(stream.take_value(), Some(answer.clone()));
    assert_eq!(lent.last(), Some(&answer));
    assert_eq!(cloned.last(), lent.last());
    assert!(lent.len() > 1, "snapshots stream: {}", lent.len());
}
