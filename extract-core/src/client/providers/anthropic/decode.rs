//! Reading a Messages event stream into [`Delta`]s.
//!
//! The answer is a list of content blocks, each opened by a
//! `content_block_start` (with its type, and a tool call's id and name),
//! grown by `content_block_delta`s and closed by a `content_block_stop`,
//! each event naming its block by `index`. Blocks are matched to what they
//! are through a map, so a long answer stays linear:
//!
//! * `text` blocks are answer text (`text_delta`);
//! * `tool_use` blocks are calls of the request's tool, numbered 0, 1, … in
//!   the order they start, their input in `input_json_delta` fragments (an
//!   input of `""` alone means `{}`);
//! * every other block is skipped with its deltas: `thinking` and
//!   `redacted_thinking` (never part of the answer), `server_tool_use`
//!   (a tool the API runs itself, not ours) and the server tools' results.
//!
//! `message_delta` carries the stop reason (`max_tokens` → [`Stop::Length`],
//! `refusal` → [`Stop::Refusal`], anything else complete) and the usage so
//! far; `message_stop` ends the stream (there is no `[DONE]`). `ping`s come
//! between any two events. An `error` event (`overloaded_error`, …) fails
//! the stream with [`Error::Provider`], unless a stop reason came before it:
//! the answer is settled then.

use super::wire::{Event, Message as WholeMessage, WireUsage};
use crate::client::providers::{error_event, protocol_error, unreadable, Decode, Delta, Stop};
use crate::client::sse::SseEvent;
use crate::client::usage::Usage;
use crate::Error;
use std::collections::HashMap;

type Out<'o> = dyn FnMut(Delta<'_>) -> Result<(), Error> + 'o;

/// What a `stop_reason` means.
fn stop_of(reason: &str) -> Stop {
    match reason {
        "max_tokens" | "model_context_window_exceeded" => Stop::Length,
        "refusal" => Stop::Refusal,
        _ => Stop::Complete,
    }
}

/// What an open content block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Answer text.
    Text,
    /// Our tool's call at this position.
    Call(usize),
    /// Anything else: thinking, a server tool, a server tool's result.
    Skipped,
}

impl Block {
    /// The block a `content_block_start` of this `type` opens, numbering
    /// tool calls from `calls`.
    fn of(kind: &str, calls: &mut usize) -> Block {
        match kind {
            "text" => Block::Text,
            "tool_use" => {
                *calls += 1;
                Block::Call(*calls - 1)
            }
            _ => Block::Skipped,
        }
    }
}

/// The decoder of one Messages response.
#[derive(Debug, Default)]
pub(crate) struct AnthropicDecoder {
    /// The open blocks, by `index`.
    blocks: HashMap<u32, Block>,
    /// Tool calls started so far.
    calls: usize,
    /// Usage reported so far (`message_start`, then `message_delta`s).
    usage: WireUsage,
    /// A stop reason came: a later `error` event changes nothing.
    finished: bool,
}

impl AnthropicDecoder {
    /// Hands out what one parsed event says (`name` is the SSE event name,
    /// used when the data has no `type`).
    fn take(
        &mut self,
        name: &str,
        data: &str,
        event: Event<'_>,
        out: &mut Out<'_>,
    ) -> Result<(), Error> {
        let Event {
            kind,
            index,
            message,
            content_block,
            delta,
            usage,
        } = event;
        let index = index.unwrap_or(0);
        match kind.as_deref().unwrap_or(name) {
            "message_start" => {
                let Some(message) = message else {
                    return Ok(());
                };
                self.start(
                    message.id.as_deref(),
                    message.model.as_deref(),
                    message.usage,
                    out,
                )?;
            }
            "content_block_start" => {
                let Some(block) = content_block else {
                    return Err(protocol_error(format!(
                        "content_block_start of block {index} has no content_block"
                    )));
                };
                let opened = Block::of(block.kind.as_deref().unwrap_or(""), &mut self.calls);
                self.blocks.insert(index, opened);
                match opened {
                    Block::Text => out(Delta::Text(block.text.as_deref().unwrap_or("")))?,
                    Block::Call(call) => out(Delta::ToolStarted {
                        call,
                        id: block.id.as_deref(),
                        name: block.name.as_deref(),
                    })?,
                    Block::Skipped => {}
                }
            }
            "content_block_delta" => {
                let Some(&block) = self.blocks.get(&index) else {
                    return Err(protocol_error(format!(
                        "a content_block_delta for block {index}, which is not open"
                    )));
                };
                let Some(delta) = delta else {
                    return Ok(());
                };
                match (block, delta.kind.as_deref()) {
                    (Block::Text, Some("text_delta")) => {
                        out(Delta::Text(delta.text.as_deref().unwrap_or("")))?;
                    }
                    (Block::Call(call), Some("input_json_delta")) => {
                        let text = delta.partial_json.as_deref().unwrap_or("");
                        out(Delta::ToolArguments { call, text })?;
                    }
                    // Thinking, signatures, citations, a server tool's input.
                    _ => {}
                }
            }
            "content_block_stop" => {
                self.blocks.remove(&index);
            }
            "message_delta" => {
                if let Some(usage) = usage {
                    self.report(usage, out)?;
                }
                if let Some(reason) = delta.as_ref().and_then(|d| d.stop_reason.as_deref()) {
                    self.finished = true;
                    out(Delta::Finish {
                        reason,
                        stop: stop_of(reason),
                    })?;
                }
            }
            "message_stop" => out(Delta::Done)?,
            "error" if !self.finished => return Err(error_event(data)),
            // `ping`, an error after the stop reason, and event types added
            // after this was written.
            _ => {}
        }
        Ok(())
    }

