//! Every recorded Anthropic Messages stream (`tests/fixtures/anthropic/`
//! and `tests/fixtures/sse/anthropic/`, sources in the fixtures' README),
//! replayed byte for byte through the Anthropic client over HTTP, whole and
//! in random small network writes, and read by `PartialReader` /
//! `ItemReader` cut at random points: each gives its expected value or
//! typed error, whatever the cuts.
//!
//! Expected values come from a naive reader of the recording (parse each
//! `data:` line, concatenate the text of `text` blocks and the input of
//! `tool_use` blocks), independent of the runtime.

use extract_core::client::{Backoff, ItemReader, Mode, PartialReader, Provider, ResponseModel};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::{Error, Iterable};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The folders of the recorded Anthropic streams.
const FOLDERS: [&str; 2] = [
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/anthropic"),
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sse/anthropic"),
];

/// What a recording gives in a mode.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The text of the `text` blocks, as JSON.
    Text,
    /// The input of the first `tool_use` block (`""` meaning `{}`).
    FirstCall,
    /// The input of every `tool_use` block, as a list.
    EveryCall,
    /// [`Error::Truncated`], keeping what came.
    Truncated,
    /// [`Error::Syntax`]: the text is not JSON.
    Syntax,
    /// [`Error::NoJson`]: no JSON where the mode reads it.
    NoJson,
}

/// Every recording (its path under `tests/fixtures/`), with what it gives
/// in which modes.
const CASES: &[(&str, Mode, Expect)] = &[
    (
        "anthropic/forced-json-tool.sse",
        Mode::Tools,
        Expect::FirstCall,
    ),
    (
        "anthropic/forced-json-tool.sse",
        Mode::ParallelTools,
        Expect::EveryCall,
    ),
    (
        "anthropic/output-format-json-array.sse",
        Mode::JsonSchema,
        Expect::Text,
    ),
    (
        "anthropic/output-format-with-strict-tool.sse",
        Mode::ToolsStrict,
        Expect::FirstCall,
    ),
    (
        "anthropic/parallel-tool-use-with-args.sse",
        Mode::ParallelTools,
        Expect::EveryCall,
    ),
    (
        "anthropic/parallel-tool-use-with-args.sse",
        Mode::Tools,
        Expect::FirstCall,
    ),
    (
        "anthropic/prefill-stop-sequence.sse",
        Mode::Json,
        Expect::Syntax,
    ),
    (
        "anthropic/prefill-stop-sequence.sse",
        Mode::MdJson,
        Expect::NoJson,
    ),
    (
        "anthropic/redacted-thinking-text.sse",
        Mode::Json,
        Expect::Syntax,
    ),
    (
        "anthropic/server-tool-code-execution.sse",
        Mode::Tools,
        Expect::NoJson,
    ),
    (
        "anthropic/server-tool-web-fetch.sse",
        Mode::Tools,
        Expect::NoJson,
    ),
    (
        "anthropic/server-tool-web-fetch.sse",
        Mode::MdJson,
        Expect::NoJson,
    ),
    (
        "anthropic/text-then-tool-no-args.sse",
        Mode::Tools,
        Expect::FirstCall,
    ),
    (
        "anthropic/thinking-signature-text.sse",
        Mode::Json,
        Expect::Syntax,
    ),
    (
        "anthropic/thinking-text-max-tokens.sse",
        Mode::MdJson,
        Expect::Truncated,
    ),
    (
        "anthropic/thinking-then-tool-use.sse",
        Mode::Tools,
        Expect::FirstCall,
    ),
    (
        "anthropic/tool-use-single-haiku.sse",
        Mode::Tools,
        Expect::FirstCall,
    ),
    (
        "sse/anthropic/json-schema-output-text.sse",
        Mode::JsonSchema,
        Expect::Text,
    ),
    (
        "sse/anthropic/parallel-tool-use-empty-input.sse",
        Mode::ParallelTools,
        Expect::EveryCall,
    ),
    (
        "sse/anthropic/tool-input-truncated-max-tokens.sse",
        Mode::Tools,
        Expect::Truncated,
    ),
    (
        "sse/anthropic/tool-search-then-tool-use.sse",
        Mode::Tools,
        Expect::FirstCall,
    ),
    (
        "sse/anthropic/tool-search-then-tool-use.sse",
        Mode::ParallelTools,
        Expect::EveryCall,
    ),
    (
        "sse/anthropic/tool-use-input-json-delta.sse",
        Mode::Tools,
        Expect::FirstCall,
    ),
];

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()))
}

/// Every `.sse` file of the Anthropic folders.
fn recordings() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = FOLDERS
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sse"))
        .collect();
    paths.sort();
    paths
}

/// A recording as a naive reader sees it.
#[derive(Debug, Default)]
struct Naive {
    /// The text of the `text` blocks.
    text: String,
    /// The input of each `tool_use` block, in order.
    calls: Vec<String>,
    /// The text of the `thinking` blocks.
    thinking: String,
}

