//! Helpers for the code `#[derive(Extract)]` generates: schema assembly,
//! constraint checks with their messages, custom validator reporting.
//!
//! Reached only through `__private`; not public API. Keeping this logic here
//! (rather than expanding it for every field) keeps the generated code small
//! and the messages in one place.

use std::fmt::{self, Display};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::builder::{feed_child, Builder, ChildStep, EventBuffer, OwnedEvent, Skip, Slot, Step};
use crate::impls::json_number;
use crate::json::Event;
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, StreamIssue};
use crate::Extract;

/// One bit per field of a struct: which fields have ended (valid), so a
/// builder can answer "is this field complete" and hold its struct back
/// until some fields have arrived. `N` words of 64 fields each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bits<const N: usize>([u64; N]);

impl<const N: usize> Default for Bits<N> {
    fn default() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> Bits<N> {
    /// Sets bit `i`.
    #[inline]
    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// Bit `i`.
    #[inline]
    #[must_use]
    pub fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// Clears bit `i`, returning what it was.
    #[inline]
    pub fn take(&mut self, i: usize) -> bool {
        let was = self.get(i);
        self.0[i / 64] &= !(1 << (i % 64));
        was
    }

    /// True when every bit of `mask` is set.
    #[inline]
    #[must_use]
    pub fn contains(&self, mask: &[u64; N]) -> bool {
        self.0.iter().zip(mask).all(|(bits, m)| bits & m == *m)
    }
}

/// What an object makes of the step of the value under `key`: the issue
/// gains the key. The flag is `Some(valid)` when the value ended.
#[inline]
pub fn keyed_step(step: ChildStep, key: &str) -> (Step, Option<bool>) {
    match step {
        ChildStep::Continue(None) => (Step::More, None),
        ChildStep::Continue(Some(issue)) => (Step::MoreWith(issue.in_key(key)), None),
        ChildStep::Ended { valid, issue } => match issue {
            Some(issue) => (Step::MoreWith(issue.in_key(key)), Some(valid)),
            None => (Step::More, Some(valid)),
        },
    }
}

/// What a struct makes of its field's step: the issue gains the field's
/// key, a valid end sets the field's completion bit. The flag is true when
/// the field's value ended.
#[inline]
pub fn field_step<const N: usize>(
    step: ChildStep,
    name: &str,
    index: usize,
    done: &mut Bits<N>,
) -> (Step, bool) {
    let (step, ended) = keyed_step(step, name);
    if ended == Some(true) {
        done.set(index);
    }
    (step, ended.is_some())
}

/// [`field_step`] for the elements of a tuple (the path gains an index).
#[inline]
pub fn element_step<const N: usize>(
    step: ChildStep,
    index: usize,
    done: &mut Bits<N>,
) -> (Step, bool) {
    match step {
        ChildStep::Continue(None) => (Step::More, false),
        ChildStep::Continue(Some(issue)) => (Step::MoreWith(issue.in_index(index)), false),
        ChildStep::Ended { valid, issue } => {
            if valid {
                done.set(index);
            }
            match issue {
                Some(issue) => (Step::MoreWith(issue.in_index(index)), true),
                None => (Step::More, true),
            }
        }
    }
}

/// Appends a piece of a variant's name, as it arrives, to `name`, keeping
/// only its first characters: more than `max` bytes (the longest variant's
/// name plus one), so a name cut there matches none whatever followed, and
/// more than a message shows of a name (`SHOWN`, 80 characters), so the
/// message about it is the same as when the name arrives whole.
#[inline]
pub fn push_name_piece(name: &mut String, piece: &str, max: usize) {
    let keep = max.max(SHOWN) + 1;
    // At most `keep` characters are counted: the name is never longer.
    let room = keep.saturating_sub(name.chars().count());
    if room == 0 {
        return;
    }
    let end = piece
        .char_indices()
        .nth(room)
        .map_or(piece.len(), |(end, _)| end);
    name.push_str(piece.get(..end).unwrap_or(piece));
}

/// Tracks the rest of an object whose opening `{` was taken: true when
/// `event` is the object's closing `}` (`depth` counts the containers
/// opened inside it).
#[inline]
pub fn object_rest(depth: &mut u32, event: &Event<'_>) -> bool {
    match event {
        Event::ObjectStart | Event::ArrayStart => {
            *depth += 1;
            false
        }
        Event::ObjectEnd if *depth == 0 => true,
        Event::ObjectEnd | Event::ArrayEnd => {
            *depth = depth.saturating_sub(1);
            false
        }
        _ => false,
    }
}

/// What an event of a tagged enum's object meant before the tag's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sought {
    /// Nothing yet: the event was kept or skipped.
    More,
    /// The tag's key: its value, the variant's name, comes next.
    Tag,
    /// The object's `}`: the tag is missing.
    End,
}

