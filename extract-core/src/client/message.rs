//! Chat messages, the same for every provider: each provider writes its own
//! wire form of them.

use super::assembler::ToolCall;
use super::input::Part;

/// Who wrote a [`Message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The user's turn.
    User,
    /// The model's turn.
    Assistant,
    /// The result of a tool call.
    Tool,
}

impl Role {
    /// The chat-completions name: `system`, `user`, `assistant`, `tool`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// The result of one tool call, sent back in a [`Role::Tool`] message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolResult {
    /// The id of the call this answers.
    pub call_id: String,
    /// The call failed (re-asks send the validation errors this way).
    pub is_error: bool,
}

/// One message of a chat request: text and other [`Part`]s (images,
/// documents, audio), tool calls of the model, or a tool result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    role: Role,
    parts: Vec<Part>,
    tool_calls: Vec<ToolCall>,
    tool_result: Option<ToolResult>,
}

impl Message {
    fn new(role: Role, parts: Vec<Part>) -> Self {
        Message {
            role,
            parts,
            tool_calls: Vec::new(),
            tool_result: None,
        }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Message::new(Role::System, vec![Part::text(content)])
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Message::new(Role::User, vec![Part::text(content)])
    }

    /// A user message of several parts: text, images, documents, audio.
    ///
    /// ```
    /// use extract_core::client::{Message, Part};
    ///
    /// let message = Message::user_parts([
    ///     Part::text("What is the total of this receipt?"),
    ///     Part::image_url("https://example.com/receipt.png"),
    /// ]);
    /// assert_eq!(message.parts().len(), 2);
    /// ```
    pub fn user_parts(parts: impl IntoIterator<Item = Part>) -> Self {
        Message::new(Role::User, parts.into_iter().collect())
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Message::new(Role::Assistant, vec![Part::text(content)])
    }

    /// An assistant message that calls tools (no text).
    pub fn assistant_tool_calls(calls: Vec<ToolCall>) -> Self {
        Message {
            tool_calls: calls,
            ..Message::new(Role::Assistant, Vec::new())
        }
    }

    /// The result of the tool call `tool_call_id`.
    pub fn tool_result(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Message {
            tool_result: Some(ToolResult {
                call_id: tool_call_id.into(),
                is_error: false,
            }),
            ..Message::new(Role::Tool, vec![Part::text(content)])
        }
    }

    /// The result of the tool call `tool_call_id`, marked as a failure
    /// (Anthropic's `is_error`; the other providers send the text alone).
    pub fn tool_error(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        let mut message = Message::tool_result(tool_call_id, content);
        if let Some(result) = &mut message.tool_result {
            result.is_error = true;
        }
        message
    }

    /// Who wrote it.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// Its text: the text parts joined, `None` when it has none.
    #[must_use]
    pub fn content(&self) -> Option<String> {
        let mut texts = self.parts.iter().filter_map(Part::as_text).peekable();
        texts.peek()?;
        Some(texts.collect::<Vec<_>>().join("\n"))
    }

    /// Its parts, in order.
    #[must_use]
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The tool calls of an assistant message.
    #[must_use]
    pub fn tool_calls(&self) -> &[ToolCall] {
        &self.tool_calls
    }

    /// For a [`Role::Tool`] message, which call it answers.
    #[must_use]
    pub fn tool_result_of(&self) -> Option<&ToolResult> {
        self.tool_result.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_joins_the_text_parts() {
        let message = Message::user_parts([
            Part::text("a"),
            Part::image_url("https://x/y.png"),
            Part::text("b"),
        ]);
        assert_eq!(message.content().as_deref(), Some("a\nb"));
        assert_eq!(Message::assistant_tool_calls(Vec::new()).content(), None);
        let error = Message::tool_error("c1", "bad");
        assert!(error.tool_result_of().unwrap().is_error);
        assert_eq!(error.role(), Role::Tool);
    }
}
