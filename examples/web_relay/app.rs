//! The server of the `web_relay` example: one page, the relay client, and
//! the extraction endpoint. `tests/browser` drives this same code.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use extract::relay::{Relay, CLIENT_JS};
use extract::testing::Reply;
use extract::{Client, Extract, Mode, Partial};
use serde::Deserialize;

/// One participant of the meeting.
#[derive(Extract, Debug, Clone, PartialEq)]
pub struct User {
    /// Full name.
    pub name: String,
    /// Their handle (the e-mail address given).
    pub handle: String,
    /// Twitter handle, with the `@`.
    pub twitter: String,
}

/// What the meeting notes say about the conference (the seed's
/// `ExtractionValues`).
#[derive(Extract, Debug, Clone, PartialEq)]
pub struct ExtractionValues {
    /// Every participant.
    #[extract(min_items = 5)]
    pub users: Vec<User>,
    /// When the conference is held.
    pub date: String,
    /// Where it is held.
    pub location: String,
    /// The budget, in dollars.
    pub budget: f64,
    /// When the participants' articles are due.
    #[extract(min_length = 1)]
    pub deadline: String,
}

/// The page.
pub const INDEX_HTML: &str = include_str!("index.html");

/// The answer the replay server streams when no `OPENAI_API_KEY` is set:
/// what a chat model answers for the page's text.
pub const ANSWER: &str = r#"{"users":[{"name":"John Doe","handle":"johndoe@email.com","twitter":"@TechGuru44"},{"name":"Jane Smith","handle":"janesmith@email.com","twitter":"@DigitalDiva88"},{"name":"Alex Johnson","handle":"alexj@email.com","twitter":"@CodeMaster2023"},{"name":"Emily Clark","handle":"emilyc@email.com","twitter":"@InnovateQueen"},{"name":"Ron Stewart","handle":"ronstewart@email.com","twitter":"@RoboticsRon5"},{"name":"Sarah Lee","handle":"sarahlee@email.com","twitter":"@AI_Aficionado"},{"name":"Mike Brown","handle":"mikeb@email.com","twitter":"@FutureTechLeader"},{"name":"Lisa Green","handle":"lisag@email.com","twitter":"@CyberSavvy101"},{"name":"David Wilson","handle":"davidw@email.com","twitter":"@GadgetGeek77"},{"name":"Daniel Kim","handle":"danielk@email.com","twitter":"@DataDrivenDude"}],"date":"March 15th, 2024","location":"Grand Tech Arena, 4521 Innovation Drive","budget":50000,"deadline":"February 20th"}"#;

/// The replay server's reply: [`ANSWER`] streamed 4 characters per event
/// (as OpenAI does), `delay` apart.
pub fn replay_reply(delay: Duration) -> Reply {
    Reply::json(ANSWER).fragment(4).delay(delay)
}

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
        .route("/", get(|| async { Html(INDEX_HTML) }))
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
