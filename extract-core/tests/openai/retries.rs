//! Re-asks: the next request really carries the previous answer and its
//! errors; budgets; what streams show across attempts.

use crate::common::{json_of, reasked, request, Object};
use extract_core::openai::{Mode, Provider};
use extract_core::testing::{RecordedRequest, ReplayServer, Reply};
use extract_core::{Error, Iterable};
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::BTreeMap;

type Ages = BTreeMap<String, u32>;

/// The messages `request` sent.
fn messages(request: &RecordedRequest) -> Vec<Value> {
    request.json()["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn tool_modes_reask_with_the_tool_call_and_a_tool_result() {
    for mode in [Mode::Tools, Mode::ToolsStrict, Mode::ParallelTools] {
        let (ages, server) = reasked::<Ages>(
            Provider::ChatCompletions,
            r#"{"jason": "ten"}"#,
            r#"{"jason": 10}"#,
            mode,
        )
        .await;
        assert_eq!(ages["jason"], 10, "{mode:?}");
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{mode:?}");
        let (first, second) = (messages(&requests[0]), messages(&requests[1]));
        assert_eq!(
            second[..first.len()],
            first[..],
            "{mode:?}: the conversation is kept"
        );
        let added = &second[first.len()..];
        assert_eq!(added.len(), 2, "{mode:?}: {added:?}");
        assert_eq!(added[0]["role"], "assistant");
        assert_eq!(added[0]["tool_calls"][0]["id"], "call_replay_0");
        assert_eq!(
            added[0]["tool_calls"][0]["function"]["arguments"],
            r#"{"jason": "ten"}"#
        );
        assert_eq!(added[1]["role"], "tool");
        assert_eq!(added[1]["tool_call_id"], "call_replay_0");
        let errors = added[1]["content"].as_str().unwrap();
        assert!(
            errors.contains("jason"),
            "{mode:?}: the error names the path: {errors}"
        );
    }
}

#[tokio::test]
async fn json_modes_reask_with_the_answer_and_a_user_message() {
    for mode in [Mode::JsonSchema, Mode::Json, Mode::MdJson] {
        let (ages, server) = reasked::<Ages>(
            Provider::ChatCompletions,
            r#"{"jason": -3}"#,
            r#"{"jason": 10}"#,
            mode,
        )
        .await;
        assert_eq!(ages["jason"], 10);
        let sent = messages(&server.requests()[1]);
        let (answer, follow_up) = (&sent[sent.len() - 2], &sent[sent.len() - 1]);
        assert_eq!(answer["role"], "assistant");
        assert!(
            answer["content"]
                .as_str()
                .unwrap()
                .contains(r#"{"jason": -3}"#),
            "{mode:?}: {answer}"
        );
        assert_eq!(follow_up["role"], "user");
        assert!(
            follow_up["content"].as_str().unwrap().contains("jason"),
            "{mode:?}: {follow_up}"
        );
    }
}

#[tokio::test]
async fn a_syntax_error_is_reasked_as_soon_as_it_arrives() {
    let (got, server) = reasked::<Object>(
        Provider::ChatCompletions,
        r#"{"a": 1,, "b": 2}"#,
        r#"{"a": 1}"#,
        Mode::Tools,
    )
    .await;
    assert_eq!(json_of(&got), json!({"a": 1}));
    let tool_result = messages(&server.requests()[1]).pop().unwrap();
    assert!(
        tool_result["content"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{tool_result}"
    );
}

#[tokio::test]
async fn exhausted_reasks_hold_every_attempt_and_the_last_partial() {
    let bad = [r#"{"a": "one"}"#, r#"{"a": "two"}"#, r#"{"a": "three"}"#];
    let server = ReplayServer::start(bad.map(Reply::json)).await.unwrap();
    let err = request(&server, Mode::Json)
        .max_retries(2)
        .create::<Ages>()
        .await
        .unwrap_err();
    let Error::RetriesExhausted { attempts, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|e| e.validation().is_some()), "{err}");
    assert_eq!(attempts[0].raw_text(), Some(bad[0]));
    assert_eq!(err.raw_text(), Some(bad[2]));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn no_reask_without_budget() {
    let server = ReplayServer::start([Reply::json(r#"{"a": "one"}"#)])
        .await
        .unwrap();
    let err = request(&server, Mode::Tools)
        .create::<Ages>()
        .await
        .unwrap_err();
    let issues = err.validation().expect("a validation error").issues();
    assert_eq!(issues[0].path.to_string(), "a");
    assert_eq!(err.raw_text(), Some(r#"{"a": "one"}"#));
}

#[tokio::test]
async fn usage_is_summed_over_attempts() {
    let server = ReplayServer::start([Reply::json(r#"{"a": "x"}"#), Reply::json(r#"{"a": 1}"#)])
        .await
        .unwrap();
    let extraction = request(&server, Mode::Tools)
        .max_retries(1)
        .create_with_completion::<Ages>()
        .await
        .unwrap();
    assert_eq!(extraction.attempts, 2);
    let total = extraction.usage.unwrap();
    assert_eq!(
        total.total_tokens,
        total.prompt_tokens + total.completion_tokens
    );
    assert!(total.prompt_tokens > 0 && total.completion_tokens > 0);
    assert_eq!(extraction.completion.tool_calls[0].arguments, r#"{"a": 1}"#);
    let one = request(&server_with(r#"{"a": 1}"#).await, Mode::Tools)
        .create_with_completion::<Ages>()
        .await
        .unwrap();
    assert!(
        total.completion_tokens > one.usage.unwrap().completion_tokens,
        "two attempts cost more than one"
    );
}

async fn server_with(json: &str) -> ReplayServer {
    ReplayServer::start([Reply::json(json)]).await.unwrap()
}

#[tokio::test]
async fn a_partial_stream_continues_with_the_next_attempt() {
    let server = ReplayServer::start([
        Reply::json(r#"{"a": "x", "b": 2}"#),
        Reply::json(r#"{"a": 1, "b": 2}"#),
    ])
    .await
    .unwrap();
    let mut stream = request(&server, Mode::Tools)
        .max_retries(1)
        .create_partial::<Ages>()
        .await
        .unwrap();
    let mut snapshots = Vec::new();
    while let Some(snapshot) = stream.next().await {
        snapshots.push(json_of(&snapshot.unwrap()));
    }
    assert_eq!(stream.attempts(), 2);
    assert_eq!(snapshots.last(), Some(&json!({"a": 1, "b": 2})));
    let value = stream.take_value().unwrap();
    assert_eq!(value["a"], 1);
}

#[tokio::test]
async fn an_item_stream_does_not_repeat_items_after_a_reask() {
    let first = vec![json!({"n": 1}), json!({"n": 2}), json!({"n": "three"})];
    let second = vec![
        json!({"n": 1}),
        json!({"n": 2}),
        json!({"n": 3}),
        json!({"n": 4}),
    ];
    let server = ReplayServer::start([Reply::items(first), Reply::items(second)])
        .await
        .unwrap();
    let stream = request(&server, Mode::Json)
        .max_retries(1)
        .create_iterable::<Ages>()
        .await
        .unwrap();
    let items: Vec<Value> = stream.map(|item| json_of(&item.unwrap())).collect().await;
    assert_eq!(
        items,
        [
            json!({"n": 1}),
            json!({"n": 2}),
            json!({"n": 3}),
            json!({"n": 4})
        ]
    );
    let follow_up = messages(&server.requests()[1]).pop().unwrap();
    assert!(
        follow_up["content"]
            .as_str()
            .unwrap()
            .contains("items[2].n"),
        "{follow_up}"
    );
}

#[tokio::test]
async fn a_list_reasks_on_an_invalid_item() {
    let server = ReplayServer::start([
        Reply::items([json!({"n": "x"})]),
        Reply::items([json!({"n": 5})]),
    ])
    .await
    .unwrap();
    let got = request(&server, Mode::ParallelTools)
        .max_retries(1)
        .create::<Iterable<Ages>>()
        .await
        .unwrap();
    assert_eq!(json_of(&got), json!([{"n": 5}]));
}

#[tokio::test]
async fn transient_failures_and_reasks_have_separate_budgets() {
    let server = ReplayServer::start([
        Reply::status(500, "down"),
        Reply::json(r#"{"a": "x"}"#),
        Reply::status(503, "down"),
        Reply::json(r#"{"a": 2}"#),
    ])
    .await
    .unwrap();
    let got: Ages = request(&server, Mode::Tools)
        .max_retries(1)
        .create::<Ages>()
        .await
        .unwrap();
    assert_eq!(got["a"], 2);
    assert_eq!(server.requests().len(), 4);
}

/// A list answer cut after its second item, and the offset of the cut in
/// `mode`'s rendering.
fn cut_after_two(mode: Mode) -> usize {
    match mode {
        // One tool call per item: `{"n":1}` twice.
        Mode::ParallelTools => 14,
        // `{"items":[{"n":1},{"n":2}`.
        _ => 25,
    }
}

fn n(values: &[u32]) -> Vec<Value> {
    values.iter().map(|v| json!({ "n": v })).collect()
}

/// Everything an item stream from `server` over `provider` yields (one
/// transient retry, `reasks` re-asks): the items, then the error it ended
/// with.
async fn items_of(
    server: &ReplayServer,
    provider: Provider,
    mode: Mode,
    reasks: u32,
) -> (Vec<Value>, Option<Error>) {
    let stream = crate::common::chat(&crate::common::client_over(server, provider, 1))
        .mode(mode)
        .max_retries(reasks)
        .create_iterable::<Ages>()
        .await
        .unwrap();
    let results: Vec<Result<Ages, Error>> = stream.collect().await;
    let mut items = Vec::new();
    let mut error = None;
    for result in results {
        match result {
            Ok(item) => items.push(json_of(&item)),
            Err(e) => error = Some(e),
        }
    }
    (items, error)
}

/// The issue's case: answer 1 gave A, B and was cut; the retry's answer is
/// another list (C, D, E). The stream yields A, B and then says the new
/// answer diverged: C, D and E are not yielded after A, B as if they
/// followed them, and they are not lost (the error's raw text).
#[tokio::test]
async fn an_item_stream_never_mixes_two_lists_after_a_cut() {
    let cases = crate::common::every_provider_with([Mode::Json, Mode::Tools, Mode::ParallelTools]);
    for (provider, mode) in cases {
        let server = ReplayServer::start([
            Reply::items(n(&[1, 2, 3])).drop_after(cut_after_two(mode)),
            Reply::items(n(&[30, 40, 50])),
        ])
        .await
        .unwrap();
        let (items, error) = items_of(&server, provider, mode, 0).await;
        assert_eq!(items, n(&[1, 2]), "{provider} {mode:?}");
        let error = error.expect("the divergence is reported");
        let Error::RetriesExhausted { attempts, .. } = &error else {
            panic!("{mode:?}: {error}")
        };
        let Error::Diverged { index, kept, .. } = attempts.last().unwrap() else {
            panic!("{mode:?}: {error}")
        };
        assert_eq!((*index, *kept), (0, 2), "{mode:?}");
        assert!(
            error.raw_text().unwrap().contains("30"),
            "{mode:?}: the new answer is kept: {:?}",
            error.raw_text()
        );
        // The retry showed the model the cut answer and asked it to begin
        // with the two items received.
        let retry = String::from_utf8_lossy(&server.requests()[1].body).into_owned();
        assert!(
            retry.contains("first 2 items"),
            "{provider} {mode:?}: {retry}"
        );
        assert!(
            retry.contains(r#"{\"n\":2}"#) || retry.contains(r#"{"n":2}"#),
            "{provider} {mode:?}: the answer so far is in the conversation: {retry}"
        );
    }
}

/// With a re-ask allowed, the divergence is re-asked, and the stream goes
/// on with the answer that begins with the items already yielded: every
/// item yielded is from that one list.
#[tokio::test]
async fn a_diverged_answer_is_reasked_and_the_stream_goes_on_consistently() {
    let cases = crate::common::every_provider_with([Mode::Json, Mode::Tools, Mode::ParallelTools]);
    for (provider, mode) in cases {
        let server = ReplayServer::start([
            Reply::items(n(&[1, 2, 3])).drop_after(cut_after_two(mode)),
            Reply::items(n(&[30, 40, 50])),
            Reply::items(n(&[1, 2, 7, 8])),
        ])
        .await
        .unwrap();
        let (items, error) = items_of(&server, provider, mode, 1).await;
        assert!(error.is_none(), "{provider} {mode:?}: {error:?}");
        assert_eq!(items, n(&[1, 2, 7, 8]), "{provider} {mode:?}");
        let reask = String::from_utf8_lossy(&server.requests()[2].body).into_owned();
        assert!(
            reask.contains("item 0 differs"),
            "{provider} {mode:?}: {reask}"
        );
    }
}

/// A new answer shorter than what was yielded diverges too (its end), and
/// an answer that repeats the items with other whitespace does not.
#[tokio::test]
async fn a_new_answer_must_hold_every_item_yielded() {
    let server = ReplayServer::start([
        Reply::items(n(&[1, 2, 3])).drop_after(25),
        Reply::items(n(&[1])),
    ])
    .await
    .unwrap();
    let (items, error) = items_of(&server, Provider::ChatCompletions, Mode::Json, 0).await;
    assert_eq!(items, n(&[1, 2]));
    let Some(Error::RetriesExhausted { attempts, .. }) = &error else {
        panic!("{error:?}")
    };
    assert!(
        matches!(
            attempts[1],
            Error::Diverged {
                index: 1,
                kept: 2,
                ..
            }
        ),
        "{error:?}"
    );
    let spaced = r#"{"items": [ {"n": 1} , {"n":2}, {"n": 3} ]}"#;
    let server = ReplayServer::start([
        Reply::items(n(&[1, 2, 3])).drop_after(25),
        Reply::json(spaced),
    ])
    .await
    .unwrap();
    let (items, error) = items_of(&server, Provider::ChatCompletions, Mode::Json, 0).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(items, n(&[1, 2, 3]));
}
