//! The chat-completions runtime: a [`Client`] for OpenAI and compatible
//! servers, the [`ChatRequest`] builder, the [`Mode`]s, and the streams of
//! typed partials ([`PartialStream`]) and items ([`ItemStream`]).
//!
//! Data flow of one request: HTTP body bytes → server-sent events →
//! `chat.completion.chunk` JSON → the text of choice 0 (content, refusal,
//! tool-call arguments assembled by index) → the mode's JSON text (e.g. the
//! inside of a ```` ```json ```` fence) → the incremental parser → typed
//! partials and items. Every stage is push-based: a byte is read once.
//!
//! **Choices.** With `n > 1`, only choice 0 is read; the others are skipped.
//!
//! **End of an answer.** `finish_reason: "length"` fails with
//! [`Error::Truncated`](crate::Error::Truncated), a refusal with
//! [`Error::Refusal`](crate::Error::Refusal), and a stream that ends with
//! neither `data: [DONE]` nor a `finish_reason` with
//! [`Error::Interrupted`](crate::Error::Interrupted): never a silent success.
//! Each keeps the raw text and the last partial.

mod adapter;
mod attempt;
mod client;
mod deltas;
mod engine;
mod message;
mod mode;
#[cfg(test)]
#[path = "../tests/no_rescan.rs"]
mod no_rescan;
mod output;
mod reader;
mod request;
mod retry;
mod sse;
mod stream;
mod wire;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES};
pub use deltas::{Completion, ToolCall};
pub use message::{Message, Role};
pub use mode::Mode;
pub use output::ResponseModel;
pub use reader::{ItemReader, PartialReader};
pub use request::{ChatRequest, Extraction};
pub use retry::Backoff;
pub use stream::{ItemStream, PartialStream};
pub use wire::Usage;

#[doc(hidden)]
pub use mode::{Spec, Target};
#[doc(hidden)]
pub use output::Collector;
