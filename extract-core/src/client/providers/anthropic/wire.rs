//! The Messages wire format: what the API streams back.
//!
//! Every event is read into one flat [`Event`] (the fields of all event
//! types side by side, each optional), so an event costs one serde pass
//! whatever its type, with no intermediate `Value`. Only the fields the
//! runtime reads are declared: `thinking`, `signature`, `citation`,
//! `caller`, a server tool's result and the rest are skipped by serde.
//! Strings borrow from the event data when they hold no escapes; token
//! counts of an odd type count as not reported instead of failing the
//! stream.

use crate::client::providers::wire::{cow, lenient_number};
use crate::client::usage::Usage;
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

/// One event of a Messages stream (`message_start`, `content_block_start`,
/// `content_block_delta`, `content_block_stop`, `message_delta`,
/// `message_stop`, `ping`, `error`).
#[derive(Debug, Deserialize)]
pub(crate) struct Event<'a> {
    /// The event type (the same as the SSE event name).
    #[serde(borrow, rename = "type", default, deserialize_with = "cow")]
    pub kind: Option<Cow<'a, str>>,
    /// The content block an event is about.
    #[serde(default)]
    pub index: Option<u32>,
    /// `message_start`: the message, with no content yet.
    #[serde(borrow, default)]
    pub message: Option<MessageStart<'a>>,
    /// `content_block_start`: the block, with its type.
    #[serde(borrow, default)]
    pub content_block: Option<Block<'a>>,
    /// `content_block_delta` (a fragment) or `message_delta` (the stop
    /// reason).
    #[serde(borrow, default)]
    pub delta: Option<EventDelta<'a>>,
    /// `message_delta`: the usage so far (output tokens are cumulative).
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// `message_start.message`.
#[derive(Debug, Deserialize)]
pub(crate) struct MessageStart<'a> {
    #[serde(borrow, default, deserialize_with = "cow")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// `content_block_start.content_block`: its type (`text`, `tool_use`,
/// `thinking`, `redacted_thinking`, `server_tool_use`, `*_tool_result`, …)
/// and, for a tool call, its id and name.
#[derive(Debug, Deserialize)]
pub(crate) struct Block<'a> {
    #[serde(borrow, rename = "type", default, deserialize_with = "cow")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub text: Option<Cow<'a, str>>,
}

/// The `delta` of a `content_block_delta` (`text_delta` with `text`,
/// `input_json_delta` with `partial_json`, `thinking_delta`,
/// `signature_delta`, `citations_delta`) or of a `message_delta` (with
/// `stop_reason`).
#[derive(Debug, Deserialize)]
pub(crate) struct EventDelta<'a> {
    #[serde(borrow, rename = "type", default, deserialize_with = "cow")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub partial_json: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "cow")]
    pub stop_reason: Option<Cow<'a, str>>,
}

/// A whole (non-streamed) message, for a request sent with `stream: false`.
#[derive(Debug, Deserialize)]
pub(crate) struct Message {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub content: Vec<WholeBlock>,
    #[serde(default)]
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// One block of a whole message's `content`.
#[derive(Debug, Deserialize)]
pub(crate) struct WholeBlock {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// A tool call's input: a JSON object (sent on as its JSON text).
    #[serde(default)]
    pub input: Option<Value>,
}

/// `usage` as the Messages API reports it: in `message_start` (the input,
/// and the first output tokens) and in `message_delta` (the output so far;
/// newer servers repeat the input). A field not sent is `None`, so a later
/// report only replaces what it carries.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default, deserialize_with = "lenient_number")]
    pub input_tokens: Option<u64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub output_tokens: Option<u64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub cache_creation_input_tokens: Option<u64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    pub output_tokens_details: Option<OutputDetails>,
}

/// `usage.output_tokens_details`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct OutputDetails {
    #[serde(default, deserialize_with = "lenient_number")]
    pub thinking_tokens: Option<u64>,
}

impl WireUsage {
    /// This report with the fields of `later` that it carries.
    #[must_use]
    pub fn updated(self, later: WireUsage) -> WireUsage {
        let thinking = |u: WireUsage| u.output_tokens_details.and_then(|d| d.thinking_tokens);
        WireUsage {
            input_tokens: later.input_tokens.or(self.input_tokens),
            output_tokens: later.output_tokens.or(self.output_tokens),
            cache_creation_input_tokens: later
                .cache_creation_input_tokens
                .or(self.cache_creation_input_tokens),
            cache_read_input_tokens: later
                .cache_read_input_tokens
                .or(self.cache_read_input_tokens),
            output_tokens_details: Some(OutputDetails {
                thinking_tokens: thinking(later).or(thinking(self)),
            }),
        }
    }
}

impl From<WireUsage> for Usage {
    /// The prompt is every input token, cached or not (`input_tokens`
    /// counts only those after the last cache breakpoint); thinking tokens
    /// are part of the output.
    fn from(wire: WireUsage) -> Usage {
        let read = wire.cache_read_input_tokens.unwrap_or(0);
        let prompt = wire
            .input_tokens
            .unwrap_or(0)
            .saturating_add(wire.cache_creation_input_tokens.unwrap_or(0))
            .saturating_add(read);
        let thinking = wire
            .output_tokens_details
            .and_then(|d| d.thinking_tokens)
            .unwrap_or(0);
        Usage::new(prompt, wire.output_tokens.unwrap_or(0))
            .with_reasoning_tokens(thinking)
            .with_cached_tokens(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_events_borrow_and_skip_what_is_not_read() {
        let data = r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"x\": 1"}               }"#;
        let event: Event<'_> = serde_json::from_str(data).unwrap();
        assert_eq!(event.kind.as_deref(), Some("content_block_delta"));
        assert_eq!(event.index, Some(1));
        let delta = event.delta.unwrap();
        assert_eq!(delta.partial_json.as_deref(), Some("{\"x\": 1"));
        let data = r#"{"content_block":{"caller":{"type":"direct"},"id":"toolu_1","input":{},"name":"add","type":"tool_use"},"index":2,"type":"content_block_start"}"#;
        let event: Event<'_> = serde_json::from_str(data).unwrap();
        let block = event.content_block.unwrap();
        assert!(matches!(block.name, Some(Cow::Borrowed("add"))));
        assert_eq!(block.kind.as_deref(), Some("tool_use"));
    }

    #[test]
    fn usage_counts_every_input_token_and_later_reports_replace() {
        let start: WireUsage = serde_json::from_str(
            r#"{"input_tokens":10,"cache_creation_input_tokens":5,"cache_read_input_tokens":100,"output_tokens":1,"service_tier":"standard"}"#,
        )
        .unwrap();
        let delta: WireUsage = serde_json::from_str(
            r#"{"output_tokens":92,"output_tokens_details":{"thinking_tokens":53}}"#,
        )
        .unwrap();
        let usage = Usage::from(start.updated(delta));
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.total_tokens
            ),
            (115, 92, 207)
        );
        assert_eq!((usage.cached_tokens, usage.reasoning_tokens), (100, 53));
        let odd: WireUsage =
            serde_json::from_str(r#"{"input_tokens":"7","output_tokens":2.0}"#).unwrap();
        assert_eq!((odd.input_tokens, odd.output_tokens), (None, Some(2)));
    }
}
