//! Per-field state: `state` messages say which field is being written and
//! which completed, as pointers into the state the patches build.

use std::collections::BTreeMap;

use extract_core::relay::{Encoder, Encoding, Format, Relay};
use extract_core::testing::{ReplayServer, Reply};
use extract_core::{Path, Progress};
use serde_json::{json, Value};

use crate::support::{body_text, parse_sse_ids, Receiver};

type Object = BTreeMap<String, Value>;

const ANSWER: &str = r#"{"title": "Relay", "tags": ["sse", "patch"], "meta": {"pages": 12, "lang": "en"}, "end": true}"#;

/// The value at `pointer`, if any.
fn at<'a>(state: &'a Value, pointer: &str) -> Option<&'a Value> {
    state.pointer(pointer)
}

/// The body of `create_partial::<T>()` relayed with `relay`, the replay
/// server answering `replies` (re-asked up to once).
async fn relayed<T: extract_core::Extract>(replies: Vec<Reply>, relay: Relay) -> String {
    let server = ReplayServer::start(replies).await.unwrap();
    let stream = server
        .client()
        .chat()
        .model("m")
        .user("Describe it.")
        .max_retries(1)
        .create_partial::<T>()
        .await
        .unwrap();
    body_text(stream.relay(relay)).await
}

#[tokio::test(flavor = "current_thread")]
async fn state_messages_name_the_field_being_written_and_those_completed() {
    let answer = vec![Reply::json(ANSWER).fragment(3)];
    let text = relayed::<Object>(answer, Relay::sse().with_state(true)).await;
    let events = parse_sse_ids(&text);
    let mut client = Receiver::new();
    let mut actives = Vec::new();
    let mut completed_in_order = Vec::new();
    for (index, event) in events.iter().enumerate() {
        client.read(&format!("event: {}\ndata: {}\n\n", event.event, event.data));
        if event.event == "state" {
            assert_eq!(
                events[index + 1].event,
                "patch",
                "a state message comes just before its patch: {text}"
            );
            let data: Value = serde_json::from_str(&event.data).unwrap();
            completed_in_order.extend(data["completed"].as_array().unwrap().clone());
            actives.extend(data["active"].as_str().map(str::to_owned));
        }
        if event.event == "patch" {
            // Every path the last state message named exists now (the
            // member being written: its object; a number shows once complete).
            for path in &client.completed {
                assert!(
                    at(&client.state, path).is_some(),
                    "{path} not in {}",
                    client.state
                );
            }
            if let Some(active) = &client.active {
                let parent = &active[..active.rfind('/').unwrap_or(0)];
                assert!(
                    at(&client.state, active).is_some() || at(&client.state, parent).is_some(),
                    "{active} not in {}",
                    client.state
                );
            }
        }
    }
    assert!(actives.contains(&"/title".to_owned()), "{actives:?}");
    assert!(actives.contains(&"/tags/0".to_owned()), "{actives:?}");
    assert!(actives.contains(&"/meta/lang".to_owned()), "{actives:?}");
    for path in ["/title", "/tags", "/meta/pages"] {
        assert!(
            completed_in_order.contains(&json!(path)),
            "{path} completed: {completed_in_order:?}"
        );
    }
    let done = client.done.expect("done");
    assert_eq!(done, serde_json::from_str::<Value>(ANSWER).unwrap());
}

#[tokio::test(flavor = "current_thread")]
async fn without_with_state_nothing_changes_on_the_wire() {
    let answer = vec![Reply::json(ANSWER).fragment(3)];
    let text = relayed::<Object>(answer, Relay::sse()).await;
    assert!(!text.contains("event: state"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_re_asked_answer_resets_the_completed_paths() {
    let replies = vec![
        Reply::json(r#"{"first": 1, "second": "two"}"#),
        Reply::json(r#"{"third": 3, "fourth": 4}"#),
    ];
    let text = relayed::<BTreeMap<String, u32>>(replies, Relay::sse().with_state(true)).await;
    let states: Vec<Value> = parse_sse_ids(&text)
        .iter()
        .filter(|e| e.event == "state")
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| s["reset"] == json!(true)).count(),
        1,
        "{states:?}"
    );
    let mut client = Receiver::new();
    client.read(&text);
    assert!(
        !client.completed.contains(&"/first".to_owned()),
        "{:?}",
        client.completed
    );
    assert!(
        client.completed.contains(&"/third".to_owned()),
        "{:?}",
        client.completed
    );
}

fn path(keys: &[&str]) -> Path {
    let mut path = Path::root();
    for key in keys {
        path.push_key(*key);
    }
    path
}

#[test]
fn a_resynced_client_gets_every_completed_path_at_once() {
    let mut enc = Encoder::new(Format::Sse, Encoding::default());
    enc.progress(&Progress::new(Some(path(&["a", "x"])), vec![], 1));
    let _ = enc.snapshot(json!({"a": {"x": "1"}}));
    enc.progress(&Progress::new(
        Some(path(&["b"])),
        vec![path(&["a", "x"])],
        1,
    ));
    let _ = enc.snapshot(json!({"a": {"x": "1", "y": "2"}, "b": ""}));
    // `a` ended: it replaces `a/x` in the set. Nothing changed in the
    // value: the state waits for the next patch.
    enc.progress(&Progress::new(Some(path(&["b"])), vec![path(&["a"])], 1));
    assert!(enc
        .snapshot(json!({"a": {"x": "1", "y": "2"}, "b": ""}))
        .is_none());
    let next = enc
        .snapshot(json!({"a": {"x": "1", "y": "2"}, "b": "z"}))
        .unwrap();
    assert!(String::from_utf8_lossy(&next).contains(r#""completed":["/a"]"#));
    let resync = String::from_utf8(enc.resync(7).to_vec()).unwrap();
    assert_eq!(
        resync,
        "event: state\ndata: {\"active\":\"/b\",\"completed\":[\"/a\"],\"reset\":true}\n\n\
         event: snapshot\ndata: {\"a\":{\"x\":\"1\",\"y\":\"2\"},\"b\":\"z\"}\n\n"
    );
}
