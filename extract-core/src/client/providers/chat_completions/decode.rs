//! Reading a chat-completions event stream into [`Delta`]s.
//!
//! Each event is a `chat.completion.chunk` (or `data: [DONE]`, or an
//! `event: error`). Only choice 0 is read: with `n > 1` the other choices
//! are skipped. Tool-call fragments are matched to their call by `index`
//! (by `id`, then "the last call", for servers that omit it), through a map,
//! so a stream of many calls stays linear. Usage is taken from whichever
//! chunk carries it (a `choices: []` chunk or one with choices). An `error`
//! object in a chunk fails the stream, unless a finish reason came before
//! it: the answer is settled then (OpenRouter sends `length` and then an
//! error).
//!
//! Quirks of real servers, read as they mean:
//! * `delta.content` as an array of typed parts (Mistral's Magistral
//!   models: `thinking` parts, then `text` parts): the `text` parts are the
//!   answer, the reasoning is skipped;
//! * `"arguments": "null"` for a tool without parameters (Groq): no
//!   arguments (read as `{}`);
//! * `finish_reason: "tool_calls"` with `native_finish_reason:
//!   "max_output_tokens"` (OpenRouter, arguments cut at the token limit):
//!   a cut answer, [`Stop::Length`].

use super::template::{Shape, Template};
use super::wire::{Chunk, Completion as WholeCompletion};
use crate::client::providers::{error_event, unreadable, Decode, Delta, Stop};
use crate::client::sse::SseEvent;
use crate::client::usage::Usage;
use crate::Error;
use std::collections::HashMap;

/// What a `finish_reason` means, or the upstream model's own reason when
/// a router sends it (OpenRouter says `tool_calls` for arguments cut at
/// the token limit, and `max_output_tokens` in `native_finish_reason`).
fn stop_of(reason: &str, native: Option<&str>) -> Stop {
    let cut = |r: &str| {
        matches!(
            r.to_ascii_lowercase().as_str(),
            "length" | "max_tokens" | "max_output_tokens"
        )
    };
    if reason == "content_filter" {
        Stop::ContentFilter
    } else if cut(reason) || native.is_some_and(cut) {
        Stop::Length
    } else {
        Stop::Complete
    }
}

/// What the decoder remembers of a tool call.
#[derive(Debug, Default)]
struct Call {
    /// Its id (for servers that send no `index`).
    id: Option<String>,
    /// Some of its arguments were handed out.
    has_arguments: bool,
}

/// The arguments of a call without parameters, as Groq sends them: read as
/// none (which the adapter reads as `{}`).
fn no_arguments(text: &str) -> bool {
    text.trim() == "null"
}

/// The decoder of one chat-completions response.
#[derive(Debug, Default)]
pub(crate) struct ChatDecoder {
    /// Where the call of each server `index` is among the calls so far.
    by_index: HashMap<u32, usize>,
    /// Each call so far, in order.
    calls: Vec<Call>,
    /// A finish reason came: a later `error` object changes nothing.
    finished: bool,
    /// The last chunk decoded in full, to read the next one by what
    /// changed (see [`Template`]).
    template: Template,
}

type Out<'o> = dyn FnMut(Delta<'_>) -> Result<(), Error> + 'o;

impl ChatDecoder {
    /// Hands out one chunk's deltas.
    fn chunk(&mut self, chunk: Chunk<'_>, out: &mut Out<'_>) -> Result<(), Error> {
        out(Delta::Meta {
            id: chunk.id.as_deref(),
            model: chunk.model.as_deref(),
            created: chunk.created,
            fingerprint: chunk.system_fingerprint.as_deref(),
        })?;
        if let Some(usage) = chunk.usage {
            out(Delta::Usage(Usage::from(usage)))?;
        }
        for choice in chunk.choices.into_iter().flatten() {
            if choice.index.unwrap_or(0) != 0 {
                continue;
            }
            if let Some(delta) = choice.delta {
                for text in delta.content.iter().flat_map(|c| &c.texts) {
                    out(Delta::Text(text))?;
                }
                if let Some(text) = delta.refusal.as_deref() {
                    out(Delta::Refusal(text))?;
                }
                for call in delta.tool_calls.into_iter().flatten() {
                    let (name, arguments) = match &call.function {
                        Some(f) => (f.name.as_deref(), f.arguments.as_deref()),
                        None => (None, None),
                    };
                    self.tool_fragment(call.index, call.id.as_deref(), name, arguments, out)?;
                }
            }
            if let Some(reason) = choice.finish_reason.as_deref() {
                self.finished = true;
                out(Delta::Finish {
                    reason,
                    stop: stop_of(reason, choice.native_finish_reason.as_deref()),
                })?;
            }
        }
        Ok(())
    }

