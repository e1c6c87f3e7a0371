//! The checks of a finished value (`expand/complete.rs`): the constraints
//! of `#[extract(...)]` with their messages, and the reporting of custom
//! validators. Each check is bounded by the trait of the values it applies
//! to, whose `on_unimplemented` message says so on the attribute's span.

use std::fmt::Display;
use std::sync::OnceLock;

use crate::validation::Checker;

use super::text::{plural, Shorten};

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

/// A value `minimum` / `maximum` / `multiple_of` apply to.
#[diagnostic::on_unimplemented(
    message = "`minimum` / `maximum` / `multiple_of` apply to numbers, not to `{Self}`",
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

/// Reports when `value` is not a multiple of `divisor` (written as `text`
/// in messages): JSON Schema's `multipleOf`, the quotient an integer (up to
/// rounding: 0.3 is a multiple of 0.1).
pub fn multiple_of<T: Numeric + ?Sized>(
    value: &T,
    divisor: f64,
    text: &str,
    checker: &mut Checker,
) {
    let v = value.to_f64();
    let quotient = v / divisor;
    if (quotient - quotient.round()).abs() > 1e-9 * quotient.abs().max(1.0) {
        checker.report(format!("expected a multiple of {text}, got {v}"));
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

/// Reports when `value` does not match `pattern`.
pub fn pattern<T: Text + ?Sized>(value: &T, pattern: &Pattern, checker: &mut Checker) {
    pattern.check(value, checker);
}

/// Records the failure of a custom validator (`#[extract(validate = …)]`)
/// at the checker's current path.
pub fn report_invalid<E: Display>(result: Result<(), E>, checker: &mut Checker) {
    if let Err(error) = result {
        checker.report(error.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn a_multiple_is_one_up_to_rounding() {
        let mut checker = Checker::new();
        multiple_of(&0.3_f64, 0.1, "0.1", &mut checker);
        multiple_of(&-15_i64, 5.0, "5", &mut checker);
        multiple_of(&0_u8, 0.25, "0.25", &mut checker);
        assert!(checker.is_ok());
        multiple_of(&1.25_f64, 0.5, "0.5", &mut checker);
        assert_eq!(
            checker.into_result().unwrap_err().to_string(),
            "(root): expected a multiple of 0.5, got 1.25"
        );
    }
}
