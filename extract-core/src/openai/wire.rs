//! The chat-completions wire format: what a server streams back.
//!
//! Only the fields the runtime reads are declared; every other field (and
//! there are many: `logprobs`, `obfuscation`, `provider`, `x_groq`,
//! `prompt_token_ids`, …) is skipped by serde. Strings borrow from the event
//! data when they hold no escapes.

use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize};
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

/// One `chat.completion.chunk` event.
#[derive(Debug, Deserialize)]
pub(crate) struct Chunk<'a> {
    #[serde(borrow, default, deserialize_with = "cow")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default)]
    pub created: Option<u64>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub system_fingerprint: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub choices: Option<Vec<ChunkChoice<'a>>>,
    #[serde(default)]
    pub usage: Option<Usage>,
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
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub created: Option<u64>,
    #[serde(default)]
    pub system_fingerprint: Option<String>,
    #[serde(default)]
    pub choices: Vec<CompletionChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
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

/// Token usage reported by the server (`stream_options.include_usage`).
///
/// Extra fields (`*_tokens_details`, `cost`, …) are ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens generated.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Their sum, as reported by the server.
    #[serde(default)]
    pub total_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, rhs: Usage) {
        self.prompt_tokens += rhs.prompt_tokens;
        self.completion_tokens += rhs.completion_tokens;
        self.total_tokens += rhs.total_tokens;
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
    fn usage_and_error_shapes() {
        let chunk: Chunk<'_> = serde_json::from_str(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,
            "completion_tokens_details":{"reasoning_tokens":0}},"error":{"code":400,"message":"m"}}"#,
        )
        .unwrap();
        assert_eq!(chunk.usage.unwrap().total_tokens, 7);
        let error = chunk.error.unwrap();
        assert_eq!(error.code_text().as_deref(), Some("400"));
        assert_eq!(error.message.as_deref(), Some("m"));
    }
}
