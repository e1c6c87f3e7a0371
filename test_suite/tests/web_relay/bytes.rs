//! Bytes a page receives for the conference answer: whole snapshots versus
//! patches. Prints the table for BENCHMARKS.md:
//!
//! ```sh
//! cargo test -p extract-test-suite --test web_relay bytes -- --nocapture
//! ```
//!
//! Deterministic: the answer is fed 4 characters at a time (one OpenAI
//! stream event each) to the same parser `create_partial` uses, and every
//! changed snapshot goes through the relay encoder, `done` included.

use extract::relay::{Encoder, Encoding, Format, PatchMode};
use extract::{Partial, StreamParser};
use serde_json::Value;

use crate::app::conference::{ExtractionValues, ANSWER};

/// Every snapshot a stream of `answer` in `fragment`-character events shows.
fn snapshots(answer: &str, fragment: usize) -> Vec<Value> {
    let mut parser = StreamParser::<ExtractionValues>::new();
    let chars: Vec<char> = answer.chars().collect();
    let mut out = Vec::new();
    for piece in chars.chunks(fragment) {
        let piece: String = piece.iter().collect();
        if parser.feed(&piece).expect("the answer is valid JSON") {
            let partial: &Partial<ExtractionValues> = parser.partial();
            out.push(serde_json::to_value(partial).expect("a partial is JSON"));
        }
    }
    let value = parser.finish().expect("the answer is valid");
    out.push(serde_json::to_value(extract::Extract::into_partial(value)).expect("JSON"));
    out
}

/// (messages, bytes) of the whole body.
fn body_bytes(snapshots: &[Value], format: Format, encoding: Encoding) -> (usize, usize) {
    let mut encoder = Encoder::new(format, encoding);
    let (mut messages, mut bytes) = (0, 0);
    for snapshot in snapshots {
        if let Some(frame) = encoder.snapshot(snapshot.clone()) {
            messages += 1;
            bytes += frame.len();
        }
    }
    let last = snapshots.last().cloned().unwrap_or(Value::Null);
    bytes += encoder.done(&last).len();
    (messages + 1, bytes)
}

/// The answer with its users listed `times` times.
fn longer(times: usize) -> String {
    let mut value: Value = serde_json::from_str(ANSWER).expect("JSON");
    let users = value["users"].as_array().expect("users").clone();
    value["users"] = Value::Array(
        users
            .iter()
            .cycle()
            .take(users.len() * times)
            .cloned()
            .collect(),
    );
    serde_json::to_string(&value).expect("JSON")
}

const ENCODINGS: [(&str, Encoding); 3] = [
    ("snapshots", Encoding::Snapshots),
    ("patches (append)", Encoding::Patches(PatchMode::Append)),
    ("patches (RFC 6902)", Encoding::Patches(PatchMode::Strict)),
];

#[test]
fn bytes_sent_for_the_conference_answer() {
    println!("\nBytes a page receives for the conference answer (4 characters per event):\n");
    println!("| answer | encoding | format | messages | bytes | bytes / answer byte |");
    println!("| --- | --- | --- | ---: | ---: | ---: |");
    let mut totals = Vec::new();
    for times in [1, 2, 4] {
        let answer = longer(times);
        let snaps = snapshots(&answer, 4);
        for (name, encoding) in ENCODINGS {
            for (format_name, format) in [("SSE", Format::Sse), ("NDJSON", Format::Ndjson)] {
                let (messages, bytes) = body_bytes(&snaps, format, encoding);
                println!(
                    "| {} users, {} B | {name} | {format_name} | {messages} | {bytes} | {:.1} |",
                    10 * times,
                    answer.len(),
                    bytes as f64 / answer.len() as f64
                );
                totals.push(((times, name, format_name), bytes));
            }
        }
    }
    let get = |times, name, format| {
        totals
            .iter()
            .find(|(key, _)| *key == (times, name, format))
            .map(|(_, bytes)| *bytes as f64)
            .expect("measured")
    };
    let snapshots_growth = get(4, "snapshots", "SSE") / get(1, "snapshots", "SSE");
    let patches_growth = get(4, "patches (append)", "SSE") / get(1, "patches (append)", "SSE");
    println!("\n4x the answer: snapshots x{snapshots_growth:.1}, patches x{patches_growth:.1}\n");
    assert!(
        patches_growth < 4.5,
        "patches grow linearly: x{patches_growth:.1}"
    );
    assert!(
        snapshots_growth > 10.0,
        "snapshots grow quadratically: x{snapshots_growth:.1}"
    );
    assert!(get(1, "patches (append)", "SSE") * 3.0 < get(1, "snapshots", "SSE"));
}
