//! OpenAI's Files and Batches endpoints, as the replay server emulates
//! them: `POST /v1/files` (multipart, `purpose=batch`), `GET
//! /v1/files/{id}/content`, `POST /v1/batches`, `GET /v1/batches/{id}`
//! (each poll moves the batch on: `validating` → `in_progress` →
//! `finalizing` → `completed`, or `expired`), `POST
//! /v1/batches/{id}/cancel` (`cancelling`, then `cancelled`).
//!
//! The output file holds a line per answered request (`response.status_code`
//! 200 and the whole chat completion as `body`); the error file a line per
//! request answered with an error status (`response.status_code` and the
//! error body) and per request cancelled or expired (`response: null`,
//! `error: {code: batch_cancelled | batch_expired, message}`), as OpenAI's
//! documentation describes them.

use super::super::render::dialect_for_path;
use super::super::script::Reply;
use super::super::server::RecordedRequest;
use super::batches::{lines, multipart, now_secs, End, Job, Outcome, Phase, State};
use super::Response;
use crate::client::Provider;
use serde_json::{json, Value};

/// Answers an OpenAI Files or Batches request; `None` for another path.
pub(crate) fn route(
    state: &mut State,
    request: &RecordedRequest,
    path: &str,
    reply_for: &dyn Fn(&RecordedRequest) -> Option<Reply>,
) -> Option<Response> {
    let rest = path.strip_prefix("/v1").unwrap_or(path);
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let method = request.method.as_str();
    Some(match (method, segments.as_slice()) {
        ("POST", ["files"]) => upload(state, request),
        ("GET", ["files", id, "content"]) => match state.files.get(*id) {
            Some(bytes) => Response {
                status: 200,
                content_type: "application/octet-stream",
                body: bytes.clone(),
                headers: Vec::new(),
            },
            None => not_found(&format!("No such File object: {id}")),
        },
        ("POST", ["batches"]) => create(state, request),
        ("GET", ["batches", id]) => {
            state.poll(id, reply_for);
            match state.jobs.get(*id) {
                Some(_) => {
                    finish_files(state, id);
                    Response::json(200, &object(&state.jobs[*id], state.polls()))
                }
                None => not_found(&format!("No batch found with id '{id}'.")),
            }
        }
        ("POST", ["batches", id, "cancel"]) => match state.jobs.get_mut(*id) {
            Some(job) => {
                if job.phase == Phase::Running {
                    job.phase = Phase::Cancelling;
                }
                let polls = state.polls();
                Response::json(200, &object(&state.jobs[*id], polls))
            }
            None => not_found(&format!("No batch found with id '{id}'.")),
        },
        _ => return None,
    })
}

fn not_found(message: &str) -> Response {
    Response::json(
        404,
        &json!({ "error": { "message": message, "type": "invalid_request_error", "param": null, "code": null } }),
    )
}

fn bad_request(message: &str) -> Response {
    Response::json(
        400,
        &json!({ "error": { "message": message, "type": "invalid_request_error", "param": null, "code": null } }),
    )
}

fn upload(state: &mut State, request: &RecordedRequest) -> Response {
    let parts = multipart(request);
    let purpose = parts.iter().find(|(name, _)| name == "purpose");
    let Some((_, file)) = parts.iter().find(|(name, _)| name == "file") else {
        return bad_request("a multipart `file` part is required");
    };
    if purpose.is_none_or(|(_, p)| p != b"batch") {
        return bad_request("`purpose` must be `batch` here");
    }
    let id = state.id("file-replay");
    state.files.insert(id.clone(), file.clone());
    Response::json(
        200,
        &json!({
            "object": "file", "id": id, "purpose": "batch", "filename": "upload",
            "bytes": file.len(), "created_at": now_secs(), "status": "processed", "status_details": null,
        }),
    )
}

fn create(state: &mut State, request: &RecordedRequest) -> Response {
    let body = request.json();
    let Some(file_id) = body["input_file_id"].as_str() else {
        return bad_request("`input_file_id` is required");
    };
    if body["completion_window"] != "24h" {
        return bad_request("`completion_window` must be `24h`");
    }
    let endpoint = body["endpoint"].as_str().unwrap_or("");
    let Some(file) = state.files.get(file_id) else {
        return not_found(&format!("No such File object: {file_id}"));
    };
    let mut requests = Vec::new();
    for line in lines(file) {
        if line["url"] != endpoint || line["method"] != "POST" {
            return bad_request(
                "every line's `url` must be the batch's endpoint, with `method: POST`",
            );
        }
        let Some(custom_id) = line["custom_id"].as_str() else {
            return bad_request("every line needs a `custom_id`");
        };
        requests.push((custom_id.to_owned(), line["body"].clone()));
    }
    // The provider whose requests the lines are (chat completions, or
    // another OpenAI endpoint the server speaks).
    let provider = dialect_for_path(endpoint).map_or(Provider::ChatCompletions, |d| d.provider());
    let id = state.create(provider, "batch_replay", requests, file_id.to_owned());
    Response::json(200, &object(&state.jobs[&id], state.polls()))
}

