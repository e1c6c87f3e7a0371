//! The one error type of `extract`.

use serde_json::Value;

use crate::json::SyntaxError;
use crate::validation::ValidationError;

/// What had arrived when an error happened: nothing received is lost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Received {
    /// The raw text received from the model, when the failing layer had it.
    pub raw: Option<String>,
    /// The last partial snapshot, as JSON.
    pub partial: Option<Value>,
}

/// Everything that can go wrong while extracting.
///
/// Every failure after bytes arrived keeps what arrived: see
/// [`Error::raw_text`] and [`Error::partial`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The model's answer is not valid JSON (what and at which byte).
    #[error("the model's answer is not valid JSON: {source}")]
    Syntax {
        /// The syntax error, with its byte offset.
        source: SyntaxError,
        /// What had arrived.
        received: Box<Received>,
    },
    /// The model's answer is JSON but not a valid value of the type: every
    /// problem with its JSON path.
    #[error("the model's answer failed validation:\n{source}")]
    Validation {
        /// Every problem, each with its JSON path.
        source: ValidationError,
        /// What had arrived.
        received: Box<Received>,
    },
    /// The server answered with an HTTP error status (never retried for
    /// 400/401/403/404; retried with backoff for 408/429/500/502/503/504).
    /// The raw text is the response body.
    #[cfg(feature = "openai")]
    #[error("the server answered HTTP {status}: {message}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The provider's error message (or the start of the body).
        message: String,
        /// The provider's error `type`, when sent (e.g. `invalid_request_error`).
        kind: Option<String>,
        /// The provider's error `code`, when sent (e.g. `rate_limit_exceeded`).
        code: Option<String>,
        /// The delay the server asked for (`retry-after-ms` / `Retry-After`).
        retry_after: Option<std::time::Duration>,
        /// The response body.
        received: Box<Received>,
    },
    /// The server could not be reached, or the request could not be sent.
    #[cfg(feature = "openai")]
    #[error("could not reach the server: {source}")]
    Transport {
        /// The underlying HTTP client error (it never shows the API key).
        source: reqwest::Error,
    },
    /// The server sent an error object in the stream (a `chat.completion.chunk`
    /// with `error`, an `event: error`, a Responses `response.failed`).
    #[cfg(feature = "openai")]
    #[error("the server reported an error mid-stream: {message}")]
    Provider {
        /// The provider's error message.
        message: String,
        /// The provider's error `type`, when sent.
        kind: Option<String>,
        /// The provider's error `code`, when sent (e.g. `tool_use_failed`).
        code: Option<String>,
        /// What had arrived.
        received: Box<Received>,
    },
    /// The response is not a well-formed event stream of its provider (a
    /// data line that is not one of its events, invalid UTF-8, …).
    #[cfg(feature = "openai")]
    #[error("the response is not a valid event stream: {message}")]
    Protocol {
        /// What is wrong.
        message: String,
        /// What had arrived.
        received: Box<Received>,
    },
    /// The answer holds no JSON where the mode reads it: the model wrote text
    /// instead of calling the tool, or wrote no code block. Re-asked like a
    /// validation failure.
    #[cfg(feature = "openai")]
    #[error("the answer holds no JSON: {message}")]
    NoJson {
        /// What was missing.
        message: String,
        /// What had arrived (the text the model wrote instead).
        received: Box<Received>,
    },
    /// The answer stopped at the token limit (`finish_reason: "length"`,
    /// `incomplete_details.reason: "max_output_tokens"`, …: the provider's
    /// words are in [`Completion::finish_reason`](crate::client::Completion::finish_reason)).
    #[cfg(feature = "openai")]
    #[error("the answer was cut off at the token limit")]
    Truncated {
        /// What had arrived, with the partial up to the cut.
        received: Box<Received>,
    },
    /// The model refused to answer; `refusal` is its explanation.
    #[cfg(feature = "openai")]
    #[error("the model refused: {refusal}")]
    Refusal {
        /// The model's refusal text.
        refusal: String,
        /// What had arrived.
        received: Box<Received>,
    },
    /// The provider's content filter stopped the answer
    /// (`finish_reason: "content_filter"`).
    #[cfg(feature = "openai")]
    #[error("the provider's content filter stopped the answer")]
    ContentFilter {
        /// What had arrived.
        received: Box<Received>,
    },
    /// The stream ended before the answer did: the connection dropped, or
    /// the body ended with neither `[DONE]` nor a `finish_reason`. Never a
    /// silent success.
    #[cfg(feature = "openai")]
    #[error("the stream ended before the answer was complete: {reason}")]
    Interrupted {
        /// Why it is known to be incomplete.
        reason: String,
        /// What had arrived.
        received: Box<Received>,
    },
    /// The response exceeded a bound on its size: `which` says which (its
    /// event stream, or its answer's text).
    #[cfg(feature = "openai")]
    #[error("the {which} exceeded the {limit}-byte limit (`{}`)", which.setting())]
    TooLarge {
        /// The bound it went past.
        which: crate::client::SizeLimit,
        /// The limit, in bytes.
        limit: usize,
        /// What had arrived.
        received: Box<Received>,
    },
    /// A bound of the client's [`Timeouts`](crate::client::Timeouts)
    /// passed: `deadline` says which (the wait for the headers, the silence
    /// of a body, the attempt, the whole call, …). Retried like a dropped
    /// connection, except [`Deadline::Call`](crate::client::Deadline::Call).
    #[cfg(feature = "openai")]
    #[error("no answer in time: the {deadline} bound ({limit:?}) passed")]
    Timeout {
        /// Which bound passed.
        deadline: crate::client::Deadline,
        /// Its length.
        limit: std::time::Duration,
        /// What had arrived.
        received: Box<Received>,
    },
    /// An [item stream](crate::client::ItemStream) went on with a new
    /// answer (a re-ask, or a retry after a cut), and that answer does not
    /// begin with the `kept` items already delivered from the earlier one:
    /// its item `index` differs, or it ends before it. Its items are not
    /// delivered (nothing from two different lists is mixed); re-asked
    /// like a validation failure while the budget allows. The raw text is
    /// the new answer.
    #[cfg(feature = "openai")]
    #[error(
        "the new answer does not begin with the {kept} items already delivered: \
         its item {index} differs from the one delivered, or is missing"
    )]
    Diverged {
        /// The first item of the new answer that differs (or is missing).
        index: usize,
        /// How many items had been delivered.
        kept: usize,
        /// What had arrived (the new answer).
        received: Box<Received>,
    },
    /// Every attempt failed. `attempts` holds each attempt's error in order;
    /// the last one is what ended the retries (the budget ran out, or it
    /// could not be retried). The raw text and partial are the last ones seen.
    #[cfg(feature = "openai")]
    #[error("all {} attempts failed; the last: {}", attempts.len(), last_error(attempts))]
    RetriesExhausted {
        /// Each attempt's error, in order.
        attempts: Vec<Error>,
        /// The last raw text and partial received by any attempt.
        received: Box<Received>,
    },
    /// The client or the request is misconfigured (no API key, no model, an
    /// invalid header, …).
    #[cfg(feature = "openai")]
    #[error("invalid configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
}

