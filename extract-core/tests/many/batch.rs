//! The Batch APIs of both providers against the replay server's emulation:
//! the lifecycle, the request lines, failures re-asked in a follow-up batch
//! or live, transient failures and expired batches sent again, cancel,
//! resume by id, splitting, the journal.

use crate::common::{echo, temp_path, user_text};
use extract_core::client::{Client, Input, Mode, Provider, Reask};
use extract_core::testing::{RecordedRequest, ReplayServer, Reply};
use extract_core::Error;
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

fn inputs(n: usize) -> Vec<Input> {
    (0..n)
        .map(|i| Input::text(format!("doc-{i}"), format!("text {i}")))
        .collect()
}

fn fast(client: &Client) -> extract_core::client::ChatRequest {
    client.chat().model("m").system("Extract.")
}

async fn server() -> ReplayServer {
    let server = ReplayServer::start([]).await.unwrap();
    server.respond_with(echo);
    server
}

fn routes(server: &ReplayServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Collects a job's results by id, checking none comes twice.
async fn collect<O: Send + 'static>(
    results: extract_core::client::BatchResults<O>,
) -> HashMap<String, Result<O, Error>> {
    let mut map = HashMap::new();
    let mut results = results;
    while let Some((id, result)) = results.next().await {
        assert!(map.insert(id.clone(), result).is_none(), "{id} twice");
    }
    map
}

#[tokio::test]
async fn the_lifecycle_for_every_provider() {
    for &provider in Provider::ALL {
        for mode in [Mode::Tools, Mode::JsonSchema, Mode::MdJson] {
            let server = server().await;
            let client = server.client_for(provider);
            let batch = fast(&client)
                .mode(mode)
                .batch::<Value>(inputs(5))
                .poll_interval(Duration::from_millis(1), Duration::from_millis(5))
                .submit()
                .await
                .unwrap();
            assert_eq!(batch.ids().len(), 1);
            let progress = batch.progress();
            let results = collect(batch.results()).await;
            assert_eq!(results.len(), 5, "{provider} {mode:?}");
            for (id, result) in results {
                let n = &id[4..];
                assert_eq!(result.unwrap(), json!({ "doc": format!("text {n}") }));
            }
            let last = progress.borrow().clone();
            assert!(last.finished && last.done == 5, "{last:?}");
            let routes = routes(&server);
            let polls = routes
                .iter()
                .filter(|r| {
                    r.starts_with("GET") && !r.contains("content") && !r.ends_with("results")
                })
                .count();
            assert_eq!(polls, 3, "{routes:?}");
            match provider {
                Provider::ChatCompletions | Provider::Responses => {
                    assert_eq!(routes[0], "POST /v1/files");
                    assert_eq!(routes[1], "POST /v1/batches");
                    assert!(routes.last().unwrap().ends_with("/content"));
                    let created = server.requests()[1].json();
                    assert_eq!(created["completion_window"], "24h");
                    let endpoint = match provider {
                        Provider::Responses => "/v1/responses",
                        _ => "/v1/chat/completions",
                    };
                    assert_eq!(created["endpoint"], endpoint);
                    let upload = String::from_utf8_lossy(&server.requests()[0].body).into_owned();
                    assert!(upload.contains("name=\"purpose\"\r\n\r\nbatch"), "{upload}");
                    let line: Value = serde_json::from_str(
                        upload
                            .lines()
                            .find(|l| l.starts_with("{\"custom_id\""))
                            .unwrap(),
                    )
                    .unwrap();
                    assert_eq!(line["custom_id"], "doc-0");
                    assert!(line["body"].get("stream").is_none());
                    assert!(line["body"].get("stream_options").is_none());
                    assert!(line["body"].to_string().contains("Extract."));
                }
                _ => {
                    assert_eq!(routes[0], "POST /v1/messages/batches");
                    assert!(routes.last().unwrap().ends_with("/results"));
                    let created = server.requests()[0].json();
                    let params = &created["requests"][0]["params"];
                    assert_eq!(created["requests"][0]["custom_id"], "doc-0");
                    assert!(params.get("stream").is_none());
                    let system = params["system"].as_array().unwrap();
                    assert!(system.iter().any(|b| b["text"] == "Extract."), "{system:?}");
                }
            }
        }
    }
}

