//! Many documents: `ChatRequest::many` against the replay server (bounded
//! concurrency, the journal, a kill and a resume, progress), the rate
//! limiter against a server that limits and reports its limits, and the
//! Batch APIs of both providers against the server's emulation of them.
//!
//! Everything over real TCP on 127.0.0.1; no key, no network.

mod batch;
mod common;
mod limits;
mod live;
