//! The [`Extract`] trait: what a type needs to be extracted from a model's
//! streamed JSON.

use std::fmt::Debug;

use serde::Serialize;

use crate::builder::Builder;
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, ValidationError};

/// A type that can be extracted from streamed JSON: it has a JSON Schema, a
/// [`Partial`] snapshot type with every field optional, and an incremental
/// builder that fills that snapshot in place as tokens arrive.
///
/// Implemented for the std types (`String`, `bool`, integers, floats,
/// `Option`, `Vec`, `Box`, string-keyed `HashMap`/`BTreeMap`,
/// `serde_json::Value`) and by `#[derive(Extract)]` for your structs and
/// enums.
///
/// For every valid input, the value built from a stream equals
/// `serde_json::from_str` of the whole text for the same serde-compatible
/// type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Extract`",
    label = "this type can't be extracted",
    note = "derive it: `#[derive(Extract)]` on your own structs and enums",
    note = "`Extract` is implemented for `String`, `bool`, integers, floats, `Option<T>`, `Vec<T>`, `Box<T>`, `HashMap<String, T>`, `BTreeMap<String, T>` and `serde_json::Value`"
)]
pub trait Extract: Sized + Send + 'static {
    /// The partial snapshot: what is known of a value while it streams.
    ///
    /// For a derived struct, a struct with the same field names, each an
    /// `Option`. It serializes with the same JSON names and shapes as the
    /// value itself, so every snapshot is a prefix-consistent view of the
    /// final JSON.
    type Partial: Clone + Debug + Default + PartialEq + Serialize + Send + Sync + 'static;

    /// The incremental builder (implementation detail of the derive).
    #[doc(hidden)]
    type Builder: Builder<Self::Partial> + Send + 'static;

    /// True for types a JSON object may leave out (`Option<T>`): a missing
    /// value is not an error and the schema does not require it.
    #[doc(hidden)]
    const OPTIONAL: bool = false;

    /// The name of the type in schemas (`$defs` keys, tool names), e.g.
    /// `User` or `Page_User`.
    fn schema_name() -> String;

    /// This type's schema at a use site: inline for std types, a `$ref` into
    /// the generator's `$defs` for named (derived) types.
    fn schema(generator: &mut SchemaGenerator) -> serde_json::Value;

    /// The JSON Schema (2020-12) of this type, with the root inline and
    /// nested named types under `$defs`.
    #[must_use]
    fn json_schema() -> serde_json::Value {
        SchemaGenerator::root_schema::<Self>()
    }

    /// The schema in the form OpenAI's strict structured outputs accept:
    /// every property required (optional ones as a union with `null`),
    /// `additionalProperties: false` everywhere, and keywords strict mode
    /// rejects moved into the `description`.
    #[must_use]
    fn json_schema_strict() -> serde_json::Value {
        crate::schema::strict(Self::json_schema())
    }

    /// Checks a finished partial: every required value present, every
    /// constraint holding. Reports each problem at its path.
    #[doc(hidden)]
    fn check(partial: &Self::Partial, checker: &mut Checker);

    /// Converts a checked partial into the value; `None` only when `check`
    /// reported a problem.
    #[doc(hidden)]
    fn convert(partial: Self::Partial) -> Option<Self>;

    /// Runs the custom validators (`#[extract(validate = ...)]`) of the
    /// finished value, reporting each failure at its path.
    #[doc(hidden)]
    fn validate(&self, _checker: &mut Checker) {}

    /// The value when it is missing from its object: `Some(None)` for
    /// `Option<T>`, `None` (an error) for everything else.
    #[doc(hidden)]
    #[must_use]
    fn missing() -> Option<Self> {
        None
    }

    /// Turns a finished value back into its (complete) partial.
    fn into_partial(self) -> Self::Partial;

    /// Completes and validates a partial: every required value present,
    /// every constraint and custom validator holding. All problems are
    /// reported at once, each with its JSON path.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] listing every problem.
    fn from_partial(partial: Self::Partial) -> Result<Self, ValidationError> {
        let mut checker = Checker::new();
        Self::check(&partial, &mut checker);
        checker.into_result()?;
        let Some(value) = Self::convert(partial) else {
            return Err(ValidationError::new(vec![crate::validation::Issue {
                path: crate::path::Path::root(),
                message: "the value is incomplete".to_owned(),
            }]));
        };
        let mut checker = Checker::new();
        value.validate(&mut checker);
        checker.into_result().map(|()| value)
    }
}

/// The partial snapshot type of `T`: `Partial<User>` is the generated
/// `PartialUser` struct, every field an `Option`.
pub type Partial<T> = <T as Extract>::Partial;
