//! The chat-completions runtime against the built-in replay server, over
//! real HTTP on a loopback port: every mode with `create`, `create_partial`
//! and `create_iterable`; every fault; retries; streaming timing; and every
//! recorded OpenAI-compatible stream of `tests/fixtures/sse/`. The other
//! providers, against the same server, in their own modules
//! (`anthropic`, `anthropic_fixtures`, `responses`, `responses_fixtures`).
//!
//! No test touches the network beyond 127.0.0.1 or needs an API key.

mod anthropic;
mod anthropic_fixtures;
mod common;
mod deadlines;
mod faults;
mod fixtures;
mod hostile;
mod modes;
mod quirks;
mod readers;
mod responses;
mod responses_fixtures;
mod retries;
mod server;
mod streaming;