fn naive(body: &[u8]) -> Naive {
    let body = String::from_utf8(body.to_vec()).unwrap();
    let mut out = Naive::default();
    let mut kinds = std::collections::HashMap::new();
    let mut call_of = std::collections::HashMap::new();
    for line in body.lines().filter_map(|l| l.strip_prefix("data:")) {
        let event: Value = serde_json::from_str(line).unwrap();
        let index = event["index"].as_u64().unwrap_or(0);
        match event["type"].as_str().unwrap() {
            "content_block_start" => {
                let kind = event["content_block"]["type"].as_str().unwrap().to_owned();
                if kind == "tool_use" {
                    call_of.insert(index, out.calls.len());
                    out.calls.push(String::new());
                }
                kinds.insert(index, kind);
            }
            "content_block_delta" => {
                let delta = &event["delta"];
                let text = |field: &str| delta[field].as_str().unwrap_or("").to_owned();
                match (kinds[&index].as_str(), delta["type"].as_str().unwrap()) {
                    ("text", "text_delta") => out.text.push_str(&text("text")),
                    ("tool_use", "input_json_delta") => {
                        out.calls[call_of[&index]].push_str(&text("partial_json"));
                    }
                    (_, "thinking_delta") => out.thinking.push_str(&text("thinking")),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// JSON text as a value, `""` meaning `{}`.
fn parsed(text: &str) -> Value {
    if text.is_empty() {
        return json!({});
    }
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Read sizes from a small generator seeded by `name`: the same cuts on
/// every run, different for each recording.
fn random_sizes(name: &str, count: usize) -> Vec<usize> {
    let mut state = name.bytes().fold(0x9E37_79B9_7F4A_7C15_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    });
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            1 + usize::try_from(state % 24).unwrap()
        })
        .collect()
}

/// What an outcome shows: the value, or the error with what it kept.
fn outcome<T: serde::Serialize>(result: &Result<T, Error>) -> Value {
    match result {
        Ok(value) => json!({ "value": serde_json::to_value(value).unwrap() }),
        Err(error) => json!({ "error": error.to_string(), "raw": error.raw_text() }),
    }
}

/// Replays `name` over HTTP whole and in writes of random small sizes;
/// every outcome, after checking they agree.
async fn replay<R: ResponseModel>(name: &str, mode: Mode) -> Result<R::Output, Error>
where
    R::Output: serde::Serialize,
{
    let body = fixture(name);
    let mut outcomes = Vec::new();
    let mut first = None;
    let splits = std::iter::once(None).chain(random_sizes(name, 3).into_iter().map(Some));
    for split in splits {
        let reply = match split {
            None => Reply::sse(body.clone()),
            Some(size) => Reply::sse(body.clone()).split_every(size),
        };
        let server = ReplayServer::start([reply]).await.unwrap();
        let client = server
            .client_builder()
            .provider(Provider::Anthropic)
            .backoff(Backoff::none())
            .build()
            .unwrap();
        let result = client.chat().model("m").mode(mode).create::<R>().await;
        assert_eq!(server.requests().len(), 1, "{name}: no retry");
        outcomes.push((split, outcome(&result)));
        first.get_or_insert(result);
    }
    for (split, shown) in &outcomes[1..] {
        assert_eq!(
            shown, &outcomes[0].1,
            "{name} in {mode:?}, {split:?}-byte writes"
        );
    }
    first.unwrap()
}

#[tokio::test]
async fn every_recording_gives_its_value_or_typed_error() {
    for &(name, mode, expect) in CASES {
        let recording = naive(&fixture(name));
        let context = format!("{name} in {mode:?}");
        match expect {
            Expect::EveryCall => {
                let items = replay::<Iterable<Value>>(name, mode)
                    .await
                    .unwrap_or_else(|e| panic!("{context}: {e}"));
                let expected: Vec<Value> = recording.calls.iter().map(|c| parsed(c)).collect();
                assert_eq!(items, expected, "{context}");
            }
            Expect::Text | Expect::FirstCall => {
                let value = replay::<Value>(name, mode)
                    .await
                    .unwrap_or_else(|e| panic!("{context}: {e}"));
                let expected = match expect {
                    Expect::Text => parsed(&recording.text),
                    _ => parsed(&recording.calls[0]),
                };
                assert_eq!(value, expected, "{context}");
            }
            Expect::Truncated | Expect::Syntax | Expect::NoJson => {
                let err = replay::<Value>(name, mode)
                    .await
                    .expect_err(&format!("{context} must fail"));
                let right = match expect {
                    Expect::Truncated => matches!(err, Error::Truncated { .. }),
                    Expect::Syntax => matches!(err, Error::Syntax { .. }),
                    _ => matches!(err, Error::NoJson { .. }),
                };
                assert!(right, "{context}: {err:?}");
                let raw = err.raw_text().unwrap_or("");
                let read_from = if mode.uses_tools() && !recording.calls.is_empty() {
                    &recording.calls[0]
                } else {
                    &recording.text
                };
                assert!(read_from.starts_with(raw), "{context}: kept {raw:?}");
                if !recording.thinking.is_empty() {
                    assert!(
                        !raw.contains(&recording.thinking[..20]),
                        "{context}: thinking leaked"
                    );
                }
            }
        }
    }
}

/// The expected values, written out, for a few recordings: the naive
/// reader reads them as intended.
#[tokio::test]
async fn some_values_written_out() {
    let cases = [
        (
            "anthropic/output-format-with-strict-tool.sse",
            Mode::Tools,
            json!({"value": "combined-stream"}),
        ),
        (
            "sse/anthropic/tool-use-input-json-delta.sse",
            Mode::Tools,
            json!({"location": "Paris"}),
        ),
        (
            "sse/anthropic/tool-search-then-tool-use.sse",
            Mode::Tools,
            json!({"from_currency": "USD", "to_currency": "EUR"}),
        ),
        (
            "anthropic/text-then-tool-no-args.sse",
            Mode::Tools,
            json!({}),
        ),
    ];
    for (name, mode, expected) in cases {
        assert_eq!(
            replay::<Value>(name, mode).await.unwrap(),
            expected,
            "{name}"
        );
    }
    let items = replay::<Iterable<Value>>(
        "anthropic/parallel-tool-use-with-args.sse",
        Mode::ParallelTools,
    )
    .await;
    assert_eq!(
        items.unwrap(),
        [json!({"x": 10, "y": 4}), json!({"x": 3, "y": 5})]
    );
    let dog = replay::<Value>(
        "sse/anthropic/json-schema-output-text.sse",
        Mode::JsonSchema,
    )
    .await;
    let dog = dog.unwrap();
    assert_eq!(
        (dog["name"].clone(), dog["age"].clone()),
        (json!("Biscuit"), json!(4))
    );
}

#[test]
fn every_recording_has_an_expectation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let recordings = recordings();
    assert!(recordings.len() >= 18, "recordings missing: {recordings:?}");
    for path in recordings {
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        assert!(
            CASES.iter().any(|(case, ..)| *case == name),
            "{name} has no expected outcome in CASES"
        );
    }
}

/// The usage of a recording: input and cache tokens as the prompt, the
/// cumulative output, the thinking tokens as reasoning.
#[tokio::test]
async fn usage_and_identity_from_the_recording() {
    let server = ReplayServer::start([Reply::sse(fixture("anthropic/thinking-then-tool-use.sse"))])
        .await
        .unwrap();
    let extraction = server
        .client_for(Provider::Anthropic)
        .chat()
        .model("m")
        .create_with_completion::<Value>()
        .await
        .unwrap();
    let usage = extraction.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.reasoning_tokens
        ),
        (598, 92, 53)
    );
    let completion = &extraction.completion;
    assert_eq!(
        completion.id.as_deref(),
        Some("msg_01JdU4xqNHXL9QCFWkwCDKGr")
    );
    assert_eq!(completion.finish_reason.as_deref(), Some("tool_use"));
    assert_eq!(completion.tool_calls[0].name, "fixed_version");
    assert_eq!(completion.content, "", "the thinking is not the answer");
}

