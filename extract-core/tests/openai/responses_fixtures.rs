//! Every recorded Responses stream of `tests/fixtures/responses/` (sources
//! and licences in `tests/fixtures/README.md`), replayed byte for byte
//! through a Responses client over HTTP, whole and cut into small network
//! writes of random sizes; and read by `PartialReader` / `ItemReader` with
//! `.provider(Provider::Responses)` in reads of random sizes, which must
//! give what the client gives, in every mode.
//!
//! Expected values are computed from the recordings by a naive reader
//! (parse every `data:` line, concatenate the deltas by type and
//! `output_index`), independent of the runtime; expected errors are named
//! by the fixture's README.

use crate::common::{extends, outcome, MODES};
use crate::responses::{client, FIXTURES};
use extract_core::openai::{ItemReader, Mode, PartialReader, Provider, ResponseModel, Usage};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::{Error, Iterable};
use serde_json::{json, Value};

/// Every recording's name (without `.sse`).
fn recordings() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap_or_else(|e| panic!("the recorded streams are missing from {FIXTURES}: {e}"))
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".sse").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 17, "the README lists 17 recordings: {names:?}");
    names
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}.sse")).unwrap()
}

/// What a naive reader finds in a recording.
#[derive(Debug, Default)]
struct Naive {
    id: Option<String>,
    text: String,
    refusal: String,
    /// `(output_index, call_id, arguments)` per function call.
    calls: Vec<(u64, String, String)>,
    /// The type of the event that ended it.
    end: String,
    usage: Option<Value>,
}

fn naive(name: &str) -> Naive {
    let body = String::from_utf8(fixture(name)).unwrap();
    let mut found = Naive::default();
    for line in body.lines().filter_map(|l| l.strip_prefix("data: ")) {
        let event: Value = serde_json::from_str(line).unwrap();
        let delta = event["delta"].as_str().unwrap_or("");
        let index = event["output_index"].as_u64();
        match event["type"].as_str().unwrap() {
            "response.created" => found.id = event["response"]["id"].as_str().map(Into::into),
            "response.output_text.delta" => found.text.push_str(delta),
            "response.refusal.delta" => found.refusal.push_str(delta),
            "response.output_item.added" if event["item"]["type"] == "function_call" => {
                let call_id = event["item"]["call_id"].as_str().unwrap().to_owned();
                found.calls.push((index.unwrap(), call_id, String::new()));
            }
            "response.function_call_arguments.delta" => {
                let call = found.calls.iter_mut().find(|c| Some(c.0) == index).unwrap();
                call.2.push_str(delta);
            }
            kind @ ("response.completed" | "response.incomplete" | "response.failed") => {
                found.end = kind.to_owned();
                found.usage = Some(event["response"]["usage"].clone()).filter(|u| !u.is_null());
            }
            "error" if found.end.is_empty() => found.end = "error".to_owned(),
            _ => {}
        }
    }
    found
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A few sizes in `1..=max`, from a generator seeded by `seed` (the same
/// on every run, different per recording).
fn random_sizes(seed: &str, count: usize, max: u64) -> Vec<usize> {
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % max + 1).unwrap()
        })
        .collect()
}

/// `body` cut into reads of random sizes (1 to 64 bytes).
fn random_reads<'a>(seed: &str, body: &'a [u8]) -> Vec<&'a [u8]> {
    let sizes = random_sizes(seed, body.len(), 64);
    let mut reads = Vec::new();
    let mut rest = body;
    for size in sizes {
        if rest.is_empty() {
            break;
        }
        let (read, after) = rest.split_at(size.min(rest.len()));
        reads.push(read);
        rest = after;
    }
    reads
}

/// Replays `name` in `mode` whole and in two random write sizes; the
/// outcome, the same for all three.
async fn replay<R: ResponseModel>(name: &str, mode: Mode) -> Result<R::Output, Error>
where
    R::Output: serde::Serialize,
{
    let mut replies = vec![Reply::sse(fixture(name))];
    for size in random_sizes(name, 2, 48) {
        replies.push(Reply::sse(fixture(name)).split_every(size));
    }
    let mut results = Vec::new();
    for reply in replies {
        let server = ReplayServer::start([reply]).await.unwrap();
        let request = client(&server, 0).chat().model("m").user("u").mode(mode);
        results.push(request.create::<R>().await);
        assert_eq!(server.requests().len(), 1, "{name}: no retry");
    }
    for other in &results[1..] {
        assert_eq!(
            outcome(other),
            outcome(&results[0]),
            "{name} in {mode:?}: the splits change nothing"
        );
    }
    results.remove(0)
}

