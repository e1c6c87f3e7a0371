//! Fuzzes the readers of a chat-completions event stream as a hostile
//! endpoint would: the body (SSE framing, chunk JSON, deltas, the mode's
//! routing, incremental parsing, the size limit) is fed to a
//! `PartialReader<Value>` or an `ItemReader<Value>` whole and in reads of the
//! sizes its first bytes give, then finished. Nothing may panic or hang, and
//! the outcome (the value or the items, then the error's text) must not
//! depend on how the body was cut into reads.
//!
//! Layout: `[kind, limit_hi, limit_lo, n, size_1 .. size_n, body ..]`:
//! `kind % 8` picks the mode (6 and 7 wrap to `Tools`, `ToolsStrict`), its
//! top bit an `ItemReader` rather than a `PartialReader`; the limit is
//! `max_stream_bytes` (0 keeps the default).

#![no_main]

use extract_core::openai::{ItemReader, Mode, PartialReader};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

mod chunks;

/// What a reader made of a body: the value or items, then the error's text.
#[derive(Debug, PartialEq)]
enum Outcome {
    Value(Result<Value, String>),
    Items(Vec<Value>, Option<String>),
}

fuzz_target!(|data: &[u8]| {
    let [kind, limit_hi, limit_lo, n, rest @ ..] = data else {
        return;
    };
    let mode = match kind % 8 {
        0 | 6 => Mode::Tools,
        1 | 7 => Mode::ToolsStrict,
        2 => Mode::JsonSchema,
        3 => Mode::Json,
        4 => Mode::MdJson,
        _ => Mode::ParallelTools,
    };
    let items = kind & 0x80 != 0;
    let limit = match u16::from_be_bytes([*limit_hi, *limit_lo]) {
        0 => None,
        limit => Some(usize::from(limit)),
    };
    let n = usize::from(n % 16).min(rest.len());
    let (sizes, body) = rest.split_at(n);

    let read = |pieces: &[&[u8]]| {
        if items {
            read_items(mode, limit, pieces)
        } else {
            read_value(mode, limit, pieces)
        }
    };
    let whole = read(&[body]);
    let pieces = chunks::pieces(body, sizes);
    assert_eq!(
        read(&pieces),
        whole,
        "{mode:?}, limit {limit:?}, reads of {:?}",
        pieces.iter().map(|p| p.len()).collect::<Vec<_>>()
    );
});

fn read_value(mode: Mode, limit: Option<usize>, pieces: &[&[u8]]) -> Outcome {
    let mut reader = PartialReader::<Value>::new(mode);
    if let Some(limit) = limit {
        reader = reader.max_stream_bytes(limit);
    }
    for piece in pieces {
        if let Err(error) = reader.feed(piece) {
            return Outcome::Value(Err(error.to_string()));
        }
    }
    Outcome::Value(reader.finish().map_err(|error| error.to_string()))
}

fn read_items(mode: Mode, limit: Option<usize>, pieces: &[&[u8]]) -> Outcome {
    let mut reader = ItemReader::<Value>::new(mode);
    if let Some(limit) = limit {
        reader = reader.max_stream_bytes(limit);
    }
    let mut items = Vec::new();
    for piece in pieces {
        for item in reader.feed(piece) {
            match item {
                Ok(item) => items.push(item),
                Err(error) => return Outcome::Items(items, Some(error.to_string())),
            }
        }
    }
    match reader.finish() {
        Ok(rest) => {
            items.extend(rest);
            Outcome::Items(items, None)
        }
        Err(error) => Outcome::Items(items, Some(error.to_string())),
    }
}
