//! Assembling a provider's [`Delta`]s into one [`Completion`], the same for
//! every provider.
//!
//! An `id` or a name sent again for the same tool call replaces nothing and
//! is never appended, so a repeated `"name":"f"` stays `f`, not `ff`. A
//! later usage report replaces an earlier one.

use super::providers::{Delta, Stop};
use super::usage::Usage;
use crate::work::{self, Layer};
use serde::Serialize;

/// The assembled response of one request, as the server sent it: the raw
/// material behind an extracted value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Completion {
    /// The response id (`chatcmpl-…`, `resp_…`, `msg_…`), when sent.
    pub id: Option<String>,
    /// The model that answered, when sent.
    pub model: Option<String>,
    /// Unix time of creation, when sent.
    pub created: Option<u64>,
    /// The backend fingerprint, when sent.
    pub system_fingerprint: Option<String>,
    /// All answer text (`content` of choice 0, `output_text`, text blocks).
    pub content: String,
    /// All refusal text.
    pub refusal: String,
    /// The tool calls, in the order they started.
    pub tool_calls: Vec<ToolCall>,
    /// Why the answer ended, in the provider's words (`stop`, `length`,
    /// `tool_calls`, `end_turn`, `max_tokens`, `incomplete:max_output_tokens`…),
    /// when sent.
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

/// A piece of text the answer grew by, for the adapter.
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

/// Builds a [`Completion`] from the [`Delta`]s of a provider's decoder,
/// reporting each new piece of text to the adapter.
#[derive(Debug, Default)]
pub(crate) struct Assembler {
    completion: Completion,
    /// How the answer ended (`None` until a finish reason came).
    stop: Option<Stop>,
    /// Bytes of text kept: content, refusal and tool-call arguments.
    text: usize,
}

impl Assembler {
    /// The completion assembled so far.
    pub fn completion(&self) -> &Completion {
        &self.completion
    }

    /// What the finish reason means, once one came.
    pub fn stop(&self) -> Option<Stop> {
        self.stop
    }

    /// Bytes of the answer's text so far (content, refusal and tool-call
    /// arguments).
    pub fn text_bytes(&self) -> usize {
        self.text
    }

    /// Takes the completion out, leaving an empty one.
    pub fn take(&mut self) -> Completion {
        self.stop = None;
        self.text = 0;
        std::mem::take(&mut self.completion)
    }

    /// Applies one delta, passing the text it adds to `on_piece`.
    pub fn apply<E>(
        &mut self,
        delta: Delta<'_>,
        on_piece: &mut impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let c = &mut self.completion;
        match delta {
            Delta::Meta {
                id,
                model,
                created,
                fingerprint,
            } => {
                set_once(&mut c.id, id);
                set_once(&mut c.model, model);
                set_once(&mut c.system_fingerprint, fingerprint);
                if c.created.is_none() {
                    c.created = created;
                }
            }
            Delta::Text(text) if !text.is_empty() => {
                self.text += text.len();
                c.content.push_str(text);
                work::add(Layer::Assembled, text.len());
                on_piece(Piece::Content(text))?;
            }
            Delta::Refusal(text) if !text.is_empty() => {
                self.text += text.len();
                c.refusal.push_str(text);
                work::add(Layer::Assembled, text.len());
                on_piece(Piece::Refusal(text))?;
            }
            Delta::Text(_) | Delta::Refusal(_) => {}
            Delta::ToolStarted { call, id, name } => {
                // Positions come in order; a decoder that skipped one still
                // gets a call at the position it named.
                while c.tool_calls.len() <= call {
                    c.tool_calls.push(ToolCall::default());
                    let started = c.tool_calls.len() - 1;
                    on_piece(Piece::ToolStarted { call: started })?;
                }
                self.identify(call, id, name);
            }
            Delta::ToolIdentity { call, id, name } => self.identify(call, id, name),
            Delta::ToolArguments { call, text } => {
                if let Some(entry) = c.tool_calls.get_mut(call).filter(|_| !text.is_empty()) {
                    self.text += text.len();
                    entry.arguments.push_str(text);
                    work::add(Layer::Assembled, text.len());
                    on_piece(Piece::ToolArguments { call, text })?;
                }
            }
            Delta::Finish { reason, stop } => {
                c.finish_reason = Some(reason.to_owned());
                self.stop = Some(stop);
            }
            Delta::Usage(usage) => c.usage = Some(usage),
            Delta::Done => {}
        }
        Ok(())
    }

    /// Sets the id (once) and merges the name of call `call`.
    fn identify(&mut self, call: usize, id: Option<&str>, name: Option<&str>) {
        let Some(entry) = self.completion.tool_calls.get_mut(call) else {
            return;
        };
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            if entry.id.is_empty() {
                id.clone_into(&mut entry.id);
            }
        }
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            merge_name(&mut entry.name, name);
        }
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

    #[test]
    fn calls_start_in_order_and_ids_stick() {
        let mut assembler = Assembler::default();
        let mut pieces = Vec::new();
        let mut on_piece = |p: Piece<'_>| {
            pieces.push(format!("{p:?}"));
            Ok::<(), ()>(())
        };
        for delta in [
            Delta::ToolStarted {
                call: 1,
                id: Some("b"),
                name: Some("g"),
            },
            Delta::ToolIdentity {
                call: 0,
                id: Some("a"),
                name: Some("f"),
            },
            Delta::ToolIdentity {
                call: 0,
                id: Some("z"),
                name: Some("f"),
            },
            Delta::ToolArguments {
                call: 1,
                text: "{}",
            },
            Delta::ToolArguments {
                call: 7,
                text: "lost",
            },
        ] {
            assembler.apply(delta, &mut on_piece).unwrap();
        }
        let c = assembler.take();
        assert_eq!(c.tool_calls.len(), 2);
        assert_eq!(
            (c.tool_calls[0].id.as_str(), c.tool_calls[0].name.as_str()),
            ("a", "f")
        );
        assert_eq!(c.tool_calls[1].arguments, "{}");
        assert_eq!(
            pieces[..2],
            ["ToolStarted { call: 0 }", "ToolStarted { call: 1 }"]
        );
    }
}