/// The request lines are exactly the live bodies without streaming.
#[tokio::test]
async fn batch_lines_are_the_live_request_bodies() {
    for &provider in Provider::ALL {
        let server = server().await;
        let client = server.client_for(provider);
        let request = fast(&client)
            .mode(Mode::ToolsStrict)
            .temperature(0.0)
            .user("text 0");
        request.clone().create::<Value>().await.unwrap();
        let mut live = server.requests()[0].json();
        live.as_object_mut().unwrap().remove("stream");
        live.as_object_mut().unwrap().remove("stream_options");
        let batch = fast(&client)
            .mode(Mode::ToolsStrict)
            .temperature(0.0)
            .batch::<Value>([Input::text("a", "text 0")])
            .poll_interval(Duration::from_millis(1), Duration::from_millis(1))
            .submit()
            .await
            .unwrap();
        drop(batch);
        let sent = &server.requests()[1];
        let body = match provider {
            Provider::ChatCompletions | Provider::Responses => {
                let upload = String::from_utf8_lossy(&sent.body).into_owned();
                let line: Value =
                    serde_json::from_str(upload.lines().find(|l| l.starts_with('{')).unwrap())
                        .unwrap();
                line["body"].clone()
            }
            _ => sent.json()["requests"][0]["params"].clone(),
        };
        assert_eq!(body, live, "{provider}");
    }
}

/// The first answer to each document is not valid; the re-ask is sent in
/// a follow-up batch (or live), with the bad answer and the errors.
#[tokio::test]
async fn failures_are_reasked_in_a_follow_up_batch_or_live() {
    for provider in [Provider::ChatCompletions, Provider::Anthropic] {
        for reask in [Reask::Batch, Reask::Live] {
            let server = ReplayServer::start([]).await.unwrap();
            server.respond_with(|request: &RecordedRequest| {
                let body = request.json();
                let turns = body["messages"].as_array().unwrap().len();
                if turns == 1 || turns == 2 && body["messages"][0]["role"] == "system" {
                    Reply::json("{\"doc\": 5}")
                } else {
                    echo(request)
                }
            });
            let client = server.client_for(provider);
            let batch = client
                .chat()
                .model("m")
                .mode(Mode::Tools)
                .max_retries(1)
                .batch::<HashMap<String, String>>(inputs(4))
                .reask(reask)
                .poll_interval(Duration::from_millis(1), Duration::from_millis(2))
                .submit()
                .await
                .unwrap();
            let results = collect(batch.results()).await;
            assert_eq!(results.len(), 4);
            for (id, result) in &results {
                let value = result.as_ref().unwrap();
                assert_eq!(
                    value["doc"],
                    format!("text {}", &id[4..]),
                    "{provider} {reask:?}"
                );
            }
            let batches = server.batches();
            let live = server
                .requests()
                .iter()
                .filter(|r| {
                    r.path.ends_with("/chat/completions") || r.path.ends_with("/v1/messages")
                })
                .count();
            match reask {
                Reask::Batch => assert_eq!((batches.len(), live), (2, 0), "{provider}"),
                _ => assert_eq!((batches.len(), live), (1, 4), "{provider}"),
            }
            // The re-ask holds the answer and the errors.
            let reasked = server
                .requests()
                .iter()
                .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                .find(|b| b.contains("Validation failed"))
                .expect("a re-ask was sent");
            assert!(reasked.contains("doc"), "{reasked}");
        }
    }
}