    /// A decoder that reads every chunk in full.
    #[cfg(test)]
    pub(super) fn without_template() -> Self {
        let mut decoder = Self::default();
        decoder.template.disabled = true;
        decoder
    }

    /// The template it reads chunks by.
    #[cfg(test)]
    pub(super) fn template(&self) -> &Template {
        &self.template
    }

    /// Hands out the deltas of a chunk read by the template: those of the
    /// kept chunk, with `text`.
    fn templated(&mut self, shape: Shape, text: &str, out: &mut Out<'_>) -> Result<(), Error> {
        let (id, model, created, fingerprint) = self.template.meta();
        out(Delta::Meta {
            id,
            model,
            created,
            fingerprint,
        })?;
        match shape {
            Shape::Text => out(Delta::Text(text)),
            Shape::Arguments { index } => {
                self.tool_fragment(Some(index), None, None, Some(text), out)
            }
        }
    }

    /// One fragment of a tool call: finds (or starts) its call.
    fn tool_fragment(
        &mut self,
        index: Option<u32>,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
        out: &mut Out<'_>,
    ) -> Result<(), Error> {
        let id = id.filter(|s| !s.is_empty());
        let existing = match index {
            Some(index) => self.by_index.get(&index).copied(),
            None => match (self.calls.last(), id) {
                (None, _) => None,
                (Some(Call { id: Some(last), .. }), Some(id)) if last != id => None,
                (Some(_), _) => Some(self.calls.len() - 1),
            },
        };
        let call = match existing {
            Some(call) => {
                out(Delta::ToolIdentity { call, id, name })?;
                if let (Some(entry @ Call { id: None, .. }), Some(id)) =
                    (self.calls.get_mut(call), id)
                {
                    entry.id = Some(id.to_owned());
                }
                call
            }
            None => {
                let call = self.calls.len();
                self.calls.push(Call {
                    id: id.map(str::to_owned),
                    has_arguments: false,
                });
                if let Some(index) = index {
                    self.by_index.insert(index, call);
                }
                out(Delta::ToolStarted { call, id, name })?;
                call
            }
        };
        let Some(text) = arguments.filter(|t| !t.is_empty()) else {
            return Ok(());
        };
        let entry = &mut self.calls[call];
        if !entry.has_arguments && no_arguments(text) {
            return Ok(());
        }
        entry.has_arguments = true;
        out(Delta::ToolArguments { call, text })
    }
}

impl Decode for ChatDecoder {
    fn event(&mut self, event: SseEvent<'_>, out: &mut Out<'_>) -> Result<(), Error> {
        let data = event.data.trim();
        if data == "[DONE]" {
            return out(Delta::Done);
        }
        if event.event == "error" {
            return Err(error_event(data));
        }
        if let Some((shape, text)) = self.template.apply(data) {
            return self.templated(shape, &text, out);
        }
        let chunk: Chunk<'_> = serde_json::from_str(data)
            .map_err(|e| unreadable("a chat.completion.chunk", &e, data))?;
        self.template.learn(data, &chunk);
        let error = chunk.error.clone();
        let finished_before = self.finished;
        self.chunk(chunk, out)?;
        match error {
            // After a finish reason the answer is settled; the finish
            // reason says more.
            Some(error) if !finished_before => Err(error.into_error()),
            _ => Ok(()),
        }
    }

