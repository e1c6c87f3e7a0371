//! OpenAI's Batch API for chat completions and Responses: the requests as
//! a JSONL file (`{custom_id, method: "POST", url: "/v1/chat/completions"`
//! or `"/v1/responses"`, `body}` per line) uploaded through the Files API (`POST /files`, multipart,
//! `purpose=batch`), a batch created on it (`POST /batches`,
//! `completion_window: "24h"`), polled (`GET /batches/{id}`: `validating`,
//! `in_progress`, `finalizing`, then `completed`, `expired`, `cancelled` or
//! `failed`), cancelled (`POST /batches/{id}/cancel`), and its output and
//! error files read (`GET /files/{id}/content`).
//!
//! A result line is `{id, custom_id, response: {status_code, request_id,
//! body}, error}`: a 200 carries the whole `chat.completion` as `body`
//! (read like a live answer that was not streamed); another status its
//! error body ([`Error::Http`]); `response: null` with `error: {code,
//! message}` (`batch_expired`, `batch_cancelled`, …) is an
//! [`Error::Provider`] with that code.

use super::api::{self, count, BatchApi, ResultLine, State, Status};
use super::split::Limits;
use crate::client::config::Client;
use crate::{Error, Received};
use futures::future::BoxFuture;
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Map, Value};

/// The multipart boundary of an upload.
const BOUNDARY: &str = "extract-batch-7c1f0a9e53b24d68";

/// OpenAI's Batch API, for the requests of one endpoint.
pub(crate) struct OpenAiBatches {
    /// The endpoint every line of a batch goes to (`/v1/chat/completions`;
    /// the Batch API takes `/v1/responses` too).
    pub endpoint: &'static str,
}

impl OpenAiBatches {
    /// Batches of chat completions.
    pub const CHAT: OpenAiBatches = OpenAiBatches {
        endpoint: "/v1/chat/completions",
    };

    /// Batches of Responses requests.
    pub const RESPONSES: OpenAiBatches = OpenAiBatches {
        endpoint: "/v1/responses",
    };
}

impl BatchApi for OpenAiBatches {
    fn limits(&self) -> Limits {
        Limits::OPENAI
    }

    fn line(&self, custom_id: &str, mut body: Map<String, Value>) -> Value {
        body.remove("stream");
        body.remove("stream_options");
        json!({ "custom_id": custom_id, "method": "POST", "url": self.endpoint, "body": body })
    }

    fn begin(&self) -> Vec<u8> {
        format!(
            "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
             --{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"batch.jsonl\"\r\n\
             content-type: application/jsonl\r\n\r\n"
        )
        .into_bytes()
    }

    fn push(&self, payload: &mut Vec<u8>, line: &[u8], _first: bool) {
        payload.extend_from_slice(line);
        payload.push(b'\n');
    }

    fn end(&self, payload: &mut Vec<u8>) {
        payload.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    }

    fn create<'a>(
        &'a self,
        client: &'a Client,
        payload: Vec<u8>,
    ) -> BoxFuture<'a, Result<Status, Error>> {
        Box::pin(async move {
            let payload = bytes::Bytes::from(payload);
            let files = client.url("/files");
            let file = api::json(client, || {
                api::request(client, Method::POST, &files)
                    .header(
                        CONTENT_TYPE,
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .body(payload.clone())
            })
            .await?;
            let Some(file_id) = file["id"].as_str() else {
                return Err(unexpected("the file upload answered without an id", &file));
            };
            let batches = client.url("/batches");
            let create = json!({
                "input_file_id": file_id, "endpoint": self.endpoint, "completion_window": "24h",
                "metadata": { "created_by": "extract" },
            });
            let batch = api::json(client, || {
                api::request(client, Method::POST, &batches).json(&create)
            })
            .await?;
            self.status(&batch)
        })
    }

    fn object_path(&self, id: &str) -> String {
        format!("/batches/{id}")
    }

    fn status(&self, object: &Value) -> Result<Status, Error> {
        status(object)
    }

    fn result_urls(&self, client: &Client, status: &Status) -> Vec<String> {
        status
            .files
            .iter()
            .map(|id| client.url(&format!("/files/{id}/content")))
            .collect()
    }

    fn result(&self, line: &[u8]) -> Result<ResultLine, String> {
        let value: Value = serde_json::from_slice(line).map_err(|e| e.to_string())?;
        let custom_id = value["custom_id"]
            .as_str()
            .ok_or("a result line without a custom_id")?
            .to_owned();
        let response = &value["response"];
        let outcome = match response["status_code"].as_u64() {
            Some(200) => serde_json::to_vec(&response["body"]).map_err(|e| e.to_string())?,
            Some(status) => {
                let body = &response["body"];
                let parsed = crate::client::providers::ErrorBody::of_value(body);
                let status = u16::try_from(status).unwrap_or(500);
                return Ok(ResultLine {
                    custom_id,
                    outcome: Err(api::http_error(status, parsed, body.to_string(), None)),
                });
            }
            None => {
                let error = &value["error"];
                let code = error["code"].as_str();
                return Ok(ResultLine {
                    custom_id,
                    outcome: Err(api::provider_error(&json!({ "error": error }), code)),
                });
            }
        };
        Ok(ResultLine {
            custom_id,
            outcome: Ok(outcome),
        })
    }
}

