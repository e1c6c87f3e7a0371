//! The chat-completions wire format: what a server streams back.
//!
//! Only the fields the runtime reads are declared; every other field (and
//! there are many: `logprobs`, `obfuscation`, `provider`, `x_groq`,
//! `prompt_token_ids`, …) is skipped by serde. Strings borrow from the event
//! data when they hold no escapes. Fields the runtime only reports (the
//! creation time, token counts) never fail a stream for an odd type: a
//! server that sends `"created": 1717171717.5` still streams.

use crate::client::usage::Usage;
use serde::de::{Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// An optional string borrowed from the input when it holds no escapes.
///
/// (serde's own `Cow` support only borrows a bare `Cow<str>` field, never one
/// inside an `Option`: without this every fragment would be copied.)
fn cow<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error> {
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
fn lenient_label<'de, D: Deserializer<'de>>(
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

/// [`lenient_label`], owned (for a whole completion).
fn lenient_owned_label<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(lenient_label(deserializer)?.map(Cow::into_owned))
}

/// A count: a whole number, else 0 (a float, a string, `null`…).
fn lenient_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(lenient_number(deserializer)?.unwrap_or(0))
}

/// A Unix time: a whole number, a float (its whole part), else `None`.
fn lenient_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    lenient_number(deserializer)
}

/// Any JSON value, read as a non-negative whole number when it is one (a
/// float is cut to its whole part); anything else is `None`.
fn lenient_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
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

/// One `chat.completion.chunk` event.
#[derive(Debug, Deserialize)]
pub(crate) struct Chunk<'a> {
    #[serde(borrow, default, deserialize_with = "lenient_label")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "lenient_label")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created: Option<u64>,
    #[serde(borrow, default, deserialize_with = "lenient_label")]
    pub system_fingerprint: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub choices: Option<Vec<ChunkChoice<'a>>>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
    #[serde(default)]
    pub error: Option<ApiError>,
}

/// One entry of `choices` in a chunk.
#[derive(Debug, Deserialize)]
pub(crate) struct ChunkChoice<'a> {
    #[serde(default)]
    pub index: Option<u32>,
    #[serde(borrow, default)]
    pub delta: Option<Delta<'a>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub finish_reason: Option<Cow<'a, str>>,
}

/// The `delta` of a chunk choice.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Delta<'a> {
    #[serde(borrow, default, deserialize_with = "cow")]
    pub content: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub refusal: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub tool_calls: Option<Vec<ToolCallDelta<'a>>>,
}

/// One entry of `delta.tool_calls`.
#[derive(Debug, Deserialize)]
pub(crate) struct ToolCallDelta<'a> {
    #[serde(default)]
    pub index: Option<u32>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub function: Option<FunctionDelta<'a>>,
}

/// `delta.tool_calls[].function`.
#[derive(Debug, Deserialize)]
pub(crate) struct FunctionDelta<'a> {
    #[serde(borrow, default, deserialize_with = "cow")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub arguments: Option<Cow<'a, str>>,
}

/// A whole (non-streamed) `chat.completion`, for servers that ignore `stream`.
#[derive(Debug, Deserialize)]
pub(crate) struct Completion {
    #[serde(default, deserialize_with = "lenient_owned_label")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_owned_label")]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created: Option<u64>,
    #[serde(default, deserialize_with = "lenient_owned_label")]
    pub system_fingerprint: Option<String>,
    #[serde(default)]
    pub choices: Vec<CompletionChoice>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
    #[serde(default)]
    pub error: Option<ApiError>,
}

/// One entry of `choices` in a whole completion.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionChoice {
    #[serde(default)]
    pub index: Option<u32>,
    #[serde(default)]
    pub message: Option<CompletionMessage>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// `choices[].message` of a whole completion.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionMessage {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
    #[serde(default)]
    pub tool_calls: Option<Vec<CompletionToolCall>>,
}

