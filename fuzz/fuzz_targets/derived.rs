//! Differential fuzz of derived types (the ones in `shapes.rs`): the text is
//! parsed by `StreamParser<Doc>` fed whole and in chunks of the sizes its
//! first bytes give. Nothing may panic; the outcome (the value, or the
//! error's text) must not depend on the chunking; and whenever
//! `serde_json::from_slice::<Doc>` accepts the text (and serde_json reads it
//! as a `Value` too: see the comment below), ours must give an equal
//! value, unless the value breaks a constraint serde does not check
//! (`#[extract(min_items = 1)]`), in which case ours must be a validation
//! error. The same text also goes through `ItemParser<Item>` (the `items`
//! of a `Doc` are `Item`s, so `{"items": […]}` streams them), whole and in
//! the same chunks.
//!
//! Layout: `[n, size_1 .. size_n, json ..]`.

#![no_main]

use extract::{Error, ItemParser, StreamParser};
use libfuzzer_sys::fuzz_target;

mod chunks;
mod shapes;

use shapes::{Doc, Item};

fuzz_target!(|data: &[u8]| {
    let [n, rest @ ..] = data else {
        return;
    };
    let n = usize::from(n % 16).min(rest.len());
    let (sizes, input) = rest.split_at(n);
    let pieces = chunks::pieces(input, sizes);

    let whole = parse(&[input]);
    assert_eq!(
        text(&parse(&pieces)),
        text(&whole),
        "cut into {:?}",
        pieces.iter().map(|p| p.len()).collect::<Vec<_>>()
    );

    // Where serde does not accept the text there is nothing to compare:
    // this crate is more lenient by design (integers written `10.0`,
    // numbers written as strings, a repeated key wins last where serde's
    // structs reject it). And serde_json is the lenient one with strings it
    // skips (those of unknown keys): it does not check that they are UTF-8
    // or that their `\u` escapes pair their surrogates, where JSON text must
    // be UTF-8 throughout (RFC 8259 §8.1) and this crate rejects both
    // anywhere. serde_json reads every string into a `Value`, so only text
    // it also accepts as a `Value` is compared.
    let serde = match serde_json::from_slice::<serde_json::Value>(input) {
        Ok(_) => serde_json::from_slice::<Doc>(input).ok(),
        Err(_) => None,
    };
    if let Some(want) = serde {
        match &whole {
            Ok(got) if !breaks_constraints(&want) => assert_eq!(got, &want),
            Err(error) if breaks_constraints(&want) => {
                assert!(
                    error.validation().is_some(),
                    "not a validation error: {error}"
                );
            }
            got => panic!("serde gives {want:?}, we give {:?}", text(got)),
        }
    }

    let (whole_items, whole_error) = items(&[input]);
    let (cut_items, cut_error) = items(&pieces);
    assert_eq!(cut_error, whole_error);
    if whole_error.is_none() {
        assert_eq!(cut_items, whole_items);
    } else {
        // On malformed JSON `feed` returns the syntax error alone: items
        // completed earlier in the same chunk are not handed out, so cut
        // feeding may give more of them, never fewer or others.
        assert!(cut_items.starts_with(&whole_items));
    }
});

/// Whether `doc` breaks one of the `#[extract]` constraints of `Doc`.
fn breaks_constraints(doc: &Doc) -> bool {
    doc.items.is_empty()
}

fn parse(pieces: &[&[u8]]) -> Result<Doc, Error> {
    let mut parser = StreamParser::<Doc>::new();
    for piece in pieces {
        parser.feed(piece)?;
    }
    parser.finish()
}

fn text(outcome: &Result<Doc, Error>) -> Result<&Doc, String> {
    outcome.as_ref().map_err(ToString::to_string)
}

/// Every item (or its error's text), then the syntax error's text.
fn items(pieces: &[&[u8]]) -> (Vec<Result<Item, String>>, Option<String>) {
    let mut parser = ItemParser::<Item>::new();
    let mut items = Vec::new();
    let text = |results: Vec<Result<Item, Error>>| {
        results
            .into_iter()
            .map(|result| result.map_err(|error| error.to_string()))
    };
    for piece in pieces {
        match parser.feed_results(piece) {
            Ok(results) => items.extend(text(results)),
            Err(error) => return (items, Some(error.to_string())),
        }
    }
    match parser.finish_results() {
        Ok(results) => items.extend(text(results)),
        Err(error) => return (items, Some(error.to_string())),
    }
    (items, None)
}
