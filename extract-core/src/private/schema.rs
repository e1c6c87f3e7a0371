//! Schema assembly (`expand/schema.rs`, and each enum style's schema in
//! `expand/enums/`): named definitions under `$defs`, object properties in
//! field order, constraint keywords, tuples and the three enum taggings.
//! Keeping it here, not expanded for every type, keeps the generated code
//! small.

use serde_json::{Map, Value};

use crate::impls::json_number;
use crate::schema::SchemaGenerator;
use crate::Extract;

/// The schema of the named type `T`: its definition (built by `build` the
/// first time) registered under `$defs`, and a `$ref` to it. `build` is a
/// plain function so each type's schema code stays one small function.
#[inline(never)]
pub fn named_schema<T: 'static>(
    generator: &mut SchemaGenerator,
    name: &str,
    build: fn(&mut SchemaGenerator) -> Value,
) -> Value {
    generator.named_by_id(std::any::TypeId::of::<T>(), name, &mut |g| build(g))
}

/// A constraint keyword as it appears in a schema: its name (`minItems`)
/// and its value, by kind.
#[derive(Debug, Clone, Copy)]
pub enum Keyword {
    /// A count: `minItems: 2`.
    Count(&'static str, u64),
    /// A number, as written in the attribute: `minimum: -1.5`.
    Number(&'static str, &'static str),
    /// A string: `pattern: "^[a-z]+$"`.
    Text(&'static str, &'static str),
}

impl Keyword {
    fn entry(self) -> (&'static str, Value) {
        match self {
            Keyword::Count(name, n) => (name, n.into()),
            Keyword::Number(name, text) => {
                (name, json_number(text).map_or(Value::Null, Value::Number))
            }
            Keyword::Text(name, text) => (name, text.into()),
        }
    }
}

/// Adds constraint keywords to a schema: into the non-null branch of a
/// nullable `anyOf` when that branch is inline, else at the top.
fn constrain(schema: &mut Value, keywords: &[Keyword]) {
    if keywords.is_empty() {
        return;
    }
    let Value::Object(map) = schema else { return };
    if let Some(Value::Array(options)) = map.get_mut("anyOf") {
        let inline = options
            .iter_mut()
            .find(|o| o.get("type") != Some(&Value::from("null")) && o.get("$ref").is_none());
        if let Some(Value::Object(branch)) = inline {
            for keyword in keywords {
                let (key, value) = keyword.entry();
                branch.insert(key.to_owned(), value);
            }
            return;
        }
    }
    for keyword in keywords {
        let (key, value) = keyword.entry();
        map.insert(key.to_owned(), value);
    }
}

/// Sets the `description` of a schema (replacing an inherited one).
pub fn describe(schema: &mut Value, description: &str) {
    if let Value::Object(map) = schema {
        map.insert("description".to_owned(), Value::from(description));
    }
}

/// The properties of an object schema being assembled, in field order.
#[derive(Debug, Default)]
pub struct Properties {
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl Properties {
    /// No properties yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the property `name` holding a `T`: required unless `T` may be
    /// left out (`Option`) or `has_default`.
    #[inline(never)]
    pub fn field<T: Extract>(
        &mut self,
        generator: &mut SchemaGenerator,
        name: &str,
        description: Option<&str>,
        has_default: bool,
        keywords: &[Keyword],
    ) {
        let mut schema = T::schema(generator);
        constrain(&mut schema, keywords);
        if let Some(description) = description {
            describe(&mut schema, description);
        }
        self.insert(name, schema, !has_default && !T::OPTIONAL);
    }

    /// Adds a property with a ready schema.
    pub fn insert(&mut self, name: &str, schema: Value, required: bool) {
        if required {
            self.required.push(Value::from(name));
        }
        self.properties.insert(name.to_owned(), schema);
    }

    /// The object schema: `type`, `description`, `properties`, `required`,
    /// and `additionalProperties: false` when unknown keys are refused.
    #[must_use]
    pub fn into_object(self, description: Option<&str>, deny_unknown: bool) -> Value {
        let mut map = Map::new();
        map.insert("type".to_owned(), Value::from("object"));
        if let Some(description) = description {
            map.insert("description".to_owned(), Value::from(description));
        }
        map.insert("properties".to_owned(), Value::Object(self.properties));
        map.insert("required".to_owned(), Value::Array(self.required));
        if deny_unknown {
            map.insert("additionalProperties".to_owned(), Value::Bool(false));
        }
        Value::Object(map)
    }
}

/// The schema of a field `T` with its description and constraints (for the
/// field of a newtype struct and the items of a tuple).
#[must_use]
#[inline(never)]
pub fn field_schema<T: Extract>(
    generator: &mut SchemaGenerator,
    description: Option<&str>,
    keywords: &[Keyword],
) -> Value {
    let mut schema = T::schema(generator);
    constrain(&mut schema, keywords);
    if let Some(description) = description {
        describe(&mut schema, description);
    }
    schema
}

/// A tuple's schema: an array of exactly these items, in order.
#[must_use]
pub fn tuple_schema(description: Option<&str>, items: Vec<Value>) -> Value {
    let mut map = Map::new();
    map.insert("type".to_owned(), Value::from("array"));
    if let Some(description) = description {
        map.insert("description".to_owned(), Value::from(description));
    }
    let len = items.len();
    map.insert("prefixItems".to_owned(), Value::Array(items));
    map.insert("items".to_owned(), Value::Bool(false));
    map.insert("minItems".to_owned(), Value::from(len));
    map.insert("maxItems".to_owned(), Value::from(len));
    Value::Object(map)
}

/// A string enum: `{"type": "string", "enum": [...]}`.
#[must_use]
pub fn string_enum(description: Option<&str>, names: &[&str]) -> Value {
    let mut map = Map::new();
    map.insert("type".to_owned(), Value::from("string"));
    if let Some(description) = description {
        map.insert("description".to_owned(), Value::from(description));
    }
    map.insert(
        "enum".to_owned(),
        Value::Array(names.iter().map(|n| Value::from(*n)).collect()),
    );
    Value::Object(map)
}

/// One data variant of an externally tagged enum: an object with the single
/// required property `name` holding the variant's content.
#[must_use]
pub fn external_variant(name: &str, description: Option<&str>, content: Value) -> Value {
    let mut properties = Properties::new();
    properties.insert(name, content, true);
    properties.into_object(description, true)
}

/// One variant of an adjacently tagged enum: an object with the tag fixed
/// to the variant's name and, unless the variant is a unit, the content
/// under its key; both required.
#[must_use]
pub fn adjacent_variant(
    keys: (&str, &str),
    name: &str,
    description: Option<&str>,
    content: Option<Value>,
) -> Value {
    let (tag, content_key) = keys;
    let mut properties = Properties::new();
    properties.insert(
        tag,
        serde_json::json!({ "type": "string", "const": name }),
        true,
    );
    if let Some(content) = content {
        properties.insert(content_key, content, true);
    }
    properties.into_object(description, true)
}

/// The schema of a variant of an internally tagged enum: the content's
/// object schema (resolved through `$defs` for a newtype variant) with the
/// tag property first, required, and fixed to the variant's name.
#[must_use]
pub fn internal_variant(
    generator: &SchemaGenerator,
    tag: &str,
    name: &str,
    description: Option<&str>,
    content: Option<Value>,
) -> Value {
    let tag_schema = serde_json::json!({ "type": "string", "const": name });
    let content = content.map(|c| generator.resolve(&c).cloned().unwrap_or(c));
    let mut map = Map::new();
    map.insert("type".to_owned(), Value::from("object"));
    let mut properties = Map::new();
    properties.insert(tag.to_owned(), tag_schema);
    let mut required = vec![Value::from(tag)];
    let mut extra = Map::new();
    match content {
        Some(Value::Object(mut content)) if content.contains_key("properties") => {
            if let Some(Value::Object(props)) = content.remove("properties") {
                for (key, value) in props {
                    if key != tag {
                        properties.insert(key, value);
                    }
                }
            }
            if let Some(Value::Array(names)) = content.remove("required") {
                required.extend(names.into_iter().filter(|n| n != tag));
            }
            content.remove("type");
            extra = content;
        }
        Some(other) => {
            // Not an object schema we can see into: keep it whole.
            map.insert("allOf".to_owned(), Value::Array(vec![other]));
        }
        None => {}
    }
    if let Some(description) = description {
        extra.insert("description".to_owned(), Value::from(description));
    }
    for (key, value) in extra {
        map.insert(key, value);
    }
    map.insert("properties".to_owned(), Value::Object(properties));
    map.insert("required".to_owned(), Value::Array(required));
    Value::Object(map)
}

/// A union of variant schemas.
#[must_use]
pub fn any_of(description: Option<&str>, variants: Vec<Value>) -> Value {
    let mut map = Map::new();
    if let Some(description) = description {
        map.insert("description".to_owned(), Value::from(description));
    }
    map.insert("anyOf".to_owned(), Value::Array(variants));
    Value::Object(map)
}

/// The name of a generic type in schemas: `Page_User`.
#[must_use]
pub fn generic_name(base: &str, params: &[String]) -> String {
    let mut name = base.to_owned();
    for param in params {
        name.push('_');
        name.push_str(param);
    }
    name
}