/// The events of a tagged enum's object before its tag's key arrives,
/// kept to be replayed once the variant is known: every event for an
/// internally tagged enum (the variant's fields), only the content's key
/// and value for an adjacently tagged one (the last content, if repeated;
/// other keys are skipped).
#[derive(Debug, Default, Clone)]
pub struct BeforeTag {
    depth: u32,
    keep: bool,
    buffer: EventBuffer,
}

impl BeforeTag {
    /// Takes an event of the object (after its `{`): `tag` is the tag's
    /// key, `content` the content's (`None` when internally tagged).
    pub fn event(&mut self, event: &Event<'_>, tag: &str, content: Option<&str>) -> Sought {
        if self.depth == 0 {
            match *event {
                Event::Key(key) if key == tag => return Sought::Tag,
                Event::ObjectEnd => return Sought::End,
                Event::Key(key) => {
                    self.keep = content.is_none_or(|content| key == content);
                    if self.keep && content.is_some() {
                        self.buffer = EventBuffer::default();
                    }
                }
                _ => {}
            }
        }
        object_rest(&mut self.depth, event);
        if self.keep {
            self.buffer.push(event);
        }
        Sought::More
    }

    /// The events kept, oldest first.
    #[must_use]
    pub fn take(&mut self) -> Vec<OwnedEvent> {
        self.buffer.take()
    }
}

/// Starts `builder` on an object whose fields arrived before its variant
/// was known: feeds it `{` and the buffered events (see [`replay_all`]).
pub fn replay<P, B: Builder<P>, S: Slot<P>>(
    builder: &mut B,
    skip: &mut Option<Skip>,
    slot: &mut S,
    events: Vec<OwnedEvent>,
) -> Step {
    let open = std::iter::once(OwnedEvent::ObjectStart);
    replay_all(builder, skip, slot, open.chain(events))
}

/// Feeds `builder` events kept while its variant was not known. Returns
/// the first problem found (the others are reported again, as missing
/// fields, when the value is checked).
pub fn replay_all<P, B: Builder<P>, S: Slot<P>>(
    builder: &mut B,
    skip: &mut Option<Skip>,
    slot: &mut S,
    events: impl IntoIterator<Item = OwnedEvent>,
) -> Step {
    let mut first = None;
    for event in events {
        let issue = match feed_child(builder, skip, slot, &event.as_event()) {
            ChildStep::Continue(issue) | ChildStep::Ended { issue, .. } => issue,
        };
        if first.is_none() {
            first = issue;
        }
    }
    match first {
        Some(issue) => Step::MoreWith(issue),
        None => Step::More,
    }
}

/// The problem of an unknown key in a struct that refuses them
/// (`#[serde(deny_unknown_fields)]`).
#[must_use]
pub fn unknown_field(key: &str, expected: &[&str]) -> Box<StreamIssue> {
    let mut message = format!("unknown field {}", Shorten(key));
    if !expected.is_empty() {
        message.push_str(", expected ");
        message.push_str(&one_of(expected));
    }
    StreamIssue::new(message)
}

fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_owned(),
        [one] => format!("`{one}`"),
        _ => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

/// A value `min_items` / `max_items` can count the items of.
#[diagnostic::on_unimplemented(
    message = "`min_items` / `max_items` apply to arrays, not to `{Self}`",
    label = "not an array",
    note = "use `min_items` / `max_items` on a `Vec<T>` field (or `Option<Vec<T>>`)"
)]
pub trait Items {
    /// How many items the value holds.
    fn item_count(&self) -> usize;
}