/// A 500 for some lines, and a batch that expires: the requests are sent
/// again in a new batch; an answer that stays invalid ends as an error
/// with every attempt's.
#[tokio::test]
async fn transient_failures_and_expired_batches_are_sent_again() {
    for provider in [Provider::ChatCompletions, Provider::Anthropic] {
        let server = ReplayServer::start([]).await.unwrap();
        let seen = std::sync::Mutex::new(HashSet::new());
        server.respond_with(move |request: &RecordedRequest| {
            let text = user_text(&request.json());
            if text == "text 9" {
                return Reply::json("{\"doc\": [}");
            }
            if seen.lock().unwrap().insert(text.clone()) && text.ends_with('3') {
                return Reply::status(500, "overloaded");
            }
            echo(request)
        });
        server.expire_next_batch();
        let client = server.client_for(provider);
        // JSON in the text (an Anthropic tool input is always an object).
        let results = collect(
            fast(&client)
                .mode(Mode::JsonSchema)
                .max_retries(1)
                .batch::<Value>(inputs(10))
                .poll_interval(Duration::from_millis(1), Duration::from_millis(2))
                .submit()
                .await
                .unwrap()
                .results(),
        )
        .await;
        assert_eq!(results.len(), 10);
        for (id, result) in &results {
            if id == "doc-9" {
                let error = result.as_ref().unwrap_err();
                // Maybe sent again after its batch expired, then re-asked once.
                let Error::RetriesExhausted { attempts, .. } = error else {
                    panic!("{error:?}")
                };
                assert!(
                    matches!(attempts.last(), Some(Error::Syntax { .. })),
                    "{attempts:?}"
                );
                let syntax = attempts
                    .iter()
                    .filter(|e| matches!(e, Error::Syntax { .. }))
                    .count();
                assert_eq!(syntax, 2);
                assert_eq!(error.raw_text(), Some("{\"doc\": [}"));
            } else {
                assert!(result.is_ok(), "{provider} {id}: {result:?}");
            }
        }
        // The expired half and the 500 went again in a second batch, the
        // re-ask of doc-9 with them.
        let batches = server.batches();
        assert!(batches.len() >= 2, "{batches:?}");
        assert_eq!(batches[0].2, 10);
    }
}

#[tokio::test]
async fn cancel_stops_the_job_and_keeps_what_was_done() {
    for provider in [Provider::ChatCompletions, Provider::Anthropic] {
        let server = server().await;
        server.batch_polls(1_000);
        let client = server.client_for(provider);
        let batch = fast(&client)
            .batch::<Value>(inputs(6))
            .poll_interval(Duration::from_millis(1), Duration::from_millis(2))
            .submit()
            .await
            .unwrap();
        let canceller = batch.canceller();
        let statuses = batch.statuses().await.unwrap();
        assert!(!statuses[0].ended);
        canceller.cancel().await.unwrap();
        let results = collect(batch.results()).await;
        assert_eq!(results.len(), 6);
        let ok = results.values().filter(|r| r.is_ok()).count();
        assert_eq!(
            ok, 3,
            "{provider}: the emulation finishes half before a cancel lands"
        );
        for result in results.values().filter(|r| r.is_err()) {
            let error = result.as_ref().unwrap_err();
            assert!(
                matches!(error, Error::Provider { code: Some(c), .. } if c == "batch_cancelled"),
                "{error:?}"
            );
        }
        assert_eq!(
            server.batches().len(),
            1,
            "nothing asked again after a cancel"
        );
        let cancels = routes(&server)
            .iter()
            .filter(|r| r.ends_with("/cancel"))
            .count();
        assert_eq!(cancels, 1);
    }
}