    fn whole(&mut self, body: &[u8], out: &mut Out<'_>) -> Result<(), Error> {
        let whole: WholeCompletion = serde_json::from_slice(body).map_err(|e| {
            crate::client::providers::protocol_error(format!(
                "the JSON body is not a chat.completion: {e}"
            ))
        })?;
        if let Some(error) = whole.error.clone() {
            return Err(error.into_error());
        }
        out(Delta::Meta {
            id: whole.id.as_deref(),
            model: whole.model.as_deref(),
            created: whole.created,
            fingerprint: whole.system_fingerprint.as_deref(),
        })?;
        if let Some(usage) = whole.usage {
            out(Delta::Usage(Usage::from(usage)))?;
        }
        let Some(choice) = whole
            .choices
            .into_iter()
            .find(|c| c.index.unwrap_or(0) == 0)
        else {
            return out(Delta::Done);
        };
        if let Some(message) = choice.message {
            if let Some(text) = message.content.as_deref() {
                out(Delta::Text(text))?;
            }
            if let Some(text) = message.refusal.as_deref() {
                out(Delta::Refusal(text))?;
            }
            for (call, tool) in message.tool_calls.into_iter().flatten().enumerate() {
                let (name, arguments) = match &tool.function {
                    Some(f) => (f.name.as_deref(), f.arguments.as_deref()),
                    None => (None, None),
                };
                out(Delta::ToolStarted {
                    call,
                    id: tool.id.as_deref(),
                    name,
                })?;
                if let Some(text) = arguments.filter(|t| !no_arguments(t)) {
                    out(Delta::ToolArguments { call, text })?;
                }
            }
        }
        if let Some(reason) = choice.finish_reason.as_deref() {
            out(Delta::Finish {
                reason,
                stop: stop_of(reason, None),
            })?;
        }
        out(Delta::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::assembler::{Assembler, Completion};

    fn run(chunks: &[&str]) -> (Completion, Vec<String>) {
        let mut decoder = ChatDecoder::default();
        let mut assembler = Assembler::default();
        let mut pieces = Vec::new();
        for data in chunks {
            let mut on_piece = |p: crate::client::assembler::Piece<'_>| {
                pieces.push(format!("{p:?}"));
                Ok::<(), Error>(())
            };
            decoder
                .event(SseEvent { event: "", data }, &mut |delta| {
                    assembler.apply(delta, &mut on_piece)
                })
                .unwrap();
        }
        (assembler.take(), pieces)
    }

    #[test]
    fn tool_calls_by_index_with_repeated_names() {
        let (c, pieces) = run(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"x\":"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"function":{"arguments":"1}"}}]},"finish_reason":"tool_calls"}]}"#,
        ]);
        assert_eq!(c.tool_calls.len(), 2);
        assert_eq!(
            (
                c.tool_calls[0].name.as_str(),
                c.tool_calls[0].arguments.as_str()
            ),
            ("f", "{}")
        );
        assert_eq!(
            (c.tool_calls[1].id.as_str(), c.tool_calls[1].name.as_str()),
            ("b", "g")
        );
        assert_eq!(c.tool_calls[1].arguments, "{\"x\":1}");
        assert_eq!(c.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(pieces[0], "ToolStarted { call: 0 }");
        assert_eq!(pieces.len(), 5);
    }

    /// Fragments of many calls, interleaved and with sparse, unordered
    /// indices, each reach their own call (a lookup per fragment, not a
    /// search through every call so far).
    #[test]
    fn many_interleaved_calls_by_index() {
        let indices: Vec<u32> = (0..2_000).map(|k| (k * 7_919) % 1_000_003).collect();
        let fragment = |index: u32, arguments: &str| {
            format!(
                r#"{{"choices":[{{"delta":{{"tool_calls":[{{"index":{index},"function":{{"arguments":"{arguments}"}}}}]}}}}]}}"#
            )
        };
        let mut chunks: Vec<String> = indices.iter().map(|&i| fragment(i, "[")).collect();
        chunks.extend(indices.iter().rev().map(|&i| fragment(i, &i.to_string())));
        chunks.extend(indices.iter().map(|&i| fragment(i, "]")));
        let chunks: Vec<&str> = chunks.iter().map(String::as_str).collect();
        let (c, pieces) = run(&chunks);
        assert_eq!(c.tool_calls.len(), indices.len());
        for (call, index) in c.tool_calls.iter().zip(&indices) {
            assert_eq!(call.arguments, format!("[{index}]"));
        }
        let started = pieces
            .iter()
            .filter(|p| p.starts_with("ToolStarted"))
            .count();
        assert_eq!(started, indices.len());
    }

    #[test]
    fn missing_index_uses_id_then_last_call() {
        let (c, _) = run(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"}"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"[]"}}]}}]}"#,
        ]);
        let args: Vec<&str> = c.tool_calls.iter().map(|t| t.arguments.as_str()).collect();
        assert_eq!(args, ["{}", "[]"]);
    }

    #[test]
    fn only_choice_zero_and_usage_anywhere() {
        let (c, _) = run(&[
            r#"{"id":"x","choices":[{"index":1,"delta":{"content":"no"}},{"index":0,"delta":{"content":"ye"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"s","refusal":null}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":4}}"#,
        ]);
        assert_eq!(c.content, "yes");
        assert_eq!(c.id.as_deref(), Some("x"));
        assert_eq!(c.usage.unwrap().total_tokens, 4);
    }

    #[test]
    fn an_error_after_the_finish_reason_changes_nothing() {
        let mut decoder = ChatDecoder::default();
        let mut sink = |_: Delta<'_>| Ok(());
        let finish = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#;
        let error = r#"{"choices":[],"error":{"message":"Token limit reached","code":400}}"#;
        decoder
            .event(
                SseEvent {
                    event: "",
                    data: finish,
                },
                &mut sink,
            )
            .unwrap();
        decoder
            .event(
                SseEvent {
                    event: "",
                    data: error,
                },
                &mut sink,
            )
            .unwrap();
        let mut fresh = ChatDecoder::default();
        let err = fresh
            .event(
                SseEvent {
                    event: "",
                    data: error,
                },
                &mut sink,
            )
            .unwrap_err();
        assert!(matches!(err, Error::Provider { .. }), "{err}");
    }

    /// Mistral's reasoning models stream `content` as typed parts: the
    /// `thinking` parts never reach the answer, the `text` parts are it.
    #[test]
    fn content_as_typed_parts_keeps_the_text() {
        let (c, _) = run(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"Let me see"}]}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":", a greeting"}]},{"type":"text","text":"{\"a\":"}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"1}"}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"\n"},"finish_reason":"stop"}]}"#,
        ]);
        assert_eq!(c.content, "{\"a\":1}\n");
        assert!(!c.content.contains("greeting"));
    }

    /// Groq sends `"arguments": "null"` for a tool without parameters.
    #[test]
    fn null_arguments_are_no_arguments() {
        let (c, pieces) = run(&[
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"null"}}]},"finish_reason":"tool_calls"}]}"#,
        ]);
        assert_eq!(c.tool_calls[0].arguments, "");
        assert_eq!(pieces, ["ToolStarted { call: 0 }"]);
        // Later text is arguments as usual, and "null" after some is kept.
        let (c, _) = run(&[
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"[1,"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"null"}}]}}]}"#,
        ]);
        assert_eq!(c.tool_calls[0].arguments, "[1,null");
    }

    /// OpenRouter says `tool_calls` for arguments cut at the token limit;
    /// its `native_finish_reason` says so.
    #[test]
    fn a_native_finish_reason_at_the_limit_is_a_cut() {
        let native = |native: &str| {
            let mut decoder = ChatDecoder::default();
            let data = format!(
                r#"{{"choices":[{{"index":0,"delta":{{}},"finish_reason":"tool_calls","native_finish_reason":"{native}"}}]}}"#
            );
            let mut stop = None;
            decoder
                .event(
                    SseEvent {
                        event: "",
                        data: &data,
                    },
                    &mut |delta| {
                        if let Delta::Finish { stop: s, .. } = delta {
                            stop = Some(s);
                        }
                        Ok(())
                    },
                )
                .unwrap();
            stop.unwrap()
        };
        assert_eq!(native("max_output_tokens"), Stop::Length);
        assert_eq!(native("MAX_TOKENS"), Stop::Length);
        assert_eq!(native("tool_calls"), Stop::Complete);
        assert_eq!(stop_of("length", None), Stop::Length);
        assert_eq!(stop_of("content_filter", Some("stop")), Stop::ContentFilter);
    }
}
