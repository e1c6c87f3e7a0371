//! The runtime's streams relayed: `create_partial(...).relay(...)` and
//! `create_iterable(...).relay(...)` against the replay server.

use std::collections::BTreeMap;

use extract_core::openai::Mode;
use extract_core::relay::{Encoding, ErrorInfo, Op, PatchMode, Relay};
use extract_core::testing::{extends, ReplayServer, Reply};
use serde_json::{json, Value};

use crate::support::{body_text, parse_sse, patched_states};

type Object = BTreeMap<String, Value>;

const ANSWER: &str = r#"{"title": "Relay", "tags": ["sse", "patch"], "pages": 12}"#;

#[tokio::test(flavor = "current_thread")]
async fn a_partial_stream_relays_as_patches_ending_with_the_validated_value() {
    let server = ReplayServer::start([Reply::json(ANSWER).fragment(3)])
        .await
        .unwrap();
    let stream = server
        .client()
        .chat()
        .model("m")
        .mode(Mode::Tools)
        .user("Describe it.")
        .create_partial::<Object>()
        .await
        .unwrap();
    let messages = parse_sse(&body_text(stream.relay(Relay::sse())).await);
    let (done, patches) = messages.split_last().unwrap();
    assert!(
        patches.len() > 5,
        "one patch per changed snapshot: {messages:?}"
    );
    let states = patched_states(patches);
    let expected: Value = serde_json::from_str(ANSWER).unwrap();
    assert_eq!(states.last(), Some(&expected));
    assert_eq!(done.0, "done");
    assert_eq!(serde_json::from_str::<Value>(&done.1).unwrap(), expected);
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_answer_ends_with_an_error_keeping_the_partial() {
    let server = ReplayServer::start([Reply::json(ANSWER).truncate(30)])
        .await
        .unwrap();
    let stream = server
        .client()
        .chat()
        .model("m")
        .user("Describe it.")
        .max_retries(0)
        .create_partial::<Object>()
        .await
        .unwrap();
    let messages = parse_sse(&body_text(stream.relay(Relay::sse())).await);
    let (last, _) = messages.split_last().unwrap();
    assert_eq!(last.0, "error", "{messages:?}");
    let info: ErrorInfo = serde_json::from_str(&last.1).unwrap();
    assert!(
        ["truncated", "retries_exhausted"].contains(&info.kind.as_str()),
        "{info:?}"
    );
    assert_eq!(
        info.partial.unwrap()["title"],
        "Relay",
        "what arrived is kept"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_item_stream_relays_one_message_per_item() {
    let items = vec![json!({"n": 1}), json!({"n": 2}), json!({"n": 3})];
    let server = ReplayServer::start([Reply::items(items.clone())])
        .await
        .unwrap();
    let stream = server
        .client()
        .chat()
        .model("m")
        .user("List them.")
        .create_iterable::<Object>()
        .await
        .unwrap();
    let text = body_text(stream.relay(Relay::ndjson())).await;
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut expected: Vec<Value> = items
        .iter()
        .map(|item| json!({"event": "item", "data": item}))
        .collect();
    expected.push(json!({"event": "done", "data": items}));
    assert_eq!(lines, expected);
}

#[tokio::test(flavor = "current_thread")]
async fn a_re_asked_answer_starts_over_and_the_patches_follow() {
    let server = ReplayServer::start([
        Reply::json(r#"{"first": 1, "second": "two"}"#),
        Reply::json(r#"{"third": 3}"#),
    ])
    .await
    .unwrap();
    let stream = server
        .client()
        .chat()
        .model("m")
        .user("Count.")
        .max_retries(1)
        .create_partial::<BTreeMap<String, u32>>()
        .await
        .unwrap();
    let messages = parse_sse(&body_text(stream.relay(Relay::sse())).await);
    let states = patched_states(&messages[..messages.len() - 1]);
    assert!(
        states.iter().any(|state| state.get("first").is_some()),
        "the first attempt was shown: {messages:?}"
    );
    assert_eq!(states.last(), Some(&json!({"third": 3})), "{messages:?}");
    assert_eq!(messages.last().unwrap().0, "done");
    assert_eq!(server.requests().len(), 2);
}

/// The patches of a relayed partial stream are the parser's record of its
/// changes: in both modes they rebuild monotone states ending with the
/// answer, the strict ones with another RFC 6902 implementation too.
#[tokio::test(flavor = "current_thread")]
async fn a_partial_stream_relays_the_parsers_own_changes() {
    let answer = json!({
        "title": "Relay ".repeat(40),
        "tags": ["sse", "patch", "ndjson"],
        "nested": {"deep": [{"a": "x/y~z"}, {"b": [1, 2.5, null, true]}]},
        "pages": 12,
    });
    let text = answer.to_string();
    for relay in [Relay::sse(), Relay::sse().strict_patches()] {
        let server = ReplayServer::start([Reply::json(text.clone()).fragment(3)])
            .await
            .unwrap();
        let stream = server
            .client()
            .chat()
            .model("m")
            .mode(Mode::Tools)
            .user("Describe it.")
            .create_partial::<Value>()
            .await
            .unwrap();
        let messages = parse_sse(&body_text(stream.relay(relay)).await);
        let (done, patches) = messages.split_last().unwrap();
        assert_eq!(done.0, "done");
        let states = patched_states(patches);
        for pair in states.windows(2) {
            assert!(extends(&pair[0], &pair[1]), "{} then {}", pair[0], pair[1]);
        }
        assert_eq!(states.last(), Some(&answer));
        let mut elsewhere = json!({});
        for (_, data) in patches {
            let ops: Vec<Op> = serde_json::from_str(data).unwrap();
            if relay.encoding() == Encoding::Patches(PatchMode::Strict) {
                assert!(!ops.iter().any(|op| matches!(op, Op::Append { .. })));
                let patch: json_patch::Patch = serde_json::from_str(data).unwrap();
                json_patch::patch(&mut elsewhere, &patch).unwrap();
            }
        }
        if relay.encoding() == Encoding::Patches(PatchMode::Strict) {
            assert_eq!(elsewhere, answer);
        }
    }
}

/// In snapshot encoding the relay sends whole snapshots, as before.
#[tokio::test(flavor = "current_thread")]
async fn a_partial_stream_relays_whole_snapshots_when_asked() {
    let server = ReplayServer::start([Reply::json(ANSWER).fragment(5)])
        .await
        .unwrap();
    let stream = server
        .client()
        .chat()
        .model("m")
        .mode(Mode::Tools)
        .user("Describe it.")
        .create_partial::<Object>()
        .await
        .unwrap();
    let messages = parse_sse(&body_text(stream.relay(Relay::sse().snapshots())).await);
    let (done, snapshots) = messages.split_last().unwrap();
    assert_eq!(done.0, "done");
    assert!(snapshots.len() > 1);
    assert!(snapshots.iter().all(|(event, _)| event == "snapshot"));
    let last: Value = serde_json::from_str(&snapshots.last().unwrap().1).unwrap();
    assert_eq!(last, serde_json::from_str::<Value>(ANSWER).unwrap());
}
