//! What the replay server answers beyond the scripted chat requests: a
//! rate limit with the providers' headers and 429s, answers computed from
//! each request, and the Batch APIs (OpenAI's Files and Batches, Anthropic's
//! Message Batches) with their state. The server asks [`Routes::route`]
//! first about every request.

mod anthropic;
mod batches;
mod limit;
mod openai;

use super::render::dialect_for_path;
use super::script::Reply;
use super::server::{RecordedRequest, ReplayServer};
use crate::client::Provider;
use batches::Store;
use limit::Window;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWrite, AsyncWriteExt};

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Computes the reply to a chat request from the request itself.
type Responder = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// One request as it arrived (see [`ReplayServer::arrivals`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Arrival {
    /// When it arrived.
    pub at: Instant,
    /// Its method and path, e.g. `POST /v1/chat/completions`.
    pub route: String,
    /// It was refused with a 429 by [`ReplayServer::rate_limit`].
    pub limited: bool,
}

/// The server's routes beyond the script.
#[derive(Default)]
pub(crate) struct Routes {
    window: Mutex<Option<Window>>,
    responder: Mutex<Option<Responder>>,
    arrivals: Mutex<Vec<Arrival>>,
    store: Store,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes").finish_non_exhaustive()
    }
}

/// A whole response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            headers: Vec::new(),
        }
    }

    /// Writes the response (HTTP/1.1, with a length).
    pub async fn write<W: AsyncWrite + Unpin>(&self, stream: &mut W) -> io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\n",
            self.status,
            if self.status < 300 { "OK" } else { "Error" },
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&self.body).await?;
        stream.flush().await
    }
}

/// What the server does with a request.
pub(crate) enum Routed {
    /// Answer with this (the script is not used).
    Answer(Response),
    /// Go on as usual, adding these headers to the reply; `reply` replaces
    /// the script's next one.
    Pass {
        headers: Vec<(String, String)>,
        reply: Option<Box<Reply>>,
    },
}

impl Routes {
    /// Routes one request; `next` takes the script's next reply (for the
    /// requests of a batch).
    pub fn route(&self, request: &RecordedRequest, next: &dyn Fn() -> Option<Reply>) -> Routed {
        let now = Instant::now();
        let route = format!("{} {}", request.method, request.path);
        let mut arrival = Arrival {
            at: now,
            route,
            limited: false,
        };
        let routed = self.route_inner(request, next, now, &mut arrival);
        lock(&self.arrivals).push(arrival);
        routed
    }

    fn route_inner(
        &self,
        request: &RecordedRequest,
        next: &dyn Fn() -> Option<Reply>,
        now: Instant,
        arrival: &mut Arrival,
    ) -> Routed {
        let reply_for = |line: &RecordedRequest| match lock(&self.responder).as_ref() {
            Some(respond) => Some(respond(line)),
            None => next(),
        };
        if let Some(response) = self.store.route(request, &reply_for) {
            return Routed::Answer(response);
        }
        let Some(dialect) = dialect_for_path(&request.path) else {
            return Routed::Pass {
                headers: Vec::new(),
                reply: None,
            };
        };
        let provider = dialect.provider();
        let mut headers = Vec::new();
        if let Some(window) = lock(&self.window).as_mut() {
            match window.admit(now, provider) {
                Ok(reported) => headers = reported,
                Err(mut response) => {
                    arrival.limited = true;
                    response.body = dialect
                        .error_body(429, "Rate limit reached for requests (replay server)")
                        .into_bytes();
                    return Routed::Answer(response);
                }
            }
        }
        let reply = lock(&self.responder)
            .as_ref()
            .map(|respond| Box::new(respond(request)));
        Routed::Pass { headers, reply }
    }
}

/// Rate limits, computed answers and the Batch APIs.
impl ReplayServer {
    /// Refuses requests beyond `requests` per `per` (a fixed window that
    /// starts at the first request) with a 429 carrying `retry-after-ms`
    /// and `retry-after` (the time left in the window), and reports the
    /// limit on every chat response as the provider does:
    /// `x-ratelimit-{limit,remaining,reset}-requests` (the reset as
    /// `250ms`) for OpenAI, `anthropic-ratelimit-requests-*` (the reset as
    /// an RFC 3339 time) for Anthropic.
    pub fn rate_limit(&self, requests: u32, per: Duration) {
        *lock(&self.routes().window) = Some(Window::new(requests, per));
    }

    /// Answers every chat request (scripted or not) with what `respond`
    /// computes from it, e.g. an answer that depends on the document sent.
    /// The requests of a batch are answered by it too.
    pub fn respond_with(
        &self,
        respond: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) {
        *lock(&self.routes().responder) = Some(Arc::new(respond));
    }

    /// Every request as it arrived, in order, with its time.
    #[must_use]
    pub fn arrivals(&self) -> Vec<Arrival> {
        lock(&self.routes().arrivals).clone()
    }

    /// How many status polls a batch takes to end (default 3: OpenAI's
    /// `validating` → `in_progress` → `finalizing` → `completed`;
    /// Anthropic's `in_progress` → … → `ended`).
    pub fn batch_polls(&self, polls: u32) {
        self.routes().store.set_polls(polls);
    }

    /// The next batch created expires instead of completing: half of its
    /// requests are answered, the others end as expired.
    pub fn expire_next_batch(&self) {
        self.routes().store.expire_next();
    }

    /// The batches created so far: `(id, provider, requests)`.
    #[must_use]
    pub fn batches(&self) -> Vec<(String, Provider, usize)> {
        self.routes().store.list()
    }
}