#[cfg(feature = "openai")]
fn last_error(attempts: &[Error]) -> String {
    attempts
        .last()
        .map_or_else(|| "no attempt was made".to_owned(), ToString::to_string)
}

/// What had arrived, borrowed as `self` is (shared or mutable): the one list
/// of which variants carry a [`Received`].
macro_rules! received_of {
    ($error:expr) => {
        match $error {
            Error::Syntax { received, .. } | Error::Validation { received, .. } => Some(received),
            #[cfg(feature = "openai")]
            Error::Http { received, .. }
            | Error::Provider { received, .. }
            | Error::Protocol { received, .. }
            | Error::NoJson { received, .. }
            | Error::Truncated { received, .. }
            | Error::Refusal { received, .. }
            | Error::ContentFilter { received, .. }
            | Error::Interrupted { received, .. }
            | Error::TooLarge { received, .. }
            | Error::Timeout { received, .. }
            | Error::Diverged { received, .. }
            | Error::RetriesExhausted { received, .. } => Some(received),
            #[cfg(feature = "openai")]
            Error::Transport { .. } | Error::Config { .. } => None,
        }
    };
}

impl Error {
    /// The stable, machine-readable name of the error's kind: `syntax`,
    /// `validation`, `http`, `transport`, `provider`, `protocol`,
    /// `no_json`, `truncated`, `refusal`, `content_filter`, `interrupted`,
    /// `too_large`, `timeout`, `diverged`, `retries_exhausted`, `config`
    /// (what a relay's `error`
    /// message and a journal line carry).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Syntax { .. } => "syntax",
            Error::Validation { .. } => "validation",
            #[cfg(feature = "openai")]
            Error::Http { .. } => "http",
            #[cfg(feature = "openai")]
            Error::Transport { .. } => "transport",
            #[cfg(feature = "openai")]
            Error::Provider { .. } => "provider",
            #[cfg(feature = "openai")]
            Error::Protocol { .. } => "protocol",
            #[cfg(feature = "openai")]
            Error::NoJson { .. } => "no_json",
            #[cfg(feature = "openai")]
            Error::Truncated { .. } => "truncated",
            #[cfg(feature = "openai")]
            Error::Refusal { .. } => "refusal",
            #[cfg(feature = "openai")]
            Error::ContentFilter { .. } => "content_filter",
            #[cfg(feature = "openai")]
            Error::Interrupted { .. } => "interrupted",
            #[cfg(feature = "openai")]
            Error::TooLarge { .. } => "too_large",
            #[cfg(feature = "openai")]
            Error::Timeout { .. } => "timeout",
            #[cfg(feature = "openai")]
            Error::Diverged { .. } => "diverged",
            #[cfg(feature = "openai")]
            Error::RetriesExhausted { .. } => "retries_exhausted",
            #[cfg(feature = "openai")]
            Error::Config { .. } => "config",
        }
    }

    /// The raw text received before the failure, where known.
    #[must_use]
    pub fn raw_text(&self) -> Option<&str> {
        self.received().and_then(|r| r.raw.as_deref())
    }

    /// The last partial snapshot (as JSON) before the failure, where known.
    #[must_use]
    pub fn partial(&self) -> Option<&Value> {
        self.received().and_then(|r| r.partial.as_ref())
    }

    /// What had arrived, for the variants that come after bytes arrived.
    #[must_use]
    pub fn received(&self) -> Option<&Received> {
        received_of!(self)
    }

    /// Mutable access to what had arrived (to attach the raw text).
    pub fn received_mut(&mut self) -> Option<&mut Received> {
        received_of!(self)
    }

    /// The validation problems, when this is a validation failure.
    #[must_use]
    pub fn validation(&self) -> Option<&ValidationError> {
        match self {
            Error::Validation { source, .. } => Some(source),
            _ => None,
        }
    }
}
