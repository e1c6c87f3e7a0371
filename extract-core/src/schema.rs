//! JSON Schema generation: named types under `$defs`, the root inline, and
//! the strict form OpenAI's structured outputs accept.

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::Extract;

/// Collects the definitions of named types while a schema is generated.
///
/// Std types inline their schema; derived types register a definition under
/// `$defs` once (recursion-safe) and are referred to by `$ref`.
#[derive(Debug, Default)]
pub struct SchemaGenerator {
    defs: BTreeMap<String, Value>,
    names: HashMap<TypeId, String>,
}

impl SchemaGenerator {
    /// An empty generator.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The schema of `T` at a use site.
    pub fn subschema<T: Extract>(&mut self) -> Value {
        T::schema(self)
    }

    /// Registers the definition of the named type `T` (built by `build` the
    /// first time only) and returns `{"$ref": "#/$defs/<name>"}`.
    ///
    /// Two distinct types with the same name get distinct keys (`User`,
    /// `User2`). A recursive type refers to itself while being built.
    pub fn named<T: 'static>(
        &mut self,
        name: &str,
        build: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        let mut build = Some(build);
        self.named_by_id(TypeId::of::<T>(), name, &mut |generator| {
            build
                .take()
                .map_or(Value::Bool(true), |build| build(generator))
        })
    }

    /// [`named`](Self::named) without generics, so each type's schema code
    /// does not carry a copy of it.
    #[inline(never)]
    pub(crate) fn named_by_id(
        &mut self,
        id: TypeId,
        name: &str,
        build: &mut dyn FnMut(&mut Self) -> Value,
    ) -> Value {
        if let Some(key) = self.names.get(&id) {
            return reference(key);
        }
        let mut key = name.to_owned();
        let mut n = 2;
        while self.defs.contains_key(&key) {
            key = format!("{name}{n}");
            n += 1;
        }
        self.names.insert(id, key.clone());
        self.defs.insert(key.clone(), Value::Bool(true));
        let def = build(self);
        self.defs.insert(key.clone(), def);
        reference(&key)
    }

    /// The definition a bare `{"$ref": "#/$defs/<name>"}` points at, once
    /// it is built (`None` for any other schema, or while the definition is
    /// still being built by a recursive type).
    #[must_use]
    pub fn resolve(&self, schema: &Value) -> Option<&Value> {
        let def = self.defs.get(ref_key(schema)?)?;
        def.is_object().then_some(def)
    }

    /// The whole schema of `T`: its definition inline at the root, other
    /// named types under `$defs` (the root's own definition stays there too
    /// when the type is recursive).
    #[must_use]
    pub fn root_schema<T: Extract>() -> Value {
        let mut generator = Self::new();
        let top = T::schema(&mut generator);
        generator.into_root(top)
    }

    /// Finishes a schema whose top-level use-site schema is `top`.
    #[must_use]
    pub fn into_root(mut self, top: Value) -> Value {
        let mut root = match ref_key(&top) {
            Some(key) => {
                let key = key.to_owned();
                let def = self.defs.get(&key).cloned().unwrap_or(Value::Bool(true));
                let target = reference(&key);
                let used_elsewhere = self.defs.values().any(|d| mentions(d, &target));
                if !used_elsewhere {
                    self.defs.remove(&key);
                }
                def
            }
            None => top,
        };
        if !self.defs.is_empty() {
            if let Value::Object(map) = &mut root {
                let defs: Map<String, Value> = self.defs.into_iter().collect();
                map.insert("$defs".to_owned(), Value::Object(defs));
            }
        }
        root
    }
}

fn reference(key: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{key}") })
}

fn ref_key(schema: &Value) -> Option<&str> {
    let map = schema.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.get("$ref")?.as_str()?.strip_prefix("#/$defs/")
}

fn mentions(haystack: &Value, needle: &Value) -> bool {
    match haystack {
        Value::Object(map) => {
            map.get("$ref") == needle.get("$ref") || map.values().any(|v| mentions(v, needle))
        }
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        _ => false,
    }
}

/// Keywords OpenAI's strict mode does not accept; their meaning is kept by
/// moving them into the `description`.
///
/// Strict mode supports `pattern`, `format`, `minimum`/`maximum` (and the
/// exclusive forms), `multipleOf`, `minItems`/`maxItems`, `enum`, `const`,
/// `anyOf` and `$ref`/`$defs`; it rejects the composition keywords below
/// and, for some models, string lengths.
const STRICT_UNSUPPORTED: &[&str] = &[
    "minLength",
    "maxLength",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "unevaluatedProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "default",
];

/// Turns a schema into the form OpenAI's strict structured outputs accept:
/// every object lists all its properties as required, a property that was
/// optional becomes a union with `null`, `additionalProperties` is `false`
/// everywhere, and unsupported keywords are moved into the description.
#[must_use]
pub fn strict(mut schema: Value) -> Value {
    make_strict(&mut schema);
    schema
}

