//! The replay server itself, spoken to over raw TCP: HTTP/1.1 framing,
//! keep-alive, recording, bad requests, the rendered event stream.

use extract_core::testing::{ReplayServer, Reply};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn post(path: &str, body: &str, extra: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Sends raw bytes, reads until the server closes the connection.
async fn exchange(server: &ReplayServer, request: &str) -> String {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    // A server that refuses a request may close before reading all of it;
    // the kernel may then reset the connection: keep what was read.
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8(out).unwrap()
}

/// The `data:` payloads of a chunked event-stream response.
fn events(response: &str) -> Vec<String> {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn keep_alive_serves_requests_in_order_and_records_them() {
    let server = ReplayServer::start([Reply::json("[1]"), Reply::json("[2]")])
        .await
        .unwrap();
    let body = r#"{"model":"m","stream":true,"response_format":{"type":"json_object"}}"#;
    let last = post("/v1/chat/completions", body, "Connection: close\r\n");
    let response = exchange(&server, &(post("/v1/chat/completions", body, "") + &last)).await;
    assert_eq!(response.matches("HTTP/1.1 200 OK").count(), 2, "{response}");
    assert!(response.contains("transfer-encoding: chunked"));
    let data = events(&response);
    assert_eq!(data.iter().filter(|d| *d == "[DONE]").count(), 2);
    let content: String = data
        .iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(content, "[1][2]");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[1].json()["model"], "m");
}

#[tokio::test]
async fn the_stream_has_the_shape_openai_sends() {
    let server = ReplayServer::start([Reply::json(r#"{"a":"bcdef"}"#).fragment(3)])
        .await
        .unwrap();
    let body = json!({
        "model": "m", "stream": true, "stream_options": {"include_usage": true},
        "tools": [{"type": "function", "function": {"name": "A"}}],
        "tool_choice": {"type": "function", "function": {"name": "A"}},
    });
    let response = exchange(
        &server,
        &post(
            "/v1/chat/completions",
            &body.to_string(),
            "Connection: close\r\n",
        ),
    )
    .await;
    let data = events(&response);
    let chunks: Vec<Value> = data[..data.len() - 1]
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let first = &chunks[0]["choices"][0]["delta"];
    assert_eq!(first["role"], "assistant");
    assert_eq!(
        first["tool_calls"][0]["function"],
        json!({"name": "A", "arguments": ""})
    );
    let fragments: Vec<&str> = chunks[1..]
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(fragments, [r#"{"a"#, r#"":""#, "bcd", r#"ef""#, "}"]);
    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(chunks[chunks.len() - 1]["choices"], json!([]));
    assert!(
        chunks[chunks.len() - 1]["usage"]["total_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
}

#[tokio::test]
async fn bad_requests_get_errors_not_panics() {
    let server = ReplayServer::start([Reply::json("{}")]).await.unwrap();
    let response = exchange(&server, "NONSENSE\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    let response = exchange(&server, &post("/v1/models", "{}", "Connection: close\r\n")).await;
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    let chunked =
        "POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert!(exchange(&server, chunked).await.starts_with("HTTP/1.1 400"));
    let huge = format!("GET /{} HTTP/1.1\r\n\r\n", "x".repeat(70_000));
    let refused = exchange(&server, &huge).await;
    assert!(
        refused.is_empty() || refused.starts_with("HTTP/1.1 400"),
        "{refused}"
    );
    // The script is untouched by all that: the one reply is still there.
    let ok = exchange(
        &server,
        &post(
            "/v1/chat/completions",
            r#"{"stream":false}"#,
            "Connection: close\r\n",
        ),
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let whole: Value = serde_json::from_str(ok.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(whole["object"], "chat.completion");
    let exhausted = exchange(
        &server,
        &post("/v1/chat/completions", "{}", "Connection: close\r\n"),
    )
    .await;
    assert!(
        exhausted.starts_with("HTTP/1.1 500") && exhausted.contains("exhausted"),
        "{exhausted}"
    );
}

#[tokio::test]
async fn repeat_answers_beyond_the_script() {
    let server = ReplayServer::start([]).await.unwrap();
    server.repeat(Reply::status(503, "busy"));
    for _ in 0..3 {
        let response = exchange(
            &server,
            &post("/v1/chat/completions", "{}", "Connection: close\r\n"),
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    }
}

#[tokio::test]
async fn recorded_bodies_go_out_byte_for_byte() {
    let body = b"data: {\"choices\":[]}\r\n\r\n: ping\n\ndata: [DONE]".to_vec();
    let server = ReplayServer::start([Reply::sse(body.clone()).split_every(5)])
        .await
        .unwrap();
    let response = exchange(
        &server,
        &post("/v1/chat/completions", "{}", "Connection: close\r\n"),
    )
    .await;
    let (_, chunked) = response.split_once("\r\n\r\n").unwrap();
    let mut decoded = Vec::new();
    let mut rest = chunked.as_bytes();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            break;
        }
        assert!(size <= 5);
        decoded.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
        rest = &rest[line_end + 2 + size + 2..];
    }
    assert_eq!(decoded, body);
}
