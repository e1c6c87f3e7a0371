//! Many documents at once, with a progress bar: the same extraction over
//! every text file of a folder (or every line of a JSONL file), 64
//! requests at a time, each result appended to a journal as it arrives.
//! Stop it (Ctrl-C) and start it again: the documents already in the
//! journal are skipped.
//!
//! ```sh
//! cargo run -p extract-examples --example many                       # a generated corpus of 2,000 documents
//! cargo run -p extract-examples --example many -- notes/              # every *.txt of a folder
//! cargo run -p extract-examples --example many -- docs.jsonl out.jsonl  # {"id", "text"} per line; the journal
//! ```
//!
//! With `OPENAI_API_KEY` set it asks the real API (`OPENAI_BASE_URL`,
//! `OPENAI_MODEL`); without it, the built-in replay server answers each
//! document from its text, over the same HTTP code path.

use extract::client::{Input, Mode};
use extract::testing::Reply;
use extract::Extract;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "../common/backend.rs"]
mod backend;

/// What is extracted from each document.
#[derive(Extract, Serialize, Debug)]
struct Summary {
    /// The document's title: its first line.
    title: String,
    /// How many words the document has.
    words: u32,
    /// The people the document names.
    people: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let source = args
        .next()
        .map_or_else(sample_corpus, |a| Ok(PathBuf::from(a)))?;
    let journal = args.next().map_or_else(
        || std::env::temp_dir().join("extract-many-journal.jsonl"),
        PathBuf::from,
    );
    let inputs = read_inputs(&source)?;
    let backend = backend::connect(|replay| {
        // Each document's answer computed from its text, a little slowly so
        // the bar has something to show.
        replay.respond_with(|request| {
            let body = request.json();
            let text = body["messages"]
                .as_array()
                .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
                .and_then(|m| m["content"].as_str())
                .unwrap_or("")
                .to_owned();
            Reply::value(&summarize(&text))
                .fragment(24)
                .delay(Duration::from_millis(15))
        });
    })
    .await?;

    let mut results = backend
        .client
        .chat()
        .model(&backend.model)
        .mode(Mode::Tools)
        .system("Summarize the document.")
        .max_retries(2)
        .many::<Summary>(inputs)
        .concurrency(64)
        .journal(&journal)
        .start()?;

    let bar = ProgressBar::new(results.snapshot().total.unwrap_or(0));
    bar.set_style(ProgressStyle::with_template(
        "{bar:40.cyan/blue} {pos}/{len} {msg}",
    )?);
    let mut progress = results.progress();
    let drawing = bar.clone();
    let draw = tokio::spawn(async move {
        while progress.changed().await.is_ok() {
            let p = progress.borrow_and_update().clone();
            drawing.set_position(p.done + p.failed + p.skipped);
            let eta = p
                .eta
                .map_or_else(|| "?".to_owned(), |eta| format!("{}s", eta.as_secs()));
            drawing.set_message(format!(
                "{} failed, {} in flight, {} skipped, {} tokens, {eta} left",
                p.failed, p.in_flight, p.skipped, p.usage.total_tokens
            ));
            if p.finished {
                break;
            }
        }
    });
    let mut failed = Vec::new();
    while let Some((id, result)) = results.next().await {
        if let Err(error) = result {
            failed.push(format!("{id}: {error}"));
        }
    }
    let _ = draw.await;
    bar.finish();
    let last = results.snapshot();
    println!(
        "{} extracted, {} failed, {} already in the journal, {} tokens in {:.1} s; results in {}",
        last.done,
        last.failed,
        last.skipped,
        last.usage.total_tokens,
        last.elapsed.as_secs_f64(),
        journal.display()
    );
    for line in failed.iter().take(5) {
        eprintln!("  {line}");
    }
    Ok(())
}

/// A JSONL line of input.
#[derive(Deserialize)]
struct Line {
    id: String,
    text: String,
}

/// The documents of a folder (`*.txt`, named by file name) or a JSONL file.
fn read_inputs(source: &Path) -> Result<Vec<Input>, Box<dyn std::error::Error>> {
    if source.is_dir() {
        let mut inputs = Vec::new();
        for entry in std::fs::read_dir(source)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "txt") {
                let id = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                inputs.push(Input::text(id, std::fs::read_to_string(&path)?));
            }
        }
        inputs.sort_by(|a, b| a.id().cmp(b.id()));
        return Ok(inputs);
    }
    let text = std::fs::read_to_string(source)?;
    let mut inputs = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let line: Line = serde_json::from_str(line)?;
        inputs.push(Input::text(line.id, line.text));
    }
    Ok(inputs)
}

/// Writes 2,000 small documents to a folder of the temporary directory.
fn sample_corpus() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join("extract-many-corpus");
    std::fs::create_dir_all(&dir)?;
    let names = [
        "Ann", "Bo", "Chen", "Dara", "Emeka", "Fatima", "Gus", "Hana",
    ];
    for i in 0..2_000 {
        let (a, b) = (names[i % names.len()], names[(i * 7 + 3) % names.len()]);
        let text = format!(
            "Meeting {i}\n{a} met {b} to plan release {i}; {b} will write the notes and {a} the summary."
        );
        std::fs::write(dir.join(format!("doc-{i:04}.txt")), text)?;
    }
    Ok(dir)
}

/// The replay server's answer for a document: what a model would say.
fn summarize(text: &str) -> serde_json::Value {
    let title = text.lines().next().unwrap_or("").trim();
    let words = text.split_whitespace().count();
    let mut people: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .skip(2)
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .collect();
    let mut seen = std::collections::HashSet::new();
    people.retain(|name| seen.insert(*name));
    serde_json::json!({ "title": title, "words": words, "people": people })
}