/// The process stops after submitting; a new one resumes by id: no batch
/// is created again, and an input no batch holds is sent in a new one.
#[tokio::test]
async fn a_job_resumes_by_id_after_a_restart() {
    for provider in [Provider::ChatCompletions, Provider::Anthropic] {
        let server = server().await;
        let client = server.client_for(provider);
        let journal = temp_path(&format!("resume-{provider}.jsonl"));
        let ids = {
            let batch = fast(&client)
                .batch::<Value>(inputs(8))
                .journal(&journal)
                .submit()
                .await
                .unwrap();
            batch.ids()
        };
        let mut more = inputs(8);
        more.push(Input::text("late", "text late"));
        let results = collect(
            fast(&client)
                .batch::<Value>(more)
                .journal(&journal)
                .poll_interval(Duration::from_millis(1), Duration::from_millis(2))
                .resume(ids)
                .unwrap()
                .results(),
        )
        .await;
        assert_eq!(results.len(), 9);
        assert!(results.values().all(Result::is_ok));
        let batches = server.batches();
        assert_eq!(batches.len(), 2, "{batches:?}");
        assert_eq!(batches[1].2, 1);
        // Started again, the journal holds everything: nothing is sent.
        let again = fast(&client)
            .batch::<Value>(inputs(8))
            .journal(&journal)
            .submit()
            .await
            .unwrap();
        assert!(again.ids().is_empty());
        assert!(collect(again.results()).await.is_empty());
    }
}

/// Splitting at a smaller limit (the provider limits are tested on
/// 120,000 requests in the splitter's own tests).
#[tokio::test]
async fn jobs_are_split_by_count_and_by_bytes() {
    let server = server().await;
    let client = server.client();
    let results = collect(
        fast(&client)
            .batch::<Value>(inputs(2_500))
            .max_requests_per_batch(1_000)
            .poll_interval(Duration::from_millis(1), Duration::from_millis(2))
            .submit()
            .await
            .unwrap()
            .results(),
    )
    .await;
    assert_eq!(results.len(), 2_500);
    assert!(results.values().all(Result::is_ok));
    let sizes: Vec<usize> = server.batches().iter().map(|b| b.2).collect();
    assert_eq!(sizes, [1_000, 1_000, 500]);

    let server = ReplayServer::start([]).await.unwrap();
    server.respond_with(echo);
    let client = server.client_for(Provider::Anthropic);
    let batch = fast(&client)
        .batch::<Value>(inputs(100))
        .max_bytes_per_batch(5_000)
        .submit()
        .await
        .unwrap();
    let ids = batch.ids();
    assert!(ids.len() > 2, "{ids:?}");
    for request in server.requests() {
        assert!(request.body.len() <= 5_000 + 16, "{}", request.body.len());
    }
}

/// The case end to end: 120,000 requests become three OpenAI
/// batches (50,000 + 50,000 + 20,000); every result comes back once.
/// (Anthropic's split, 100,000 + 20,000, is checked in the splitter's own
/// tests: running it here too would double the longest test.)
#[tokio::test]
async fn one_hundred_twenty_thousand_requests() {
    for (provider, sizes) in [(Provider::ChatCompletions, vec![50_000, 50_000, 20_000])] {
        let server = ReplayServer::start([]).await.unwrap();
        server.repeat(Reply::json("{}").fragment(1 << 20));
        server.batch_polls(1);
        let client = server.client_for(provider);
        let inputs = (0..120_000).map(|i| Input::text(i.to_string(), "x"));
        let batch = client
            .chat()
            .model("m")
            .mode(Mode::JsonSchema)
            .batch::<Value>(inputs)
            .poll_interval(Duration::from_millis(1), Duration::from_millis(1))
            .submit()
            .await
            .unwrap();
        let mut results = batch.results();
        let mut seen = vec![false; 120_000];
        while let Some((id, result)) = results.next().await {
            result.unwrap();
            let i: usize = id.parse().unwrap();
            assert!(!seen[i], "{id} twice");
            seen[i] = true;
        }
        assert!(seen.iter().all(|s| *s));
        let got: Vec<usize> = server.batches().iter().map(|b| b.2).collect();
        assert_eq!(got, sizes, "{provider}");
    }
}
