//! Property tests of the JSON lexer: any `serde_json::Value`, serialized
//! compact or pretty and cut anywhere, is rebuilt exactly from the events;
//! any bytes, cut anywhere and with any options, never panic and give the
//! same outcome as fed whole.

mod common;

use common::{bytewise, lex_value, outcome, outcome_str};
use extract_core::json::LexerOptions;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// Strings with what JSON must escape: quotes, backslashes, control
/// characters, and multi-byte characters (which cuts may split).
fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z \"\\\\/\u{0}-\u{1f}\u{7f}é€😀\u{fffd}\u{10ffff}]{0,16}",
        "[a-z]{0,4}",
    ]
}

fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        Just(Value::from(-0.0f64)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(i64::MIN)),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number(),
        arb_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((arb_string(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Sorted cut points for an input of length `len`.
fn cuts(picks: &[Index], len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = picks.iter().map(|p| p.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

/// Bytes that are mostly JSON-ish: structure, literals' letters, digits and
/// number signs, escapes, multi-byte characters and invalid UTF-8.
fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        prop::sample::select(b"{}[],:\" \n\t\\/0123456789-+.eEtrufalsn".to_vec())
            .prop_map(|b| vec![b]),
        prop::sample::select(vec![
            &b"true"[..],
            b"null",
            b"false",
            b"\"a\"",
            b"\\u",
            b"\\ud83d",
            b"\\ude00",
            b"d800",
            b"00e9",
            "é".as_bytes(),
            "😀".as_bytes(),
            b"\xf0\x9f",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
            b"\xff",
            b"\x00",
            b"\r",
        ])
        .prop_map(<[u8]>::to_vec),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    prop::collection::vec(token, 0..48).prop_map(|tokens| tokens.concat())
}

/// Valid JSON with one byte changed, inserted or removed.
fn arb_mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        arb_value(),
        any::<bool>(),
        any::<Index>(),
        0u8..3,
        any::<u8>(),
    )
        .prop_map(|(value, pretty, at, how, byte)| {
            let mut bytes = if pretty {
                serde_json::to_vec_pretty(&value)
            } else {
                serde_json::to_vec(&value)
            }
            .expect("a Value serializes");
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => {
                    bytes.remove(i);
                }
            }
            bytes
        })
}

fn arb_options() -> impl Strategy<Value = LexerOptions> {
    (
        prop_oneof![Just(128usize), 0usize..5],
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(1usize << 20), 0usize..10],
        any::<bool>(),
    )
        .prop_map(|(depth, control, surrogates, token, trailing)| {
            LexerOptions::default()
                .max_depth(depth)
                .lenient_control_characters(control)
                .lenient_surrogates(surrogates)
                .max_token_len(token)
                .allow_trailing_data(trailing)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn rebuilds_any_value(value in arb_value(), picks in prop::collection::vec(any::<Index>(), 0..12)) {
        let opts = LexerOptions::default();
        for text in [serde_json::to_vec(&value).unwrap(), serde_json::to_vec_pretty(&value).unwrap()] {
            let cuts = cuts(&picks, text.len());
            let got = lex_value(&text, &cuts, &opts);
            prop_assert_eq!(got.as_ref(), Ok(&value), "{} cut at {:?}", String::from_utf8_lossy(&text), cuts);
        }
    }

    #[test]
    fn rebuilds_any_value_byte_by_byte(value in arb_value()) {
        let text = serde_json::to_vec(&value).unwrap();
        prop_assert_eq!(lex_value(&text, &bytewise(text.len()), &LexerOptions::default()), Ok(value));
    }

    #[test]
    fn feed_str_same_as_feed(
        value in arb_value(),
        junk in prop::option::of(arb_string()),
        opts in arb_options(),
        picks in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        // Valid JSON, or JSON with some text (maybe invalid there) spliced in.
        let mut text = serde_json::to_string_pretty(&value).unwrap();
        if let Some(junk) = junk {
            let at = picks.first().map_or(0, |p| p.index(text.len() + 1));
            let at = (at..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
            text.insert_str(at, &junk);
        }
        let cuts = cuts(&picks, text.len());
        let whole = outcome(text.as_bytes(), &[], &opts);
        prop_assert_eq!(&outcome_str(&text, &cuts, &opts), &whole, "cut at {:?}", cuts);
    }

    #[test]
    fn any_bytes_same_outcome_whatever_the_cuts(
        bytes in arb_bytes(),
        opts in arb_options(),
        picks in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        let whole = outcome(&bytes, &[], &opts);
        if let Some(e) = &whole.error {
            prop_assert!(e.offset() <= bytes.len() as u64);
        }
        let cuts = cuts(&picks, bytes.len());
        prop_assert_eq!(&outcome(&bytes, &cuts, &opts), &whole, "cut at {:?}", cuts);
        prop_assert_eq!(&outcome(&bytes, &bytewise(bytes.len()), &opts), &whole, "byte by byte");
    }

    #[test]
    fn mutated_json_same_outcome_whatever_the_cuts(
        bytes in arb_mutated(),
        opts in arb_options(),
        picks in prop::collection::vec(any::<Index>(), 0..12),
    ) {
        let whole = outcome(&bytes, &[], &opts);
        let cuts = cuts(&picks, bytes.len());
        prop_assert_eq!(&outcome(&bytes, &cuts, &opts), &whole, "cut at {:?}", cuts);
        // Strict and whole, the lexer agrees with serde_json on validity
        // (serde_json also rejects numbers out of the f64 range, like 1e400,
        // which the lexer leaves to the sink).
        if opts == LexerOptions::default() {
            let serde = serde_json::from_slice::<Value>(&bytes);
            if let Ok(v) = &serde {
                prop_assert_eq!(&whole.error, &None);
                let rebuilt = lex_value(&bytes, &[], &opts);
                prop_assert_eq!(rebuilt.as_ref(), Ok(v));
            } else if whole.error.is_none() {
                prop_assert!(lex_value(&bytes, &[], &opts).is_err(), "serde_json rejects what the lexer accepts");
            }
        }
    }
}
