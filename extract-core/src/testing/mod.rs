//! A built-in replay server for tests, examples and benchmarks (feature
//! `testing`).
//!
//! [`ReplayServer`] is a real HTTP/1.1 server on a loopback port that
//! speaks every provider's protocol, each at its own path. It answers each
//! request with the next scripted [`Reply`]: a structured answer streamed
//! the way the provider streams it (in the place the request's mode expects
//! it), plain text, a refusal, an HTTP error, or a recorded event stream
//! replayed byte for byte. Replies can be slowed
//! down, paused at a point ([`Pause`], [`Gate`]) and made to fail: cut at
//! the token limit, dropped mid-stream, a malformed line, an error sent
//! mid-stream, or no end at all.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use extract_core::testing::{ReplayServer, Reply};
//! use extract_core::Error;
//!
//! let server = ReplayServer::start([
//!     Reply::status(429, "slow down").header("retry-after-ms", "5"),
//!     Reply::json(r#"{"city": "Paris"}"#).truncate(8),
//! ])
//! .await?;
//! let request = server.client().chat().model("m").user("Where?");
//! let err = request.create::<serde_json::Value>().await.unwrap_err();
//! assert!(matches!(err, Error::RetriesExhausted { .. }), "{err}");
//! assert_eq!(err.raw_text(), Some(r#"{"city":"#));
//! assert_eq!(server.requests().len(), 2);
//! # Ok(()) }
//! ```

mod monotone;
mod render;
mod routes;
mod script;
mod server;

pub use monotone::extends;
pub use routes::Arrival;
pub use script::{Gate, Pause, Reply};
pub use server::{Hangup, RecordedRequest, ReplayServer};
