//! `StreamParser` and `ItemParser` over the std impls: final values equal
//! serde_json's whatever the splits, snapshots are monotone, problems carry
//! their JSON paths.

use std::collections::{BTreeMap, HashMap};

use extract_core::{Error, ItemParser, StreamParser};
use proptest::prelude::*;
use serde_json::{json, Value};

use extract_core::testing::extends;

fn split_at_points(bytes: &[u8], points: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts {
        out.push(bytes[start..cut].to_vec());
        start = cut;
    }
    out.push(bytes[start..].to_vec());
    out
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".*".prop_map(Value::String),
        "[a-z\"\\\\\n\t\u{e9}\u{1f600}]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\u{e9}\"]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn stream(chunks: &[Vec<u8>]) -> (Result<Value, Error>, Vec<Value>) {
    let mut parser = StreamParser::<Value>::new();
    let mut snapshots = Vec::new();
    for chunk in chunks {
        match parser.feed(chunk) {
            Ok(true) => snapshots.push(parser.partial().clone()),
            Ok(false) => {}
            Err(error) => return (Err(error), snapshots),
        }
    }
    (parser.finish(), snapshots)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_value_in_any_split_parses_like_serde_json(
        value in arb_value(),
        pretty in any::<bool>(),
        points in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
        let expected: Value = serde_json::from_str(&text).unwrap();
        let chunks = split_at_points(text.as_bytes(), &points);
        let (result, snapshots) = stream(&chunks);
        prop_assert_eq!(result.unwrap(), expected.clone());
        for pair in snapshots.windows(2) {
            prop_assert!(extends(&pair[0], &pair[1]), "{} then {}", pair[0], pair[1]);
        }
        if let Some(last) = snapshots.last() {
            prop_assert!(extends(last, &expected));
        }
    }

    #[test]
    fn byte_by_byte_snapshots_are_monotone(value in arb_value()) {
        let text = serde_json::to_string(&value).unwrap();
        let chunks: Vec<Vec<u8>> = text.as_bytes().iter().map(|b| vec![*b]).collect();
        let (result, snapshots) = stream(&chunks);
        prop_assert_eq!(result.unwrap(), value);
        for pair in snapshots.windows(2) {
            prop_assert!(extends(&pair[0], &pair[1]));
            prop_assert!(pair[0] != pair[1], "feed said changed but nothing changed");
        }
    }
}

#[test]
fn feed_str_after_bytes_that_cut_a_character() {
    let text = r#"{"city": "Zürich"}"#;
    let cut = text.find('ü').unwrap() + 1;
    let mut parser = StreamParser::<BTreeMap<String, String>>::new();
    parser.feed(&text.as_bytes()[..cut]).unwrap();
    // The rest starts inside `ü`: only bytes can carry it; then text again.
    parser.feed(&text.as_bytes()[cut..cut + 1]).unwrap();
    parser.feed_str(&text[cut + 1..]).unwrap();
    assert_eq!(parser.finish().unwrap()["city"], "Zürich");
}

#[test]
fn a_number_is_shown_only_when_complete() {
    let mut parser = StreamParser::<Vec<u32>>::new();
    assert!(parser.feed("[1").unwrap());
    assert_eq!(parser.partial(), &Vec::<u32>::new());
    assert!(!parser.feed("2").unwrap());
    assert!(parser.feed("3,").unwrap());
    assert_eq!(parser.partial(), &vec![123]);
    parser.feed("4]").unwrap();
    assert_eq!(parser.finish().unwrap(), vec![123, 4]);
}