impl<T> Items for Vec<T> {
    fn item_count(&self) -> usize {
        self.len()
    }
}

impl<T: Items + ?Sized> Items for Box<T> {
    fn item_count(&self) -> usize {
        (**self).item_count()
    }
}

/// A value `min_length` / `max_length` / `pattern` apply to.
#[diagnostic::on_unimplemented(
    message = "`min_length` / `max_length` / `pattern` apply to strings, not to `{Self}`",
    label = "not a string",
    note = "use them on a `String` field (or `Option<String>`)"
)]
pub trait Text {
    /// The string.
    fn text(&self) -> &str;
}

impl Text for String {
    fn text(&self) -> &str {
        self
    }
}

impl<T: Text + ?Sized> Text for Box<T> {
    fn text(&self) -> &str {
        (**self).text()
    }
}

/// A value `minimum` / `maximum` apply to.
#[diagnostic::on_unimplemented(
    message = "`minimum` / `maximum` apply to numbers, not to `{Self}`",
    label = "not a number",
    note = "use them on an integer or float field (or an `Option` of one)"
)]
pub trait Numeric {
    /// The value as an `f64`, for comparison with the bound.
    fn to_f64(&self) -> f64;
}

macro_rules! numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless, reason = "bounds are compared as f64, like JSON Schema validators do")]
            fn to_f64(&self) -> f64 {
                *self as f64
            }
        }
    )*};
}

numeric!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl<T: Numeric + ?Sized> Numeric for Box<T> {
    fn to_f64(&self) -> f64 {
        (**self).to_f64()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Reports when `value` has fewer than `min` items.
pub fn min_items<T: Items + ?Sized>(value: &T, min: usize, checker: &mut Checker) {
    let n = value.item_count();
    if n < min {
        checker.report(format!(
            "expected at least {}, got {n}",
            plural(min, "item", "items")
        ));
    }
}

/// Reports when `value` has more than `max` items.
pub fn max_items<T: Items + ?Sized>(value: &T, max: usize, checker: &mut Checker) {
    let n = value.item_count();
    if n > max {
        checker.report(format!(
            "expected at most {}, got {n}",
            plural(max, "item", "items")
        ));
    }
}

/// Reports when `value` has fewer than `min` characters (Unicode scalar
/// values, as JSON Schema counts them).
pub fn min_length<T: Text + ?Sized>(value: &T, min: usize, checker: &mut Checker) {
    let n = value.text().chars().count();
    if n < min {
        checker.report(format!(
            "expected at least {}, got {n}",
            plural(min, "character", "characters")
        ));
    }
}

/// Reports when `value` has more than `max` characters.
pub fn max_length<T: Text + ?Sized>(value: &T, max: usize, checker: &mut Checker) {
    let n = value.text().chars().count();
    if n > max {
        checker.report(format!(
            "expected at most {}, got {n}",
            plural(max, "character", "characters")
        ));
    }
}

/// Reports when `value` is below `min` (written as `text` in messages).
pub fn minimum<T: Numeric + ?Sized>(value: &T, min: f64, text: &str, checker: &mut Checker) {
    let v = value.to_f64();
    if v < min {
        checker.report(format!("expected a value of at least {text}, got {v}"));
    }
}

/// Reports when `value` is above `max` (written as `text` in messages).
pub fn maximum<T: Numeric + ?Sized>(value: &T, max: f64, text: &str, checker: &mut Checker) {
    let v = value.to_f64();
    if v > max {
        checker.report(format!("expected a value of at most {text}, got {v}"));
    }
}

/// A `pattern` constraint: the regex is compiled once, on first use.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    regex: OnceLock<Option<regex_lite::Regex>>,
}

impl Pattern {
    /// A pattern (checked when the derive expands, so it compiles).
    #[must_use]
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            regex: OnceLock::new(),
        }
    }

    /// Reports when `value` does not match (JSON Schema semantics: the
    /// pattern may match anywhere unless anchored).
    pub fn check<T: Text + ?Sized>(&self, value: &T, checker: &mut Checker) {
        let regex = self
            .regex
            .get_or_init(|| regex_lite::Regex::new(self.source).ok());
        let text = value.text();
        if regex.as_ref().is_some_and(|r| !r.is_match(text)) {
            checker.report(format!(
                "expected a string matching the pattern `{}`, got {}",
                self.source,
                Shorten(text)
            ));
        }
    }
}

