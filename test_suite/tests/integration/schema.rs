//! Snapshots of `json_schema()` and `json_schema_strict()` (insta, JSON)
//! for the seeds' types, enums, generics, recursion, renames, docs and
//! constraints.

use extract::{Extract, Iterable};
use insta::assert_json_snapshot;
use serde::Serialize;

use crate::seeds::{ExtractionValues, User, Users};
use crate::shapes::{Adjacent, Color, Email, Inner, Page, Point, Shape, Tagged, Tree};

macro_rules! snapshot {
    ($name:ident, $ty:ty) => {
        #[test]
        fn $name() {
            assert_json_snapshot!(
                concat!(stringify!($name), "_schema"),
                <$ty as Extract>::json_schema()
            );
            assert_json_snapshot!(
                concat!(stringify!($name), "_strict"),
                <$ty as Extract>::json_schema_strict()
            );
        }
    };
}

snapshot!(extraction_values, ExtractionValues);
snapshot!(user, User);
snapshot!(users, Users);
snapshot!(unit_enum, Color);
snapshot!(external_enum, Shape);
snapshot!(internal_enum, Tagged);
snapshot!(adjacent_enum, Adjacent);
snapshot!(generic_page, Page<Inner>);
snapshot!(recursive_tree, Tree);
snapshot!(newtype, Email);
snapshot!(tuple, Point);

#[test]
fn iterable_users() {
    assert_json_snapshot!("iterable_user_schema", Iterable::<User>::json_schema());
    assert_json_snapshot!(
        "iterable_user_strict",
        Iterable::<User>::json_schema_strict()
    );
}

/// A documented type with renames, defaults, skips and constraints.
///
/// Used to check that docs become descriptions.
#[derive(Extract, Serialize, Debug)]
#[serde(rename = "Meeting", rename_all = "camelCase")]
struct Documented {
    /// When it starts.
    ///
    /// An ISO 8601 date.
    start_date: String,
    #[extract(description = "Who comes (overrides the doc comment).")]
    /// Ignored doc.
    attendee_names: Vec<String>,
    /// The room, if booked.
    room: Option<Room>,
    #[serde(default)]
    notes: String,
    #[serde(skip)]
    #[allow(dead_code)]
    internal: u8,
    #[extract(minimum = -10, maximum = 10.5)]
    score: i32,
    #[extract(pattern = "^[A-Z]{3}$", max_length = 3)]
    code: Option<String>,
}

/// A meeting room.
#[derive(Extract, Serialize, Debug)]
struct Room {
    name: String,
}

snapshot!(documented, Documented);

/// A price in steps of a cent, and a quantity sold by the dozen.
#[derive(Extract, Debug)]
#[allow(dead_code)] // only the schema is looked at
pub struct Priced {
    #[extract(multiple_of = 0.01, minimum = 0)]
    pub price: f64,
    #[extract(multiple_of = 12)]
    pub dozens: Option<u32>,
}

snapshot!(multiple_of, Priced);

/// Fields named like JSON Schema keywords: their names are property names,
/// not keywords, in both schemas.
#[derive(Extract, Debug)]
#[allow(dead_code)] // only the schema is looked at
struct KeywordNames {
    default: String,
    properties: Vec<String>,
    contains: bool,
    required: u8,
    #[serde(rename = "additionalProperties")]
    additional_properties: Option<String>,
    #[serde(rename = "$ref")]
    reference: String,
}

#[test]
fn fields_named_like_keywords_stay_properties() {
    let names = [
        "default",
        "properties",
        "contains",
        "required",
        "additionalProperties",
        "$ref",
    ];
    for (which, schema) in [
        ("schema", KeywordNames::json_schema()),
        ("strict", KeywordNames::json_schema_strict()),
    ] {
        let properties = schema["properties"].as_object().expect("properties");
        let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        assert_eq!(keys, names, "{which}: {schema:#}");
        assert_eq!(properties["default"]["type"], "string", "{which}");
        assert_eq!(properties["properties"]["type"], "array", "{which}");
        assert_eq!(properties["contains"]["type"], "boolean", "{which}");
        assert_eq!(properties["$ref"]["type"], "string", "{which}");
    }
    let strict = KeywordNames::json_schema_strict();
    assert_eq!(strict["additionalProperties"], false);
    assert_eq!(strict["required"], serde_json::json!(names));
    assert_eq!(
        strict["properties"]["additionalProperties"]["type"],
        serde_json::json!(["string", "null"])
    );
}