#[test]
fn a_string_grows_and_a_key_is_never_fabricated() {
    let mut parser = StreamParser::<BTreeMap<String, String>>::new();
    parser.feed(r#"{"na"#).unwrap();
    assert!(parser.partial().is_empty(), "half a key must not appear");
    parser.feed(r#"me": "Ja"#).unwrap();
    assert_eq!(parser.partial()["name"], "Ja");
    parser.feed(r#"son \u00e"#).unwrap();
    assert_eq!(parser.partial()["name"], "Jason ");
    parser.feed(r#"9"}"#).unwrap();
    assert_eq!(parser.finish().unwrap()["name"], "Jason é");
}

#[test]
fn models_numbers_as_strings_and_integral_floats_are_accepted() {
    let parsed: Vec<u32> = {
        let mut parser = StreamParser::<Vec<u32>>::new();
        parser.feed(r#"[10.0, "11", " 12 ", 1e1]"#).unwrap();
        parser.finish().unwrap()
    };
    assert_eq!(parsed, vec![10, 11, 12, 10]);
}

#[test]
fn every_problem_is_reported_with_its_path() {
    type Doc = BTreeMap<String, Vec<BTreeMap<String, u8>>>;
    let mut parser = StreamParser::<Doc>::new();
    parser
        .feed(r#"{"users": [{"age": 1}, {"age": "x"}, {"age": 300}, {"age": [1]}], "more": 5}"#)
        .unwrap();
    let error = parser.finish().unwrap_err();
    let issues: Vec<String> = error
        .validation()
        .expect("a validation error")
        .issues()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        issues,
        [
            r#"users[1].age: expected an integer, found "x""#,
            "users[2].age: expected an integer from 0 to 255, found 300",
            "users[3].age: expected an integer, found an array",
            "more: expected an array, found a number",
        ]
    );
    assert!(error.partial().is_some(), "the last partial is kept");
}

#[test]
fn repeated_keys_last_wins_like_serde_json() {
    let text = r#"{"a": 1, "b": {"c": "x"}, "a": 2, "b": {"d": "y"}}"#;
    let mut parser = StreamParser::<HashMap<String, Value>>::new();
    parser.feed(text).unwrap();
    let ours = parser.finish().unwrap();
    let theirs: HashMap<String, Value> = serde_json::from_str(text).unwrap();
    assert_eq!(ours, theirs);
}

/// In a `Value`, a repeated key is written in place of the earlier value
/// while it streams, byte by byte, whatever keys came between.
#[test]
fn repeated_keys_in_a_value_stream_in_place() {
    let text = r#"{"a": "one", "b": [1, {"c": "x"}], "d": true, "a": {"e": "two"}, "b": 3}"#;
    let mut parser = StreamParser::<Value>::new();
    let mut saw_new_a = false;
    for byte in text.as_bytes() {
        parser.feed([*byte]).unwrap();
        if parser.partial().get("a") == Some(&serde_json::json!({"e": "tw"})) {
            saw_new_a = true;
        }
    }
    assert!(saw_new_a, "the second \"a\" showed as it arrived");
    let theirs: Value = serde_json::from_str(text).unwrap();
    assert_eq!(parser.finish().unwrap(), theirs);
}

/// An entry whose key is over a kilobyte appears once its value has ended
/// (writing it in place would look the long key up again for every piece of
/// the value); entries with shorter keys show their value as it streams.
#[test]
fn a_map_entry_with_a_huge_key_appears_when_its_value_ends() {
    let long = "k".repeat(2_000);
    let text = format!(r#"{{"short": "abcdef", "{long}": {{"x": "ghijkl"}}, "after": "z"}}"#);
    let mut parser = StreamParser::<HashMap<String, Value>>::new();
    let (mut short_grew, mut long_early, mut long_whole) = (false, false, false);
    for byte in text.as_bytes() {
        parser.feed([*byte]).unwrap();
        let partial = parser.partial();
        short_grew |= partial.get("short") == Some(&json!("abc"));
        match partial.get(&long) {
            Some(value) if value == &json!({"x": "ghijkl"}) => long_whole = true,
            Some(_) => long_early = true,
            None => {}
        }
    }
    assert!(short_grew, "a short key's value streams");
    assert!(
        !long_early,
        "the long key's entry waits for its value's end"
    );
    assert!(long_whole);
    let theirs: HashMap<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(parser.finish().unwrap(), theirs);
}

#[test]
fn options_take_null() {
    let mut parser = StreamParser::<Vec<Option<String>>>::new();
    parser.feed(r#"["a", null, "b"]"#).unwrap();
    assert_eq!(
        parser.finish().unwrap(),
        vec![Some("a".to_owned()), None, Some("b".to_owned())]
    );
}

#[test]
fn deep_nesting_is_a_clean_error() {
    let mut parser = StreamParser::<Value>::new();
    let error = parser.feed("[".repeat(100_000)).unwrap_err();
    assert!(matches!(error, Error::Syntax { .. }), "{error}");
    assert!(error.to_string().contains("byte 128"), "{error}");
}

#[test]
fn malformed_json_names_the_byte_and_keeps_the_partial() {
    let mut parser = StreamParser::<Value>::new();
    parser.feed(r#"{"a": "kept", "b": tru"#).unwrap();
    let error = parser.feed("x}").unwrap_err();
    assert!(error.to_string().contains("byte 22"), "{error}");
    assert_eq!(error.partial(), Some(&json!({"a": "kept"})));
    assert_eq!(parser.partial(), &json!({"a": "kept"}));
}

#[test]
fn active_path_follows_the_value_being_written() {
    let mut parser = StreamParser::<BTreeMap<String, Vec<BTreeMap<String, String>>>>::new();
    parser
        .feed(r#"{"users": [{"name": "a"}, {"name": "B"#)
        .unwrap();
    assert_eq!(parser.active_path().unwrap().to_string(), "users[1].name");
}

#[test]
fn items_are_handed_out_as_each_closes() {
    let mut parser = ItemParser::<BTreeMap<String, u32>>::new();
    assert!(parser.feed(r#"{"items": [{"age": 1 "#).unwrap().is_empty());
    assert_eq!(parser.current().unwrap()["age"], 1);
    let done = parser.feed(r#"}, {"age": 2}, {"ag"#).unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(done[1]["age"], 2);
    assert_eq!(parser.feed(r#"e": 3}]}"#).unwrap().len(), 1);
    assert!(parser.finish().unwrap().is_empty());
}

/// Items a chunk completed before a syntax error are handed out first; the
/// error comes with the next call, and stays.
#[test]
fn items_before_a_syntax_error_are_not_lost() {
    let mut parser = ItemParser::<u8>::new();
    assert_eq!(parser.feed("[1, 2, }").unwrap(), vec![1, 2]);
    let error = parser.feed("").unwrap_err();
    assert!(matches!(error, Error::Syntax { .. }), "{error}");
    assert!(error.to_string().contains("byte 7"), "{error}");
    assert!(matches!(parser.finish(), Err(Error::Syntax { .. })));

    let mut parser = ItemParser::<u8>::new();
    let results = parser.feed_results("[1, x").unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(matches!(
        parser.feed_results("]"),
        Err(Error::Syntax { .. })
    ));

    let mut parser = ItemParser::<u8>::new();
    assert!(
        matches!(parser.feed("[}"), Err(Error::Syntax { .. })),
        "no item: the error at once"
    );
}

#[test]
fn items_from_a_top_level_array_and_invalid_items_in_order() {
    let mut parser = ItemParser::<u8>::new();
    assert_eq!(parser.feed("[1, 2, 300, 4").unwrap(), vec![1, 2]);
    let error = parser.feed("").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("[2]: expected an integer from 0 to 255"),
        "{error}"
    );
    assert_eq!(parser.feed("]").unwrap(), vec![4]);
    assert!(parser.finish().unwrap().is_empty());
}

#[test]
fn the_wrapper_may_hold_other_properties_first() {
    let mut parser = ItemParser::<String>::new();
    let items = parser
        .feed(r#"{"note": {"x": [1]}, "users": ["a", "b"], "later": ["c"]}"#)
        .unwrap();
    assert_eq!(items, ["a", "b"]);
    assert!(parser.finish().unwrap().is_empty());
}

/// A snapshot shares the parser's partial: the parser copies it before a
/// write only while the snapshot is still held, so a snapshot keeps what
/// it showed, and one dropped in time costs no copy.
#[test]
fn snapshots_are_shared_and_copied_only_while_held() {
    let mut parser = StreamParser::<Vec<String>>::new();
    parser.feed(r#"["a"#).unwrap();
    let held = parser.snapshot();
    parser.feed("b").unwrap();
    assert_eq!(*held, ["a"], "a held snapshot keeps what it showed");
    assert_eq!(*parser.snapshot(), ["ab"]);

    let dropped = parser.snapshot();
    let address = std::sync::Arc::as_ptr(&dropped);
    drop(dropped);
    parser.feed(r#"c", "d""#).unwrap();
    let next = parser.snapshot();
    assert_eq!(*next, ["abc", "d"]);
    assert_eq!(
        std::sync::Arc::as_ptr(&next),
        address,
        "written in place: nobody held the snapshot"
    );
    drop(next);
    // Reading does not copy either.
    let before = std::sync::Arc::as_ptr(&parser.snapshot());
    let _ = parser.partial();
    parser.feed("   ").unwrap();
    assert_eq!(std::sync::Arc::as_ptr(&parser.snapshot()), before);
    parser.feed("]").unwrap();
    assert_eq!(parser.finish().unwrap(), ["abc", "d"]);
}