/// Writes the output and error files of an ended batch (once).
fn finish_files(state: &mut State, id: &str) {
    let job = &state.jobs[id];
    if !matches!(job.phase, Phase::Ended(_))
        || job.output_file_id.is_some()
        || job.error_file_id.is_some()
    {
        return;
    }
    let (mut output, mut errors) = (Vec::new(), Vec::new());
    for (k, ((custom_id, _), outcome)) in job.lines.iter().zip(&job.outcomes).enumerate() {
        let line_id = format!("batch_req_replay_{k}");
        let request_id = format!("req_replay_{k}");
        let (file, line) = match outcome {
            Outcome::Answered(body) => (
                &mut output,
                json!({
                    "id": line_id, "custom_id": custom_id,
                    "response": { "status_code": 200, "request_id": request_id, "body": body },
                    "error": null,
                }),
            ),
            Outcome::Failed { status, body } => (
                &mut errors,
                json!({
                    "id": line_id, "custom_id": custom_id,
                    "response": { "status_code": status, "request_id": request_id, "body": body },
                    "error": null,
                }),
            ),
            Outcome::Cancelled | Outcome::Expired => {
                let (code, message) = if *outcome == Outcome::Cancelled {
                    (
                        "batch_cancelled",
                        "The batch was cancelled before this request executed.",
                    )
                } else {
                    (
                        "batch_expired",
                        "The request could not be executed before the completion window ended.",
                    )
                };
                (
                    &mut errors,
                    json!({
                        "id": line_id, "custom_id": custom_id, "response": null,
                        "error": { "code": code, "message": message },
                    }),
                )
            }
        };
        file.extend_from_slice(line.to_string().as_bytes());
        file.push(b'\n');
    }
    let mut store = |bytes: Vec<u8>| {
        (!bytes.is_empty()).then(|| {
            let id = state.id("file-replay");
            state.files.insert(id.clone(), bytes);
            id
        })
    };
    let output_file_id = store(output);
    let error_file_id = store(errors);
    let job = state.jobs.get_mut(id).expect("checked above");
    job.output_file_id = output_file_id;
    job.error_file_id = error_file_id;
}

/// The batch object.
fn object(job: &Job, polls: u32) -> Value {
    let status = match job.phase {
        Phase::Running if job.polls == 0 => "validating",
        Phase::Running if job.polls + 1 >= polls => "finalizing",
        Phase::Running => "in_progress",
        Phase::Cancelling => "cancelling",
        Phase::Ended(End::Completed) => "completed",
        Phase::Ended(End::Expired) => "expired",
        Phase::Ended(End::Cancelled) => "cancelled",
    };
    let (answered, failed, cancelled, expired) = job.counts();
    let total = if job.polls == 0 { 0 } else { job.lines.len() };
    let at = |yes: bool| {
        if yes {
            json!(job.created_at)
        } else {
            Value::Null
        }
    };
    let ended = matches!(job.phase, Phase::Ended(_));
    json!({
        "id": job.id, "object": "batch", "endpoint": format!("/v1{}", job.provider.protocol().endpoint().path), "errors": null,
        "input_file_id": job.input_file_id, "completion_window": "24h", "status": status,
        "output_file_id": job.output_file_id, "error_file_id": job.error_file_id,
        "created_at": job.created_at, "in_progress_at": at(job.polls > 0),
        "expires_at": job.created_at + 86_400, "finalizing_at": at(ended),
        "completed_at": at(job.phase == Phase::Ended(End::Completed)), "failed_at": null,
        "expired_at": at(job.phase == Phase::Ended(End::Expired)),
        "cancelling_at": at(matches!(job.phase, Phase::Cancelling | Phase::Ended(End::Cancelled))),
        "cancelled_at": at(job.phase == Phase::Ended(End::Cancelled)),
        "request_counts": { "total": total, "completed": answered, "failed": failed + cancelled + expired },
        "metadata": null,
    })
}
