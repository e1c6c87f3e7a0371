//! Reading the wire formats: the serde helpers every provider's event
//! structs share.
//!
//! Strings borrow from the event data when they hold no escapes. Fields the
//! runtime only reports (creation times, token counts) never fail a stream
//! for an odd type: a count that is a float, a string or `null` reads as a
//! number or as nothing.

use super::ErrorBody;
use crate::Error;
use serde::de::{Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// An optional string borrowed from the input when it holds no escapes.
///
/// (serde's own `Cow` support only borrows a bare `Cow<str>` field, never one
/// inside an `Option`: without this every fragment would be copied.)
pub(crate) fn cow<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct OptionVisitor;
    struct StrVisitor;

    impl<'de> Visitor<'de> for StrVisitor {
        type Value = Cow<'de, str>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }

        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }

        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<Cow<'de, str>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_str(StrVisitor).map(Some)
        }
    }

    deserializer.deserialize_option(OptionVisitor)
}

/// A string the runtime only reports (an id, a model name, a backend
/// fingerprint): borrowed like [`cow`]'s, and `None` for any other value
/// (a number, an object…) instead of an error.
pub(crate) fn lenient_label<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Lenient;

    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<Cow<'de, str>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }

        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }

        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }

        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            IgnoredAny.visit_seq(seq).map(|_| None)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            IgnoredAny.visit_map(map).map(|_| None)
        }
    }

    deserializer.deserialize_any(Lenient)
}

/// [`lenient_label`], owned (for a whole response).
pub(crate) fn lenient_owned_label<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(lenient_label(deserializer)?.map(Cow::into_owned))
}

/// A count: a whole number, else 0 (a float, a string, `null`…).
pub(crate) fn lenient_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(lenient_number(deserializer)?.unwrap_or(0))
}

/// A Unix time: a whole number, a float (its whole part), else `None`.
pub(crate) fn lenient_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    lenient_number(deserializer)
}

/// Any JSON value, read as a non-negative whole number when it is one (a
/// float is cut to its whole part); anything else is `None`.
pub(crate) fn lenient_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    struct Lenient;

    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }

        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(v).ok())
        }

        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            // `as` saturates (NaN gives 0): never a panic on a server's number.
            Ok((v.is_finite() && v >= 0.0).then_some(v as u64))
        }

        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Lenient)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            IgnoredAny.visit_seq(seq).map(|_| None)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            IgnoredAny.visit_map(map).map(|_| None)
        }
    }

    deserializer.deserialize_any(Lenient)
}

/// An error object sent in a stream or a body: `{"message": …, "type": …,
/// "code": …}` (the value of `"error"` for OpenAI-style servers); `code` may
/// be a string or a number depending on the server.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ApiError {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<serde_json::Value>,
}

impl ApiError {
    /// `code` as text, whatever its JSON type.
    pub fn code_text(&self) -> Option<String> {
        match self.code.as_ref()? {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// The error as [`Error::Provider`].
    pub fn into_error(self) -> Error {
        let code = self.code_text();
        ErrorBody {
            message: self.message,
            kind: self.kind,
            code,
        }
        .into_provider_error("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Fields<'a> {
        #[serde(borrow, default, deserialize_with = "cow")]
        text: Option<Cow<'a, str>>,
        #[serde(default, deserialize_with = "lenient_count")]
        count: u64,
        #[serde(default, deserialize_with = "lenient_time")]
        time: Option<u64>,
    }

    #[test]
    fn strings_borrow_and_numbers_are_lenient() {
        let table = [
            (
                r#"{"text":"hi","count":3,"time":17}"#,
                Some("hi"),
                true,
                3,
                Some(17),
            ),
            (
                r#"{"text":"a\"b","count":2.9,"time":1.5}"#,
                Some("a\"b"),
                false,
                2,
                Some(1),
            ),
            (
                r#"{"text":null,"count":"3","time":-1}"#,
                None,
                false,
                0,
                None,
            ),
            (r#"{"count":[1],"time":{"a":1}}"#, None, false, 0, None),
        ];
        for (data, text, borrowed, count, time) in table {
            let fields: Fields<'_> = serde_json::from_str(data).unwrap();
            assert_eq!(fields.text.as_deref(), text, "{data}");
            assert_eq!(
                matches!(fields.text, Some(Cow::Borrowed(_))),
                borrowed,
                "{data}"
            );
            assert_eq!((fields.count, fields.time), (count, time), "{data}");
        }
    }

    #[test]
    fn error_objects_become_provider_errors() {
        let error: ApiError =
            serde_json::from_str(r#"{"message":"m","type":"server_error","code":500}"#).unwrap();
        assert_eq!(error.code_text().as_deref(), Some("500"));
        let Error::Provider {
            message,
            kind,
            code,
            ..
        } = error.into_error()
        else {
            unreachable!()
        };
        assert_eq!(
            (message.as_str(), kind.as_deref(), code.as_deref()),
            ("m", Some("server_error"), Some("500"))
        );
    }
}