async fn value(name: &str, mode: Mode) -> Value {
    replay::<Value>(name, mode)
        .await
        .unwrap_or_else(|e| panic!("{name} in {mode:?}: {e}"))
}

async fn error(name: &str, mode: Mode) -> Error {
    match replay::<Value>(name, mode).await {
        Ok(value) => panic!("{name} in {mode:?} must fail, gave {value}"),
        Err(error) => error,
    }
}

#[tokio::test]
async fn function_calls_give_their_arguments() {
    let table = [
        ("function-call-gpt4o", json!({"country": "France"})),
        (
            "function-call-nested-args",
            json!({"itinerary": {"city": "Kyoto", "days": 3, "activities": ["temples", "tea ceremony"], "lodging": {"name": "Sakura Inn", "rooms": 2}}}),
        ),
        (
            "function-call-unicode-args",
            json!({"message": "Grüße aus 東京, from the \"naïve café\"!"}),
        ),
        ("function-call-zero-args", json!({})),
        (
            "gpt5-reasoning-function-call-usage",
            json!({"result": 6666}),
        ),
        (
            "deepseek-reasoning-text-function-call",
            json!({"city": "Tokyo"}),
        ),
    ];
    for (name, expected) in table {
        let recorded = naive(name);
        assert_eq!(
            parsed(&recorded.calls[0].2),
            expected,
            "{name}: the naive reader agrees"
        );
        for mode in [Mode::Tools, Mode::ToolsStrict] {
            assert_eq!(value(name, mode).await, expected, "{name} in {mode:?}");
        }
    }
}

#[tokio::test]
async fn parallel_function_calls_are_items() {
    let name = "parallel-function-calls";
    let recorded: Vec<Value> = naive(name).calls.iter().map(|c| parsed(&c.2)).collect();
    assert_eq!(recorded, [json!({}), json!({})]);
    let items = replay::<Iterable<Value>>(name, Mode::ParallelTools).await;
    assert_eq!(items.unwrap(), recorded);
    assert_eq!(value(name, Mode::Tools).await, json!({}), "the first call");
    let mut reader = ItemReader::<Value>::new(Mode::ParallelTools).provider(Provider::Responses);
    let mut items: Vec<Value> = Vec::new();
    for read in random_reads(name, &fixture(name)) {
        items.extend(reader.feed(read).map(Result::unwrap));
    }
    let ids: Vec<String> = reader
        .completion()
        .tool_calls
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(
        ids,
        ["call_REDACTED_1", "call_REDACTED_2"],
        "the call ids, not the item ids"
    );
    assert!(
        reader.finish().unwrap().is_empty(),
        "every item came while feeding"
    );
    assert_eq!(items, recorded);
}

#[tokio::test]
async fn json_schema_text() {
    let name = "json-schema-text-gpt4o-mini";
    let got = value(name, Mode::JsonSchema).await;
    assert_eq!(got, parsed(&naive(name).text));
    assert_eq!(got["name"], "Barkley");
}

#[tokio::test]
async fn text_answers_hold_no_json_and_no_reasoning() {
    for name in [
        "background-queued-text",
        "text-logprobs",
        "o3-mini-reasoning-summary-text",
        "web-search-annotations",
        "reasoning-summary-encrypted-gpt56",
    ] {
        let err = error(name, Mode::MdJson).await;
        assert!(matches!(err, Error::NoJson { .. }), "{name}: {err}");
        assert_eq!(
            err.raw_text(),
            Some(naive(name).text.as_str()),
            "{name}: the answer text only"
        );
        let err = error(name, Mode::Tools).await;
        assert!(matches!(err, Error::NoJson { .. }), "{name}: {err}");
    }
    assert_eq!(
        value("reasoning-summary-encrypted-gpt56", Mode::Json).await,
        json!(114),
        "the answer after 77 summary deltas is `114`"
    );
}

#[tokio::test]
async fn a_refusal_is_its_own_error() {
    let name = "refusal-json-schema";
    let err = error(name, Mode::JsonSchema).await;
    let Error::Refusal { refusal, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*refusal, naive(name).refusal);
    assert_eq!(refusal, "I'm sorry, I can't assist with that.");
}

