//! Helpers shared by the runtime tests.

use extract_core::openai::{Backoff, ChatRequest, Client, Mode, Provider, ResponseModel};
use extract_core::testing::{ReplayServer, Reply};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Every mode.
pub const MODES: [Mode; 6] = [
    Mode::Tools,
    Mode::ToolsStrict,
    Mode::JsonSchema,
    Mode::Json,
    Mode::MdJson,
    Mode::ParallelTools,
];

/// The recorded provider streams (`tests/fixtures/sse/`, with their
/// sources and licences in `tests/fixtures/README.md`), one folder per
/// provider.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sse");

/// A JSON object with any values.
pub type Object = BTreeMap<String, Value>;

/// A request through `client` with the test model and prompt, in the
/// default mode.
pub fn chat(client: &Client) -> ChatRequest {
    client.chat().model("test-model").user("Extract it.")
}

/// A request to `server` in `mode`.
pub fn request(server: &ReplayServer, mode: Mode) -> ChatRequest {
    chat(&server.client()).mode(mode)
}

/// Every provider with each of `values`.
pub fn every_provider_with<T: Copy, const N: usize>(
    values: [T; N],
) -> impl Iterator<Item = (Provider, T)> {
    Provider::ALL
        .iter()
        .flat_map(move |&provider| values.map(|value| (provider, value)))
}

/// A client to `server` over `provider` with `retries` fast transient
/// retries.
pub fn client_over(server: &ReplayServer, provider: Provider, retries: u32) -> Client {
    let backoff = Backoff::default()
        .with_max_retries(retries)
        .with_base_delay(Duration::from_millis(1));
    server
        .client_builder()
        .provider(provider)
        .backoff(backoff)
        .build()
        .unwrap()
}

/// What an outcome shows: the value, or the error with what it kept.
pub fn outcome<T: serde::Serialize>(result: &Result<T, extract_core::Error>) -> Value {
    match result {
        Ok(value) => serde_json::json!({ "value": value }),
        Err(error) => serde_json::json!({
            "error": error.to_string(),
            "raw": error.raw_text(),
            "partial": error.partial(),
        }),
    }
}

/// Answers `bad` then `good` over `provider` in `mode` with one re-ask
/// allowed; the value and the server (to read both requests).
pub async fn reasked<R: ResponseModel>(
    provider: Provider,
    bad: &str,
    good: &str,
    mode: Mode,
) -> (R::Output, ReplayServer) {
    let server = ReplayServer::start([Reply::json(bad), Reply::json(good)])
        .await
        .unwrap();
    let value = chat(&server.client_for(provider))
        .mode(mode)
        .max_retries(1)
        .create::<R>()
        .await
        .unwrap_or_else(|e| panic!("{provider} {mode:?}: {e}"));
    (value, server)
}

/// A client to `server` that never retries transient failures.
pub fn client_without_backoff(server: &ReplayServer) -> Client {
    server
        .client_builder()
        .backoff(Backoff::none())
        .build()
        .unwrap()
}

/// A client to `server` with `retries` fast transient retries.
pub fn client_with_backoff(server: &ReplayServer, retries: u32) -> Client {
    client_over(server, Provider::ChatCompletions, retries)
}

/// The JSON of a value that serializes.
pub fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

pub use extract_core::testing::extends;
