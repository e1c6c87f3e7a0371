//! The first seed: extract the conference details from meeting notes and
//! redraw the typed partial in the terminal while the answer streams in
//! (`create_partial` in `Tools` mode), then print the completed extraction.
//!
//! ```sh
//! cargo run --example conference
//! ```
//!
//! Any provider: `cargo run --example conference -- --provider anthropic`
//! (or `responses`; `EXTRACT_PROVIDER` works too). With the provider's key
//! set (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`) it asks the real API
//! (`EXTRACT_MODEL` and the base URL variables respected); without it, it
//! starts the built-in replay server on 127.0.0.1, which answers in that
//! provider's wire format, and runs the very same code path over HTTP.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use extract::Mode;
use extract::{Extract, Partial};
use futures::StreamExt;

#[path = "common/backend.rs"]
mod backend;
#[path = "common/conference.rs"]
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

    // On a terminal the table is redrawn in place, below what is already on
    // the screen (the line saying where answers come from stays visible):
    // each redraw moves the cursor back up over the previous table and
    // clears from there down.
    let terminal = std::io::stdout().is_terminal();
    let mut drawn_lines = 0;
    while let Some(snapshot) = stream.next().await {
        let snapshot = snapshot?;
        if terminal {
            erase_lines(drawn_lines);
            let table = table(&snapshot);
            drawn_lines = table.lines().count();
            print!("{table}");
        } else {
            println!("{}", serde_json::to_string(&snapshot)?);
        }
        std::io::stdout().flush()?;
    }
    let extraction = stream
        .take_value()
        .ok_or("the stream ended without a value")?;

    if terminal {
        erase_lines(drawn_lines);
    }
    println!("completed extraction:");
    print!("{}", table(&extraction.into_partial()));
    Ok(())
}

/// Moves the cursor up `lines` lines, to the start of the line, and
/// clears everything from there down (ANSI escapes).
fn erase_lines(lines: usize) {
    if lines > 0 {
        print!("\x1b[{lines}A\r\x1b[J");
    }
}

/// A snapshot as a table: what has arrived, `…` for what has not.
fn table(snapshot: &Partial<ExtractionValues>) -> String {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "…".to_owned());
    let budget = snapshot
        .budget
        .map_or_else(|| "…".to_owned(), |b| format!("${b:.0}"));
    let users = snapshot.users.as_deref().unwrap_or_default();
    let mut lines = vec![
        "┌──────────┬──────────────────────────────────────────────".to_owned(),
        format!("│ date     │ {}", text(&snapshot.date)),
        format!("│ location │ {}", text(&snapshot.location)),
        format!("│ budget   │ {budget}"),
        format!("│ deadline │ {}", text(&snapshot.deadline)),
        "├──────────┴──────────────────────────────────────────────".to_owned(),
        format!("│ users ({})", users.len()),
    ];
    lines.extend(users.iter().map(|user| {
        format!(
            "│   {:<14} {:<22} {}",
            text(&user.name),
            text(&user.handle),
            text(&user.twitter)
        )
    }));
    lines.push("└─────────────────────────────────────────────────────────".to_owned());
    lines.join("\n") + "\n"
}