/// A string quoted for a message, cut after 80 characters.
struct Shorten<'a>(&'a str);

/// How many characters of a name or text a message shows.
const SHOWN: usize = 80;

impl Display for Shorten<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(SHOWN) {
            Some((end, _)) => write!(f, "{:?}…", &self.0[..end]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// Records the failure of a custom validator (`#[extract(validate = …)]`)
/// at the checker's current path.
pub fn report_invalid<E: Display>(result: Result<(), E>, checker: &mut Checker) {
    if let Err(error) = result {
        checker.report(error.to_string());
    }
}

/// Serializes the elements of a tuple's partial up to the last one present
/// (`null` for an absent one before it: it ended without a value), so the
/// JSON of successive snapshots grows like an array's: `[]`, `[1]`,
/// `[1, "a"]`, never `[null, null]` then `[1, null]`.
macro_rules! tuple_prefix {
    ($($name:ident: $($t:ident $v:ident),+;)+) => {$(
        /// Serializes a tuple partial's present prefix (see the module).
        ///
        /// # Errors
        ///
        /// The serializer's.
        #[allow(clippy::too_many_arguments, reason = "one argument per tuple element, as serde's `serialize_with` calls it")]
        pub fn $name<S: serde::Serializer, $($t: serde::Serialize),+>(
            $($v: &Option<$t>,)+
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeTuple;
            let present = [$($v.is_some()),+];
            let len = present.iter().rposition(|p| *p).map_or(0, |i| i + 1);
            let mut tuple = serializer.serialize_tuple(len)?;
            let mut index = 0;
            $(
                if index < len {
                    tuple.serialize_element($v)?;
                }
                index += 1;
            )+
            let _ = index;
            tuple.end()
        }
    )+};
}

tuple_prefix! {
    tuple_prefix_1: A a;
    tuple_prefix_2: A a, B b;
    tuple_prefix_3: A a, B b, C c;
    tuple_prefix_4: A a, B b, C c, D d;
    tuple_prefix_5: A a, B b, C c, D d, E e;
    tuple_prefix_6: A a, B b, C c, D d, E e, F f;
    tuple_prefix_7: A a, B b, C c, D d, E e, F f, G g;
    tuple_prefix_8: A a, B b, C c, D d, E e, F f, G g, H h;
    tuple_prefix_9: A a, B b, C c, D d, E e, F f, G g, H h, I i;
    tuple_prefix_10: A a, B b, C c, D d, E e, F f, G g, H h, I i, J j;
    tuple_prefix_11: A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k;
    tuple_prefix_12: A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l;
}

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

/// A constraint keyword as it appears in a schema.
#[derive(Debug, Clone, Copy)]
pub enum Keyword {
    /// `minItems`
    MinItems(u64),
    /// `maxItems`
    MaxItems(u64),
    /// `minLength`
    MinLength(u64),
    /// `maxLength`
    MaxLength(u64),
    /// `minimum`, as written in the attribute.
    Minimum(&'static str),
    /// `maximum`, as written in the attribute.
    Maximum(&'static str),
    /// `pattern`
    Pattern(&'static str),
}

impl Keyword {
    fn entry(self) -> (&'static str, Value) {
        let number = |text: &str| json_number(text).map_or(Value::Null, Value::Number);
        match self {
            Keyword::MinItems(n) => ("minItems", n.into()),
            Keyword::MaxItems(n) => ("maxItems", n.into()),
            Keyword::MinLength(n) => ("minLength", n.into()),
            Keyword::MaxLength(n) => ("maxLength", n.into()),
            Keyword::Minimum(text) => ("minimum", number(text)),
            Keyword::Maximum(text) => ("maximum", number(text)),
            Keyword::Pattern(source) => ("pattern", source.into()),
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

/// The message for an unknown enum variant, listing the allowed ones.
#[must_use]
pub fn unknown_variant(found: &str, allowed: &[&str]) -> String {
    format!(
        "unknown variant {}, expected {}",
        Shorten(found),
        one_of(allowed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_a_character_more_than_it_shows_or_matches() {
        let long = "é".repeat(100);
        let mut name = String::new();
        push_name_piece(&mut name, "ab", 4);
        push_name_piece(&mut name, &long, 4);
        assert_eq!(name.chars().count(), SHOWN + 1);
        push_name_piece(&mut name, "d", 4);
        assert_eq!(
            name.chars().count(),
            SHOWN + 1,
            "a name past the limit grows no more"
        );
        let mut whole = String::new();
        push_name_piece(&mut whole, "Red", 4);
        assert_eq!(whole, "Red");
        let mut longer = String::new();
        push_name_piece(&mut longer, &"x".repeat(200), 150);
        assert_eq!(
            longer.len(),
            151,
            "a variant's name longer than a message shows"
        );
    }

    /// Found by the `derived` fuzz target: an unknown unit variant that
    /// arrived whole was shown whole, one that arrived in pieces only up to
    /// the longest variant's length, so the message depended on the chunks.
    #[test]
    fn a_name_in_pieces_is_shown_as_a_name_arriving_whole() {
        for found in [
            "co/ntrot",
            &"é".repeat(79),
            &"é".repeat(80),
            &"x".repeat(300),
        ] {
            let whole = unknown_variant(found, &["Red"]);
            for at in (0..=found.len()).filter(|&at| found.is_char_boundary(at)) {
                let mut name = String::new();
                push_name_piece(&mut name, &found[..at], 4);
                push_name_piece(&mut name, &found[at..], 4);
                assert_eq!(unknown_variant(&name, &["Red"]), whole, "cut at {at}");
            }
        }
    }

    #[test]
    fn before_the_tag_only_the_last_content_is_kept() {
        // {"c": 1, "x": {"c": [2]}, "c": {"a": 3}, "t"
        let events = [
            Event::Key("c"),
            Event::Number("1"),
            Event::Key("x"),
            Event::ObjectStart,
            Event::Key("c"),
            Event::ArrayStart,
            Event::Number("2"),
            Event::ArrayEnd,
            Event::ObjectEnd,
            Event::Key("c"),
            Event::ObjectStart,
            Event::Key("a"),
            Event::Number("3"),
            Event::ObjectEnd,
            Event::Key("t"),
        ];
        let mut adjacent = BeforeTag::default();
        let mut internal = BeforeTag::default();
        for (i, event) in events.iter().enumerate() {
            let expected = if i + 1 == events.len() {
                Sought::Tag
            } else {
                Sought::More
            };
            assert_eq!(adjacent.event(event, "t", Some("c")), expected);
            assert_eq!(internal.event(event, "t", None), expected);
        }
        let owned = |events: &[Event<'_>]| {
            let mut buffer = EventBuffer::default();
            events.iter().for_each(|e| buffer.push(e));
            buffer.take()
        };
        assert_eq!(adjacent.take(), owned(&events[9..14]));
        assert_eq!(internal.take(), owned(&events[..14]));
        let mut unknown_end = BeforeTag::default();
        assert_eq!(
            unknown_end.event(&Event::ObjectEnd, "t", Some("c")),
            Sought::End
        );
    }

    #[test]
    fn messages_read_well() {
        let mut checker = Checker::new();
        checker.enter_field("users");
        min_items(&vec![1, 2, 3], 5, &mut checker);
        checker.leave();
        checker.enter_field("deadline");
        min_length(&String::new(), 1, &mut checker);
        checker.leave();
        checker.enter_field("age");
        minimum(&-3_i32, 0.0, "0", &mut checker);
        checker.leave();
        Pattern::new("^[a-z]+$").check(&"ABC".to_owned(), &mut checker);
        let text = checker.into_result().unwrap_err().to_string();
        assert_eq!(
            text,
            "users: expected at least 5 items, got 3\n\
             deadline: expected at least 1 character, got 0\n\
             age: expected a value of at least 0, got -3\n\
             (root): expected a string matching the pattern `^[a-z]+$`, got \"ABC\""
        );
        assert_eq!(
            unknown_variant("Purple", &["Red", "Green"]),
            "unknown variant \"Purple\", expected one of `Red`, `Green`"
        );
    }
}