/// `choices[].message.tool_calls[]` of a whole completion.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionToolCall {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub function: Option<CompletionFunction>,
}

/// `choices[].message.tool_calls[].function` of a whole completion.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionFunction {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arguments: Option<String>,
}

/// The provider's error object, in an HTTP error body or sent mid-stream.
///
/// `{"error": {"message": …, "type": …, "code": …}}`; `code` may be a string
/// or a number depending on the server.
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
}

/// `usage` as chat completions report it (`stream_options.include_usage`).
///
/// Other fields (`cost`, `queue_time`, …) are ignored; a count that is not
/// a whole number counts as 0 rather than failing the stream.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default, deserialize_with = "lenient_count")]
    pub prompt_tokens: u64,
    #[serde(default, deserialize_with = "lenient_count")]
    pub completion_tokens: u64,
    #[serde(default, deserialize_with = "lenient_count")]
    pub total_tokens: u64,
    #[serde(default)]
    pub prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    pub completion_tokens_details: Option<CompletionDetails>,
}

/// `usage.prompt_tokens_details`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct PromptDetails {
    #[serde(default, deserialize_with = "lenient_count")]
    pub cached_tokens: u64,
}

/// `usage.completion_tokens_details`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct CompletionDetails {
    #[serde(default, deserialize_with = "lenient_count")]
    pub reasoning_tokens: u64,
}

impl From<WireUsage> for Usage {
    fn from(wire: WireUsage) -> Usage {
        Usage::new(wire.prompt_tokens, wire.completion_tokens)
            .with_total_tokens(wire.total_tokens)
            .with_reasoning_tokens(
                wire.completion_tokens_details
                    .map_or(0, |d| d.reasoning_tokens),
            )
            .with_cached_tokens(wire.prompt_tokens_details.map_or(0, |d| d.cached_tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_borrows_and_skips_unknown_fields() {
        let data = r#"{"id":"c1","object":"chat.completion.chunk","obfuscation":"xx",
            "choices":[{"index":0,"delta":{"role":"assistant","content":"hi","refusal":null,
            "tool_calls":[{"function":{"arguments":"{\"a\"","name":"f"},"index":1,"type":"function"}]},
            "logprobs":null,"finish_reason":null}],"usage":null}"#;
        let chunk: Chunk<'_> = serde_json::from_str(data).unwrap();
        let choice = &chunk.choices.as_ref().unwrap()[0];
        let delta = choice.delta.as_ref().unwrap();
        assert!(matches!(delta.content, Some(Cow::Borrowed("hi"))));
        let call = &delta.tool_calls.as_ref().unwrap()[0];
        assert_eq!(call.index, Some(1));
        let args = call.function.as_ref().unwrap().arguments.as_deref();
        assert_eq!(args, Some("{\"a\""));
        assert!(chunk.usage.is_none());
    }

    #[test]
    fn odd_types_in_unused_fields_fail_nothing() {
        let chunk: Chunk<'_> = serde_json::from_str(
            r#"{"created":1717171717.5,"choices":[],"usage":{"prompt_tokens":"3","completion_tokens":2.0,
            "completion_tokens_details":{"reasoning_tokens":null},"prompt_tokens_details":{"cached_tokens":1}}}"#,
        )
        .unwrap();
        assert_eq!(chunk.created, Some(1_717_171_717));
        let usage = Usage::from(chunk.usage.unwrap());
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.cached_tokens
            ),
            (0, 2, 1)
        );
    }

    #[test]
    fn usage_and_error_shapes() {
        let chunk: Chunk<'_> = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,
            "completion_tokens_details":{"reasoning_tokens":0}},"error":{"code":400,"message":"m"}}"#,
        )
        .unwrap();
        assert_eq!(Usage::from(chunk.usage.unwrap()).total_tokens, 7);
        let error = chunk.error.unwrap();
        assert_eq!(error.code_text().as_deref(), Some("400"));
        assert_eq!(error.message.as_deref(), Some("m"));
    }
}
