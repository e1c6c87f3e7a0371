//! The Responses wire format: the events a server streams back, and a whole
//! `response` object for servers that answer without streaming.
//!
//! Each event type the decoder reads has the struct of the fields it reads;
//! every other field (`sequence_number`, `obfuscation`, `logprobs`,
//! `content_index`, the echoed request in a `response` object, …) is skipped
//! by serde, and events of other types are not parsed at all. Strings borrow
//! from the event data when they hold no escapes; indexes and counts are
//! read leniently ([`crate::client::providers::wire`]).

use crate::client::providers::wire::{cow, lenient_count, lenient_number, lenient_time, ApiError};
use crate::client::usage::Usage;
use serde::Deserialize;
use std::borrow::Cow;

/// The `type` of an event, for servers that send no `event:` line.
#[derive(Debug, Deserialize)]
pub(crate) struct Tagged<'a> {
    #[serde(rename = "type", borrow, default, deserialize_with = "cow")]
    pub kind: Option<Cow<'a, str>>,
}

/// A piece of an output item's content, located by `output_index` (and
/// `item_id`): `response.output_text.delta` / `.done`,
/// `response.refusal.delta` / `.done`,
/// `response.function_call_arguments.delta` / `.done`.
#[derive(Debug, Deserialize)]
pub(crate) struct PartEvent<'a> {
    #[serde(default, deserialize_with = "lenient_number")]
    pub output_index: Option<u64>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub item_id: Option<Cow<'a, str>>,
    /// The fragment of a `.delta` event.
    #[serde(borrow, default, deserialize_with = "cow")]
    pub delta: Option<Cow<'a, str>>,
    /// The whole text of `response.output_text.done`.
    #[serde(borrow, default, deserialize_with = "cow")]
    pub text: Option<Cow<'a, str>>,
    /// The whole refusal of `response.refusal.done`.
    #[serde(borrow, default, deserialize_with = "cow")]
    pub refusal: Option<Cow<'a, str>>,
    /// The whole arguments of `response.function_call_arguments.done`.
    #[serde(borrow, default, deserialize_with = "cow")]
    pub arguments: Option<Cow<'a, str>>,
}

/// `response.output_item.added` / `.done`.
#[derive(Debug, Deserialize)]
pub(crate) struct ItemEvent<'a> {
    #[serde(default, deserialize_with = "lenient_number")]
    pub output_index: Option<u64>,
    #[serde(borrow, default)]
    pub item: Option<Item<'a>>,
}

/// An output item: a `message`, a `function_call`, a `reasoning` item, a
/// built-in tool's call (`web_search_call`, …).
#[derive(Debug, Deserialize)]
pub(crate) struct Item<'a> {
    #[serde(rename = "type", borrow, default, deserialize_with = "cow")]
    pub kind: Option<Cow<'a, str>>,
    /// The item's own id (`fc_…`, `msg_…`).
    #[serde(borrow, default, deserialize_with = "cow")]
    pub id: Option<Cow<'a, str>>,
    /// A function call's id, the one its output refers to (`call_…`).
    #[serde(borrow, default, deserialize_with = "cow")]
    pub call_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub arguments: Option<Cow<'a, str>>,
    /// A message's content parts (read from whole responses only).
    #[serde(borrow, default)]
    pub content: Option<Vec<ContentPart<'a>>>,
}

/// One content part of a `message` item: `output_text` or `refusal`.
#[derive(Debug, Deserialize)]
pub(crate) struct ContentPart<'a> {
    #[serde(rename = "type", borrow, default, deserialize_with = "cow")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub refusal: Option<Cow<'a, str>>,
}

/// `response.created`, `.queued`, `.in_progress`, `.completed`,
/// `.incomplete`, `.failed`: the `response` object as it stands.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseEvent<'a> {
    #[serde(borrow, default)]
    pub response: Option<Head<'a>>,
}

/// What is read of a `response` object, streamed or whole: everything but
/// its output.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Head<'a> {
    #[serde(borrow, default, deserialize_with = "cow")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<u64>,
    /// `completed`, `incomplete`, `failed`, `in_progress`, `queued`, …
    #[serde(borrow, default, deserialize_with = "cow")]
    pub status: Option<Cow<'a, str>>,
    #[serde(default)]
    pub error: Option<ApiError>,
    #[serde(borrow, default)]
    pub incomplete_details: Option<IncompleteDetails<'a>>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// `incomplete_details` of an incomplete response.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct IncompleteDetails<'a> {
    /// `max_output_tokens` or `content_filter`.
    #[serde(borrow, default, deserialize_with = "cow")]
    pub reason: Option<Cow<'a, str>>,
}

