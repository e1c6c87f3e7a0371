//! Anthropic's Message Batches, as the replay server emulates them: `POST
//! /v1/messages/batches` (`requests: [{custom_id, params}]`), `GET
//! /v1/messages/batches/{id}` (`in_progress` until the batch ends, then
//! `ended` with a `results_url`), `POST …/{id}/cancel` (`canceling`, then
//! `ended`), `GET …/{id}/results` (JSONL, no line feed after the last line,
//! as the API sends it): `succeeded` with the whole message, `errored` with
//! the error body, `canceled`, `expired`.

use super::super::script::Reply;
use super::super::server::RecordedRequest;
use super::batches::{End, Job, Outcome, Phase, State};
use super::limit::rfc3339;
use super::Response;
use crate::client::Provider;
use serde_json::{json, Value};
use std::time::{Duration, UNIX_EPOCH};

/// Answers a Message Batches request; `None` for another path.
pub(crate) fn route(
    state: &mut State,
    request: &RecordedRequest,
    path: &str,
    reply_for: &dyn Fn(&RecordedRequest) -> Option<Reply>,
) -> Option<Response> {
    let rest = path.strip_prefix("/v1/messages/batches")?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let host = request.header("host").unwrap_or("127.0.0.1").to_owned();
    Some(match (request.method.as_str(), segments.as_slice()) {
        ("POST", []) => create(state, request, &host),
        ("GET", [id]) => {
            state.poll(id, reply_for);
            match state.jobs.get(*id) {
                Some(job) => Response::json(200, &object(job, &host)),
                None => not_found(id),
            }
        }
        ("POST", [id, "cancel"]) => match state.jobs.get_mut(*id) {
            Some(job) => {
                if job.phase == Phase::Running {
                    job.phase = Phase::Cancelling;
                }
                Response::json(200, &object(job, &host))
            }
            None => not_found(id),
        },
        ("GET", [id, "results"]) => match state.jobs.get(*id) {
            Some(job) if matches!(job.phase, Phase::Ended(_)) => Response {
                status: 200,
                content_type: "application/binary",
                body: results(job),
                headers: Vec::new(),
            },
            Some(_) => error(
                400,
                "invalid_request_error",
                "the batch is still processing",
            ),
            None => not_found(id),
        },
        _ => return None,
    })
}

fn error(status: u16, kind: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({ "type": "error", "error": { "type": kind, "message": message } }),
    )
}

fn not_found(id: &str) -> Response {
    error(
        404,
        "not_found_error",
        &format!("message batch {id} not found"),
    )
}

fn create(state: &mut State, request: &RecordedRequest, host: &str) -> Response {
    let body = request.json();
    let Some(requests) = body["requests"].as_array() else {
        return error(400, "invalid_request_error", "requests: field required");
    };
    let mut lines = Vec::new();
    for item in requests {
        let Some(custom_id) = item["custom_id"].as_str() else {
            return error(
                400,
                "invalid_request_error",
                "requests.custom_id: field required",
            );
        };
        let valid = !custom_id.is_empty()
            && custom_id.len() <= 64
            && custom_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return error(
                400,
                "invalid_request_error",
                "requests.custom_id: must match ^[a-zA-Z0-9_-]{1,64}$",
            );
        }
        if item["params"].get("stream").is_some_and(|s| s == true) {
            return error(
                400,
                "invalid_request_error",
                "requests.params.stream: streaming is not supported in batches",
            );
        }
        lines.push((custom_id.to_owned(), item["params"].clone()));
    }
    let id = state.create(Provider::Anthropic, "msgbatch_replay", lines, String::new());
    Response::json(200, &object(&state.jobs[&id], host))
}

fn time(secs: u64) -> Value {
    json!(rfc3339(UNIX_EPOCH + Duration::from_secs(secs)))
}

/// The `message_batch` object.
fn object(job: &Job, host: &str) -> Value {
    let ended = matches!(job.phase, Phase::Ended(_));
    let status = match job.phase {
        Phase::Running => "in_progress",
        Phase::Cancelling => "canceling",
        Phase::Ended(_) => "ended",
    };
    let (succeeded, errored, canceled, expired) = job.counts();
    let processing = if ended { 0 } else { job.lines.len() };
    let cancel_at = matches!(job.phase, Phase::Cancelling | Phase::Ended(End::Cancelled));
    json!({
        "id": job.id, "type": "message_batch", "processing_status": status,
        "request_counts": { "processing": processing, "succeeded": succeeded, "errored": errored, "canceled": canceled, "expired": expired },
        "ended_at": if ended { time(job.created_at) } else { Value::Null },
        "created_at": time(job.created_at), "expires_at": time(job.created_at + 86_400),
        "archived_at": null,
        "cancel_initiated_at": if cancel_at { time(job.created_at) } else { Value::Null },
        "results_url": if ended { json!(format!("http://{host}/v1/messages/batches/{}/results", job.id)) } else { Value::Null },
    })
}

/// The results JSONL.
fn results(job: &Job) -> Vec<u8> {
    let lines: Vec<String> = job
        .lines
        .iter()
        .zip(&job.outcomes)
        .map(|((custom_id, _), outcome)| {
            let result = match outcome {
                Outcome::Answered(message) => json!({ "type": "succeeded", "message": message }),
                Outcome::Failed { body, .. } => json!({ "type": "errored", "error": body }),
                Outcome::Cancelled => json!({ "type": "canceled" }),
                Outcome::Expired => json!({ "type": "expired" }),
            };
            json!({ "custom_id": custom_id, "result": result }).to_string()
        })
        .collect();
    lines.join("\n").into_bytes()
}
