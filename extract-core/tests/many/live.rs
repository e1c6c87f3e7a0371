//! `ChatRequest::many`: results as they finish, bounded concurrency, the
//! journal, a kill and a resume, progress, re-asks per input.

use crate::common::{echo, echo_server, temp_path};
use extract_core::client::{read_journal, Input, Mode};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::Error;
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn docs(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("doc-{i}"), format!("text {i}")))
        .collect()
}

#[tokio::test]
async fn every_input_once_with_its_own_answer() {
    let server = echo_server().await;
    let mut stream = server
        .client()
        .chat()
        .model("m")
        .system("Extract.")
        .many::<Value>(docs(300))
        .concurrency(32)
        .start()
        .unwrap();
    let progress = stream.progress();
    let mut seen = HashSet::new();
    while let Some((id, result)) = stream.next().await {
        let value = result.unwrap();
        let n = id.strip_prefix("doc-").unwrap();
        assert_eq!(value, json!({ "doc": format!("text {n}") }));
        assert!(seen.insert(id));
    }
    assert_eq!(seen.len(), 300);
    let last = progress.borrow().clone();
    assert!(
        last.finished && last.done == 300 && last.failed == 0,
        "{last:?}"
    );
    assert_eq!(last.total, Some(300));
    assert!(last.usage.total_tokens > 0);
    // The template's system message comes first, then the input's.
    let body = server.requests()[0].json();
    assert_eq!(body["messages"][0]["content"], "Extract.");
    assert_eq!(body["messages"][1]["role"], "user");
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let server = ReplayServer::start([]).await.unwrap();
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    server.repeat(Reply::json("{\"doc\": \"x\"}").delay(std::time::Duration::from_millis(2)));
    let mut stream = server
        .client()
        .chat()
        .model("m")
        .many::<Value>(docs(60))
        .concurrency(5)
        .start()
        .unwrap();
    let progress = stream.progress();
    while let Some((_, result)) = stream.next().await {
        result.unwrap();
        let in_flight = usize::try_from(progress.borrow().in_flight).unwrap();
        now.store(in_flight, Ordering::SeqCst);
        most.fetch_max(in_flight, Ordering::SeqCst);
    }
    assert!(most.load(Ordering::SeqCst) <= 5);
}

#[tokio::test]
async fn each_input_is_reasked_and_retried_like_create() {
    let server = ReplayServer::start([]).await.unwrap();
    // The first answer to each document is not JSON, then a 503, then the
    // answer: one re-ask and one transient retry per document.
    let seen = Arc::new(std::sync::Mutex::new(HashMap::<String, usize>::new()));
    let counts = seen.clone();
    server.respond_with(move |request| {
        let body = request.json();
        let first_user = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role"] == "user")
            .unwrap()["content"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut counts = counts.lock().unwrap();
        let n = counts.entry(first_user.clone()).or_default();
        *n += 1;
        match *n {
            1 => Reply::json("{\"doc\": nope}"),
            2 => Reply::status(503, "busy").header("retry-after-ms", "1"),
            _ => Reply::value(&json!({ "doc": first_user })),
        }
    });
    let results: Vec<(String, Result<Value, Error>)> = server
        .client()
        .chat()
        .model("m")
        .mode(Mode::Json)
        .max_retries(1)
        .many::<Value>(docs(20))
        .concurrency(8)
        .start()
        .unwrap()
        .collect()
        .await;
    assert_eq!(results.len(), 20);
    for (_, result) in results {
        result.unwrap();
    }
    assert!(seen.lock().unwrap().values().all(|n| *n == 3));
    // The re-ask sent the bad answer back.
    let reasked = server
        .requests()
        .iter()
        .filter(|r| r.json()["messages"].as_array().unwrap().len() == 4)
        .count();
    assert!(reasked >= 20, "{reasked}");
}

#[tokio::test]
async fn failures_are_results_and_journaled_with_the_raw_text() {
    let server = ReplayServer::start([]).await.unwrap();
    server.respond_with(|request| {
        if crate::common::user_text(&request.json()).ends_with('7') {
            Reply::json("{\"doc\": [1, 2")
        } else {
            echo(request)
        }
    });
    let journal = temp_path("failures.jsonl");
    let run = |retry_failed: bool| {
        server
            .client()
            .chat()
            .model("m")
            .many::<Value>(docs(30))
            .journal(&journal)
            .retry_failed(retry_failed)
            .start()
            .unwrap()
            .collect::<Vec<_>>()
    };
    let results = run(true).await;
    let failed: Vec<&String> = results
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(id, _)| id)
        .collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    let records: Vec<_> = read_journal(&journal).unwrap().collect();
    assert_eq!(records.len(), 30);
    let error = records
        .iter()
        .find(|r| r.id == "doc-7")
        .unwrap()
        .outcome
        .as_ref()
        .unwrap_err();
    assert_eq!(error.kind, "syntax");
    assert_eq!(error.raw.as_deref(), Some("{\"doc\": [1, 2"));
    // `2` may have been the start of `25`: not shown.
    assert_eq!(error.partial, Some(json!({ "doc": [1] })));

    // With `retry_failed(false)` a second run sends nothing …
    server.respond_with(echo);
    assert!(run(false).await.is_empty());
    // … by default it retries the failed inputs only (they succeed now).
    let mut ids: Vec<String> = run(true)
        .await
        .into_iter()
        .map(|(id, r)| {
            r.unwrap();
            id
        })
        .collect();
    ids.sort();
    assert_eq!(ids, ["doc-17", "doc-27", "doc-7"]);
}