/// The `output` of a whole `response` object.
#[derive(Debug, Deserialize)]
pub(crate) struct Output<'a> {
    #[serde(borrow, default)]
    pub output: Vec<Item<'a>>,
}

/// An `error` event: documented with `code`, `message` and `param` at the
/// top; sent (see the recordings) with them in an `error` object.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorEvent {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<ApiError>,
}

impl ErrorEvent {
    /// The error object, wherever the event put it.
    pub fn into_api_error(self) -> ApiError {
        let mut error = self.error.unwrap_or_default();
        if error.message.is_none() {
            error.message = self.message;
        }
        if error.code.is_none() {
            error.code = self.code;
        }
        error
    }
}

/// `usage` as the Responses API reports it.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default, deserialize_with = "lenient_count")]
    pub input_tokens: u64,
    #[serde(default, deserialize_with = "lenient_count")]
    pub output_tokens: u64,
    #[serde(default, deserialize_with = "lenient_count")]
    pub total_tokens: u64,
    #[serde(default)]
    pub input_tokens_details: Option<InputDetails>,
    #[serde(default)]
    pub output_tokens_details: Option<OutputDetails>,
}

/// `usage.input_tokens_details`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct InputDetails {
    #[serde(default, deserialize_with = "lenient_count")]
    pub cached_tokens: u64,
}

/// `usage.output_tokens_details`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct OutputDetails {
    #[serde(default, deserialize_with = "lenient_count")]
    pub reasoning_tokens: u64,
}

impl From<WireUsage> for Usage {
    fn from(wire: WireUsage) -> Usage {
        Usage::new(wire.input_tokens, wire.output_tokens)
            .with_total_tokens(wire.total_tokens)
            .with_reasoning_tokens(wire.output_tokens_details.map_or(0, |d| d.reasoning_tokens))
            .with_cached_tokens(wire.input_tokens_details.map_or(0, |d| d.cached_tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_borrow_and_skip_unknown_fields() {
        let data = r#"{"content_index":0,"delta":"{\"a","item_id":"fc_1","logprobs":[],
            "obfuscation":"xyz","output_index":2,"sequence_number":9,"type":"response.function_call_arguments.delta"}"#;
        let event: PartEvent<'_> = serde_json::from_str(data).unwrap();
        assert_eq!(event.output_index, Some(2));
        assert!(matches!(event.item_id, Some(Cow::Borrowed("fc_1"))));
        assert_eq!(event.delta.as_deref(), Some("{\"a"));
        assert!(event.text.is_none() && event.arguments.is_none());
    }

    #[test]
    fn a_response_object_gives_its_head_only() {
        let data = r#"{"type":"response.incomplete","response":{"id":"resp_1","created_at":1.5,
            "model":"m","status":"incomplete","error":null,"incomplete_details":{"reason":"max_output_tokens"},
            "instructions":"long","tools":[{"type":"function","name":"f"}],"output":[{"type":"reasoning"}],
            "usage":{"input_tokens":20,"input_tokens_details":{"cached_tokens":4,"cache_write_tokens":0},
            "output_tokens":32,"output_tokens_details":{"reasoning_tokens":"32"},"total_tokens":52}}}"#;
        let head = serde_json::from_str::<ResponseEvent<'_>>(data)
            .unwrap()
            .response
            .unwrap();
        assert_eq!(
            (head.id.as_deref(), head.created_at, head.status.as_deref()),
            (Some("resp_1"), Some(1), Some("incomplete"))
        );
        let reason = head.incomplete_details.unwrap().reason;
        assert_eq!(reason.as_deref(), Some("max_output_tokens"));
        let usage = Usage::from(head.usage.unwrap());
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.total_tokens,
                usage.cached_tokens,
                usage.reasoning_tokens
            ),
            (20, 32, 52, 4, 0),
            "a count that is not a number reads as 0"
        );
    }

    #[test]
    fn error_events_in_both_shapes() {
        let documented = r#"{"type":"error","code":"server_error","message":"boom","param":null,"sequence_number":3}"#;
        let recorded = r#"{"type":"error","sequence_number":2,"error":{"type":"insufficient_quota",
            "code":"insufficient_quota","message":"quota","param":null}}"#;
        let table = [
            (documented, "boom", None, Some("server_error")),
            (
                recorded,
                "quota",
                Some("insufficient_quota"),
                Some("insufficient_quota"),
            ),
        ];
        for (data, message, kind, code) in table {
            let error = serde_json::from_str::<ErrorEvent>(data)
                .unwrap()
                .into_api_error();
            assert_eq!(error.message.as_deref(), Some(message), "{data}");
            assert_eq!(error.kind.as_deref(), kind, "{data}");
            assert_eq!(error.code_text().as_deref(), code, "{data}");
        }
    }
}