fn make_strict(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    // `oneOf` is not supported; the variants the derive emits are disjoint,
    // so `anyOf` means the same.
    if let Some(one_of) = map.remove("oneOf") {
        map.insert("anyOf".to_owned(), one_of);
    }
    // A single-schema `allOf` is the schema itself.
    if let Some(Value::Array(mut all)) = map.remove("allOf") {
        if all.len() == 1 && !map.contains_key("anyOf") {
            map.insert("anyOf".to_owned(), Value::Array(vec![all.remove(0)]));
        } else {
            map.insert("allOf".to_owned(), Value::Array(all));
        }
    }
    // `$ref` takes no sibling keywords: keep them on a one-branch `anyOf`.
    if map.contains_key("$ref") && map.len() > 1 {
        let target = map.remove("$ref").unwrap_or(Value::Null);
        map.insert("anyOf".to_owned(), json!([{ "$ref": target }]));
    }
    for (keyword, child) in map.iter_mut() {
        for_each_subschema(keyword, child, make_strict);
    }
    if let Some(Value::Object(props)) = map.get("properties") {
        let keys: Vec<String> = props.keys().cloned().collect();
        let required: Vec<String> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            for (key, prop) in props.iter_mut() {
                if !required.contains(key) {
                    *prop = nullable(std::mem::take(prop));
                }
            }
        }
        map.insert("required".to_owned(), json!(keys));
    }
    let is_object =
        map.get("type").and_then(Value::as_str) == Some("object") || map.contains_key("properties");
    if is_object {
        if let Some(extra) = map.get("additionalProperties") {
            if extra != &Value::Bool(false) {
                note(map, "additionalProperties", "any keys are allowed");
            }
        }
        map.insert("additionalProperties".to_owned(), Value::Bool(false));
        map.entry("properties").or_insert_with(|| json!({}));
        map.entry("required").or_insert_with(|| json!([]));
    }
    for keyword in STRICT_UNSUPPORTED {
        if let Some(value) = map.remove(*keyword) {
            note(map, keyword, &value.to_string());
        }
    }
}

/// `schema` with the keywords `unsupported` picks (given the keyword and
/// its value) moved into the description of the schema they were on, in
/// every subschema: for a provider whose strict mode accepts fewer keywords
/// than [`strict`] leaves (Anthropic takes no numeric bounds).
#[cfg(feature = "openai")]
#[must_use]
pub(crate) fn moving_keywords(mut schema: Value, unsupported: fn(&str, &Value) -> bool) -> Value {
    fn walk(schema: &mut Value, unsupported: fn(&str, &Value) -> bool) {
        let Value::Object(map) = schema else { return };
        for (keyword, child) in map.iter_mut() {
            for_each_subschema(keyword, child, |s| walk(s, unsupported));
        }
        let moved: Vec<String> = map
            .iter()
            .filter(|(k, v)| unsupported(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        for keyword in moved {
            if let Some(value) = map.remove(&keyword) {
                note(map, &keyword, &value.to_string());
            }
        }
    }
    walk(&mut schema, unsupported);
    schema
}

/// Calls `f` on each schema inside the value of `keyword`: the value itself
/// (`items`, `not`, …), each element (`anyOf`, `prefixItems`, …) or each
/// value of a name-to-schema map (`properties`, `$defs`, …). Values of other
/// keywords are data (`enum`, `const`, `default`, `required`, …) and are
/// left alone, so a property named like a keyword stays a property.
fn for_each_subschema(keyword: &str, value: &mut Value, mut f: impl FnMut(&mut Value)) {
    const ONE: &[&str] = &[
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
    ];
    const EACH: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
    const BY_NAME: &[&str] = &[
        "properties",
        "$defs",
        "definitions",
        "patternProperties",
        "dependentSchemas",
    ];
    match value {
        Value::Object(_) if ONE.contains(&keyword) => f(value),
        Value::Array(items) if EACH.contains(&keyword) => items.iter_mut().for_each(f),
        Value::Object(map) if BY_NAME.contains(&keyword) => map.values_mut().for_each(f),
        _ => {}
    }
}

fn note(map: &mut Map<String, Value>, keyword: &str, value: &str) {
    let characters = if value == "1" {
        "character"
    } else {
        "characters"
    };
    let line = match keyword {
        "minLength" => format!("At least {value} {characters}."),
        "maxLength" => format!("At most {value} {characters}."),
        _ => format!("{keyword}: {value}"),
    };
    let text = match map.get("description").and_then(Value::as_str) {
        Some(d) if !d.is_empty() => format!("{d}\n{line}"),
        _ => line,
    };
    map.insert("description".to_owned(), Value::String(text));
}

/// `schema` or `null` (idempotent): a `type` gains `"null"`, anything else is
/// wrapped as `anyOf: [schema, {"type": "null"}]`.
#[must_use]
pub fn nullable(prop: Value) -> Value {
    if let Value::Object(mut map) = prop {
        let only_union = map
            .keys()
            .all(|k| k == "anyOf" || k == "description" || k == "title");
        if let Some(Value::Array(options)) = map.get_mut("anyOf") {
            if options
                .iter()
                .any(|o| o.get("type") == Some(&json!("null")))
            {
                return Value::Object(map);
            }
            if only_union {
                options.push(json!({ "type": "null" }));
                return Value::Object(map);
            }
        }
        match map.get_mut("type") {
            Some(Value::String(t)) if t != "null" => {
                let t = std::mem::take(t);
                map.insert("type".to_owned(), json!([t, "null"]));
                if let Some(Value::Array(values)) = map.get_mut("enum") {
                    values.push(Value::Null);
                }
                return Value::Object(map);
            }
            Some(Value::Array(types)) => {
                if !types.contains(&json!("null")) {
                    types.push(json!("null"));
                }
                return Value::Object(map);
            }
            _ => {}
        }
        let description = map.remove("description");
        let mut wrapped = json!({ "anyOf": [Value::Object(map), { "type": "null" }] });
        if let (Some(d), Value::Object(w)) = (description, &mut wrapped) {
            w.insert("description".to_owned(), d);
        }
        return wrapped;
    }
    json!({ "anyOf": [prop, { "type": "null" }] })
}
