//! Anthropic's Message Batches: the requests in one body (`POST
//! /v1/messages/batches` with `requests: [{custom_id, params}]`, `params`
//! the Messages request without `stream`), polled (`GET
//! /v1/messages/batches/{id}`: `processing_status` `in_progress`,
//! `canceling`, `ended`), cancelled (`POST …/{id}/cancel`), and the results
//! read (`GET …/{id}/results`, JSONL).
//!
//! A result line is `{custom_id, result}` with `result.type`:
//! `succeeded` (the whole `message`, read like a live answer that was not
//! streamed), `errored` (`result.error`, the API's error body:
//! [`Error::Provider`] with its type), `canceled` or `expired`
//! ([`Error::Provider`] with the code `batch_cancelled` or
//! `batch_expired`, as OpenAI names them).

use super::api::{self, count, BatchApi, ResultLine, State, Status};
use super::split::Limits;
use crate::client::config::Client;
use crate::{Error, Received};
use futures::future::BoxFuture;
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Map, Value};

/// Anthropic's Message Batches.
pub(crate) struct AnthropicBatches;

const PATH: &str = "/v1/messages/batches";

impl BatchApi for AnthropicBatches {
    fn limits(&self) -> Limits {
        Limits::ANTHROPIC
    }

    fn line(&self, custom_id: &str, mut body: Map<String, Value>) -> Value {
        body.remove("stream");
        json!({ "custom_id": custom_id, "params": body })
    }

    fn begin(&self) -> Vec<u8> {
        b"{\"requests\":[".to_vec()
    }

    fn push(&self, payload: &mut Vec<u8>, line: &[u8], first: bool) {
        if !first {
            payload.push(b',');
        }
        payload.extend_from_slice(line);
    }

    fn end(&self, payload: &mut Vec<u8>) {
        payload.extend_from_slice(b"]}");
    }

    fn create<'a>(
        &'a self,
        client: &'a Client,
        payload: Vec<u8>,
    ) -> BoxFuture<'a, Result<Status, Error>> {
        Box::pin(async move {
            let payload = bytes::Bytes::from(payload);
            let url = client.url(PATH);
            let batch = api::json(client, || {
                api::request(client, Method::POST, &url)
                    .header(CONTENT_TYPE, "application/json")
                    .body(payload.clone())
            })
            .await?;
            self.status(&batch)
        })
    }

    fn object_path(&self, id: &str) -> String {
        format!("{PATH}/{id}")
    }

    fn status(&self, object: &Value) -> Result<Status, Error> {
        status(object)
    }

    fn result_urls(&self, client: &Client, status: &Status) -> Vec<String> {
        // Built from the base URL rather than taken from `results_url`, so
        // the key only ever goes where the client was pointed.
        vec![client.url(&format!("{PATH}/{}/results", status.id))]
    }

    fn result(&self, line: &[u8]) -> Result<ResultLine, String> {
        let value: Value = serde_json::from_slice(line).map_err(|e| e.to_string())?;
        let custom_id = value["custom_id"]
            .as_str()
            .ok_or("a result line without a custom_id")?
            .to_owned();
        let result = &value["result"];
        let outcome = match result["type"].as_str() {
            Some("succeeded") => {
                Ok(serde_json::to_vec(&result["message"]).map_err(|e| e.to_string())?)
            }
            Some("errored") => Err(api::provider_error(&result["error"], None)),
            Some("canceled") => Err(gone(
                "batch_cancelled",
                "the batch was cancelled before this request was processed",
            )),
            Some("expired") => Err(gone(
                "batch_expired",
                "the batch expired before this request was processed",
            )),
            _ => return Err(format!("a result of unknown type: {result}")),
        };
        Ok(ResultLine { custom_id, outcome })
    }
}

/// A request that was never processed.
fn gone(code: &str, message: &str) -> Error {
    Error::Provider {
        message: message.to_owned(),
        kind: None,
        code: Some(code.to_owned()),
        received: Box::<Received>::default(),
    }
}

/// A `message_batch` object's status.
fn status(batch: &Value) -> Result<Status, Error> {
    let Some(id) = batch["id"].as_str() else {
        return Err(Error::Protocol {
            message: "a message batch without an id".to_owned(),
            received: Box::new(Received {
                raw: Some(batch.to_string()),
                partial: None,
            }),
        });
    };
    let word = batch["processing_status"].as_str().unwrap_or("");
    let counts = &batch["request_counts"];
    let failed = count(&counts["errored"]) + count(&counts["canceled"]) + count(&counts["expired"]);
    let succeeded = count(&counts["succeeded"]);
    Ok(Status {
        id: id.to_owned(),
        state: if word == "ended" {
            State::Ended
        } else {
            State::Running
        },
        status: word.to_owned(),
        counts: (
            count(&counts["processing"]) + succeeded + failed,
            succeeded,
            failed,
        ),
        files: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::api::fixture;
    use super::*;

    #[test]
    fn recorded_batch_objects() {
        for (name, state, counts) in [
            (
                "anthropic-batch-create-in-progress.json",
                State::Running,
                (3, 0, 0),
            ),
            ("anthropic-batch-canceling.json", State::Running, (3, 0, 0)),
            ("anthropic-batch-ended.json", State::Ended, (3, 3, 0)),
        ] {
            let value: Value = serde_json::from_str(&fixture(name)).unwrap();
            let status = status(&value).unwrap();
            assert_eq!((status.state, status.counts), (state, counts), "{name}");
        }
    }

    /// The recorded results (no line feed after the last line), and the
    /// other result types written from the documentation (no recording
    /// has one: see the fixtures' README).
    #[test]
    fn result_lines() {
        for name in [
            "anthropic-batch-results.jsonl",
            "anthropic-batch-results-thinking.jsonl",
        ] {
            let text = fixture(name);
            assert!(!text.ends_with('\n'));
            for line in text.lines() {
                let result = AnthropicBatches.result(line.as_bytes()).unwrap();
                let message: Value = serde_json::from_slice(&result.outcome.unwrap()).unwrap();
                assert_eq!(message["type"], "message", "{name}");
            }
        }
        let errored = r#"{"custom_id":"my-second-request","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}}}"#;
        let error = AnthropicBatches
            .result(errored.as_bytes())
            .unwrap()
            .outcome
            .unwrap_err();
        assert!(
            matches!(&error, Error::Provider { kind: Some(k), message, .. } if k == "invalid_request_error" && message.contains("max_tokens")),
            "{error:?}"
        );
        for (kind, code) in [
            ("canceled", "batch_cancelled"),
            ("expired", "batch_expired"),
        ] {
            let line = format!(r#"{{"custom_id":"x","result":{{"type":"{kind}"}}}}"#);
            let error = AnthropicBatches
                .result(line.as_bytes())
                .unwrap()
                .outcome
                .unwrap_err();
            assert!(
                matches!(&error, Error::Provider { code: Some(c), .. } if c == code),
                "{error:?}"
            );
        }
        assert!(AnthropicBatches
            .result(br#"{"custom_id":"x","result":{"type":"new"}}"#)
            .is_err());
    }

    #[test]
    fn the_recorded_request_shape() {
        let recorded: Value =
            serde_json::from_str(&fixture("anthropic-batch-create-in-progress.request.json"))
                .unwrap();
        let mut params = recorded["requests"][0]["params"]
            .as_object()
            .unwrap()
            .clone();
        params.insert("stream".into(), json!(true));
        assert_eq!(AnthropicBatches.line("0", params), recorded["requests"][0]);
    }
}
