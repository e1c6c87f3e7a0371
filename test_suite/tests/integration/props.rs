//! Property tests: generated values of derived types (nested structs,
//! externally, internally and adjacently tagged enums, options, vecs, maps,
//! recursion),
//! serialized by serde, fed to `StreamParser` in random splits.
//!
//! - The final value equals the original (and `serde_json::from_str`).
//! - Snapshots are monotone: each snapshot's JSON is extended by the next
//!   one's.
//! - The changes the parser records, applied in order to the JSON of the
//!   empty partial, give the partial's JSON after every chunk (in both
//!   patch modes), for derived types and for `serde_json::Value` with
//!   repeated keys and keys that need escaping in a JSON Pointer. "Extends" is defined by [`crate::support::extends`]: every
//!   field present stays present; a string only grows by appending; an
//!   array only grows and its elements extend theirs; an object only gains
//!   keys and its values extend theirs; a number, boolean, null or enum
//!   variant never changes once shown.

use std::collections::BTreeMap;

use extract::patch::PatchMode;
use extract::{Extract, StreamParser};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::support::events::Mirror;
use crate::support::extends;

#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Doc {
    title: String,
    count: u32,
    delta: i64,
    ratio: f64,
    flag: bool,
    note: Option<String>,
    tags: Vec<String>,
    items: Vec<Item>,
    meta: BTreeMap<String, i32>,
    kind: Kind,
    shape: Shape,
    event: Event,
    adjacent: Adjacent,
    child: Option<Box<Doc>>,
}

#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Item {
    item_id: u64,
    label: Option<String>,
    weights: Vec<f32>,
}

#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Kind {
    Alpha,
    Beta,
    #[serde(rename = "gamma-ray")]
    Gamma,
}

#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Shape {
    Circle { r: f64 },
    Square(u16),
    Pair(i8, String),
    Dot,
}

#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type")]
enum Event {
    Click { x: i32, y: i32 },
    Key { code: String, repeat: Option<bool> },
    Nothing,
}

#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
enum Adjacent {
    Move { dx: i32, note: Option<String> },
    Say(String),
    Maybe(Option<u8>),
    Pair(i8, bool),
    Stop,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,10}",
        "[a-z\"\\\\\n\t\u{e9}\u{1f600}/]{0,8}",
        ".{0,6}",
    ]
}

fn finite() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn item() -> impl Strategy<Value = Item> {
    (
        any::<u64>(),
        proptest::option::of(text()),
        prop::collection::vec(any::<f32>().prop_filter("finite", |f| f.is_finite()), 0..3),
    )
        .prop_map(|(item_id, label, weights)| Item {
            item_id,
            label,
            weights,
        })
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        finite().prop_map(|r| Shape::Circle { r }),
        any::<u16>().prop_map(Shape::Square),
        (any::<i8>(), text()).prop_map(|(a, b)| Shape::Pair(a, b)),
        Just(Shape::Dot),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (any::<i32>(), any::<i32>()).prop_map(|(x, y)| Event::Click { x, y }),
        (text(), proptest::option::of(any::<bool>()))
            .prop_map(|(code, repeat)| Event::Key { code, repeat }),
        Just(Event::Nothing),
    ]
}

fn adjacent() -> impl Strategy<Value = Adjacent> {
    prop_oneof![
        (any::<i32>(), proptest::option::of(text()))
            .prop_map(|(dx, note)| Adjacent::Move { dx, note }),
        text().prop_map(Adjacent::Say),
        proptest::option::of(any::<u8>()).prop_map(Adjacent::Maybe),
        (any::<i8>(), any::<bool>()).prop_map(|(a, b)| Adjacent::Pair(a, b)),
        Just(Adjacent::Stop),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Alpha), Just(Kind::Beta), Just(Kind::Gamma)]
}

fn leaf_doc() -> impl Strategy<Value = Doc> {
    (
        (text(), any::<u32>(), any::<i64>(), finite(), any::<bool>()),
        (
            proptest::option::of(text()),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(item(), 0..3),
            prop::collection::btree_map("[a-z]{0,4}", any::<i32>(), 0..3),
        ),
        (kind(), shape(), event(), adjacent()),
    )
        .prop_map(
            |(
                (title, count, delta, ratio, flag),
                (note, tags, items, meta),
                (kind, shape, event, adjacent),
            )| Doc {
                title,
                count,
                delta,
                ratio,
                flag,
                note,
                tags,
                items,
                meta,
                kind,
                shape,
                event,
                adjacent,
                child: None,
            },
        )
}

fn doc() -> impl Strategy<Value = Doc> {
    leaf_doc().prop_recursive(2, 4, 1, |inner| {
        (leaf_doc(), proptest::option::of(inner)).prop_map(|(mut doc, child)| {
            doc.child = child.map(Box::new);
            doc
        })
    })
}

/// A JSON value whose objects may repeat a key (serde_json's `Value`
/// can't), written as text.
#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(n) => out.push_str(&n.to_string()),
            Json::Float(f) => out.push_str(&serde_json::to_string(f).unwrap()),
            Json::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::to_string(key).unwrap());
                    out.push_str(": ");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::Int),
        finite().prop_map(Json::Float),
        text().prop_map(Json::Str),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            // Few keys, so that some repeat; `~` and `/` need escaping.
            prop::collection::vec(("[ab~/]{0,2}", inner), 0..5).prop_map(Json::Object),
        ]
    })
}

