//! The first seed: extract the conference details from meeting notes and
//! redraw the typed partial in the terminal while the answer streams in
//! (`create_partial` in `Tools` mode), then print the completed extraction.
//!
//! ```sh
//! cargo run --example conference
//! ```
//!
//! With `OPENAI_API_KEY` set it asks the real API (`OPENAI_BASE_URL` and
//! `OPENAI_MODEL` respected); without it, it starts the built-in replay
//! server on 127.0.0.1 with a realistic answer and runs the very same code
//! path over HTTP.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use extract::openai::Mode;
use extract::{Extract, Partial};
use futures::StreamExt;

#[path = "shared/backend.rs"]
mod backend;
#[path = "shared/conference.rs"]
mod conference;

use conference::{replay_reply, ExtractionValues, TEXT_BLOCK};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = backend::connect(|replay| {
        replay.push(replay_reply(Duration::from_millis(6)));
    })
    .await?;

    let mut stream = backend
        .client
        .chat()
        .model(&backend.model)
        .mode(Mode::Tools)
        .user(TEXT_BLOCK)
        .max_retries(3)
        .create_partial::<ExtractionValues>()
        .await?;

    let terminal = std::io::stdout().is_terminal();
    while let Some(snapshot) = stream.next().await {
        let snapshot = snapshot?;
        if terminal {
            print!("\x1b[2J\x1b[H");
            draw(&snapshot);
        } else {
            println!("{}", serde_json::to_string(&snapshot)?);
        }
        std::io::stdout().flush()?;
    }
    let extraction = stream
        .take_value()
        .ok_or("the stream ended without a value")?;

    if terminal {
        print!("\x1b[2J\x1b[H");
    }
    println!("completed extraction:");
    draw(&extraction.into_partial());
    Ok(())
}

/// Prints a snapshot as a table: what has arrived, `…` for what has not.
fn draw(snapshot: &Partial<ExtractionValues>) {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "…".to_owned());
    println!("┌──────────┬──────────────────────────────────────────────");
    println!("│ date     │ {}", text(&snapshot.date));
    println!("│ location │ {}", text(&snapshot.location));
    let budget = snapshot
        .budget
        .map_or_else(|| "…".to_owned(), |b| format!("${b:.0}"));
    println!("│ budget   │ {budget}");
    println!("│ deadline │ {}", text(&snapshot.deadline));
    println!("├──────────┴──────────────────────────────────────────────");
    let users = snapshot.users.as_deref().unwrap_or_default();
    println!("│ users ({})", users.len());
    for user in users {
        println!(
            "│   {:<14} {:<22} {}",
            text(&user.name),
            text(&user.handle),
            text(&user.twitter)
        );
    }
    println!("└─────────────────────────────────────────────────────────");
}
