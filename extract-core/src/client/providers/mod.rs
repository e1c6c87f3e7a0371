//! The providers: one module each, side by side, each the three things that
//! differ between them.
//!
//! 1. **Requests.** How the request body is written: the model and sampling
//!    parameters, the schema as each [`Mode`] sends it, the messages with
//!    their parts (text, images, documents, audio), tool calls and tool
//!    results (re-asks send the errors back as one).
//! 2. **Events.** How the response's event stream is read into the
//!    [`Delta`]s the engine routes: answer text, refusal text, tool calls
//!    and their argument fragments, the finish reason (and what it means,
//!    [`Stop`]), usage, the end of the stream, errors sent mid-stream.
//! 3. **Errors.** The shapes of error bodies, which HTTP statuses are worth
//!    retrying, how the key is sent.
//!
//! Everything else — the engine, retries and re-asks, the adapter that picks
//! the JSON out of the answer, the parser, the collectors, the size limit,
//! the relay — is shared and has no provider-specific branch.
//!
//! Adding a provider: a module here implementing [`Protocol`] (and its
//! [`Decode`]r), a variant of [`Provider`], and its line in
//! [`Provider::protocol`].

pub(crate) mod anthropic;
pub(crate) mod chat_completions;
pub(crate) mod responses;
mod wire;

use super::assembler::Completion;
use super::input::Part;
use super::message::Message;
use super::mode::{Mode, Target};
use super::sse::SseEvent;
use super::usage::Usage;
use crate::Error;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Map, Value};

/// The wire protocol a [`Client`](super::Client) speaks.
///
/// Every provider takes the same [`ChatRequest`](super::ChatRequest), the
/// same [`Mode`]s (where it has an equivalent: otherwise the request fails
/// with [`Error::Config`] before anything is sent) and gives the same
/// values, snapshots, items and errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// OpenAI chat completions (`POST /chat/completions`), and every
    /// compatible server: Azure OpenAI, Ollama, vLLM, llama.cpp, Groq,
    /// OpenRouter, Mistral, DeepSeek, Together, Fireworks, …
    #[default]
    ChatCompletions,
    /// Anthropic's Messages API (`POST /v1/messages`): the key in
    /// `x-api-key`, `anthropic-version: 2023-06-01`, the base URL without
    /// `/v1` as the Anthropic SDKs and `ANTHROPIC_BASE_URL` take it
    /// (`https://api.anthropic.com`; one ending in `/v1` works too).
    ///
    /// Every [`Mode`] has an equivalent: a forced tool, a strict tool, the
    /// native structured output (`output_config.format`) for
    /// [`Mode::JsonSchema`], the prompt for `Json` / `MdJson`, several
    /// `tool_use` blocks for `ParallelTools`. `max_tokens` is required by
    /// the API: a request that sets none sends 4096 (what every Claude
    /// model can produce). There is no `seed`, and `temperature` is between
    /// 0 and 1: a request outside these fails with
    /// [`Error::Config`](crate::Error::Config) before it is sent. Images
    /// (PNG, JPEG, GIF, WebP) and documents (PDF, plain text) are taken by
    /// URL, as bytes or by file id (file ids need the
    /// `anthropic-beta: files-api-2025-04-14` header); audio is not.
    /// Thinking blocks, server tools and their results are never part of
    /// the answer; HTTP 529 (overloaded) is retried like a 5xx.
    Anthropic,
    /// The OpenAI Responses API (`POST /responses`): input items with
    /// typed content parts, function tools and `text.format`, a stream of
    /// typed events (reasoning is never part of the answer). Other servers
    /// implement it too (Azure OpenAI, vLLM, DeepSeek, …). No `seed`, no
    /// audio input.
    Responses,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: &'static [Provider] = &[
        Provider::ChatCompletions,
        Provider::Responses,
        Provider::Anthropic,
    ];

    /// How this provider speaks.
    pub(crate) fn protocol(self) -> &'static dyn Protocol {
        match self {
            Provider::ChatCompletions => &chat_completions::ChatCompletions,
            Provider::Responses => &responses::Responses,
            Provider::Anthropic => &anthropic::Anthropic,
        }
    }

    /// A short name: `chat_completions`, `responses`, `anthropic`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.protocol().endpoint().name
    }

    /// The provider named `name` (as [`as_str`](Self::as_str) gives it;
    /// `openai` and `chat` also name chat completions, `claude` names
    /// Anthropic).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Provider> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        match name.as_str() {
            "openai" | "chat" => Some(Provider::ChatCompletions),
            "claude" => Some(Provider::Anthropic),
            _ => Provider::ALL.iter().copied().find(|p| p.as_str() == name),
        }
    }

    /// Where requests go when no base URL is given.
    #[must_use]
    pub fn default_base_url(self) -> &'static str {
        self.protocol().endpoint().default_base_url
    }

    /// The environment variables of the key and the base URL
    /// (`OPENAI_API_KEY` / `OPENAI_BASE_URL`, …).
    #[must_use]
    pub fn env_vars(self) -> (&'static str, &'static str) {
        let endpoint = self.protocol().endpoint();
        (endpoint.key_var, endpoint.base_url_var)
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The request settings every provider writes in its own words.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params<'a> {
    pub model: &'a str,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub seed: Option<i64>,
}

