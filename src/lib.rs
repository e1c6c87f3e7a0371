//! `extract`: typed, streaming structured extraction from LLMs.
//!
//! Derive [`Extract`] on plain structs and enums; get a JSON Schema, a
//! [`Partial`] snapshot type and an incremental deserializer generated at
//! compile time. [`StreamParser`] and [`ItemParser`] turn chunks split at
//! any byte into typed partials and complete items, parsing each byte once;
//! the [`Client`] asks a model and streams its answer through them.
//!
//! # Quick start
//!
//! ```
//! use extract::{Extract, StreamParser};
//!
//! /// A participant of the meeting.
//! #[derive(Extract, Debug, PartialEq)]
//! struct User {
//!     /// The participant's full name.
//!     name: String,
//!     age: u32,
//!     nick: Option<String>,
//! }
//!
//! let mut parser = StreamParser::<User>::new();
//! parser.feed(r#"{"name": "Ja"#)?;
//! assert_eq!(parser.partial().name.as_deref(), Some("Ja")); // strings grow
//! parser.feed(r#"son", "age": 1"#)?;
//! assert_eq!(parser.partial().age, None); // 1 may be 10: not shown yet
//! parser.feed("0}")?;
//! let user = parser.finish()?;
//! assert_eq!(user, User { name: "Jason".into(), age: 10, nick: None });
//!
//! let schema = User::json_schema();
//! assert_eq!(schema["description"], "A participant of the meeting.");
//! assert_eq!(schema["required"], serde_json::json!(["name", "age"]));
//! # Ok::<(), extract::Error>(())
//! ```
//!
//! # Asking a model
//!
//! With the default `openai` feature, a [`Client`] sends the schema to a
//! chat model and reads the streamed answer through the same parser. One
//! request, built once, can be sent four ways:
//!
//! | call | gives |
//! | --- | --- |
//! | [`create::<T>()`](openai::ChatRequest::create) | the validated `T`, re-asked on validation errors (`max_retries`) |
//! | [`create::<Iterable<T>>()`](openai::ChatRequest::create) | a validated `Vec<T>` |
//! | [`create_partial::<T>()`](openai::ChatRequest::create_partial) | a [`PartialStream`](openai::PartialStream) of typed [`Partial<T>`] snapshots as tokens arrive, then the `T` |
//! | [`create_iterable::<T>()`](openai::ChatRequest::create_iterable) | an [`ItemStream`](openai::ItemStream) of complete `T`s, each as its closing brace arrives |
//!
//! The replay server of the `testing` feature speaks the same HTTP and
//! event-stream protocol on a loopback port, so the whole path runs with
//! no key and no network (tests, examples, CI):
//!
//! ```
//! use extract::testing::{ReplayServer, Reply};
//! use extract::{Extract, Iterable, Mode};
//! use futures::StreamExt;
//!
//! #[derive(Extract, Debug, PartialEq)]
//! struct User {
//!     name: String,
//!     age: u32,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = ReplayServer::start([
//!     Reply::json(r#"{"name": "Ann", "age": 3}"#),
//!     Reply::json(r#"{"name": "Ann", "age": 3}"#).fragment(4),
//!     Reply::json(r#"{"items": [{"name": "Ann", "age": 3}, {"name": "Bo", "age": 4}]}"#),
//! ])
//! .await?;
//! // `Client::from_env()` reads OPENAI_API_KEY and OPENAI_BASE_URL instead.
//! let client = server.client();
//! let ask = client.chat().model("gpt-4o-mini").mode(Mode::Tools).user("Ann is 3, Bo is 4.");
//!
//! let user = ask.clone().create::<User>().await?;
//! assert_eq!(user, User { name: "Ann".into(), age: 3 });
//!
//! let mut snapshots = ask.clone().create_partial::<User>().await?;
//! let mut names = Vec::new();
//! while let Some(snapshot) = snapshots.next().await {
//!     names.push(snapshot?.name.clone()); // None, then "Ann" as it grows
//! }
//! assert_eq!(names.last().unwrap().as_deref(), Some("Ann"));
//!
//! let mut users = ask.create_iterable::<User>().await?;
//! while let Some(user) = users.next().await {
//!     println!("{:?}", user?); // each user as soon as its `}` arrives
//! }
//! # Ok(()) }
//! ```
//!
//! Errors are one [`Error`] enum; every failure after bytes arrived keeps
//! the raw text and the last partial ([`Error::raw_text`],
//! [`Error::partial`]). The relay turns a stream into an HTTP body that a
//! browser renders as it arrives (`extract::relay`, feature `relay`).
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `openai` | yes | [`Client`], [`Mode`], the [`openai`] module: requests, streams, retries (reqwest, tokio) |
//! | `relay` | no | `extract::relay`: Server-Sent Events / NDJSON bodies with JSON Patch deltas, and the JavaScript client |
//! | `axum` | no | `IntoResponse` for the relay bodies (axum 0.8); implies `relay` |
//! | `testing` | no | `extract::testing`: the loopback replay server for tests, examples and benchmarks |
//!
//! Without default features, the derive, the parser, [`StreamParser`] and
//! [`ItemParser`] need no network stack.
//!
//! # What the derive generates
//!
//! For `struct User { name: String, age: u32, nick: Option<String> }`:
//!
//! - **`PartialUser`** (also named `Partial<User>`): the same fields, each an
//!   `Option` (`nick: Option<String>`, not a double `Option`; a `Vec<Item>`
//!   field is `Option<Vec<Partial<Item>>>`), with the visibility of `User`,
//!   deriving `Debug, Clone, Default, PartialEq` and serde `Serialize` with
//!   the same JSON names and enum tagging as `User`. Rename it with
//!   `#[extract(partial = "UserSoFar")]`. An enum's partial is an enum with
//!   the same variants; a newtype's partial is its field's.
//! - **`Extract` for `User`**: [`Extract::json_schema`] (JSON Schema 2020-12,
//!   nested named types under `$defs`), [`Extract::json_schema_strict`] (for
//!   OpenAI's strict structured outputs), and the hidden builder, checks and
//!   validators that [`StreamParser`] and [`ItemParser`] drive.
//!
//! # Streaming semantics
//!
//! | value | appears in the partial |
//! | --- | --- |
//! | string | at its opening quote, then grows |
//! | number, bool, null | only once complete |
//! | unit enum variant | only once complete and valid |
//! | struct | at `{`; its fields fill in |
//! | `Vec` | at `[`; each item is pushed when it starts |
//! | enum with data | once its variant is known (for `#[serde(tag)]`, once the tag arrives: fields sent before it are buffered and replayed; with `content` too, the content streams in after the tag, or is buffered and replayed if it comes first) |
//! | `#[extract(atomic)]` field | only once its whole value is complete |
//! | struct with a `#[extract(stream_required)]` field | only once that field has arrived |
//!
//! Unknown keys are skipped without allocating; keys may come in any order;
//! a repeated key wins last. Integers written `10.0` and numbers written as
//! strings (`"10"`) are accepted. Snapshots are monotone: a later snapshot
//! never loses or changes what an earlier one showed (strings only grow,
//! lists only grow, numbers never change once shown). The final value
//! equals `serde_json::from_str` of the same text for the same type.
//!
//! Progress: [`StreamParser::active_path`] names the value being written
//! (`users[3].name`), [`StreamParser::is_complete_at`] and
//! [`StreamParser::completed_paths`] tell which parts have fully arrived.
//!
//! # Attributes
//!
//! On the struct or enum, `#[extract(...)]`:
//!
//! | attribute | effect |
//! | --- | --- |
//! | `description = "..."` | the schema description (default: the doc comment) |
//! | `partial = "Name"` | the partial type's name (default `Partial{Type}`) |
//! | `validate = path::to::fn` | `fn(&Self) -> Result<(), E: Display>`, run on the finished value |
//! | `crate = "path"` | where `extract` is, for crates that re-export it |
//!
//! On a field, `#[extract(...)]`:
//!
//! | attribute | effect |
//! | --- | --- |
//! | `description = "..."` | the property description (default: the doc comment) |
//! | `min_items = n`, `max_items = n` | array length: in the schema and checked |
//! | `min_length = n`, `max_length = n` | string length in characters: in the schema and checked |
//! | `minimum = x`, `maximum = x` | number bounds: in the schema and checked |
//! | `multiple_of = x` | a number's step, `x > 0` (`0.01` for cents): in the schema (`multipleOf`) and checked |
//! | `pattern = "regex"` | checked at compile time, in the schema, checked on the value |
//! | `validate = path::to::fn` | `fn(&FieldType) -> Result<(), E: Display>` |
//! | `atomic` | the field appears only once complete |
//! | `stream_required` | the struct appears only once this field has arrived (a list item's `id`) |
//!
//! On a variant: `#[extract(description = "...")]`.
//!
//! Serde attributes are honoured so a type that also derives `Deserialize`
//! reads the same JSON: `rename` (also `serialize`/`deserialize` forms),
//! `rename_all` (every case), `rename_all_fields`, `alias`, `skip`,
//! `skip_deserializing`, `default` (and `default = "path"`; in strict mode
//! such a field may be `null`, which means the default),
//! `deny_unknown_fields`, `transparent`, `tag` (internally tagged enums),
//! `tag` + `content` (adjacently tagged enums), and `other`.
//! Serialization-only attributes are left to serde. Attributes that can't be
//! streamed are compile errors saying what to do instead: `untagged`,
//! `flatten`, `with`/`deserialize_with`, `from`/`try_from`, `borrow`.
//!
//! ```
//! use extract::Extract;
//!
//! fn not_blank(s: &String) -> Result<(), String> {
//!     if s.trim().is_empty() { Err("must not be blank".into()) } else { Ok(()) }
//! }
//!
//! #[derive(Extract, Debug)]
//! #[serde(rename_all = "camelCase")]
//! struct Conference {
//!     #[extract(min_items = 2)]
//!     speakers: Vec<Speaker>,
//!     #[extract(validate = not_blank)]
//!     venue_name: String,
//!     #[extract(minimum = 0)]
//!     budget: f64,
//! }
//!
//! #[derive(Extract, Debug)]
//! struct Speaker {
//!     #[extract(stream_required)]
//!     id: u32,
//!     name: String,
//! }
//!
//! let mut parser = extract::StreamParser::<Conference>::new();
//! parser.feed(r#"{"speakers": [{"name": "Ada", "id": 1}], "venueName": " ", "budget": -5}"#)?;
//! let error = parser.finish().unwrap_err();
//! // Every problem at once, with its path: fit to send back to the model.
//! assert_eq!(
//!     error.validation().unwrap().to_string(),
//!     "speakers: expected at least 2 items, got 1\nbudget: expected a value of at least 0, got -5"
//! );
//! # Ok::<(), extract::Error>(())
//! ```
//!
//! Custom validators run once the value is complete and well-formed, so the
//! blank venue above is reported after the length and bound are fixed.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use extract_core::*;
pub use extract_derive::Extract;

#[doc(hidden)]
pub use extract_core::__private;
