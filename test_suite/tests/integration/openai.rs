//! The seeds' two jobs end to end with derived types, through the chat
//! runtime and the built-in replay server over loopback HTTP: typed partial
//! snapshots of the conference extraction, a re-ask driven by a derived
//! constraint, and `Iterable<User>` whole and streamed.

use std::sync::Arc;

use extract::openai::{ChatRequest, Mode};
use extract::testing::{Gate, Pause, ReplayServer, Reply};
use extract::{Extract, Iterable, Partial};
use futures::StreamExt;
use serde_json::{json, Value};

/// A participant of the meeting.
#[derive(Extract, Debug, Clone, PartialEq)]
struct Participant {
    /// The participant's full name.
    name: String,
    handle: String,
    twitter: String,
}

/// What the meeting notes say about the conference.
#[derive(Extract, Debug, Clone, PartialEq)]
struct Conference {
    #[extract(min_items = 5)]
    users: Vec<Participant>,
    date: String,
    location: String,
    budget: f64,
    #[extract(min_length = 1)]
    deadline: String,
}

#[derive(Extract, Debug, Clone, PartialEq)]
struct User {
    name: String,
    age: u32,
}

/// A request to `server` in `mode`.
fn request(server: &ReplayServer, mode: Mode) -> ChatRequest {
    server.client().chat().model("m").mode(mode).user("notes")
}

fn participants(n: usize) -> Vec<Value> {
    (0..n).map(|i| json!({"name": format!("Person {i}"), "handle": format!("p{i}"), "twitter": format!("@p{i}")})).collect()
}

fn conference(users: usize) -> String {
    format!(
        r#"{{"users":{},"date":"2024-03-15","location":"Grand Tech Arena","budget":50000,"deadline":"2024-02-20"}}"#,
        Value::Array(participants(users))
    )
}

#[tokio::test]
async fn conference_streams_typed_partials_in_tools_mode() {
    let server = ReplayServer::start([Reply::json(conference(6)).fragment(5)])
        .await
        .unwrap();
    let mut stream = request(&server, Mode::Tools)
        .create_partial::<Conference>()
        .await
        .unwrap();
    // Every snapshot kept: each stays as it was when yielded (the parser
    // copies the partial before writing into one still held).
    let mut snapshots: Vec<Arc<Partial<Conference>>> = Vec::new();
    while let Some(snapshot) = stream.next().await {
        snapshots.push(snapshot.unwrap());
    }
    let users_seen: Vec<usize> = snapshots
        .iter()
        .map(|s| s.users.as_ref().map_or(0, Vec::len))
        .collect();
    assert!(
        users_seen.windows(2).all(|w| w[0] <= w[1]),
        "users only grow: {users_seen:?}"
    );
    assert!(
        snapshots
            .iter()
            .any(|s| s.users.is_some() && s.date.is_none()),
        "users show before the date arrives"
    );
    let last = snapshots.last().unwrap();
    assert_eq!(last.budget, Some(50000.0));
    let value = stream.take_value().unwrap();
    assert_eq!(value.users.len(), 6);
    assert_eq!(value.users[5].twitter, "@p5");
    let sent = server.requests()[0].json();
    let parameters = &sent["tools"][0]["function"]["parameters"];
    assert_eq!(sent["tools"][0]["function"]["name"], "Conference");
    assert_eq!(parameters["properties"]["users"]["minItems"], 5);
    assert_eq!(
        sent["tools"][0]["function"]["description"],
        "What the meeting notes say about the conference."
    );
}

#[tokio::test]
async fn a_derived_constraint_drives_a_reask() {
    let server = ReplayServer::start([Reply::json(conference(3)), Reply::json(conference(5))])
        .await
        .unwrap();
    let extraction = request(&server, Mode::ToolsStrict)
        .max_retries(1)
        .create_with_completion::<Conference>()
        .await
        .unwrap();
    assert_eq!(extraction.value.users.len(), 5);
    assert_eq!(extraction.attempts, 2);
    let second = server.requests()[1].json();
    let tool_result = second["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(tool_result["role"], "tool");
    assert!(
        tool_result["content"].as_str().unwrap().contains("users"),
        "{tool_result}"
    );
}

#[tokio::test]
async fn users_whole_and_streamed() {
    let users = [
        json!({"name": "Jason", "age": 10}),
        json!({"name": "John", "age": 30}),
    ];
    let gate = Gate::new();
    let server = ReplayServer::start([
        Reply::items(users.clone()),
        Reply::items(users.clone()).pause_after_item(0, Pause::Until(gate.clone())),
    ])
    .await
    .unwrap();
    let whole = request(&server, Mode::Json)
        .create::<Iterable<User>>()
        .await
        .unwrap();
    assert_eq!(
        whole,
        [
            User {
                name: "Jason".into(),
                age: 10
            },
            User {
                name: "John".into(),
                age: 30
            }
        ]
    );
    let mut items = request(&server, Mode::Tools)
        .create_iterable::<User>()
        .await
        .unwrap();
    let first = items.next().await.unwrap().unwrap();
    assert!(
        !gate.is_open(),
        "the first user arrives while the server holds the second"
    );
    assert_eq!(first.name, "Jason");
    gate.open();
    assert_eq!(items.next().await.unwrap().unwrap().age, 30);
    assert!(items.next().await.is_none());
}
