//! Integers and floats.
//!
//! A number appears only when complete. What models really emit is accepted
//! besides plain JSON numbers: an integer written as `10.0` for an integer
//! type, and a number written as a JSON string (`"10"`) for any numeric type.

use std::marker::PhantomData;

use serde_json::{json, Number, Value};

use crate::builder::{Builder, Slot, Step};
use crate::json::Event;
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, StreamIssue};
use crate::Extract;

/// The longest numeric string accepted for a number (longer ones are
/// reported invalid without being buffered).
const MAX_NUMERIC_STRING: usize = 512;

/// A numeric type built from JSON number text.
pub trait FromJsonNumber: Sized {
    /// How the type is named in messages ("u8", "f64").
    const NAME: &'static str;
    /// Parses JSON number text (already checked against the JSON grammar,
    /// or a string a model put a number in).
    ///
    /// # Errors
    ///
    /// A message fit for a re-ask when the text is not a number of this type.
    fn from_json_number(text: &str) -> Result<Self, String>;
    /// The schema of the type.
    fn number_schema() -> Value;
}

fn is_float_syntax(text: &str) -> bool {
    text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

macro_rules! integer {
    ($($t:ty, $signed:expr);* $(;)?) => {$(
        impl FromJsonNumber for $t {
            const NAME: &'static str = stringify!($t);

            fn from_json_number(text: &str) -> Result<Self, String> {
                let out_of_range = || format!(
                    "expected an integer from {} to {}, found {text}",
                    <$t>::MIN, <$t>::MAX
                );
                if !is_float_syntax(text) {
                    return text.parse::<$t>().map_err(|_| {
                        let digits = text.strip_prefix('-').unwrap_or(text);
                        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                            out_of_range()
                        } else {
                            format!("expected an integer, found {text:?}")
                        }
                    });
                }
                let float: f64 = text
                    .parse()
                    .map_err(|_| format!("expected an integer, found {text:?}"))?;
                if !float.is_finite() || float.fract() != 0.0 {
                    return Err(format!("expected an integer, found {text}"));
                }
                // Exact for every integral f64 within the i128 range.
                if !(-1.7e38..=1.7e38).contains(&float) {
                    return Err(out_of_range());
                }
                #[allow(clippy::cast_possible_truncation, reason = "range checked above")]
                let wide = float as i128;
                <$t>::try_from(wide).map_err(|_| out_of_range())
            }

            fn number_schema() -> Value {
                if $signed {
                    json!({ "type": "integer" })
                } else {
                    json!({ "type": "integer", "minimum": 0 })
                }
            }
        }
        number_extract!($t);
    )*};
}

macro_rules! float {
    ($($t:ty),*) => {$(
        impl FromJsonNumber for $t {
            const NAME: &'static str = stringify!($t);

            fn from_json_number(text: &str) -> Result<Self, String> {
                // Parsed as f64 then narrowed, exactly as serde_json does.
                let value: f64 = text
                    .trim()
                    .parse()
                    .map_err(|_| format!("expected a number, found {text:?}"))?;
                if !value.is_finite() {
                    return Err(format!("number out of range: {text}"));
                }
                #[allow(clippy::cast_possible_truncation, clippy::cast_lossless, reason = "serde_json narrows the same way")]
                Ok(value as $t)
            }

            fn number_schema() -> Value {
                json!({ "type": "number" })
            }
        }
        number_extract!($t);
    )*};
}

macro_rules! number_extract {
    ($t:ty) => {
        impl Extract for $t {
            type Partial = $t;
            type Builder = NumberBuilder<$t>;

            fn schema_name() -> String {
                stringify!($t).to_owned()
            }

            fn schema(_: &mut SchemaGenerator) -> Value {
                <$t as FromJsonNumber>::number_schema()
            }

            fn check(_: &$t, _: &mut Checker) {}

            fn convert(partial: $t) -> Option<Self> {
                Some(partial)
            }

            fn into_partial(self) -> $t {
                self
            }
        }
    };
}

