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

use extract::openai::{Client, Mode};
use extract::testing::{ReplayServer, Reply};
use extract::{Extract, Partial};
use futures::StreamExt;

const TEXT_BLOCK: &str = "
In our recent online meeting, participants from various backgrounds joined to discuss the upcoming tech conference. The names and contact details of the participants were as follows:

- Name: John Doe, Email: johndoe@email.com, Twitter: @TechGuru44
- Name: Jane Smith, Email: janesmith@email.com, Twitter: @DigitalDiva88
- Name: Alex Johnson, Email: alexj@email.com, Twitter: @CodeMaster2023
- Name: Emily Clark, Email: emilyc@email.com, Twitter: @InnovateQueen
- Name: Ron Stewart, Email: ronstewart@email.com, Twitter: @RoboticsRon5
- Name: Sarah Lee, Email: sarahlee@email.com, Twitter: @AI_Aficionado
- Name: Mike Brown, Email: mikeb@email.com, Twitter: @FutureTechLeader
- Name: Lisa Green, Email: lisag@email.com, Twitter: @CyberSavvy101
- Name: David Wilson, Email: davidw@email.com, Twitter: @GadgetGeek77
- Name: Daniel Kim, Email: danielk@email.com, Twitter: @DataDrivenDude

During the meeting, we agreed on several key points. The conference will be held on March 15th, 2024, at the Grand Tech Arena located at 4521 Innovation Drive. Dr. Emily Johnson, a renowned AI researcher, will be our keynote speaker.

The budget for the event is set at $50,000, covering venue costs, speaker fees, and promotional activities. Each participant is expected to contribute an article to the conference blog by February 20th.

A follow-up meeting is scheduled for January 25th at 3 PM GMT to finalize the agenda and confirm the list of speakers.
";

/// A participant of the meeting.
#[derive(Extract, Debug)]
struct UserExtract {
    /// The participant's full name.
    name: String,
    /// The handle of their email address (before the `@`).
    handle: String,
    /// Their Twitter handle, with the `@`.
    twitter: String,
}

/// What the meeting notes say about the conference.
#[derive(Extract, Debug)]
struct ExtractionValues {
    /// Every participant (at least five).
    #[extract(min_items = 5)]
    users: Vec<UserExtract>,
    /// The date of the conference.
    date: String,
    /// Where it is held.
    location: String,
    /// The budget, in dollars.
    budget: f64,
    /// The deadline for the blog articles.
    #[extract(min_length = 1)]
    deadline: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, model, _server) = match Client::from_env() {
        Ok(client) => {
            let model = std::env::var("OPENAI_MODEL").unwrap_or_else(|_| "gpt-4o-mini".to_owned());
            (client, model, None)
        }
        Err(_) => {
            let server = ReplayServer::start([replayed_answer()]).await?;
            eprintln!(
                "OPENAI_API_KEY is not set: answering from the built-in replay server at {}",
                server.base_url()
            );
            (server.client(), "gpt-4o-mini".to_owned(), Some(server))
        }
    };

    let mut stream = client
        .chat()
        .model(model)
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
            "│   {:<14} {:<12} {}",
            text(&user.name),
            text(&user.handle),
            text(&user.twitter)
        );
    }
    println!("└─────────────────────────────────────────────────────────");
}

/// What a model answers for these notes, streamed the way OpenAI streams a
/// tool call: a few characters per event.
fn replayed_answer() -> Reply {
    let users = [
        ("John Doe", "johndoe", "@TechGuru44"),
        ("Jane Smith", "janesmith", "@DigitalDiva88"),
        ("Alex Johnson", "alexj", "@CodeMaster2023"),
        ("Emily Clark", "emilyc", "@InnovateQueen"),
        ("Ron Stewart", "ronstewart", "@RoboticsRon5"),
        ("Sarah Lee", "sarahlee", "@AI_Aficionado"),
        ("Mike Brown", "mikeb", "@FutureTechLeader"),
        ("Lisa Green", "lisag", "@CyberSavvy101"),
        ("David Wilson", "davidw", "@GadgetGeek77"),
        ("Daniel Kim", "danielk", "@DataDrivenDude"),
    ];
    let users: Vec<serde_json::Value> = users
        .iter()
        .map(|(name, handle, twitter)| serde_json::json!({"name": name, "handle": handle, "twitter": twitter}))
        .collect();
    let answer = format!(
        r#"{{"users":{},"date":"2024-03-15","location":"Grand Tech Arena, 4521 Innovation Drive","budget":50000,"deadline":"2024-02-20"}}"#,
        serde_json::Value::Array(users)
    );
    Reply::json(answer)
        .fragment(4)
        .delay(Duration::from_millis(6))
}