#[tokio::test]
async fn incomplete_responses_are_truncated() {
    for name in ["incomplete-max-output-tokens", "incomplete-reasoning-only"] {
        assert_eq!(naive(name).end, "response.incomplete");
        for mode in [Mode::JsonSchema, Mode::Tools] {
            let err = error(name, mode).await;
            assert!(
                matches!(err, Error::Truncated { .. }),
                "{name} in {mode:?}: {err}"
            );
            assert_eq!(
                err.raw_text(),
                Some(""),
                "{name}: reasoning is not the answer"
            );
        }
    }
}

#[tokio::test]
async fn an_error_in_an_http_200_stream_is_a_provider_error() {
    let err = error("error-insufficient-quota-failed", Mode::Tools).await;
    let Error::Provider {
        message,
        kind,
        code,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(code.as_deref(), Some("insufficient_quota"));
    assert_eq!(kind.as_deref(), Some("insufficient_quota"));
    assert!(
        message.starts_with("You exceeded your current quota"),
        "{message}"
    );
}

/// The usage a recording reports, in the client's shape.
fn usage_of(recorded: &Value) -> Usage {
    let count = |v: &Value| v.as_u64().unwrap_or(0);
    Usage::new(
        count(&recorded["input_tokens"]),
        count(&recorded["output_tokens"]),
    )
    .with_total_tokens(count(&recorded["total_tokens"]))
    .with_reasoning_tokens(count(
        &recorded["output_tokens_details"]["reasoning_tokens"],
    ))
    .with_cached_tokens(count(&recorded["input_tokens_details"]["cached_tokens"]))
}

/// Every recording read by `PartialReader` with random reads in every mode:
/// the outcome is the client's, the snapshots only grow, and (when read to
/// the end) the completion holds the recording's id, call ids and usage.
#[tokio::test]
async fn partial_reader_matches_the_client_on_every_recording_and_mode() {
    for name in recordings() {
        let body = fixture(&name);
        let recorded = naive(&name);
        for mode in MODES {
            let server = ReplayServer::start([Reply::sse(body.clone())])
                .await
                .unwrap();
            let request = client(&server, 0).chat().model("m").user("u").mode(mode);
            let expected = outcome(&request.create::<Value>().await);
            let mut reader = PartialReader::<Value>::new(mode).provider(Provider::Responses);
            let mut failed = None;
            let mut last: Option<Value> = None;
            for read in random_reads(&format!("{name}{mode:?}"), &body) {
                match reader.feed(read) {
                    Ok(Some(snapshot)) => {
                        if let Some(last) = &last {
                            assert!(extends(last, snapshot), "{name}: {last} then {snapshot}");
                        }
                        last = Some(snapshot.clone());
                    }
                    Ok(None) => {}
                    Err(error) => {
                        failed = Some(error);
                        break;
                    }
                }
            }
            let completion = reader.completion().clone();
            let got = match failed {
                // An error while feeding (a syntax error) stops the reading.
                Some(error) => {
                    assert_eq!(
                        outcome::<Value>(&Err(error)),
                        expected,
                        "{name} in {mode:?}"
                    );
                    continue;
                }
                None => outcome(&reader.finish()),
            };
            assert_eq!(got, expected, "{name} in {mode:?}");
            assert_eq!(completion.id, recorded.id, "{name}");
            let ids: Vec<&str> = completion
                .tool_calls
                .iter()
                .map(|c| c.id.as_str())
                .collect();
            let recorded_ids: Vec<&str> = recorded.calls.iter().map(|c| c.1.as_str()).collect();
            assert_eq!(ids, recorded_ids, "{name}");
            assert_eq!(
                completion.usage,
                recorded.usage.as_ref().map(usage_of),
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn usage_with_reasoning_and_cached_tokens() {
    let table = [
        ("gpt5-reasoning-function-call-usage", 448, 0),
        ("deepseek-reasoning-text-function-call", 14, 256),
        ("function-call-gpt4o", 0, 0),
    ];
    for (name, reasoning, cached) in table {
        let server = ReplayServer::start([Reply::sse(fixture(name))])
            .await
            .unwrap();
        let request = client(&server, 0).chat().model("m").user("u");
        let extraction = request.create_with_completion::<Value>().await.unwrap();
        let usage = extraction.usage.unwrap();
        assert_eq!(
            (usage.reasoning_tokens, usage.cached_tokens),
            (reasoning, cached),
            "{name}"
        );
        assert_eq!(
            Some(usage),
            naive(name).usage.as_ref().map(usage_of),
            "{name}"
        );
        assert_eq!(
            extraction.completion.finish_reason.as_deref(),
            Some("completed")
        );
    }
}