fn unexpected(what: &str, value: &Value) -> Error {
    Error::Protocol {
        message: what.to_owned(),
        received: Box::new(Received {
            raw: Some(value.to_string()),
            partial: None,
        }),
    }
}

/// A batch object's status.
fn status(batch: &Value) -> Result<Status, Error> {
    let Some(id) = batch["id"].as_str() else {
        return Err(unexpected("a batch object without an id", batch));
    };
    let word = batch["status"].as_str().unwrap_or("");
    let state = match word {
        "completed" | "expired" | "cancelled" => State::Ended,
        "failed" => {
            let errors: Vec<String> = batch["errors"]["data"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["message"].as_str().unwrap_or("").to_owned())
                .collect();
            State::Failed(if errors.is_empty() {
                "the batch failed".to_owned()
            } else {
                errors.join("; ")
            })
        }
        _ => State::Running,
    };
    let counts = &batch["request_counts"];
    let files = ["output_file_id", "error_file_id"]
        .iter()
        .filter_map(|key| batch[*key].as_str().map(str::to_owned))
        .collect();
    Ok(Status {
        id: id.to_owned(),
        state,
        status: word.to_owned(),
        counts: (
            count(&counts["total"]),
            count(&counts["completed"]),
            count(&counts["failed"]),
        ),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::super::api::fixture;
    use super::*;

    /// The recorded batch objects of every state.
    #[test]
    fn recorded_batch_objects() {
        for (name, state, word) in [
            (
                "openai-batch-create-validating.json",
                State::Running,
                "validating",
            ),
            (
                "openai-batch-in-progress.json",
                State::Running,
                "in_progress",
            ),
            ("openai-batch-finalizing.json", State::Running, "finalizing"),
            ("openai-batch-cancelling.json", State::Running, "cancelling"),
            ("openai-batch-completed.json", State::Ended, "completed"),
        ] {
            let value: Value = serde_json::from_str(&fixture(name)).unwrap();
            let status = status(&value).unwrap();
            assert_eq!(
                (status.state, status.status.as_str()),
                (state, word),
                "{name}"
            );
        }
        let completed: Value =
            serde_json::from_str(&fixture("openai-batch-completed.json")).unwrap();
        let completed = status(&completed).unwrap();
        assert_eq!(completed.counts, (3, 3, 0));
        assert_eq!(completed.files, ["file-GykDwPni5UjeQEo2wkgrh7"]);
    }

    /// The recorded output lines, and error lines written from the
    /// documentation (no recording has one: see the fixtures' README).
    #[test]
    fn result_lines() {
        for line in fixture("openai-batch-output.jsonl").lines() {
            let result = OpenAiBatches::CHAT.result(line.as_bytes()).unwrap();
            let body: Value = serde_json::from_slice(&result.outcome.unwrap()).unwrap();
            assert_eq!(body["object"], "chat.completion");
        }
        let http = r#"{"id":"batch_req_1","custom_id":"request-5","response":{"status_code":400,"request_id":"r","body":{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}},"error":null}"#;
        let result = OpenAiBatches::CHAT.result(http.as_bytes()).unwrap();
        assert_eq!(result.custom_id, "request-5");
        let error = result.outcome.unwrap_err();
        assert!(
            matches!(&error, Error::Http { status: 400, code: Some(c), .. } if c == "context_length_exceeded"),
            "{error:?}"
        );
        let expired = r#"{"id":"batch_req_2","custom_id":"B","response":null,"error":{"code":"batch_expired","message":"The request could not be executed before the completion window ended."}}"#;
        let error = OpenAiBatches::CHAT
            .result(expired.as_bytes())
            .unwrap()
            .outcome
            .unwrap_err();
        assert!(
            matches!(&error, Error::Provider { code: Some(c), .. } if c == "batch_expired"),
            "{error:?}"
        );
        assert!(OpenAiBatches::CHAT.result(b"{}").is_err());
    }

    #[test]
    fn lines_are_the_live_body_without_streaming() {
        let mut body = Map::new();
        body.insert("model".into(), json!("m"));
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({"include_usage": true}));
        let line = OpenAiBatches::CHAT.line("a", body);
        assert_eq!(
            line,
            json!({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m"}})
        );
    }
}
