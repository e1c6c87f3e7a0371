//! Assembling streamed deltas into one [`Completion`].
//!
//! Only choice 0 is assembled: with `n > 1` the other choices are skipped.
//! Tool-call fragments are matched by their `index` (by `id`, then "the last
//! call", for servers that omit it). An `id` or `function.name` sent again in
//! a later fragment of the same call replaces nothing and is never appended,
//! so a repeated `"name":"f"` stays `f`, not `ff`. Usage is taken from
//! whichever chunk carries it (a `choices: []` chunk or one with choices).

use std::collections::HashMap;

use super::wire::{Chunk, Completion as WholeCompletion, Usage};
use crate::work::{self, Layer};
use serde::Serialize;

/// The assembled response of one request, as the server sent it: the raw
/// material behind an extracted value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Completion {
    /// The completion id (`chatcmpl-…`), when sent.
    pub id: Option<String>,
    /// The model that answered, when sent.
    pub model: Option<String>,
    /// Unix time of creation, when sent.
    pub created: Option<u64>,
    /// The backend fingerprint, when sent.
    pub system_fingerprint: Option<String>,
    /// All `content` of choice 0.
    pub content: String,
    /// All `refusal` text of choice 0.
    pub refusal: String,
    /// The tool calls of choice 0, in the order they started.
    pub tool_calls: Vec<ToolCall>,
    /// `finish_reason` of choice 0, when sent.
    pub finish_reason: Option<String>,
    /// Token usage of this request, when sent.
    pub usage: Option<Usage>,
}

/// One tool call of a [`Completion`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ToolCall {
    /// The call id (may be empty on servers that send none).
    pub id: String,
    /// The function name.
    pub name: String,
    /// The arguments, as the JSON text the model wrote.
    pub arguments: String,
}

