//! The chat-completions wire format: what a server streams back.
//!
//! Only the fields the runtime reads are declared; every other field (and
//! there are many: `logprobs`, `obfuscation`, `provider`, `x_groq`,
//! `prompt_token_ids`, …) is skipped by serde. Strings borrow from the event
//! data when they hold no escapes. Fields the runtime only reports (the
//! creation time, token counts) never fail a stream for an odd type: a
//! server that sends `"created": 1717171717.5` still streams (the lenient
//! readers are shared by every provider: [`crate::client::providers::wire`]).

use crate::client::providers::wire::{
    cow, lenient_count, lenient_label, lenient_owned_label, lenient_time, ApiError,
};
use crate::client::usage::Usage;
use serde::Deserialize;
use std::borrow::Cow;

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
    /// OpenAI's padding, different at every chunk: read only for where it
    /// lies (see `template`).
    #[serde(borrow, default, deserialize_with = "lenient_label")]
    pub obfuscation: Option<Cow<'a, str>>,
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
    /// The upstream model's own finish reason (OpenRouter), which says
    /// more than `finish_reason` when they differ.
    #[serde(borrow, default, deserialize_with = "lenient_label")]
    pub native_finish_reason: Option<Cow<'a, str>>,
}

/// The `delta` of a chunk choice.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Delta<'a> {
    #[serde(borrow, default)]
    pub content: Option<Content<'a>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub refusal: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub tool_calls: Option<Vec<ToolCallDelta<'a>>>,
}

/// `delta.content`: a string, or (Mistral's reasoning models) an array of
/// typed parts, of which only the `text` parts are the answer (`thinking`
/// parts are the model's reasoning and never part of it).
#[derive(Debug, Default)]
pub(crate) struct Content<'a> {
    /// The answer text, in order.
    pub texts: Vec<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContentVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for ContentVisitor<'a> {
            type Value = Content<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of content parts")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Content {
                    texts: vec![Cow::Borrowed(v)],
                })
            }

            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Content {
                    texts: vec![Cow::Owned(v.to_owned())],
                })
            }

            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Content {
                    texts: vec![Cow::Owned(v)],
                })
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Content::default())
            }

            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Content::default())
            }

            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut texts = Vec::new();
                while let Some(part) = seq.next_element::<ContentPart<'a>>()? {
                    if part.kind.as_deref() == Some("text") {
                        texts.extend(part.text);
                    }
                }
                Ok(Content { texts })
            }
        }

        deserializer.deserialize_any(ContentVisitor(std::marker::PhantomData))
    }
}

/// A whole message's `content` as one string: a string, or the `text`
/// parts of an array joined.
fn content_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let content: Option<Content<'de>> = Deserialize::deserialize(d)?;
    Ok(content.map(|c| c.texts.concat()))
}

/// One part of an array `content`: `{"type": "text", "text": …}`, or
/// another type (`thinking`, …) whose fields are skipped.
#[derive(Debug, Deserialize)]
struct ContentPart<'a> {
    #[serde(borrow, default, rename = "type", deserialize_with = "lenient_label")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "lenient_label")]
    text: Option<Cow<'a, str>>,
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
    #[serde(default, deserialize_with = "content_text")]
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
        let content = delta.content.as_ref().unwrap();
        assert!(matches!(content.texts[..], [Cow::Borrowed("hi")]));
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
