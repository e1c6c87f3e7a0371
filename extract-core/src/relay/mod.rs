//! Relaying a streamed extraction to web clients (feature `relay`).
//!
//! A [`Relay`] turns the stream of partial snapshots from `create_partial`
//! (or the items from `create_iterable`, or any stream of your own) into
//! an HTTP body a browser renders as it arrives. With the runtime's streams
//! it is one call, `request.create_partial::<T>().await?.relay(Relay::sse())`:
//!
//! - **framing**: Server-Sent Events or NDJSON ([`Format`]), each message a
//!   `snapshot`, a `patch`, an `item`, then `done` with the final value or
//!   `error` with the partial kept ([`Message`], [`Framer`]);
//! - **deltas**: instead of the whole snapshot each time, RFC 6902 JSON
//!   Patch operations, with an `append` extension for growing strings
//!   ([`PatchMode`]), so the bytes for an answer grow linearly with it. For
//!   the runtime's streams they are the parser's own record of its changes
//!   ([`StreamParser::record_changes`](crate::StreamParser::record_changes),
//!   [`Encoder::ops`]), each costing what changed; any other stream of
//!   snapshots is serialized and diffed ([`diff`], [`Differ`]), which costs
//!   the whole snapshot each time;
//! - **bodies**: [`PartialBody`] and [`ItemBody`] are `Stream`s of
//!   `Result<Bytes, Infallible>` for any HTTP server. They spawn nothing;
//!   dropping the body (what a server does when the client disconnects)
//!   drops the upstream stream, and with it the request to the model;
//! - **client**: [`CLIENT_JS`], a dependency-free JavaScript client that
//!   reads either format with `fetch`, applies the patches and calls back
//!   with each state, resuming a dropped connection by itself;
//! - **field state** (opt-in, [`Relay::with_state`]): `state` messages
//!   naming the field being written and those completed, for a spinner and
//!   a mark per field;
//! - **resumable streams** ([`Hub`]): a client that reconnects with the
//!   last id it has gets the rest; heartbeats ([`Relay::with_heartbeat`])
//!   keep idle connections open;
//! - **TypeScript**: [`typescript`] declares a type and its partial from
//!   its JSON Schema, [`CLIENT_DTS`] the client.
//!
//! # Messages
//!
//! | message | payload |
//! | --- | --- |
//! | `snapshot` | the whole partial value |
//! | `patch` | an array of [`Op`]s from the previous state (the first from `{}`) |
//! | `item` | one complete list item |
//! | `done` | the final, validated value (for items: the whole list) |
//! | `error` | [`ErrorInfo`]: `{"message": …, "kind": …, "partial": …}` |
//! | `state` | opt-in, before a patch: [`StateInfo`], `{"active": "/users/3/name", "completed": ["/users/2"]}` |
//!
//! As SSE, the name is the `event:` field and the payload the `data:`
//! field:
//!
//! ```text
//! event: patch
//! data: [{"op":"append","path":"/users/2/name","value":"son"}]
//!
//! ```
//!
//! As NDJSON, each message is one line
//! `{"event":"patch","data":[…]}`. With ids on ([`Relay::with_ids`]), SSE
//! adds an `id:` line and NDJSON an `"id"` member, counting from 1.
//! `done` or `error` is always the last message: a body that ends without
//! one was cut short. Readers skip messages they do not know, so the
//! opt-in `state` message breaks no older client.
//!
//! # Field state
//!
//! With [`Relay::with_state`], each patch whose snapshot moved on is
//! preceded by a `state` message: `active` is the JSON Pointer of the value
//! being written (a string arriving, a member whose key arrived, or between
//! members the object or array they belong to), `completed` the values
//! received in full since the previous `state` message, outermost only (a
//! finished user, not its fields). Pointers match the patch paths. A
//! receiver keeps the union; `"reset": true` (a re-asked answer starting
//! over) says to drop it first. The paths come from the parser as it goes
//! ([`PartialStream::progress`](crate::client::PartialStream::progress),
//! [`StreamParser::take_progress`](crate::StreamParser::take_progress)),
//! at a cost per value, never a walk of the snapshot. The JavaScript client
//! hands `onState(state, progress)` a `progress` with `active`, the set
//! `completed` and `isComplete(pointer)`.
//!
//! # Resuming a dropped connection
//!
//! A [`Hub`] keeps each stream it [starts](Hub::start) by id (sent in the
//! [`STREAM_HEADER`] response header), with its upstream, its encoder and
//! a bounded history of the messages sent (1000 messages and 256 KiB per
//! stream by default, [`Hub::with_history`]; the final message is always
//! kept). Messages are numbered. A client coming back with
//! `?stream=<id>` and the last id it has (`Last-Event-ID`, or `?after=N`;
//! [`Resume`], an axum extractor too) gets the messages after it from the
//! history, or, when the history no longer reaches back that far, the
//! state as of the latest message as one `snapshot` (and, with field
//! state, every completed path), then the live stream. A second connection
//! for the same stream takes over and the first ends.
//!
//! No task is spawned: the attached body polls the upstream. With none
//! attached, the upstream waits (backpressure); a stream with no body
//! attached for 30 s ([`Hub::with_expiry`]) is dropped by the hub's next
//! call or by [`Hub::sweep_every`] run on a task of your own, and dropping
//! it cancels the request to the model. So with a hub, a client that goes
//! away cancels the request after the expiry, not at once: use plain
//! bodies where cancelling at once matters more than resuming.
//!
//! The JavaScript client resumes by itself when the response named a
//! stream: the same request again with `stream`, `after` and
//! `Last-Event-ID`, with backoff (`{reconnect: {attempts: 5, delay: 250,
//! maxDelay: 4000}}` by default in ms, `reconnect: false` to turn it off;
//! `onReconnect(info)` before each try). It skips any message whose id it
//! has applied, so none is applied twice.
//!
//! [`Relay::with_heartbeat`] sends an SSE comment (`: keep-alive`), or an
//! empty NDJSON line, after a quiet interval, so proxies do not close an
//! idle stream. Its timer is tokio's, polled by the body (the `relay`
//! feature depends on tokio for it): such a body runs inside a tokio
//! runtime with time enabled, as under axum or hyper.
//!
//! # TypeScript
//!
//! [`typescript::<T>()`](typescript) (or [`TypeScript`] for several types)
//! declares `T` and `PartialT` from `T::json_schema()`: what a page written
//! in TypeScript gives `onDone` and `onState`. [`CLIENT_DTS`] declares the
//! client itself. The `web_relay` example serves both, as `/types.ts` and
//! `/relay.d.ts`.
//!
//! # The `append` extension
//!
//! RFC 6902 can only change a string by replacing it whole, so a string
//! that streams in over `k` steps costs `O(k · len)` bytes. In
//! [`PatchMode::Append`] (the default) string growth is sent as
//!
//! ```json
//! {"op":"append","path":"/users/2/name","value":"son"}
//! ```
//!
//! meaning "the string at `path` exists; concatenate `value` to its end".
//! This op is an **extension**, not part of RFC 6902: the bundled
//! JavaScript client ([`CLIENT_JS`]) and [`apply`]
//! understand it; a generic JSON Patch library does not. For those, use
//! [`PatchMode::Strict`], which sends `replace` instead and nothing else
//! outside the RFC.
//!
//! # Example
//!
//! ```
//! use extract_core::relay::Relay;
//! use futures::stream;
//! use serde_json::json;
//!
//! # futures::executor::block_on(async {
//! use futures::StreamExt;
//! let snapshots = stream::iter([json!({"name": "Jo"}), json!({"name": "John"})])
//!     .map(Ok::<_, std::convert::Infallible>);
//! let body: Vec<_> = Relay::sse().partial(snapshots).collect().await;
//! let text: String = body.iter().map(|b| String::from_utf8_lossy(b.as_ref().unwrap())).collect();
//! assert_eq!(text, "\
//! event: patch\ndata: [{\"op\":\"add\",\"path\":\"/name\",\"value\":\"Jo\"}]\n\n\
//! event: patch\ndata: [{\"op\":\"append\",\"path\":\"/name\",\"value\":\"hn\"}]\n\n\
//! event: done\ndata: {\"name\":\"John\"}\n\n");
//! # });
//! ```

