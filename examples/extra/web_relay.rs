//! A web page that shows an extraction filling in live.
//!
//! ```sh
//! cargo run -p extract-examples --example web_relay   # then open http://127.0.0.1:3000/
//! ```
//!
//! Paste meeting notes, press Extract, and watch the conference details
//! and the users table fill in as the model writes: the server relays
//! `create_partial`'s typed snapshots to the page as JSON Patch over
//! Server-Sent Events, and the page's 6 kB client applies them, with a
//! spinner on the field being written and a mark on finished ones. A
//! dropped connection is resumed where it stopped; close the tab or press
//! Stop and the request to the model is cancelled once the stream expires
//! (30 s). `/types.ts` and `/relay.d.ts` serve the TypeScript declarations
//! of the extraction and of the client.
//!
//! With `OPENAI_API_KEY` set it asks OpenAI (`OPENAI_MODEL`, default
//! `gpt-4o-mini`; `OPENAI_BASE_URL` for another endpoint). Without it, it
//! starts the built-in replay server, which streams a recorded answer over
//! the very same HTTP + SSE code path. `PORT` changes the port (default
//! 3000; 0 picks a free one).

#[path = "web_relay/app.rs"]
mod app;
#[path = "../common/backend.rs"]
mod backend;

use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the replay server (if any) alive as long as the web server.
    let backend = backend::connect(|replay| {
        replay.repeat(app::conference::replay_reply(Duration::from_millis(25)));
    })
    .await?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("Open http://{}/", listener.local_addr()?);
    let app = app::App::new(backend.client.clone(), backend.model.clone());
    // Streams whose page went away expire even when no request comes in.
    tokio::spawn(app.hub.clone().sweep_every(Duration::from_secs(10)));
    axum::serve(listener, app::router(app)).await?;
    Ok(())
}
