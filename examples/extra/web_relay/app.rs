//! The server of the `web_relay` example: one page, the relay client, and
//! the extraction endpoint. `test_suite/tests/web_relay` drives this same code.

use std::sync::{Arc, LazyLock};

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use extract::relay::{Relay, CLIENT_JS};
use extract::{Client, Mode, Partial};
use serde::Deserialize;

#[path = "../../shared/conference.rs"]
pub mod conference;

use conference::{ExtractionValues, TEXT_BLOCK};

/// The page, with the meeting notes in its text box.
pub static INDEX_HTML: LazyLock<String> = LazyLock::new(|| {
    let notes = TEXT_BLOCK.trim().replace('&', "&amp;").replace('<', "&lt;");
    include_str!("index.html").replace("{{TEXT_BLOCK}}", &notes)
});

/// The system prompt.
const SYSTEM: &str = "Extract the conference details and every participant from the meeting notes.";

/// Where extractions are sent.
#[derive(Debug, Clone)]
pub struct App {
    /// The chat-completions client (OpenAI, or the replay server).
    pub client: Client,
    /// The model asked.
    pub model: String,
}

/// `GET /` the page, `GET /relay.js` the client, `POST /extract` the
/// extraction as a relay body
/// (`?format=sse|ndjson&encoding=patches|strict|snapshots`).
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(|| async { Html(INDEX_HTML.as_str()) }))
        .route("/relay.js", get(client_js))
        .route("/extract", post(extract))
        .with_state(Arc::new(app))
}

async fn client_js() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/javascript; charset=utf-8",
        )],
        CLIENT_JS,
    )
}

/// The query string of `POST /extract`.
#[derive(Debug, Default, Deserialize)]
struct Options {
    format: Option<String>,
    encoding: Option<String>,
}

impl Options {
    fn relay(&self) -> Relay {
        let relay = match self.format.as_deref() {
            Some("ndjson") => Relay::ndjson(),
            _ => Relay::sse(),
        };
        match self.encoding.as_deref() {
            Some("snapshots") => relay.snapshots(),
            Some("strict") => relay.strict_patches(),
            _ => relay.patches(),
        }
    }
}

/// Streams the extraction of the posted text. If the browser goes away,
/// axum drops the body, which drops the stream and the request upstream.
async fn extract(
    State(app): State<Arc<App>>,
    Query(options): Query<Options>,
    text: String,
) -> Response {
    let relay = options.relay();
    let request = app
        .client
        .chat()
        .model(app.model.as_str())
        .mode(Mode::Tools)
        .system(SYSTEM)
        .user(text)
        .max_retries(2);
    match request.create_partial::<ExtractionValues>().await {
        Ok(stream) => stream.relay(relay).into_response(),
        // Failed before the answer started (a bad key, a 429 after the
        // retries): the same body, holding just the `error` message.
        Err(error) => relay
            .partial(futures::stream::iter([
                Err::<Partial<ExtractionValues>, _>(error),
            ]))
            .into_response(),
    }
}
