//! Helpers of the many-documents tests.

#![allow(dead_code)]

use extract_core::testing::{RecordedRequest, ReplayServer, Reply};
use serde_json::{json, Value};
use std::path::PathBuf;

/// A fresh path in the temporary directory for this test.
pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("extract-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// The text of the first user message of a chat-completions or Messages
/// request body (the document: re-asks add turns after it).
pub fn user_text(body: &Value) -> String {
    // Chat completions and Anthropic: `messages`; Responses: `input`.
    let turns = body.get("messages").unwrap_or(&body["input"]);
    let last = turns
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "user"))
        .cloned()
        .unwrap_or(Value::Null);
    match &last["content"] {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// The answer to a document: `{"doc": <its text>}`, in one delta.
pub fn echo(request: &RecordedRequest) -> Reply {
    let text = user_text(&request.json());
    Reply::value(&json!({ "doc": text })).fragment(1 << 20)
}

/// A server that answers each document with [`echo`].
pub async fn echo_server() -> ReplayServer {
    let server = ReplayServer::start([]).await.unwrap();
    server.respond_with(echo);
    server
}