    /// The message's id and model, and its first usage report.
    fn start(
        &mut self,
        id: Option<&str>,
        model: Option<&str>,
        usage: Option<WireUsage>,
        out: &mut Out<'_>,
    ) -> Result<(), Error> {
        out(Delta::Meta {
            id,
            model,
            created: None,
            fingerprint: None,
        })?;
        match usage {
            Some(usage) => self.report(usage, out),
            None => Ok(()),
        }
    }

    /// Merges a usage report into what came before and hands it out.
    fn report(&mut self, usage: WireUsage, out: &mut Out<'_>) -> Result<(), Error> {
        self.usage = self.usage.updated(usage);
        out(Delta::Usage(Usage::from(self.usage)))
    }
}

impl Decode for AnthropicDecoder {
    fn event(&mut self, event: SseEvent<'_>, out: &mut Out<'_>) -> Result<(), Error> {
        match event.event {
            "ping" => return Ok(()),
            "error" if self.finished => return Ok(()),
            "error" => return Err(error_event(event.data)),
            _ => {}
        }
        let data = event.data;
        let parsed: Event<'_> =
            serde_json::from_str(data).map_err(|e| unreadable("a Messages event", &e, data))?;
        self.take(event.event, data, parsed, out)
    }

    fn whole(&mut self, body: &[u8], out: &mut Out<'_>) -> Result<(), Error> {
        let text = String::from_utf8_lossy(body);
        let message: WholeMessage = serde_json::from_str(&text)
            .map_err(|e| protocol_error(format!("the JSON body is not a Messages message: {e}")))?;
        if message.kind.as_deref() == Some("error") {
            return Err(error_event(&text));
        }
        self.start(
            message.id.as_deref(),
            message.model.as_deref(),
            message.usage,
            out,
        )?;
        for block in &message.content {
            match Block::of(block.kind.as_deref().unwrap_or(""), &mut self.calls) {
                Block::Text => out(Delta::Text(block.text.as_deref().unwrap_or("")))?,
                Block::Call(call) => {
                    out(Delta::ToolStarted {
                        call,
                        id: block.id.as_deref(),
                        name: block.name.as_deref(),
                    })?;
                    if let Some(input) = &block.input {
                        let text = input.to_string();
                        out(Delta::ToolArguments { call, text: &text })?;
                    }
                }
                Block::Skipped => {}
            }
        }
        if let Some(reason) = message.stop_reason.as_deref() {
            out(Delta::Finish {
                reason,
                stop: stop_of(reason),
            })?;
        }
        out(Delta::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::assembler::{Assembler, Completion};

    /// Decodes `(event name, data)` pairs into a completion; the error of
    /// the first event that fails, if any.
    fn run(events: &[(&str, &str)]) -> (Completion, Option<Error>) {
        let mut decoder = AnthropicDecoder::default();
        let mut assembler = Assembler::default();
        let mut on_piece = |_: crate::client::assembler::Piece<'_>| Ok::<(), Error>(());
        for &(event, data) in events {
            let result = decoder.event(SseEvent { event, data }, &mut |delta| {
                assembler.apply(delta, &mut on_piece)
            });
            if let Err(error) = result {
                return (assembler.take(), Some(error));
            }
        }
        (assembler.take(), None)
    }

    const START: (&str, &str) = (
        "message_start",
        r#"{"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}"#,
    );

    fn block_start(index: u32, block: &str) -> String {
        format!(r#"{{"type":"content_block_start","index":{index},"content_block":{block}}}"#)
    }

    fn delta(index: u32, delta: &str) -> String {
        format!(r#"{{"type":"content_block_delta","index":{index},"delta":{delta}}}"#)
    }

    #[test]
    fn blocks_are_matched_by_index_and_only_our_tool_calls_count() {
        let events = [
            block_start(0, r#"{"type":"thinking","thinking":"","signature":""}"#),
            delta(0, r#"{"type":"thinking_delta","thinking":"secret plan"}"#),
            delta(0, r#"{"type":"signature_delta","signature":"c2ln"}"#),
            block_start(1, r#"{"type":"redacted_thinking","data":"EqkE"}"#),
            block_start(2, r#"{"type":"text","text":""}"#),
            delta(2, r#"{"type":"text_delta","text":"Let me look."}"#),
            block_start(
                3,
                r#"{"type":"server_tool_use","id":"srvtoolu_1","name":"web_fetch","input":{}}"#,
            ),
            delta(
                3,
                r#"{"type":"input_json_delta","partial_json":"{\"url\": \"x\"}"}"#,
            ),
            block_start(
                4,
                r#"{"type":"web_fetch_tool_result","tool_use_id":"srvtoolu_1","content":{"type":"x"}}"#,
            ),
            block_start(
                5,
                r#"{"type":"tool_use","id":"toolu_a","name":"User","input":{}}"#,
            ),
            delta(5, r#"{"type":"input_json_delta","partial_json":""}"#),
            delta(5, r#"{"type":"input_json_delta","partial_json":"{\"a\":"}"#),
            block_start(
                6,
                r#"{"type":"tool_use","id":"toolu_b","name":"User","input":{}}"#,
            ),
            delta(5, r#"{"type":"input_json_delta","partial_json":"1}"}"#),
            delta(6, r#"{"type":"input_json_delta","partial_json":""}"#),
        ];
        let mut all: Vec<(&str, &str)> = vec![START, ("ping", r#"{"type": "ping"}"#)];
        all.extend(events.iter().map(|e| ("", e.as_str())));
        all.push((
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}}"#,
        ));
        all.push(("message_stop", r#"{"type":"message_stop"   }"#));
        let (c, error) = run(&all);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(c.content, "Let me look.", "no thinking, no server tool");
        let calls: Vec<(&str, &str)> = c
            .tool_calls
            .iter()
            .map(|t| (t.id.as_str(), t.arguments.as_str()))
            .collect();
        assert_eq!(calls, [("toolu_a", "{\"a\":1}"), ("toolu_b", "")]);
        assert_eq!(c.id.as_deref(), Some("msg_1"));
        assert_eq!(c.finish_reason.as_deref(), Some("tool_use"));
        let usage = c.usage.unwrap();
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (5, 40));
    }

    #[test]
    fn stop_reasons() {
        for (reason, stop) in [
            ("end_turn", Stop::Complete),
            ("tool_use", Stop::Complete),
            ("stop_sequence", Stop::Complete),
            ("pause_turn", Stop::Complete),
            ("max_tokens", Stop::Length),
            ("model_context_window_exceeded", Stop::Length),
            ("refusal", Stop::Refusal),
        ] {
            assert_eq!(stop_of(reason), stop, "{reason}");
        }
    }

    #[test]
    fn error_events_fail_the_stream_unless_it_was_settled() {
        let overloaded =
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let (_, error) = run(&[START, ("error", overloaded)]);
        let Some(Error::Provider { kind, message, .. }) = error else {
            panic!("{error:?}")
        };
        assert_eq!(
            (kind.as_deref(), message.as_str()),
            (Some("overloaded_error"), "Overloaded")
        );
        let (_, unnamed) = run(&[START, ("", overloaded)]);
        assert!(
            matches!(unnamed, Some(Error::Provider { .. })),
            "{unnamed:?}"
        );
        let finished = (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"max_tokens"}}"#,
        );
        let (c, late) = run(&[START, finished, ("error", overloaded)]);
        assert!(late.is_none(), "{late:?}");
        assert_eq!(c.finish_reason.as_deref(), Some("max_tokens"));
    }

    #[test]
    fn a_delta_for_a_block_that_is_not_open_is_a_protocol_error() {
        let stray = delta(3, r#"{"type":"text_delta","text":"x"}"#);
        let (_, error) = run(&[START, ("content_block_delta", &stray)]);
        let error = error.expect("an error");
        assert!(matches!(error, Error::Protocol { .. }), "{error}");
        assert!(error.to_string().contains("block 3"), "{error}");
        let (_, bad) = run(&[("message_start", "{\"type\":")]);
        assert!(matches!(bad, Some(Error::Protocol { .. })), "{bad:?}");
    }

    #[test]
    fn a_whole_message() {
        let body = br#"{"id":"msg_2","type":"message","role":"assistant","model":"claude",
            "content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Here."},
            {"type":"tool_use","id":"toolu_1","name":"User","input":{"name":"Ada"}}],
            "stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":4}}"#;
        let mut decoder = AnthropicDecoder::default();
        let mut assembler = Assembler::default();
        let mut on_piece = |_: crate::client::assembler::Piece<'_>| Ok::<(), Error>(());
        decoder
            .whole(body, &mut |delta| assembler.apply(delta, &mut on_piece))
            .unwrap();
        let c = assembler.take();
        assert_eq!(c.content, "Here.");
        assert_eq!(c.tool_calls[0].arguments, r#"{"name":"Ada"}"#);
        assert_eq!(c.usage.unwrap().total_tokens, 7);
        let error = br#"{"type":"error","error":{"type":"api_error","message":"boom"}}"#;
        let err = AnthropicDecoder::default()
            .whole(error, &mut |_| Ok(()))
            .unwrap_err();
        assert!(matches!(err, Error::Provider { .. }), "{err}");
    }
}