use std::time::Duration;

mod apply;
#[cfg(feature = "axum")]
mod axum;
mod body;
mod encoder;
mod failure;
mod frame;
mod heartbeat;
mod hub;
#[cfg(feature = "openai")]
mod openai;
mod patch;
mod typescript;

use crate::patch::pointer;

pub use apply::{apply, PatchError};
pub use body::{Changes, FinalValue, ItemBody, PartialBody, ProgressOf};
pub use encoder::{Encoder, Encoding};
pub use failure::{error_kind, RelayError};
pub use frame::{write_sse_event, ErrorInfo, Format, Framer, Message, StateInfo};
pub use hub::{Hub, HubBody, Resume, STREAM_HEADER};
pub use patch::{diff, diff_into, Differ, Op, PatchMode};
pub use typescript::{typescript, TypeScript};

/// The JavaScript client (no dependencies; a browser `<script>` or a
/// Node.js `require`): `ExtractRelay.stream(url, init, handlers, options)`
/// fetches a relay body, applies its patches and calls
/// `onState(state, progress)`, `onItem(item, items)`, `onDone(value)`,
/// `onError(info)`, `onBytes(n)` and `onReconnect(info)`. It resumes a
/// dropped resumable stream by itself (see [the module docs](self#resuming-a-dropped-connection)).
/// It never rejects for a bad body: a malformed message, a connection it
/// could not resume or an abort end in `onError` with the state kept.
///
/// Serve it as `application/javascript`; see `examples/web_relay.rs`.
pub const CLIENT_JS: &str = include_str!("client.js");

