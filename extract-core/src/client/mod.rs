//! The client: a [`Client`] for a [`Provider`] (OpenAI chat completions and
//! the servers compatible with it, and more), the [`ChatRequest`] builder,
//! the [`Mode`]s, inputs beyond text ([`Part`]), and the streams of typed
//! partials ([`PartialStream`]) and items ([`ItemStream`]).
//!
//! Data flow of one request: HTTP body bytes → server-sent events → the
//! provider's event JSON → deltas (answer text, refusal, tool
//! calls and their argument fragments, finish reason, usage) → the mode's
//! JSON text (e.g. the inside of a ```` ```json ```` fence, or the first
//! tool call's arguments) → the incremental parser → typed partials and
//! items. Every stage is push-based: a byte is read once.
//!
//! **Many documents.** [`ChatRequest::many`] runs one template over a
//! stream of [`Input`]s, many at once, with a resumable journal and
//! [`Progress`]; [`ChatRequest::batch`] does the same through the
//! provider's Batch API ([`BatchJob`]). Every request of a client goes
//! through its rate limiter ([`RateLimit`]).
//!
//! **End of an answer.** An answer cut at the token limit fails with
//! [`Error::Truncated`](crate::Error::Truncated), a refusal with
//! [`Error::Refusal`](crate::Error::Refusal), and a stream that ends before
//! the provider said the answer was over with
//! [`Error::Interrupted`](crate::Error::Interrupted): never a silent
//! success. Each keeps the raw text and the last partial.

mod adapter;
pub(crate) mod assembler;
mod attempt;
pub mod batch;
mod config;
mod deadline;
mod engine;
pub(crate) mod input;
mod limit;
pub mod many;
mod message;
mod mode;
mod output;
pub(crate) mod providers;
mod reader;
mod request;
mod retry;
pub(crate) mod sse;
mod stream;
pub(crate) mod usage;

#[cfg(test)]
#[path = "../tests/no_rescan.rs"]
mod no_rescan;

pub use assembler::{Completion, ToolCall};
pub use batch::{Batch, BatchCanceller, BatchJob, BatchResults, BatchStatus, Reask};
#[allow(deprecated, reason = "kept for the code that names it")]
pub use config::DEFAULT_MAX_RESPONSE_BYTES;
pub use config::{
    same_origin_redirects, Client, ClientBuilder, SizeLimit, DEFAULT_BASE_URL,
    DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_STREAM_BYTES,
};
pub use deadline::{Deadline, Timeouts, SETTLED_TAIL};
pub use input::{Part, Source};
pub use limit::RateLimit;
pub use many::{read_journal, ErrorRecord, Input, Many, ManyStream, Progress, Record};
pub use message::{Message, Role, ToolResult};
pub use mode::Mode;
pub use output::ResponseModel;
pub use providers::Provider;
pub use reader::{ItemReader, PartialReader};
pub use request::{ChatRequest, Extraction};
pub use retry::{retry_after, Backoff, MAX_RETRY_AFTER};
pub use stream::{ItemStream, PartialStream};
pub use usage::Usage;

#[doc(hidden)]
pub use mode::{Spec, Target};
#[doc(hidden)]
pub use output::Collector;
