//! A batch job: the same extraction over many documents through the
//! provider's Batch API (half the price of live calls; results within 24
//! hours, usually much sooner). The job is submitted, its batch ids are
//! printed (pass them back to pick the job up after a restart), the
//! results stream in as the batches end, and the answers that fail
//! validation are re-asked in a follow-up batch.
//!
//! ```sh
//! cargo run --example batch                 # submit, wait, print
//! cargo run --example batch -- batch_abc…   # resume the job of those batch ids
//! ```
//!
//! With `OPENAI_API_KEY` set it uses OpenAI's Batch API (`OPENAI_MODEL`,
//! polling every minute or so); without it, the built-in replay server
//! emulates the Files and Batches endpoints on 127.0.0.1 (a batch moves
//! `validating` → `in_progress` → `finalizing` → `completed` in three
//! polls), over the very same HTTP code path.

use std::time::Duration;

use extract::client::{Input, Mode, Reask};
use extract::testing::Reply;
use extract::Extract;
use futures::StreamExt;

#[path = "common/backend.rs"]
mod backend;

/// A person a note mentions.
#[derive(Extract, Debug)]
struct Person {
    /// Their name, as written.
    name: String,
    /// Their age in years.
    #[extract(maximum = 150)]
    age: u32,
}

const NOTES: [&str; 6] = [
    "Ann turned 34 in May.",
    "Bo, 27, joined the team.",
    "Chen is 41 years old.",
    "Dara celebrated her 52nd birthday.",
    "Emeka (19) starts in June.",
    "Fatima is 230 months old.",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let live = std::env::var_os("OPENAI_API_KEY").is_some();
    let backend = backend::connect(|replay| {
        // Each note answered from its text; the first answer about Fatima
        // says 230 (months, not years) and is re-asked in a second batch.
        replay.respond_with(|request| {
            let body = request.json();
            let turns = body["messages"].as_array().map_or(0, Vec::len);
            let note = body["messages"][1]["content"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let name = note.split([' ', ',']).next().unwrap_or("").to_owned();
            let age: u32 = note
                .split(|c: char| !c.is_ascii_digit())
                .find_map(|n| n.parse().ok())
                .unwrap_or(0);
            let age = if age > 150 && turns > 2 {
                age / 12
            } else {
                age
            };
            Reply::value(&serde_json::json!({ "name": name, "age": age }))
        });
    })
    .await?;
    let poll = if live {
        (Duration::from_secs(30), Duration::from_secs(300))
    } else {
        (Duration::from_millis(50), Duration::from_millis(200))
    };
    let inputs = NOTES
        .iter()
        .enumerate()
        .map(|(i, note)| Input::text(format!("note-{i}"), *note));
    let job = backend
        .client
        .chat()
        .model(&backend.model)
        .mode(Mode::ToolsStrict)
        .system("Extract the person the note is about.")
        .max_retries(1)
        .batch::<Person>(inputs)
        .reask(Reask::Batch)
        .poll_interval(poll.0, poll.1);
    let ids: Vec<String> = std::env::args().skip(1).collect();
    let batch = if ids.is_empty() {
        job.submit().await?
    } else {
        job.resume(ids)?
    };
    println!(
        "batches: {} (pass them as arguments to resume)",
        batch.ids().join(" ")
    );
    let mut results = batch.results();
    while let Some((id, result)) = results.next().await {
        match result {
            Ok(person) => println!("{id}: {} is {}", person.name, person.age),
            Err(error) => println!("{id}: failed: {error}"),
        }
    }
    Ok(())
}
