//! The examples of `extract` with dependencies of their own (`web_relay`:
//! axum). This crate has no code: it keeps those dependencies out of the
//! build of the main examples. Run them from the repository root:
//! `cargo run -p extract-examples --example web_relay`.
