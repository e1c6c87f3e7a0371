//! What a provider's Batch API is to the batch runner: [`BatchApi`], one
//! implementation per provider ([`openai`](super::openai),
//! [`anthropic`](super::anthropic)), reached through
//! `Protocol::batch`; and the HTTP calls they share.

use super::split::Limits;
use crate::client::config::Client;
use crate::client::providers::ErrorBody;
use crate::client::retry::retry_after;
use crate::{Error, Received};
use futures::future::BoxFuture;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Map, Value};

/// Where a batch stands, in the runner's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// Accepted and not over (validating, in progress, finalizing,
    /// cancelling).
    Running,
    /// Over: its results can be read (completed, expired, cancelled).
    Ended,
    /// Refused whole (OpenAI's `failed`: the input did not validate).
    Failed(String),
}

/// A batch as the provider reports it.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub id: String,
    pub state: State,
    /// The provider's word for the state (`in_progress`, `ended`, …).
    pub status: String,
    /// Requests in all, succeeded, failed (errored, expired, cancelled).
    pub counts: (u64, u64, u64),
    /// The result files (OpenAI: output and error file ids).
    pub files: Vec<String>,
}

/// One line of a result file.
#[derive(Debug)]
pub(crate) struct ResultLine {
    pub custom_id: String,
    /// The whole response body, as a live call without streaming gets it;
    /// or why there is none.
    pub outcome: Result<Vec<u8>, Error>,
}

/// One provider's Batch API.
pub(crate) trait BatchApi: Send + Sync + 'static {
    /// How much one batch may hold.
    fn limits(&self) -> Limits;

    /// One request as the batch holds it, from the body a live call would
    /// send (streaming is turned off here).
    fn line(&self, custom_id: &str, body: Map<String, Value>) -> Value;

    /// What comes before the first line of a batch's payload.
    fn begin(&self) -> Vec<u8>;

    /// Appends one line (`first` for the first of the batch).
    fn push(&self, payload: &mut Vec<u8>, line: &[u8], first: bool);

    /// What comes after the last line.
    fn end(&self, payload: &mut Vec<u8>);

    /// Creates a batch of the payload: its status.
    fn create<'a>(
        &'a self,
        client: &'a Client,
        payload: Vec<u8>,
    ) -> BoxFuture<'a, Result<Status, Error>>;

    /// The path of batch `id`'s object (`/batches/{id}`).
    fn object_path(&self, id: &str) -> String;

    /// Reads a batch object.
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] for an object without an id.
    fn status(&self, object: &Value) -> Result<Status, Error>;

    /// The batch's status now.
    fn retrieve<'a>(
        &'a self,
        client: &'a Client,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Status, Error>> {
        let url = client.url(&self.object_path(id));
        self.status_call(client, Method::GET, url)
    }

    /// Asks the provider to cancel the batch.
    fn cancel<'a>(
        &'a self,
        client: &'a Client,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Status, Error>> {
        let url = client.url(&format!("{}/cancel", self.object_path(id)));
        self.status_call(client, Method::POST, url)
    }

    /// Sends a bodiless `method` request to `url` and reads the batch
    /// object it answers with.
    fn status_call<'a>(
        &'a self,
        client: &'a Client,
        method: Method,
        url: String,
    ) -> BoxFuture<'a, Result<Status, Error>> {
        Box::pin(async move {
            let value = json(client, || request(client, method.clone(), &url)).await?;
            self.status(&value)
        })
    }

    /// The URLs of an ended batch's result files (JSONL).
    fn result_urls(&self, client: &Client, status: &Status) -> Vec<String>;

    /// Reads one line of a result file.
    ///
    /// # Errors
    ///
    /// A line that is not a result line, with why.
    fn result(&self, line: &[u8]) -> Result<ResultLine, String>;
}

/// A request to `url` with the client's headers (the key among them).
pub(crate) fn request(client: &Client, method: Method, url: &str) -> RequestBuilder {
    let inner = &client.inner;
    inner
        .http
        .request(method, url)
        .headers(inner.headers.clone())
}

/// Sends `build()`, retrying transient failures (connection failures,
/// 408/429/5xx) as the client's backoff says; an HTTP error status becomes
/// [`Error::Http`].
pub(crate) async fn send(
    client: &Client,
    build: impl Fn() -> RequestBuilder,
) -> Result<Response, Error> {
    let backoff = client.inner.backoff;
    let protocol = client.protocol();
    let mut retry = 0;
    loop {
        let (error, after) = match build().send().await {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => {
                let status = response.status().as_u16();
                let after = retry_after(response.headers());
                let text = response.text().await.unwrap_or_default();
                let parsed = protocol.error_body(&text);
                let error = http_error(status, parsed, text, after);
                if !protocol.is_retryable_status(status) {
                    return Err(error);
                }
                (error, after)
            }
            Err(source) => (Error::Transport { source }, None),
        };
        let delay = (retry < backoff.max_retries)
            .then(|| backoff.delay(retry, after))
            .flatten();
        let Some(delay) = delay else {
            return Err(error);
        };
        tracing::warn!(error = %error, delay_ms = delay.as_millis(), "batch call failed: retrying");
        tokio::time::sleep(delay).await;
        retry += 1;
    }
}

/// An HTTP error status with its parsed body, the raw body kept.
pub(crate) fn http_error(
    status: u16,
    parsed: ErrorBody,
    raw: String,
    retry_after: Option<std::time::Duration>,
) -> Error {
    Error::Http {
        status,
        message: parsed
            .message
            .unwrap_or_else(|| raw.chars().take(300).collect()),
        kind: parsed.kind,
        code: parsed.code,
        retry_after,
        received: Box::new(Received {
            raw: Some(raw),
            partial: None,
        }),
    }
}

/// Sends `build()` and reads the JSON answer.
pub(crate) async fn json(
    client: &Client,
    build: impl Fn() -> RequestBuilder,
) -> Result<Value, Error> {
    let response = send(client, build).await?;
    let text = response
        .text()
        .await
        .map_err(|source| Error::Transport { source })?;
    serde_json::from_str(&text).map_err(|e| Error::Protocol {
        message: format!("the batch endpoint did not answer with JSON: {e}"),
        received: Box::new(Received {
            raw: Some(text),
            partial: None,
        }),
    })
}

/// An error object of a result line as [`Error::Provider`].
pub(crate) fn provider_error(body: &Value, code: Option<&str>) -> Error {
    let mut parsed = ErrorBody::of_value(body);
    if parsed.code.is_none() {
        parsed.code = code.map(str::to_owned);
    }
    parsed.into_provider_error(&body.to_string())
}

/// A count in a status object.
pub(crate) fn count(value: &Value) -> u64 {
    value.as_u64().unwrap_or(0)
}

/// A recorded batch fixture (`tests/fixtures/batch/`).
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/batch/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}
