//! The `web_relay` example end to end: the page in a real headless
//! Chromium, cancellation when the client goes away, and the bytes a page
//! receives for the conference answer.

#[path = "../../../examples/extra/web_relay/app.rs"]
mod app;
mod browser;
mod bytes;
mod cancel;
mod cdp;
mod resume;
mod support;
