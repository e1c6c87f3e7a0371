//! [`Mode`]: how the schema is sent and where the JSON answer comes back.

use super::message::Message;
use serde_json::Value;

/// How a request asks for structured output, and where the answer's JSON is read.
///
/// | Mode | request | JSON read from |
/// | --- | --- | --- |
/// | `Tools` | one function tool, `tool_choice` forcing it | `tool_calls[0].function.arguments` |
/// | `ToolsStrict` | same, with `strict: true` and the strict schema | same |
/// | `JsonSchema` | `response_format: {type: "json_schema", strict: true}` | `content` |
/// | `Json` | `response_format: {type: "json_object"}`, schema in a system message | `content` |
/// | `MdJson` | schema in a system message, no `response_format` | `content`, inside a ```` ```json ```` fence; text around it is ignored |
/// | `ParallelTools` | the item type as a tool, not forced | each tool call is one item of an [`Iterable`](crate::Iterable) |
///
/// In every tool mode the name of the called function is not checked: the
/// request offers exactly one tool. A model that calls it several times in
/// `Tools`/`ToolsStrict` has only its first call read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// One forced function tool (the default; works on most compatible servers).
    #[default]
    Tools,
    /// One forced function tool in OpenAI strict mode (the schema must meet
    /// strict-mode rules, which [`Extract::json_schema_strict`](crate::Extract::json_schema_strict) does).
    ToolsStrict,
    /// Structured outputs: `response_format` `json_schema` with `strict: true`.
    JsonSchema,
    /// JSON mode: `response_format` `json_object`; the schema goes in a system message.
    Json,
    /// No server support needed: the schema goes in a system message and the
    /// answer is read from the first ```` ``` ```` code block of the text
    /// (or from the text itself when it starts with `{` or `[`).
    MdJson,
    /// The item type is offered as a tool without forcing it; each call the
    /// model makes is one item. For a single value, the first call is read.
    ParallelTools,
}

impl Mode {
    /// The JSON answer comes in tool-call arguments rather than in `content`.
    #[must_use]
    pub fn uses_tools(self) -> bool {
        matches!(self, Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools)
    }

    /// The schema is sent in the provider's strict form (`ToolsStrict`,
    /// `JsonSchema`).
    #[must_use]
    pub fn is_strict(self) -> bool {
        matches!(self, Mode::ToolsStrict | Mode::JsonSchema)
    }

    /// Every mode, in a stable order.
    pub const ALL: [Mode; 6] = [
        Mode::Tools,
        Mode::ToolsStrict,
        Mode::JsonSchema,
        Mode::Json,
        Mode::MdJson,
        Mode::ParallelTools,
    ];

    /// The name used in logs and spans.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Tools => "tools",
            Mode::ToolsStrict => "tools_strict",
            Mode::JsonSchema => "json_schema",
            Mode::Json => "json",
            Mode::MdJson => "md_json",
            Mode::ParallelTools => "parallel_tools",
        }
    }
}

/// What a request asks the model to produce: one schema, its name, whether
/// it is a list read item by item.
#[derive(Debug, Clone)]
pub struct Target {
    /// The function / `json_schema` name (already sanitized).
    pub name: String,
    /// Returns the schema to send.
    pub schema: fn() -> Value,
    /// Returns the strict-mode schema to send.
    pub strict_schema: fn() -> Value,
}

/// The request shape of one `create…` call.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The whole answer: `T`, or the `Iterable<T>` wrapper object.
    pub whole: Target,
    /// For a list, the item type (one tool call per item in `ParallelTools`).
    pub item: Option<Target>,
}

impl Spec {
    /// The schema the model is asked to follow in `mode`.
    pub fn target(&self, mode: Mode) -> &Target {
        match (&self.item, mode) {
            (Some(item), Mode::ParallelTools) => item,
            _ => &self.whole,
        }
    }
}

/// Makes a name acceptable as an OpenAI function / schema name
/// (`^[a-zA-Z0-9_-]{1,64}$`).
pub(crate) fn sanitize_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if out.is_empty() {
        out.push_str("output");
    }
    out
}

impl Target {
    /// The schema to send: strict in the strict modes (`ToolsStrict`,
    /// `JsonSchema`), as derived otherwise.
    #[must_use]
    pub fn schema_for(&self, mode: Mode) -> Value {
        if mode.is_strict() {
            (self.strict_schema)()
        } else {
            (self.schema)()
        }
    }

    /// The description of a tool or response format: the schema's own, or
    /// a sentence naming the target.
    #[must_use]
    pub fn description(&self, schema: &Value) -> String {
        schema_description(schema).unwrap_or_else(|| {
            format!(
                "Record the extracted `{}`, filling every required field.",
                self.name
            )
        })
    }
}

/// The instructions the prompt-based modes add, for every provider: in
/// `Json` and `MdJson`, a first system message with the schema (`Json` asks
/// for bare JSON, `MdJson` for a ```` ```json ```` block).
pub(crate) fn instruct(mode: Mode, target: &Target, messages: &mut Vec<Message>) {
    let fenced = match mode {
        Mode::Json => false,
        Mode::MdJson => true,
        _ => return,
    };
    messages.insert(
        0,
        Message::system(schema_prompt(&(target.schema)(), fenced)),
    );
}

/// The schema's own `description`, if it has one.
pub(crate) fn schema_description(schema: &Value) -> Option<String> {
    schema.get("description")?.as_str().map(str::to_owned)
}

/// The system message of the `Json` and `MdJson` modes.
fn schema_prompt(schema: &Value, fenced: bool) -> String {
    let schema = serde_json::to_string_pretty(schema).unwrap_or_else(|_| schema.to_string());
    let answer = if fenced {
        "Write the JSON inside one ```json code block."
    } else {
        "Answer with the JSON only."
    };
    format!(
        "Extract the requested data as JSON. The answer must be a JSON value that is an \
         instance of the following JSON Schema (an instance of it, not the schema itself):\n\n\
         {schema}\n\n{answer}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "description": "A user.", "properties": {"name": {"type": "string"}}})
    }

    fn spec() -> Spec {
        let target = Target {
            name: "User".into(),
            schema,
            strict_schema: schema,
        };
        Spec {
            whole: target,
            item: None,
        }
    }

    #[test]
    fn names_are_sanitized() {
        assert_eq!(sanitize_name("Page<User>"), "Page_User_");
        assert_eq!(sanitize_name(""), "output");
        assert_eq!(sanitize_name(&"x".repeat(80)).len(), 64);
    }

    #[test]
    fn strict_modes_send_the_strict_schema() {
        let target = spec().whole;
        assert_eq!(target.schema_for(Mode::Tools), schema());
        assert_eq!(target.description(&schema()), "A user.");
        assert!(target.description(&json!({})).contains("`User`"));
    }

    #[test]
    fn json_modes_put_the_schema_in_a_system_message() {
        for mode in [Mode::Json, Mode::MdJson] {
            let mut messages = vec![Message::user("hi")];
            instruct(mode, &spec().whole, &mut messages);
            assert_eq!(messages.len(), 2);
            assert!(messages[0].content().unwrap().contains("\"properties\""));
        }
        let mut messages = vec![Message::user("hi")];
        instruct(Mode::Tools, &spec().whole, &mut messages);
        assert_eq!(messages.len(), 1);
    }
}