/// A piece of text that a chunk added to choice 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// `delta.content`.
    Content(&'a str),
    /// `delta.refusal`.
    Refusal(&'a str),
    /// A new tool call started; `call` is its position in
    /// [`Completion::tool_calls`].
    ToolStarted { call: usize },
    /// `function.arguments` of the tool call at position `call`.
    ToolArguments { call: usize, text: &'a str },
}

/// Builds a [`Completion`] from chunks, reporting each new piece of text.
#[derive(Debug, Default)]
pub(crate) struct Assembler {
    completion: Completion,
    /// Where in `completion.tool_calls` the call of each server `index` is:
    /// a lookup per fragment, so a stream of many calls stays linear.
    by_index: HashMap<u32, usize>,
}

impl Assembler {
    /// The completion assembled so far.
    pub fn completion(&self) -> &Completion {
        &self.completion
    }

    /// Takes the completion out, leaving an empty one.
    pub fn take(&mut self) -> Completion {
        self.by_index.clear();
        std::mem::take(&mut self.completion)
    }

    /// Applies one chunk (its `error` is the caller's business).
    pub fn apply<E>(
        &mut self,
        chunk: Chunk<'_>,
        mut on_piece: impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let c = &mut self.completion;
        set_once(&mut c.id, chunk.id.as_deref());
        set_once(&mut c.model, chunk.model.as_deref());
        set_once(
            &mut c.system_fingerprint,
            chunk.system_fingerprint.as_deref(),
        );
        if c.created.is_none() {
            c.created = chunk.created;
        }
        if let Some(usage) = chunk.usage {
            c.usage = Some(usage);
        }
        for choice in chunk.choices.into_iter().flatten() {
            if choice.index.unwrap_or(0) != 0 {
                continue;
            }
            if let Some(delta) = choice.delta {
                if let Some(text) = delta.content.as_deref().filter(|t| !t.is_empty()) {
                    self.completion.content.push_str(text);
                    work::add(Layer::Assembled, text.len());
                    on_piece(Piece::Content(text))?;
                }
                if let Some(text) = delta.refusal.as_deref().filter(|t| !t.is_empty()) {
                    self.completion.refusal.push_str(text);
                    work::add(Layer::Assembled, text.len());
                    on_piece(Piece::Refusal(text))?;
                }
                for call in delta.tool_calls.into_iter().flatten() {
                    let (name, arguments) = match &call.function {
                        Some(f) => (f.name.as_deref(), f.arguments.as_deref()),
                        None => (None, None),
                    };
                    self.tool_fragment(
                        call.index,
                        call.id.as_deref(),
                        name,
                        arguments,
                        &mut on_piece,
                    )?;
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.completion.finish_reason = Some(reason.into_owned());
            }
        }
        Ok(())
    }

    /// Applies a whole (non-streamed) completion as if it had been one chunk.
    pub fn apply_whole<E>(
        &mut self,
        whole: WholeCompletion,
        mut on_piece: impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let c = &mut self.completion;
        c.id = whole.id;
        c.model = whole.model;
        c.created = whole.created;
        c.system_fingerprint = whole.system_fingerprint;
        c.usage = whole.usage;
        let Some(choice) = whole
            .choices
            .into_iter()
            .find(|c| c.index.unwrap_or(0) == 0)
        else {
            return Ok(());
        };
        c.finish_reason = choice.finish_reason;
        let Some(message) = choice.message else {
            return Ok(());
        };
        if let Some(text) = message.content.filter(|t| !t.is_empty()) {
            self.completion.content.push_str(&text);
            on_piece(Piece::Content(&text))?;
        }
        if let Some(text) = message.refusal.filter(|t| !t.is_empty()) {
            self.completion.refusal.push_str(&text);
            on_piece(Piece::Refusal(&text))?;
        }
        for (position, call) in message.tool_calls.into_iter().flatten().enumerate() {
            let index = u32::try_from(position).ok();
            let (name, arguments) = match &call.function {
                Some(f) => (f.name.as_deref(), f.arguments.as_deref()),
                None => (None, None),
            };
            self.tool_fragment(index, call.id.as_deref(), name, arguments, &mut on_piece)?;
        }
        Ok(())
    }

    fn tool_fragment<E>(
        &mut self,
        index: Option<u32>,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
        on_piece: &mut impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let id = id.filter(|s| !s.is_empty());
        let existing = match index {
            Some(index) => self.by_index.get(&index).copied(),
            None => match (self.completion.tool_calls.last(), id) {
                (None, _) => None,
                (Some(last), Some(id)) if !last.id.is_empty() && last.id != id => None,
                (Some(_), _) => Some(self.completion.tool_calls.len() - 1),
            },
        };
        let call = match existing {
            Some(call) => call,
            None => {
                self.completion.tool_calls.push(ToolCall::default());
                let call = self.completion.tool_calls.len() - 1;
                if let Some(index) = index {
                    self.by_index.insert(index, call);
                }
                on_piece(Piece::ToolStarted { call })?;
                call
            }
        };
        let entry = &mut self.completion.tool_calls[call];
        if let Some(id) = id {
            if entry.id.is_empty() {
                id.clone_into(&mut entry.id);
            }
        }
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            merge_name(&mut entry.name, name);
        }
        if let Some(text) = arguments.filter(|t| !t.is_empty()) {
            entry.arguments.push_str(text);
            work::add(Layer::Assembled, text.len());
            on_piece(Piece::ToolArguments { call, text })?;
        }
        Ok(())
    }
}

fn set_once(slot: &mut Option<String>, value: Option<&str>) {
    if slot.is_none() {
        *slot = value.filter(|v| !v.is_empty()).map(str::to_owned);
    }
}

/// A name sent again (whole, or as the full name so far) replaces nothing;
/// only a genuinely new piece is appended.
fn merge_name(name: &mut String, piece: &str) {
    if name.is_empty() || piece.starts_with(name.as_str()) {
        piece.clone_into(name);
    } else if !name.ends_with(piece) {
        name.push_str(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&str]) -> (Completion, Vec<String>) {
        let mut assembler = Assembler::default();
        let mut pieces = Vec::new();
        for data in chunks {
            let chunk: Chunk<'_> = serde_json::from_str(data).unwrap();
            assembler
                .apply(chunk, |p| {
                    pieces.push(format!("{p:?}"));
                    Ok::<(), ()>(())
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
    fn names_are_never_doubled() {
        let mut name = String::new();
        for piece in ["llm_version", "llm_version"] {
            merge_name(&mut name, piece);
        }
        assert_eq!(name, "llm_version");
        let mut split = String::new();
        for piece in ["get_", "weather", "get_weather"] {
            merge_name(&mut split, piece);
        }
        assert_eq!(split, "get_weather");
    }
}