/// Where a provider is and how it is named: the facts a [`Protocol`]
/// states once.
#[derive(Debug)]
pub(crate) struct Endpoint {
    /// The short name ([`Provider::as_str`]).
    pub name: &'static str,
    /// The base URL when none is given.
    pub default_base_url: &'static str,
    /// The environment variable of the API key.
    pub key_var: &'static str,
    /// The environment variable of the base URL.
    pub base_url_var: &'static str,
    /// The path after the base URL (`/chat/completions`).
    pub path: &'static str,
}

/// How one provider speaks. See the [module docs](self).
pub(crate) trait Protocol: Send + Sync + 'static {
    /// Its name, default base URL, environment variables and path.
    fn endpoint(&self) -> &'static Endpoint;

    /// The headers that carry `key` (marked sensitive), and any header the
    /// provider requires with every request.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a key that cannot be sent in a header.
    fn auth_headers(&self, key: Option<&str>) -> Result<Vec<(HeaderName, HeaderValue)>, Error>;

    /// Whether the provider has an equivalent of `mode` (for a list when
    /// `list`): `Err` with what to use instead. Every mode, by default.
    fn supports(&self, mode: Mode, list: bool) -> Result<(), String> {
        let _ = (mode, list);
        Ok(())
    }

    /// Whether the provider takes `part` in a message of `message`'s role:
    /// `Err` saying why not.
    fn accepts(&self, message: &Message, part: &Part) -> Result<(), String>;

    /// The request body without the conversation: the model, streaming,
    /// the sampling parameters, and the schema as `mode` sends it (tools,
    /// a response format). `target` is what the model is asked for.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a setting the provider cannot take.
    fn body(
        &self,
        params: Params<'_>,
        mode: Mode,
        target: &Target,
    ) -> Result<Map<String, Value>, Error>;

    /// Writes the conversation into `body` (once per attempt: re-asks add
    /// messages).
    fn write_messages(&self, body: &mut Map<String, Value>, messages: &[Message]);

    /// A decoder for one response.
    fn decoder(&self) -> Box<dyn Decode>;

    /// Is this HTTP status worth retrying? (By default
    /// [`retryable_status`].)
    fn is_retryable_status(&self, status: u16) -> bool {
        retryable_status(status)
    }

    /// Message, type and code of an HTTP error body.
    fn error_body(&self, text: &str) -> ErrorBody {
        ErrorBody::parse(text)
    }

    /// The provider's Batch API, if it has one (see
    /// [`ChatRequest::batch`](super::ChatRequest::batch)).
    fn batch(&self) -> Option<&'static dyn super::batch::api::BatchApi> {
        None
    }
}