/// A map whose keys need escaping in a JSON Pointer, and may repeat.
#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Keys {
    map: BTreeMap<String, Vec<String>>,
    pairs: Vec<Pair>,
}

#[derive(Extract, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Pair(String, Option<Kind>);

/// The parser's recorded changes, applied after each chunk of `text` cut
/// at `points`, give the partial's JSON; the value is serde_json's.
fn changes_replay<T>(text: &str, points: &[usize], mode: PatchMode) -> T
where
    T: Extract + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    let mut parser = StreamParser::<T>::new();
    let mut mirror = Mirror::new(&mut parser, mode);
    let mut fed = Vec::new();
    for chunk in cut(text.as_bytes(), points) {
        fed.extend_from_slice(&chunk);
        parser.feed(&chunk).unwrap();
        mirror.check(&mut parser, &String::from_utf8_lossy(&fed));
    }
    let done = parser.finish().unwrap();
    assert_eq!(done, serde_json::from_str::<T>(text).unwrap());
    done
}

fn cut(bytes: &[u8], points: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for end in cuts {
        out.push(bytes[start..end].to_vec());
        start = end;
    }
    out.push(bytes[start..].to_vec());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn any_doc_in_any_split_comes_back_whole_and_monotone(
        value in doc(),
        pretty in any::<bool>(),
        points in prop::collection::vec(any::<usize>(), 0..24),
    ) {
        let text = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            serde_json::to_string(&value).unwrap()
        };
        let mut parser = StreamParser::<Doc>::new();
        let mut previous = serde_json::Value::Null;
        for chunk in cut(text.as_bytes(), &points) {
            parser.feed(&chunk).unwrap();
            let snapshot = serde_json::to_value(parser.partial()).unwrap();
            if !previous.is_null() {
                prop_assert!(
                    extends(&previous, &snapshot),
                    "snapshot went back:\n{previous}\n->\n{snapshot}"
                );
            }
            previous = snapshot;
        }
        let done = parser.finish().unwrap();
        prop_assert_eq!(&done, &value);
        prop_assert_eq!(&done, &serde_json::from_str::<Doc>(&text).unwrap());
        // The last snapshot is a view of the value (its own partial: a
        // `None` option is `null` in the value, left out of a partial).
        let back = serde_json::to_value(value.clone().into_partial()).unwrap();
        prop_assert!(extends(&previous, &back), "{previous}\nis not a view of\n{back}");
    }

    #[test]
    fn any_doc_in_any_split_records_the_changes_of_its_partial(
        value in doc(),
        pretty in any::<bool>(),
        strict in any::<bool>(),
        points in prop::collection::vec(any::<usize>(), 0..24),
    ) {
        let text = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            serde_json::to_string(&value).unwrap()
        };
        let mode = if strict { PatchMode::Strict } else { PatchMode::Append };
        prop_assert_eq!(changes_replay::<Doc>(&text, &points, mode), value);
    }

    #[test]
    fn any_json_in_any_split_records_the_changes_of_its_value(
        value in json(),
        strict in any::<bool>(),
        points in prop::collection::vec(any::<usize>(), 0..24),
    ) {
        let mut text = String::new();
        value.write(&mut text);
        let mode = if strict { PatchMode::Strict } else { PatchMode::Append };
        changes_replay::<serde_json::Value>(&text, &points, mode);
    }

    #[test]
    fn keys_to_escape_and_repeated_keys_record_their_changes(
        // A key over a kilobyte has its entry built aside, then put whole.
        members in prop::collection::vec(("([ab~/]{0,2}|~{1025})", prop::collection::vec(text(), 0..3)), 0..5),
        pairs in prop::collection::vec((text(), proptest::option::of(kind())).prop_map(|(a, b)| Pair(a, b)), 0..3),
        points in prop::collection::vec(any::<usize>(), 0..24),
    ) {
        // A repeated key replaces the value before it.
        let mut map: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap(), serde_json::to_string(v).unwrap()))
            .collect();
        map.extend(map.clone().into_iter().rev());
        let text = format!(
            r#"{{"map": {{{}}}, "pairs": {}}}"#,
            map.join(", "),
            serde_json::to_string(&pairs).unwrap(),
        );
        changes_replay::<Keys>(&text, &points, PatchMode::Append);
    }

    #[test]
    fn an_adjacent_value_with_its_content_first_comes_back(
        value in adjacent(),
        points in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        // serde writes the tag first: move the content before it.
        let json = serde_json::to_value(&value).unwrap();
        let text = match json.get("data") {
            Some(data) => format!(r#"{{"data": {data}, "kind": {}}}"#, json["kind"]),
            None => json.to_string(),
        };
        let mut parser = StreamParser::<Adjacent>::new();
        for chunk in cut(text.as_bytes(), &points) {
            parser.feed(&chunk).unwrap();
        }
        let done = parser.finish().unwrap();
        prop_assert_eq!(&done, &serde_json::from_str::<Adjacent>(&text).unwrap());
        prop_assert_eq!(done, value);
    }

    #[test]
    fn items_stream_out_one_by_one(
        items in prop::collection::vec(item(), 0..6),
        points in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let text = serde_json::to_string(&serde_json::json!({ "items": items })).unwrap();
        let mut parser = extract::ItemParser::<Item>::new();
        let mut got = Vec::new();
        for chunk in cut(text.as_bytes(), &points) {
            got.extend(parser.feed(&chunk).unwrap());
        }
        got.extend(parser.finish().unwrap());
        prop_assert_eq!(got, items);
    }
}
