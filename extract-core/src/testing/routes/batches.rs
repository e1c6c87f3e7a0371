//! The state both Batch APIs share: uploaded files, batches, how each
//! request of a batch is answered (from the same script as live requests)
//! and when a batch ends.

use super::super::render::{dialect_of, whole_body};
use super::super::script::{Answer, Reply};
use super::super::server::RecordedRequest;
use super::{anthropic, lock, openai, Response};
use crate::client::Provider;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The batches and files of one server.
#[derive(Debug, Default)]
pub(crate) struct Store {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub files: HashMap<String, Vec<u8>>,
    pub jobs: HashMap<String, Job>,
    order: Vec<String>,
    next: u64,
    polls: Option<u32>,
    expire_next: bool,
}

/// How a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Completed,
    Expired,
    Cancelled,
}

/// Where a batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Running,
    Cancelling,
    Ended(End),
}

/// What became of one request of a batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// The whole response body.
    Answered(Value),
    /// An HTTP error status and its body.
    Failed {
        status: u16,
        body: Value,
    },
    Cancelled,
    Expired,
}

/// One batch.
#[derive(Debug)]
pub(crate) struct Job {
    pub id: String,
    pub provider: Provider,
    /// `(custom_id, request body)`.
    pub lines: Vec<(String, Value)>,
    pub polls: u32,
    pub phase: Phase,
    pub expire: bool,
    pub created_at: u64,
    /// OpenAI: the input file, and the result files once ended.
    pub input_file_id: String,
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
    /// What became of each request, once ended.
    pub outcomes: Vec<Outcome>,
}

impl Job {
    /// Counts of the outcomes: answered, failed (errors), cancelled, expired.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut counts = (0, 0, 0, 0);
        for outcome in &self.outcomes {
            match outcome {
                Outcome::Answered(_) => counts.0 += 1,
                Outcome::Failed { .. } => counts.1 += 1,
                Outcome::Cancelled => counts.2 += 1,
                Outcome::Expired => counts.3 += 1,
            }
        }
        counts
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Store {
    /// Answers a request to a Batch API path; `None` for any other path.
    pub fn route(
        &self,
        request: &RecordedRequest,
        reply_for: &dyn Fn(&RecordedRequest) -> Option<Reply>,
    ) -> Option<Response> {
        let path = request.path.split('?').next().unwrap_or("");
        let mut state = lock(&self.state);
        anthropic::route(&mut state, request, path, reply_for)
            .or_else(|| openai::route(&mut state, request, path, reply_for))
    }

    pub fn set_polls(&self, polls: u32) {
        lock(&self.state).polls = Some(polls.max(1));
    }

    pub fn expire_next(&self) {
        lock(&self.state).expire_next = true;
    }

    pub fn list(&self) -> Vec<(String, Provider, usize)> {
        let state = lock(&self.state);
        state
            .order
            .iter()
            .filter_map(|id| state.jobs.get(id))
            .map(|job| (job.id.clone(), job.provider, job.lines.len()))
            .collect()
    }
}

impl State {
    /// A fresh id with this prefix.
    pub fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:06}", self.next)
    }

    /// Polls before a batch ends.
    pub fn polls(&self) -> u32 {
        self.polls.unwrap_or(3)
    }

    /// Creates a batch of `lines`.
    pub fn create(
        &mut self,
        provider: Provider,
        prefix: &str,
        lines: Vec<(String, Value)>,
        input_file_id: String,
    ) -> String {
        let id = self.id(prefix);
        let expire = std::mem::take(&mut self.expire_next);
        self.order.push(id.clone());
        self.jobs.insert(
            id.clone(),
            Job {
                id: id.clone(),
                provider,
                lines,
                polls: 0,
                phase: Phase::Running,
                expire,
                created_at: now_secs(),
                input_file_id,
                output_file_id: None,
                error_file_id: None,
                outcomes: Vec::new(),
            },
        );
        id
    }

    /// One status poll of batch `id`: it moves on, and ends at the poll
    /// [`polls`](Self::polls) after its creation (or the first poll after a
    /// cancel). Ending answers its requests.
    pub fn poll(&mut self, id: &str, reply_for: &dyn Fn(&RecordedRequest) -> Option<Reply>) {
        let polls = self.polls();
        let Some(job) = self.jobs.get_mut(id) else {
            return;
        };
        job.polls += 1;
        let end = match job.phase {
            Phase::Running if job.polls >= polls && job.expire => End::Expired,
            Phase::Running if job.polls >= polls => End::Completed,
            Phase::Cancelling => End::Cancelled,
            _ => return,
        };
        let half = job.lines.len().div_ceil(2);
        let dialect = dialect_of(job.provider);
        let path = format!("/v1{}", job.provider.protocol().endpoint().path);
        job.outcomes = job
            .lines
            .iter()
            .enumerate()
            .map(|(i, (custom_id, body))| match end {
                End::Expired if i >= half => Outcome::Expired,
                End::Cancelled if i >= half => Outcome::Cancelled,
                _ => {
                    let request = RecordedRequest::synthetic(&path, body);
                    match reply_for(&request) {
                        None => Outcome::Failed {
                            status: 500,
                            body: parse(&dialect.error_body(500, "the replay script is exhausted")),
                        },
                        Some(reply) => answer(job.provider, &reply, body, custom_id),
                    }
                }
            })
            .collect();
        job.phase = Phase::Ended(end);
    }
}

/// One request of a batch answered with `reply`.
fn answer(provider: Provider, reply: &Reply, body: &Value, custom_id: &str) -> Outcome {
    let dialect = dialect_of(provider);
    match &reply.answer {
        Answer::Status { status, message } => Outcome::Failed {
            status: *status,
            body: parse(&dialect.error_body(*status, message)),
        },
        _ => {
            let id = format!("{}-batch-{custom_id}", dialect.id_prefix());
            Outcome::Answered(parse(&whole_body(dialect, reply, body, &id)))
        }
    }
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The parts of a `multipart/form-data` body: `(name, content)`.
pub(crate) fn multipart(request: &RecordedRequest) -> Vec<(String, Vec<u8>)> {
    let Some(boundary) = request
        .header("content-type")
        .and_then(|t| t.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned())
    else {
        return Vec::new();
    };
    let delimiter = format!("--{boundary}");
    let body = &request.body;
    let mut parts = Vec::new();
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&body[at..], delimiter.as_bytes()) {
        starts.push(at + found);
        at += found + delimiter.len();
    }
    for pair in starts.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let name = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_owned();
        parts.push((name, part[split + 4..].to_vec()));
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The JSON lines of a file.
pub(crate) fn lines(bytes: &[u8]) -> Vec<Value> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

impl RecordedRequest {
    /// A request that did not come over the network: one line of a batch,
    /// as the answer computed for it sees it.
    pub(crate) fn synthetic(path: &str, body: &Value) -> RecordedRequest {
        RecordedRequest {
            method: "POST".to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }
}