/// Reads one response's events into [`Delta`]s.
pub(crate) trait Decode: Send {
    /// Takes one server-sent event, handing what it says to `out`.
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] for an event that cannot be read,
    /// [`Error::Provider`] for an error the server sent, or the error `out`
    /// returned.
    fn event(
        &mut self,
        event: SseEvent<'_>,
        out: &mut dyn FnMut(Delta<'_>) -> Result<(), Error>,
    ) -> Result<(), Error>;

    /// Takes a whole JSON body (a server that answered without streaming).
    ///
    /// # Errors
    ///
    /// As [`event`](Self::event).
    fn whole(
        &mut self,
        body: &[u8],
        out: &mut dyn FnMut(Delta<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let _ = out;
        let shown: String = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        Err(Error::Protocol {
            message: format!("the server answered with a JSON body, not an event stream: {shown}"),
            received: Box::new(crate::Received {
                raw: Some(String::from_utf8_lossy(body).into_owned()),
                partial: None,
            }),
        })
    }
}

/// What an event says, in the words the engine routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delta<'a> {
    /// The response's id, model, creation time and backend fingerprint
    /// (the first values win).
    Meta {
        id: Option<&'a str>,
        model: Option<&'a str>,
        created: Option<u64>,
        fingerprint: Option<&'a str>,
    },
    /// Answer text.
    Text(&'a str),
    /// Refusal text.
    Refusal(&'a str),
    /// A new tool call, at position `call` (0, 1, … in the order calls
    /// start), with its id and name when the event carries them.
    ToolStarted {
        call: usize,
        id: Option<&'a str>,
        name: Option<&'a str>,
    },
    /// The id or name of call `call`, sent again or late: an id is kept
    /// once set; a name sent again replaces nothing.
    ToolIdentity {
        call: usize,
        id: Option<&'a str>,
        name: Option<&'a str>,
    },
    /// A fragment of the arguments of call `call`.
    ToolArguments { call: usize, text: &'a str },
    /// Why the answer ended, in the provider's words, and what that means.
    Finish { reason: &'a str, stop: Stop },
    /// Token usage of the response (a later report replaces an earlier).
    Usage(Usage),
    /// The stream is over: whatever follows is not read.
    Done,
}

/// What a finish reason means for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The answer is complete (a stop, a tool call, a stop sequence).
    Complete,
    /// Cut at the token limit: [`Error::Truncated`].
    Length,
    /// Stopped by the provider's filter: [`Error::ContentFilter`].
    ContentFilter,
    /// The model refused: [`Error::Refusal`].
    Refusal,
}

/// Message, type and code of an HTTP error body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
    pub kind: Option<String>,
    pub code: Option<String>,
}

impl ErrorBody {
    /// The error bodies servers send: `{"error": {"message", "type",
    /// "code"}}` (OpenAI, Anthropic), `{"error": "…"}` (Ollama),
    /// `{"message": …}` / `{"detail": …}` (vLLM, FastAPI).
    pub fn parse(text: &str) -> ErrorBody {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            return ErrorBody::default();
        };
        ErrorBody::of_value(&value)
    }

    /// As [`parse`](Self::parse), for a value already parsed.
    pub fn of_value(value: &Value) -> ErrorBody {
        let string = |v: Option<&Value>| match v? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        match value.get("error") {
            Some(Value::String(message)) => ErrorBody {
                message: Some(message.clone()),
                ..ErrorBody::default()
            },
            Some(object @ Value::Object(_)) => ErrorBody {
                message: string(object.get("message")),
                kind: string(object.get("type")),
                code: string(object.get("code")),
            },
            _ => ErrorBody {
                message: string(value.get("message").or_else(|| value.get("detail"))),
                kind: string(value.get("type")),
                code: string(value.get("code")),
            },
        }
    }

    /// The error as [`Error::Provider`], for an error sent in a stream.
    pub fn into_provider_error(self, fallback: &str) -> Error {
        Error::Provider {
            message: self.message.unwrap_or_else(|| {
                let shown: String = fallback.chars().take(500).collect();
                if shown.is_empty() {
                    "(no message)".to_owned()
                } else {
                    shown
                }
            }),
            kind: self.kind,
            code: self.code,
            received: Box::default(),
        }
    }
}

/// The HTTP statuses worth retrying for every provider: 408, 429, 500,
/// 502, 503, 504.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// A header value that carries the API key, marked sensitive (never shown
/// in `Debug` output or logs).
pub(crate) fn secret_header(text: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(text).map_err(|_| Error::Config {
        message: "the API key contains characters that cannot be sent in a header".to_owned(),
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The error an `error` event carries (`{"error": {"type", "message"}}`,
/// or the event's text when it is not that).
pub(crate) fn error_event(data: &str) -> Error {
    ErrorBody::parse(data).into_provider_error(data)
}

/// An [`Error::Protocol`] with this message.
pub(crate) fn protocol_error(message: impl Into<String>) -> Error {
    Error::Protocol {
        message: message.into(),
        received: Box::default(),
    }
}

/// An event's data that is not the JSON expected: a protocol error that
/// shows the start of it.
pub(crate) fn unreadable(what: &str, error: &serde_json::Error, data: &str) -> Error {
    let shown: String = data.chars().take(120).collect();
    protocol_error(format!("a data line is not {what} ({error}): {shown}"))
}

/// The messages appended after a failed answer: the model's answer as it
/// was, then the errors to fix, for every provider.
///
/// Tool modes: the assistant's tool call(s), then one failed tool result
/// per call naming the errors (the APIs want a result for every call). JSON
/// modes: the assistant's text, then a user message naming the errors.
pub(crate) fn reask_messages(
    mode: Mode,
    completion: &Completion,
    errors: &str,
    attempt: u32,
) -> Vec<Message> {
    if mode.uses_tools() && !completion.tool_calls.is_empty() {
        let mut calls = completion.tool_calls.clone();
        for (i, call) in calls.iter_mut().enumerate() {
            if call.id.is_empty() {
                call.id = format!("call_extract_{attempt}_{i}");
            }
        }
        let text = format!(
            "Validation failed for these arguments:\n{errors}\n\
             Call the function again with every error fixed."
        );
        let mut messages = vec![Message::assistant_tool_calls(calls.clone())];
        messages.extend(
            calls
                .iter()
                .map(|call| Message::tool_error(call.id.clone(), text.clone())),
        );
        messages
    } else {
        let answer = if completion.content.is_empty() {
            "(no answer)".to_owned()
        } else {
            completion.content.clone()
        };
        let follow_up = if mode.uses_tools() {
            format!("You did not call the function. {errors}\nCall the function with the extracted data.")
        } else {
            format!("That JSON was not valid:\n{errors}\nAnswer again with the JSON only, every error fixed.")
        };
        vec![Message::assistant(answer), Message::user(follow_up)]
    }
}

/// The target of the providers' unit tests: `User`, a schema with a
/// description.
#[cfg(test)]
pub(crate) fn test_target() -> Target {
    fn schema() -> Value {
        serde_json::json!({"type": "object", "description": "A user.", "properties": {"name": {"type": "string"}}})
    }
    Target {
        name: "User".into(),
        schema,
        strict_schema: schema,
    }
}

#[cfg(test)]
mod tests {
    use super::super::assembler::ToolCall;
    use super::*;

    #[test]
    fn error_bodies() {
        let openai = r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        assert_eq!(
            ErrorBody::parse(openai),
            ErrorBody {
                message: Some("Incorrect API key".into()),
                kind: Some("invalid_request_error".into()),
                code: Some("invalid_api_key".into()),
            }
        );
        let ollama = ErrorBody::parse(r#"{"error":"model not found"}"#);
        assert_eq!(ollama.message.as_deref(), Some("model not found"));
        let fastapi = ErrorBody::parse(r#"{"detail":"Not Found"}"#);
        assert_eq!(fastapi.message.as_deref(), Some("Not Found"));
        let numeric = ErrorBody::parse(r#"{"error":{"code":400,"message":"m"}}"#);
        assert_eq!(numeric.code.as_deref(), Some("400"));
        assert_eq!(ErrorBody::parse("<html>"), ErrorBody::default());
    }

    #[test]
    fn providers_by_name() {
        for &provider in Provider::ALL {
            assert_eq!(Provider::from_name(provider.as_str()), Some(provider));
        }
        assert_eq!(
            Provider::from_name("OpenAI"),
            Some(Provider::ChatCompletions)
        );
        assert_eq!(Provider::from_name("nope"), None);
    }

    #[test]
    fn reask_shapes() {
        let mut completion = Completion::default();
        completion.tool_calls.push(ToolCall {
            id: String::new(),
            name: "User".into(),
            arguments: "{}".into(),
        });
        let tools = reask_messages(Mode::Tools, &completion, "age: missing", 1);
        assert_eq!(tools.len(), 2);
        assert_eq!(tools[0].tool_calls()[0].id, "call_extract_1_0");
        assert!(tools[1].content().unwrap().contains("age: missing"));
        assert!(tools[1].tool_result_of().unwrap().is_error);
        completion.content = "{\"name\":1}".into();
        let json = reask_messages(Mode::Json, &completion, "name: expected a string", 1);
        assert_eq!(json[0].content().as_deref(), Some("{\"name\":1}"));
        assert!(json[1]
            .content()
            .unwrap()
            .contains("name: expected a string"));
    }
}
