//! The seeds' types: the conference extraction and `User`/`Users`.

use extract::Extract;
use serde::Deserialize;

use crate::support::events::{stream, stream_bytewise};

/// A participant of the meeting.
#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
pub struct UserExtract {
    /// The participant's full name.
    pub name: String,
    pub handle: String,
    pub twitter: String,
}

/// Everything the meeting notes say about the conference.
#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
pub struct ExtractionValues {
    #[extract(min_items = 5)]
    pub users: Vec<UserExtract>,
    pub date: String,
    pub location: String,
    pub budget: f64,
    #[extract(min_length = 1)]
    pub deadline: String,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
pub struct User {
    pub name: String,
    pub age: u32,
}

#[derive(Extract, Deserialize, Debug, Clone, PartialEq)]
pub struct Users {
    pub users: Vec<User>,
}

const CONFERENCE: &str = r#"{"users": [
  {"name": "John Doe", "handle": "johndoe", "twitter": "@TechGuru44"},
  {"name": "Jane Smith", "handle": "janesmith", "twitter": "@DigitalDiva88"},
  {"name": "Alex Johnson", "handle": "alexj", "twitter": "@CodeMaster2023"},
  {"name": "Emily Clark", "handle": "emilyc", "twitter": "@InnovateQueen"},
  {"name": "Ron Stewart", "handle": "ronstewart", "twitter": "@RoboticsRon5"}
], "date": "2024-03-15", "location": "Grand Tech Arena, 4521 Innovation Drive",
 "budget": 50000, "deadline": "2024-02-20"}"#;

#[test]
fn conference_streams_and_equals_serde() {
    let outcome = stream_bytewise::<ExtractionValues>(CONFERENCE);
    let value = outcome.result.expect("valid");
    assert_eq!(
        value,
        serde_json::from_str::<ExtractionValues>(CONFERENCE).unwrap()
    );
    // The budget shows only once complete: never 5, 50, 500...
    for snap in &outcome.snapshots {
        if let Some(budget) = snap.budget {
            assert_eq!(budget, 50000.0);
        }
    }
    // Users are pushed as they start, and names grow.
    let lens: Vec<usize> = outcome
        .snapshots
        .iter()
        .map(|s| s.users.as_ref().map_or(0, Vec::len))
        .collect();
    assert!(lens.windows(2).all(|w| w[0] <= w[1]));
    assert!(outcome.snapshots.iter().any(|s| s
        .users
        .as_ref()
        .and_then(|u| u.first())
        .and_then(|u| u.name.as_deref())
        == Some("John")));
}

#[test]
fn conference_reports_every_problem_with_its_path_in_field_order() {
    let text = r#"{"users": [{"name": "A", "handle": "a"}, {"name": "B", "handle": "b", "twitter": "@b"}], "budget": "lots", "deadline": ""}"#;
    let error = stream::<ExtractionValues>(text, &[7, 40])
        .result
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "users: expected at least 5 items, got 2\n\
         users[0].twitter: missing required field\n\
         date: missing required field\n\
         location: missing required field\n\
         budget: expected a number, found \"lots\"\n\
         deadline: expected at least 1 character, got 0"
    );
}

#[test]
fn users_and_user() {
    let text = r#"{"users": [{"name": "Jason", "age": 10}, {"age": 30.0, "name": "John"}]}"#;
    let users = stream_bytewise::<Users>(text).result.unwrap();
    assert_eq!(
        users.users,
        vec![
            User {
                name: "Jason".into(),
                age: 10
            },
            User {
                name: "John".into(),
                age: 30
            }
        ]
    );
    assert_eq!(User::schema_name(), "User");
}