#[tokio::test]
async fn duplicate_ids_run_once() {
    let server = echo_server().await;
    let inputs = vec![
        Input::text("a", "1"),
        Input::text("a", "2"),
        Input::text("b", "3"),
    ];
    let mut stream = server
        .client()
        .chat()
        .model("m")
        .many::<Value>(inputs)
        .start()
        .unwrap();
    let mut ids = Vec::new();
    while let Some((id, _)) = stream.next().await {
        ids.push(id);
    }
    ids.sort();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(stream.snapshot().skipped, 1);
}

/// The test: 10,000 documents at concurrency 256; the run is
/// killed (its stream dropped, with requests in flight) and the journal's
/// last line torn, then started again with the same journal. Every
/// document ends up in the journal exactly once, none is yielded twice.
#[tokio::test]
async fn ten_thousand_documents_killed_and_resumed() {
    const N: usize = 10_000;
    let server = echo_server().await;
    let journal = temp_path("ten-thousand.jsonl");
    let request = server.client().chat().model("m").mode(Mode::JsonSchema);
    let mut first = request
        .clone()
        .many::<Value>(docs(N))
        .concurrency(256)
        .journal(&journal)
        .start()
        .unwrap();
    let mut yielded = HashSet::new();
    while let Some((id, result)) = first.next().await {
        result.unwrap();
        assert!(yielded.insert(id));
        if yielded.len() == 4_000 {
            break;
        }
    }
    assert!(first.snapshot().in_flight > 0);
    drop(first);
    // The process died while writing a line.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    file.write_all(b"{\"id\":\"doc-9999\",\"ok\":{\"do")
        .unwrap();
    drop(file);

    let mut second = request
        .many::<Value>(docs(N))
        .concurrency(256)
        .journal(&journal)
        .start()
        .unwrap();
    while let Some((id, result)) = second.next().await {
        assert_eq!(
            result.unwrap(),
            json!({ "doc": format!("text {}", &id[4..]) })
        );
        assert!(yielded.insert(id.clone()), "{id} yielded twice");
    }
    assert_eq!(second.snapshot().skipped, 4_000);
    assert_eq!(yielded.len(), N);
    let mut in_journal = HashSet::new();
    for record in read_journal(&journal).unwrap() {
        assert!(record.outcome.is_ok());
        assert!(
            in_journal.insert(record.id.clone()),
            "{} twice in the journal",
            record.id
        );
    }
    assert_eq!(in_journal.len(), N);
}