/// `PartialReader` and `ItemReader` with `.provider(Provider::Anthropic)`,
/// fed each recording cut at random points, end as the client does.
#[tokio::test]
async fn readers_match_the_client_on_every_recording() {
    for &(name, mode, _) in CASES {
        let body = fixture(name);
        let server = ReplayServer::start([Reply::sse(body.clone())])
            .await
            .unwrap();
        let expected = outcome(
            &server
                .client_for(Provider::Anthropic)
                .chat()
                .model("m")
                .mode(mode)
                .create::<Value>()
                .await,
        );
        let sizes = random_sizes(name, 64);
        let mut reader = PartialReader::<Value>::new(mode).provider(Provider::Anthropic);
        let mut rest = &body[..];
        let mut failed = None;
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (read, after) = rest.split_at(size.min(rest.len()));
            rest = after;
            if let Err(error) = reader.feed(read) {
                failed = Some(error);
                break;
            }
        }
        let got = outcome(&match failed {
            Some(error) => Err(error),
            None => reader.finish(),
        });
        assert_eq!(got, expected, "{name} in {mode:?}");
        if mode == Mode::ParallelTools {
            let mut items = ItemReader::<Value>::new(mode).provider(Provider::Anthropic);
            let mut got: Vec<Value> = Vec::new();
            for read in body.chunks(sizes[0]) {
                got.extend(items.feed(read).map(Result::unwrap));
            }
            got.extend(items.finish().unwrap());
            let expected: Vec<Value> = naive(&body).calls.iter().map(|c| parsed(c)).collect();
            assert_eq!(got, expected, "{name}: items");
        }
    }
}
