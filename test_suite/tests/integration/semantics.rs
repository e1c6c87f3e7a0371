//! The streaming semantics of ARCHITECTURE.md, one row at a time, plus
//! `atomic`, `stream_required`, progress (active and completed paths) and
//! validators.

use extract::{Extract, Partial, Segment};
use serde::Deserialize;

use crate::support::events::{chunked_events, stream, stream_bytewise, Driver};

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Person {
    name: String,
    age: u32,
    nick: Option<String>,
    color: Option<Color>,
    address: Option<Address>,
    friends: Vec<Person>,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
enum Color {
    Red,
    Green,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Address {
    city: String,
    zip: Option<String>,
}

fn snapshots<T: Extract>(text: &str) -> Vec<Partial<T>> {
    stream_bytewise::<T>(text).snapshots
}

#[test]
fn a_number_shows_only_when_complete() {
    let shown: Vec<Option<u32>> =
        snapshots::<Person>(r#"{"age": 123, "name": "x", "friends": []}"#)
            .into_iter()
            .map(|s| s.age)
            .collect();
    assert!(shown.iter().all(|a| a.is_none() || *a == Some(123)));
    assert!(shown.contains(&Some(123)));
}

#[test]
fn a_string_grows_from_its_opening_quote() {
    let names: Vec<Option<String>> =
        snapshots::<Person>(r#"{"name": "Ada", "age": 1, "friends": []}"#)
            .into_iter()
            .map(|s| s.name)
            .collect();
    let mut seen: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    seen.dedup();
    assert_eq!(seen, ["", "A", "Ad", "Ada"]);
}

#[test]
fn items_are_pushed_when_they_start() {
    let text = r#"{"friends": [{"name": "B", "age": 2, "friends": []}], "name": "A", "age": 1}"#;
    let at = text.find("[{").unwrap() + 2;
    let outcome = stream::<Person>(text, &[at]);
    let friends = outcome.snapshots[0].friends.as_ref().unwrap();
    assert_eq!(friends.len(), 1);
    assert_eq!(friends[0], Default::default());
}

#[test]
fn objects_appear_at_their_opening_brace() {
    let text = r#"{"address": {"city": "Bern"}, "name": "A", "age": 1, "friends": []}"#;
    let at = text.find("{\"city").unwrap() + 1;
    let outcome = stream::<Person>(text, &[at]);
    assert_eq!(outcome.snapshots[0].address, Some(Default::default()));
}

#[test]
fn unit_enums_show_only_when_complete_and_valid() {
    let shown: Vec<Option<Option<PartialColor>>> =
        snapshots::<Person>(r#"{"color": "Green", "name": "A", "age": 1, "friends": []}"#)
            .into_iter()
            .map(|s| s.color.map(Some))
            .collect();
    assert!(shown
        .iter()
        .all(|c| c.is_none() || *c == Some(Some(PartialColor::Green))));
    let outcome =
        stream_bytewise::<Person>(r#"{"color": "Blue", "name": "A", "age": 1, "friends": []}"#);
    assert!(outcome.snapshots.iter().all(|s| s.color.is_none()));
    assert_eq!(
        outcome.result.unwrap_err().to_string(),
        "color: unknown variant \"Blue\", expected one of `Red`, `Green`"
    );
}

#[test]
fn unknown_keys_are_skipped_and_keys_come_in_any_order() {
    let text = r#"{"x": {"deep": [1, {"y": "z"}], "n": null}, "friends": [], "age": 7,
                   "other": "text", "name": "N"}"#;
    let person = stream_bytewise::<Person>(text).result.unwrap();
    assert_eq!(person, serde_json::from_str::<Person>(text).unwrap());
}

#[test]
fn a_repeated_key_wins_last() {
    let text = r#"{"name": "a", "age": 1, "nick": "x", "friends": [],
                   "name": "b", "age": 2, "nick": null}"#;
    let person = stream_bytewise::<Person>(text).result.unwrap();
    assert_eq!(
        (person.name.as_str(), person.age, person.nick),
        ("b", 2, None)
    );
}

#[test]
fn integers_written_as_floats_or_strings_are_accepted() {
    let text =
        r#"{"name": "a", "age": 10.0, "friends": [{"name": "b", "age": "11", "friends": []}]}"#;
    let person = stream_bytewise::<Person>(text).result.unwrap();
    assert_eq!((person.age, person.friends[0].age), (10, 11));
    let error = stream_bytewise::<Person>(r#"{"name": "a", "age": 1.5, "friends": []}"#)
        .result
        .unwrap_err();
    assert_eq!(error.to_string(), "age: expected an integer, found 1.5");
}

#[test]
fn wrong_types_are_reported_at_their_path_and_the_rest_streams_on() {
    let text = r#"{"name": 5, "age": 1, "friends": [{"name": "b", "age": true, "friends": {}}]}"#;
    let outcome = stream_bytewise::<Person>(text);
    let last = outcome.snapshots.last().unwrap();
    assert_eq!(last.age, Some(1));
    assert_eq!(
        outcome.result.unwrap_err().to_string(),
        "name: expected a string, found a number\n\
         friends[0].age: expected an integer, found a boolean\n\
         friends[0].friends: expected an array, found an object"
    );
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Post {
    title: String,
    #[extract(atomic)]
    tags: Vec<String>,
    #[extract(atomic)]
    summary: Option<String>,
}

#[test]
fn atomic_fields_appear_only_when_complete() {
    let text = r#"{"title": "T", "tags": ["a", "b"], "summary": "done"}"#;
    let outcome = stream_bytewise::<Post>(text);
    for snap in &outcome.snapshots {
        assert!(
            snap.tags.is_none()
                || snap.tags.as_deref() == Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert!(snap.summary.is_none() || snap.summary.as_deref() == Some("done"));
    }
    assert_eq!(outcome.result.unwrap().tags, ["a", "b"]);
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Item {
    #[extract(stream_required)]
    id: u32,
    title: String,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Items {
    items: Vec<Item>,
}

#[test]
fn stream_required_holds_the_item_back_until_its_key_arrives() {
    let text = r#"{"items": [{"title": "first", "id": 1}, {"id": 2, "title": "second"}]}"#;
    let outcome = stream_bytewise::<Items>(text);
    for snap in &outcome.snapshots {
        for item in snap.items.iter().flatten() {
            assert!(
                item.id.is_some(),
                "an item without its id was shown: {item:?}"
            );
        }
    }
    // The second item shows while its title still streams.
    assert!(outcome.snapshots.iter().any(|s| s
        .items
        .as_ref()
        .and_then(|i| i.get(1))
        .is_some_and(|i| i.title.as_deref() == Some("sec"))));
    assert_eq!(outcome.result.unwrap().items[0].title, "first");
    // An item that never gets its id still appears at its end, so the
    // problem is reported at the right path.
    let error = stream_bytewise::<Items>(r#"{"items": [{"title": "x"}]}"#)
        .result
        .unwrap_err();
    assert_eq!(error.to_string(), "items[0].id: missing required field");
}

#[test]
fn progress_names_the_active_field_and_the_completed_ones() {
    let text = r#"{"name": "Ada", "age": 36, "friends": [{"name": "Bob", "age": 1, "friends": []}, {"name": "Cy"#;
    let mut driver = Driver::<Person>::default();
    for chunk in chunked_events(text, &[]) {
        for event in &chunk {
            driver.event(event);
        }
    }
    let key = |k: &str| Segment::Key(k.to_owned());
    assert_eq!(
        driver.active_path(),
        [key("friends"), Segment::Index(1), key("name")]
    );
    assert!(driver.is_complete_at(&[key("name")]));
    assert!(driver.is_complete_at(&[key("age")]));
    assert!(driver.is_complete_at(&[key("friends"), Segment::Index(0)]));
    assert!(!driver.is_complete_at(&[key("friends")]));
    assert!(!driver.is_complete_at(&[key("friends"), Segment::Index(1)]));
    assert!(!driver.is_complete_at(&[key("friends"), Segment::Index(1), key("name")]));
    assert!(!driver.is_complete_at(&[]));
}

fn adult(age: &u32) -> Result<(), String> {
    if *age >= 18 {
        Ok(())
    } else {
        Err(format!("must be an adult, got {age}"))
    }
}

fn distinct(team: &Team) -> Result<(), String> {
    if team.lead == team.deputy {
        Err("the lead and the deputy must differ".to_owned())
    } else {
        Ok(())
    }
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
#[extract(validate = distinct)]
struct Team {
    lead: String,
    deputy: String,
    #[extract(validate = adult)]
    lead_age: u32,
    #[extract(min_items = 1, max_items = 2)]
    members: Vec<Member>,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Member {
    #[extract(pattern = "^[a-z]+$", min_length = 2, max_length = 8)]
    login: String,
    #[extract(minimum = 0, maximum = 1.5)]
    weight: Option<f64>,
    #[extract(validate = "adult")]
    age: u32,
}

#[test]
fn validators_and_constraints_report_everything_at_once() {
    let text = r#"{"lead": "a", "deputy": "a", "lead_age": 17,
                   "members": [{"login": "X", "weight": 2, "age": 3}, {"login": "ok", "age": 30},
                               {"login": "abcdefghij", "weight": -1, "age": 40}]}"#;
    let error = stream_bytewise::<Team>(text).result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "members: expected at most 2 items, got 3\n\
         members[0].login: expected at least 2 characters, got 1\n\
         members[0].weight: expected a value of at most 1.5, got 2\n\
         members[2].login: expected at most 8 characters, got 10\n\
         members[2].weight: expected a value of at least 0, got -1"
    );
    // Custom validators run once the value is complete and well-formed.
    let text =
        r#"{"lead": "a", "deputy": "a", "lead_age": 17, "members": [{"login": "ab", "age": 3}]}"#;
    let error = stream_bytewise::<Team>(text).result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "lead_age: must be an adult, got 17\n\
         members[0].age: must be an adult, got 3\n\
         (root): the lead and the deputy must differ"
    );
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Crate {
    #[extract(multiple_of = 0.25)]
    weight: f64,
    #[extract(multiple_of = 6)]
    bottles: Option<u32>,
}

#[test]
fn multiple_of_is_checked_once_the_value_is_complete() {
    let ok = stream_bytewise::<Crate>(r#"{"weight": 2.75, "bottles": 18}"#);
    assert_eq!(
        ok.result.unwrap(),
        Crate {
            weight: 2.75,
            bottles: Some(18)
        }
    );
    let bad = stream_bytewise::<Crate>(r#"{"weight": 2.7, "bottles": 20}"#);
    // Shown while streaming like any number: the check is at the end.
    assert_eq!(bad.snapshots.last().unwrap().bottles, Some(20));
    assert_eq!(
        bad.result.unwrap_err().to_string(),
        "weight: expected a multiple of 0.25, got 2.7\n\
         bottles: expected a multiple of 6, got 20"
    );
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Invoice {
    bill_to: BillTo,
    lines: Vec<Line>,
    status: Status,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct BillTo {
    name: String,
    #[extract(min_length = 4)]
    zip: String,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
struct Line {
    sku: String,
    qty: u32,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
enum Status {
    Paid,
    Overdue { days: u32 },
}

#[test]
fn problems_are_listed_in_field_order_however_each_was_found() {
    // Found while streaming (a wrong type, an unknown variant) or once the
    // value is complete (a missing field, a constraint): listed in the
    // order of the fields, whatever the order of the keys.
    let text = r#"{"status": "Pending", "lines": [{"sku": "a"}, {"qty": true, "sku": "b"}],
                   "bill_to": {"zip": 12}}"#;
    let error = stream_bytewise::<Invoice>(text).result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "bill_to.name: missing required field\n\
         bill_to.zip: expected a string, found a number\n\
         lines[0].qty: missing required field\n\
         lines[1].qty: expected an integer, found a boolean\n\
         status: unknown variant \"Pending\", expected one of `Paid`, `Overdue`"
    );
    let text = r#"{"status": "Overdue", "bill_to": {"name": "Ada", "zip": "12"}, "lines": []}"#;
    let error = stream_bytewise::<Invoice>(text).result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "bill_to.zip: expected at least 4 characters, got 2\n\
         status: the variant `Overdue` holds data: expected {\"Overdue\": …}, found a string"
    );
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind")]
enum Event {
    Click { x: i32, y: i32, label: String },
    Key { code: String },
}

/// Streams `text` cut just before and just after the end of the tag's
/// value `"Click"`: nothing shows before it, `expected` right after it.
fn appears_at_its_tag<T: Extract>(
    text: &str,
    expected: &Partial<T>,
) -> Result<T, extract::ValidationError> {
    let tag_at = text.find("\"Click\"").unwrap() + "\"Click\"".len();
    let outcome = stream::<T>(text, &[tag_at - 1, tag_at]);
    assert_eq!(outcome.snapshots[0], Partial::<T>::default());
    assert_eq!(&outcome.snapshots[1], expected);
    outcome.result
}

#[test]
fn an_internally_tagged_value_appears_once_its_tag_arrives() {
    let text = r#"{"label": "ok", "x": 1, "kind": "Click", "y": 2}"#;
    let expected = PartialEvent::Click {
        x: Some(1),
        y: None,
        label: Some("ok".to_owned()),
    };
    let result = appears_at_its_tag::<Event>(text, &expected);
    assert_eq!(
        result.unwrap(),
        Event::Click {
            x: 1,
            y: 2,
            label: "ok".into()
        }
    );
}

#[test]
fn the_partial_serializes_like_the_value() {
    let text = r#"{"kind": "Key", "code": "Ent"#;
    let outcome = stream::<Event>(text, &[]);
    assert_eq!(
        serde_json::to_value(outcome.snapshots.last().unwrap()).unwrap(),
        serde_json::json!({"kind": "Key", "code": "Ent"})
    );
}

#[test]
fn progress_through_the_stream_parser() {
    use extract::{Path, StreamParser};
    let key = |k: &str| Segment::Key(k.to_owned());
    let path = |segments: Vec<Segment>| Path::from(segments);
    let mut parser = StreamParser::<Person>::new();
    parser
        .feed(r#"{"name": "Ada", "age": 36, "address": {"city": "Bern", "zip": "30"#)
        .unwrap();
    assert_eq!(
        parser.active_path(),
        Some(path(vec![key("address"), key("zip")]))
    );
    assert!(parser.is_complete_at(&path(vec![key("name")])));
    assert!(parser.is_complete_at(&path(vec![key("address"), key("city")])));
    assert!(!parser.is_complete_at(&path(vec![key("address")])));
    assert_eq!(
        parser.completed_paths(),
        [
            path(vec![key("name")]),
            path(vec![key("age")]),
            path(vec![key("address"), key("city")]),
        ]
    );
    parser.feed(r#"01"}, "friends": []}"#).unwrap();
    assert!(parser.is_complete_at(&path(vec![key("address")])));
    assert_eq!(parser.completed_paths(), [Path::root()]);
    assert_eq!(
        parser.finish().unwrap().address.unwrap().zip.as_deref(),
        Some("3001")
    );
}

#[test]
fn progress_inside_enums() {
    use extract::{Path, StreamParser};
    let key = |k: &str| Segment::Key(k.to_owned());
    let mut parser = StreamParser::<Vec<crate::shapes::Shape>>::new();
    // `2` may be `25`: it is not reported yet, so the point is what is
    // being written.
    parser
        .feed(r#"[{"Circle": {"r": 1.5}}, {"Segment": [[0, 1], [2"#)
        .unwrap();
    assert_eq!(
        parser.active_path(),
        Some(Path::from(vec![
            Segment::Index(1),
            key("Segment"),
            Segment::Index(1),
        ]))
    );
    assert!(parser.is_complete_at(&Path::from(vec![Segment::Index(0)])));
    assert!(parser.is_complete_at(&Path::from(vec![
        Segment::Index(1),
        key("Segment"),
        Segment::Index(0)
    ])));
    let mut parser = StreamParser::<Event>::new();
    parser.feed(r#"{"kind": "Key", "code": "En"#).unwrap();
    assert_eq!(parser.active_path(), Some(Path::from(vec![key("code")])));
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Click { x: i32, label: String },
    Key(String),
}

#[test]
fn an_adjacently_tagged_content_streams_once_its_tag_arrives() {
    let text = r#"{"t": "Click", "c": {"label": "hello", "x": 1}}"#;
    let cut = text.find("llo").unwrap();
    let outcome = stream::<Adjacent>(text, &[cut, text.len() - 1]);
    assert_eq!(
        outcome.snapshots[0],
        PartialAdjacent::Click {
            x: None,
            label: Some("he".to_owned())
        },
        "the field shows before the content closes"
    );
    assert_eq!(
        outcome.snapshots[1],
        PartialAdjacent::Click {
            x: Some(1),
            label: Some("hello".to_owned())
        }
    );
    assert_eq!(
        serde_json::to_value(&outcome.snapshots[1]).unwrap(),
        serde_json::json!({"t": "Click", "c": {"x": 1, "label": "hello"}})
    );
    assert_eq!(
        outcome.result.unwrap(),
        Adjacent::Click {
            x: 1,
            label: "hello".into()
        }
    );
}

#[test]
fn an_adjacently_tagged_content_before_its_tag_appears_when_the_tag_arrives() {
    let text = r#"{"c": {"label": "ok", "x": 1}, "t": "Click"}"#;
    let expected = PartialAdjacent::Click {
        x: Some(1),
        label: Some("ok".to_owned()),
    };
    assert!(appears_at_its_tag::<Adjacent>(text, &expected).is_ok());
}

#[test]
fn progress_inside_adjacently_tagged_enums() {
    use extract::{Path, StreamParser};
    let key = |k: &str| Segment::Key(k.to_owned());
    let mut parser = StreamParser::<Adjacent>::new();
    parser
        .feed(r#"{"t": "Click", "c": {"x": 1, "label": "He"#)
        .unwrap();
    assert_eq!(
        parser.active_path(),
        Some(Path::from(vec![key("c"), key("label")]))
    );
    assert!(parser.is_complete_at(&Path::from(vec![key("c"), key("x")])));
    assert!(!parser.is_complete_at(&Path::from(vec![key("c"), key("label")])));
    parser.feed(r#"llo"}"#).unwrap();
    assert!(parser.is_complete_at(&Path::from(vec![key("c")])));
    parser.feed("}").unwrap();
    assert!(parser.is_complete_at(&Path::root()));
    let mut parser = StreamParser::<Adjacent>::new();
    parser.feed(r#"{"t": "Key", "c": "En"#).unwrap();
    assert_eq!(parser.active_path(), Some(Path::from(vec![key("c")])));
}

/// Found by the `derived` fuzz target: an unknown unit variant arriving in
/// one piece was named whole in the error, but cut to the longest variant's
/// length when it arrived in pieces, so the error depended on the chunks.
#[test]
fn an_unknown_variant_is_named_the_same_whatever_the_chunks() {
    use extract::StreamParser;

    let error = |chunks: &[&str]| {
        let mut parser = StreamParser::<Color>::new();
        for chunk in chunks {
            parser.feed_str(chunk).unwrap();
        }
        parser.finish().unwrap_err().to_string()
    };
    let whole = error(&["\"Purplish\""]);
    assert!(whole.contains("unknown variant \"Purplish\""), "{whole}");
    assert_eq!(error(&["\"Purp", "lish\""]), whole);
    assert_eq!(error(&["\"Purplish", "\""]), whole);
}