/// TypeScript declarations for [`CLIENT_JS`] (the global `ExtractRelay`
/// namespace): serve them beside your [`typescript`] types, e.g. as
/// `relay.d.ts`, and reference them from a page's TypeScript
/// (`/// <reference path="relay.d.ts" />`). `stream<T, P>` types `onDone`'s
/// value as `T` and `onState`'s state as `P` (the partial).
pub const CLIENT_DTS: &str = include_str!("client.d.ts");

/// The response headers a relay body needs: its content type, and no
/// caching or proxy buffering (so each message reaches the browser when it
/// is sent).
#[must_use]
pub fn headers(format: Format) -> [(&'static str, &'static str); 3] {
    [
        ("content-type", format.content_type()),
        ("cache-control", "no-cache, no-transform"),
        ("x-accel-buffering", "no"),
    ]
}

/// How to relay a stream: the wire [`Format`], the [`Encoding`] of
/// snapshots, whether messages carry ids, whether `state` messages are
/// sent, and the heartbeat. `Copy`, so one can be kept in a server's
/// state.
///
/// The default is SSE with patches in [`PatchMode::Append`], no ids, no
/// `state` messages, no heartbeat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Relay {
    format: Format,
    encoding: Encoding,
    ids: bool,
    state: bool,
    heartbeat: Option<Duration>,
}

impl Relay {
    /// Server-Sent Events, patches.
    #[must_use]
    pub fn sse() -> Self {
        Self::default()
    }

    /// NDJSON, patches.
    #[must_use]
    pub fn ndjson() -> Self {
        Self::default().with_format(Format::Ndjson)
    }

    /// Sets the wire format.
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Sets how snapshots travel.
    #[must_use]
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sends whole snapshots ([`Encoding::Snapshots`]).
    #[must_use]
    pub fn snapshots(self) -> Self {
        self.with_encoding(Encoding::Snapshots)
    }

    /// Sends patches with the `append` extension ([`PatchMode::Append`]).
    #[must_use]
    pub fn patches(self) -> Self {
        self.with_encoding(Encoding::Patches(PatchMode::Append))
    }

    /// Sends strictly-RFC 6902 patches ([`PatchMode::Strict`]).
    #[must_use]
    pub fn strict_patches(self) -> Self {
        self.with_encoding(Encoding::Patches(PatchMode::Strict))
    }

    /// Numbers the messages from 1 (SSE `id:`, NDJSON `"id"`).
    #[must_use]
    pub fn with_ids(mut self, ids: bool) -> Self {
        self.ids = ids;
        self
    }

    /// Sends a `state` message before each patch whose snapshot moved on:
    /// the field being written and the fields completed since, as JSON
    /// Pointers into the state (see [`StateInfo`]). The JavaScript client
    /// hands them to `onState(state, progress)`. Needs an upstream that
    /// knows its progress: `PartialStream::relay` does; a stream of plain
    /// values sends none.
    #[must_use]
    pub fn with_state(mut self, state: bool) -> Self {
        self.state = state;
        self
    }

    /// After `interval` without a message, sends a heartbeat: an SSE
    /// comment line (`: keep-alive`), or an empty NDJSON line, which
    /// readers ignore and which keeps proxies from closing an idle
    /// connection. Off by default; 15 s suits most proxies (they commonly
    /// close after 30–60 s of silence).
    ///
    /// The timer is tokio's: a body with a heartbeat must be polled inside
    /// a tokio runtime with time enabled (what axum and hyper run on). It
    /// is polled alongside the upstream; no task is spawned.
    #[must_use]
    pub fn with_heartbeat(mut self, interval: Duration) -> Self {
        self.heartbeat = Some(interval);
        self
    }

    /// The wire format.
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    /// How snapshots travel.
    #[must_use]
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The response headers for a body of this relay (see [`headers`]).
    #[must_use]
    pub fn headers(&self) -> [(&'static str, &'static str); 3] {
        headers(self.format)
    }

    /// A fresh encoder with these settings.
    #[must_use]
    pub fn encoder(&self) -> Encoder {
        Encoder::with_framer(Framer::new(self.format).with_ids(self.ids), self.encoding)
    }

    /// The body for a stream of partial snapshots (any `Serialize` value,
    /// e.g. `Partial<T>` or `serde_json::Value`): see [`PartialBody`].
    pub fn partial<S>(self, upstream: S) -> PartialBody<S> {
        PartialBody::new(upstream, self.encoder())
            .with_state(self.state)
            .with_heartbeat(self.heartbeat)
    }

    /// The body for a stream of complete items (any `Extract` type): see
    /// [`ItemBody`].
    pub fn items<S>(self, upstream: S) -> ItemBody<S> {
        ItemBody::new(upstream, self.encoder()).with_heartbeat(self.heartbeat)
    }
}