integer!(
    i8, true; i16, true; i32, true; i64, true; i128, true; isize, true;
    u8, false; u16, false; u32, false; u64, false; u128, false; usize, false;
);
float!(f32, f64);

/// Builds a number: it appears only when complete. Accepts a JSON number, or
/// a JSON string holding one.
#[derive(Debug)]
pub struct NumberBuilder<N> {
    text: String,
    too_long: bool,
    marker: PhantomData<fn() -> N>,
}

impl<N> Default for NumberBuilder<N> {
    fn default() -> Self {
        Self {
            text: String::new(),
            too_long: false,
            marker: PhantomData,
        }
    }
}

impl<N: FromJsonNumber> Builder<N> for NumberBuilder<N> {
    #[inline]
    fn event<S: Slot<N>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        match *event {
            Event::Number(text) => match N::from_json_number(text) {
                Ok(n) => {
                    slot.set(n);
                    Step::Done
                }
                Err(message) => Step::Invalid(StreamIssue::new(message)),
            },
            Event::Str { text, first, last } => {
                if first {
                    self.text.clear();
                    self.too_long = false;
                }
                if self.text.len() + text.len() > MAX_NUMERIC_STRING {
                    self.too_long = true;
                } else {
                    self.text.push_str(text);
                }
                if !last {
                    return Step::More;
                }
                if self.too_long {
                    return Step::Invalid(StreamIssue::new(format!(
                        "expected a number ({}), found a long string",
                        N::NAME
                    )));
                }
                match N::from_json_number(self.text.trim()) {
                    Ok(n) => {
                        slot.set(n);
                        Step::Done
                    }
                    Err(message) => Step::Invalid(StreamIssue::new(message)),
                }
            }
            _ => Step::Reject(StreamIssue::expected(
                if is_integer_name(N::NAME) {
                    "an integer"
                } else {
                    "a number"
                },
                event,
            )),
        }
    }
}

fn is_integer_name(name: &str) -> bool {
    name.starts_with('i') || name.starts_with('u')
}

/// The `serde_json::Number` that serde_json makes of this JSON number text:
/// integers as `u64`/`i64`, `-0` and integers beyond 64 bits as `f64`,
/// everything else as `f64`. `None` when the value is out of `f64` range.
#[must_use]
pub fn json_number(text: &str) -> Option<Number> {
    if !is_float_syntax(text) {
        if let Some(digits) = text.strip_prefix('-') {
            if let Ok(magnitude) = digits.parse::<u64>() {
                if magnitude == 0 {
                    return Number::from_f64(-0.0);
                }
                if magnitude <= 1 << 63 {
                    #[allow(
                        clippy::cast_possible_truncation,
                        clippy::cast_possible_wrap,
                        reason = "magnitude <= 2^63"
                    )]
                    return Some(Number::from((magnitude as i64).wrapping_neg()));
                }
            }
        } else if let Ok(value) = text.parse::<u64>() {
            return Some(Number::from(value));
        }
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_accept_integral_floats_and_reject_the_rest() {
        assert_eq!(u8::from_json_number("10.0"), Ok(10));
        assert_eq!(i64::from_json_number("-2e3"), Ok(-2000));
        assert!(u8::from_json_number("256")
            .unwrap_err()
            .contains("0 to 255"));
        assert!(u8::from_json_number("-1").unwrap_err().contains("0 to 255"));
        assert!(u32::from_json_number("1.5").is_err());
        assert!(u32::from_json_number("1e400").is_err());
        assert_eq!(
            u128::from_json_number("340282366920938463463374607431768211455"),
            Ok(u128::MAX)
        );
    }

    #[test]
    fn numbers_match_serde_json() {
        for text in [
            "0",
            "-0",
            "12",
            "-12",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "1e3",
            "-0.0",
            "123456789012345678901234567890",
        ] {
            let ours = json_number(text).map(Value::Number);
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, Some(theirs), "{text}");
        }
        assert_eq!(json_number("1e400"), None);
    }
}
