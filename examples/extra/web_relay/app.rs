//! The server of the `web_relay` example: one page, the relay client (and
//! its TypeScript declarations), the extraction's TypeScript types, and the
//! extraction endpoint, whose streams are resumable. `test_suite/tests/web_relay`
//! drives this same code.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::header;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use extract::relay::{typescript, Hub, Relay, Resume, CLIENT_DTS, CLIENT_JS};
use extract::{Client, Mode, Partial};
use serde::Deserialize;

#[path = "../../common/conference.rs"]
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
    /// The streams, kept so that a page whose connection dropped resumes
    /// its stream instead of starting over.
    pub hub: Hub,
}

impl App {
    /// The app for `client` and `model`, with an empty hub.
    pub fn new(client: Client, model: impl Into<String>) -> Self {
        Self {
            client,
            model: model.into(),
            hub: Hub::new(),
        }
    }
}

/// `GET /` the page, `GET /relay.js` the client, `GET /relay.d.ts` its
/// TypeScript declarations, `GET /types.ts` the extraction's types and
/// partial, `POST /extract` the extraction as a relay body
/// (`?format=sse|ndjson&encoding=patches|strict|snapshots&resumable=1`;
/// with `&stream=<id>&after=<n>` it resumes a stream instead).
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(|| async { Html(INDEX_HTML.as_str()) }))
        .route("/relay.js", get(client_js))
        .route("/relay.d.ts", get(|| async { typescript_file(CLIENT_DTS) }))
        .route("/types.ts", get(|| async { typescript_file(&TYPES_TS) }))
        .route("/extract", post(extract))
        .with_state(Arc::new(app))
}

/// The TypeScript declarations of the extraction's value and partial.
pub static TYPES_TS: LazyLock<String> = LazyLock::new(typescript::<ExtractionValues>);

fn typescript_file(text: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_owned(),
    )
        .into_response()
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
    /// `resumable=1`: keep the stream in the hub, so a dropped connection
    /// resumes it (the upstream then waits for the page, up to the hub's
    /// expiry; the page's client cancels it on Stop or when it closes).
    resumable: Option<String>,
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
        // The page shows which field is being written; a heartbeat keeps
        // proxies from closing the connection while the model thinks.
        .with_state(true)
        .with_heartbeat(Duration::from_secs(15))
    }
}

/// Streams the extraction of the posted text, resumes the stream a page
/// lost the connection to, or cancels it (`cancel=1`). If the browser goes
/// away, axum drops the body: a plain body drops the stream and the
/// request upstream; a resumable one is cancelled by the page's client
/// (on Stop, or when the page is closed), else it waits in the hub for a
/// resume until it expires, which drops the request upstream.
async fn extract(
    State(app): State<Arc<App>>,
    resume: Option<Resume>,
    Query(options): Query<Options>,
    text: String,
) -> Response {
    if let Some(resume) = resume {
        if resume.cancel {
            // The page stopped or went away: drop the request upstream now.
            return match app.hub.cancel(&resume.stream) {
                true => StatusCode::NO_CONTENT.into_response(),
                false => StatusCode::NOT_FOUND.into_response(),
            };
        }
        return match app.hub.resume(&resume) {
            Some(body) => body.into_response(),
            None => (StatusCode::NOT_FOUND, "no such stream (it expired)").into_response(),
        };
    }
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
        Ok(stream) if options.resumable.as_deref() == Some("1") => {
            app.hub.start(stream.relay(relay)).into_response()
        }
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
