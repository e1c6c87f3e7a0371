//! The second seed: a list of `User`s with `Iterable<User>`, first as one
//! value (`JSON` mode), then streamed item by item as each one closes
//! (`Tools` mode), then the same from a spawned task, as a server would.
//!
//! ```sh
//! cargo run --example users
//! ```
//!
//! Any provider: `cargo run --example users -- --provider anthropic`
//! (or `responses`; `EXTRACT_PROVIDER` works too). With the provider's key
//! set (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`) it asks the real API
//! (`EXTRACT_MODEL` and the base URL variables respected); without it, it
//! starts the built-in replay server on 127.0.0.1, which answers in that
//! provider's wire format, and runs the very same code path over HTTP.

use std::time::Duration;

#[path = "common/backend.rs"]
mod backend;

use extract::testing::Reply;
use extract::Mode;
use extract::{Extract, Iterable};
use futures::StreamExt;
use serde_json::json;

#[derive(Extract, Debug)]
struct User {
    name: String,
    age: u32,
}

/// A person the model makes up.
#[derive(Extract, Debug)]
struct UserExtract {
    name: String,
    age: u32,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = backend::connect(|replay| {
        for reply in replayed_answers() {
            replay.push(reply);
        }
    })
    .await?;
    let (client, model) = (&backend.client, backend.model.as_str());

    // 1. The whole list at once.
    let users: Vec<User> = client
        .chat()
        .model(model)
        .mode(Mode::Json)
        .temperature(0.1)
        .user(
            "Consider this data: Jason is 10 and John is 30. \
             Correctly segment it into entities. Make sure the JSON is correct",
        )
        .create::<Iterable<User>>()
        .await?;
    println!("all at once:");
    for user in &users {
        println!("  {user:?}");
    }

    // 2. Each user the moment its closing brace arrives.
    let mut stream = client
        .chat()
        .model(model)
        .mode(Mode::Tools)
        .temperature(0.1)
        .max_tokens(1000)
        .system("You are a perfect entity extraction system")
        .user("Extract `Jason is 10 and John is 10`")
        .create_iterable::<User>()
        .await?;
    println!("streamed:");
    while let Some(user) = stream.next().await {
        println!("  {:?}", user?);
    }

    // 3. The same from a spawned task (streams are `Send`), with re-asks.
    let request = client
        .chat()
        .model(model)
        .max_retries(2)
        .user("Make two up people");
    let task = tokio::spawn(async move {
        let mut people = request.create_iterable::<UserExtract>().await?;
        let mut seen = Vec::new();
        while let Some(person) = people.next().await {
            let person = person?;
            println!("  {person:?}");
            seen.push(person);
        }
        Ok::<_, extract::Error>(seen)
    });
    println!("streamed from a task:");
    let people = task.await??;
    println!("{} people made up", people.len());
    Ok(())
}

/// The answers a model gives to the three requests, streamed a few
/// characters at a time.
fn replayed_answers() -> [Reply; 3] {
    let slow = |reply: Reply| reply.fragment(3).delay(Duration::from_millis(25));
    [
        Reply::items([
            json!({"name": "Jason", "age": 10}),
            json!({"name": "John", "age": 30}),
        ]),
        slow(Reply::items([
            json!({"name": "Jason", "age": 10}),
            json!({"name": "John", "age": 10}),
        ])),
        slow(Reply::items([
            json!({"name": "John Doe", "age": 30}),
            json!({"name": "Jane Doe", "age": 28}),
        ])),
    ]
}
