//! HTTP body streams: a stream of snapshots or items in, framed bytes out.
//!
//! The bodies are plain [`Stream`]s of `Result<Bytes, Infallible>`, the
//! shape every Rust HTTP server accepts as a streaming body (axum's
//! `Body::from_stream`, hyper with `http-body-util::StreamBody`, actix's
//! `HttpResponse::streaming`, warp's `Body::wrap_stream`). They spawn no
//! task: the upstream stream is polled only when the server asks for the
//! next chunk, and dropping the body (the server does that when the client
//! goes away) drops the upstream stream, which cancels the request to the
//! model.
//!
//! A body with a heartbeat ([`Relay::with_heartbeat`](super::Relay::with_heartbeat))
//! also keeps a tokio timer, polled alongside the upstream (no task either).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use pin_project_lite::pin_project;
use serde::Serialize;
use serde_json::Value;

use super::encoder::Encoder;
use super::failure::RelayError;
use super::frame::{ErrorInfo, Format};
use super::heartbeat::Heartbeat;
use super::patch::Op;
use crate::{Extract, Progress};

pin_project! {
    /// The body for a stream of partial snapshots (`create_partial`):
    /// `snapshot` or `patch` messages as the value fills in, then `done`
    /// when the upstream ends (with the validated value when the upstream
    /// can tell it, see [`with_final_value`](Self::with_final_value), else
    /// the last snapshot), or `error` (with the last partial) when it
    /// fails.
    ///
    /// Snapshots equal to the previous one send nothing. Made by
    /// [`Relay::partial`](super::Relay::partial).
    ///
    /// With [`Relay::with_state`](super::Relay::with_state) and an upstream
    /// that reports its [`Progress`] ([`with_progress`](Self::with_progress);
    /// `PartialStream::relay` sets it), each patch is preceded by a `state`
    /// message when the field being written changed or fields completed.
    #[must_use = "streams do nothing unless polled"]
    pub struct PartialBody<S> {
        #[pin]
        upstream: Option<S>,
        encoder: Encoder,
        final_value: Option<FinalValue<S>>,
        changes: Option<Changes<S>>,
        progress: Option<ProgressOf<S>>,
        state: bool,
        heartbeat: Option<Heartbeat>,
    }
}

/// Reads the validated final value off an upstream that has ended.
pub type FinalValue<S> = fn(Pin<&mut S>) -> Option<Value>;

/// Takes, off an upstream that just yielded a snapshot, the JSON Patch
/// operations that made it from the one before (the parser's own record of
/// its changes), or the error to end the body with.
pub type Changes<S> = fn(Pin<&mut S>) -> Result<Vec<Op>, ErrorInfo>;

/// Reads where the upstream's last snapshot stands.
pub type ProgressOf<S> = fn(&S) -> Progress;

impl<S> PartialBody<S> {
    /// A body reading `upstream` and writing through `encoder`.
    pub fn new(upstream: S, encoder: Encoder) -> Self {
        Self {
            upstream: Some(upstream),
            encoder,
            final_value: None,
            changes: None,
            progress: None,
            state: false,
            heartbeat: None,
        }
    }

    /// Where each snapshot stands, for the `state` messages:
    /// `progress(upstream)` read after each snapshot. (`PartialStream::relay`
    /// sets it to the stream's [`progress`](crate::client::PartialStream::progress).)
    /// Nothing is sent unless `state` messages are on
    /// ([`with_state`](Self::with_state)).
    pub fn with_progress(mut self, progress: ProgressOf<S>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Sends a `state` message before each patch whose snapshot moved on
    /// (see [`Relay::with_state`](super::Relay::with_state)).
    pub fn with_state(mut self, state: bool) -> Self {
        self.state = state;
        self
    }

    /// Sends a heartbeat after `interval` without a message (see
    /// [`Relay::with_heartbeat`](super::Relay::with_heartbeat)).
    pub fn with_heartbeat(mut self, interval: Option<std::time::Duration>) -> Self {
        self.heartbeat = interval.map(Heartbeat::new);
        self
    }

    /// The encoder, to resume from (the hub).
    pub(crate) fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Prepares the body for a [`Hub`](super::Hub): numbered messages, and
    /// the heartbeat handed to the connection (it is not a message to
    /// keep).
    pub(crate) fn into_resumable(mut self) -> (Self, Option<std::time::Duration>) {
        self.encoder.number_messages();
        let heartbeat = self.heartbeat.take().map(|h| h.interval());
        (self, heartbeat)
    }

    /// Where the `done` message's value comes from once the upstream has
    /// ended: `final_value(upstream)`, falling back to the last snapshot
    /// when it returns `None`. (`PartialStream::relay` sets it to the
    /// stream's validated value.)
    pub fn with_final_value(mut self, final_value: FinalValue<S>) -> Self {
        self.final_value = Some(final_value);
        self
    }

    /// Where a snapshot's message comes from: the operations
    /// `changes(upstream)` gives after each snapshot
    /// ([`Encoder::ops`]), instead of the snapshot serialized and diffed
    /// against the one before ([`Encoder::snapshot`]), which costs the
    /// whole value at each snapshot. (`PartialStream::relay` sets it to
    /// the parser's record of its changes, in patch encoding.)
    pub fn with_changes(mut self, changes: Changes<S>) -> Self {
        self.changes = Some(changes);
        self
    }

    /// True once the `done` or `error` message was produced (the upstream
    /// is dropped then).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.upstream.is_none()
    }

    /// The wire format (for the `Content-Type`).
    #[must_use]
    pub fn format(&self) -> Format {
        self.encoder.format()
    }
}

impl<S, P, E> Stream for PartialBody<S>
where
    S: Stream<Item = Result<P, E>>,
    P: Serialize,
    E: RelayError,
{
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            let Some(mut upstream) = this.upstream.as_mut().as_pin_mut() else {
                return Poll::Ready(None);
            };
            let polled = upstream.as_mut().poll_next(cx);
            let Poll::Ready(next) = polled else {
                return beat(this.heartbeat.as_mut(), this.encoder.format(), cx);
            };
            let bytes = match next {
                Some(Ok(partial)) => {
                    if let (Some(progress), true) = (*this.progress, *this.state) {
                        this.encoder
                            .progress(&progress(upstream.as_ref().get_ref()));
                    }
                    match *this.changes {
                        Some(changes) => {
                            // Dropped at once: held, the snapshot would make
                            // the parser copy the partial at its next write.
                            drop(partial);
                            let sent = changes(upstream.as_mut()).and_then(|ops| {
                                let ops = &ops[unchanged_root(&ops, this.encoder.last())..];
                                this.encoder.ops(ops).map_err(|e| {
                                    ErrorInfo::new(
                                        format!("the recorded changes do not apply: {e}"),
                                        "patch",
                                        None,
                                    )
                                })
                            });
                            match sent {
                                Ok(Some(bytes)) => bytes,
                                Ok(None) => continue,
                                Err(info) => {
                                    this.upstream.set(None);
                                    this.encoder.error(info)
                                }
                            }
                        }
                        None => match serde_json::to_value(&partial) {
                            Ok(value) => match this.encoder.snapshot(value) {
                                Some(bytes) => bytes,
                                None => continue,
                            },
                            Err(e) => {
                                this.upstream.set(None);
                                this.encoder.error(not_json(&e))
                            }
                        },
                    }
                }
                Some(Err(e)) => {
                    this.upstream.set(None);
                    this.encoder.error(e.error_info())
                }
                None => {
                    let value = match this.final_value {
                        Some(final_value) => final_value(upstream),
                        None => None,
                    };
                    this.upstream.set(None);
                    match value {
                        Some(value) => this.encoder.done(&value),
                        None => {
                            let last = this.encoder.last().cloned().unwrap_or(Value::Null);
                            this.encoder.done(&last)
                        }
                    }
                }
            };
            if let Some(heartbeat) = this.heartbeat {
                heartbeat.sent();
            }
            return Poll::Ready(Some(Ok(bytes)));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.upstream {
            // Unchanged snapshots send nothing; the end sends one message.
            Some(s) => (1, s.size_hint().1.and_then(|n| n.checked_add(1))),
            None => (0, Some(0)),
        }
    }
}

pin_project! {
    /// The body for a stream of complete items (`create_iterable`): one
    /// `item` message per item as each one closes, then `done` with the
    /// whole list, or `error`.
    ///
    /// Made by [`Relay::items`](super::Relay::items).
    #[must_use = "streams do nothing unless polled"]
    pub struct ItemBody<S> {
        #[pin]
        upstream: Option<S>,
        encoder: Encoder,
        items: Vec<Value>,
        heartbeat: Option<Heartbeat>,
    }
}

impl<S> ItemBody<S> {
    /// A body reading `upstream` and writing through `encoder`.
    pub fn new(upstream: S, encoder: Encoder) -> Self {
        Self {
            upstream: Some(upstream),
            encoder,
            items: Vec::new(),
            heartbeat: None,
        }
    }

    /// Sends a heartbeat after `interval` without a message (see
    /// [`Relay::with_heartbeat`](super::Relay::with_heartbeat)).
    pub fn with_heartbeat(mut self, interval: Option<std::time::Duration>) -> Self {
        self.heartbeat = interval.map(Heartbeat::new);
        self
    }

    /// True once the `done` or `error` message was produced (the upstream
    /// is dropped then).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.upstream.is_none()
    }

    /// The wire format (for the `Content-Type`).
    #[must_use]
    pub fn format(&self) -> Format {
        self.encoder.format()
    }
}

impl<S, T, E> Stream for ItemBody<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Extract,
    E: RelayError,
{
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        let Some(upstream) = this.upstream.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        let Poll::Ready(next) = upstream.poll_next(cx) else {
            return beat(this.heartbeat.as_mut(), this.encoder.format(), cx);
        };
        let bytes = match next {
            // An item serializes as its (complete) partial: the same JSON
            // as the item, without asking `T: Serialize`.
            Some(Ok(item)) => match serde_json::to_value(item.into_partial()) {
                Ok(value) => {
                    let bytes = this.encoder.item(&value);
                    this.items.push(value);
                    bytes
                }
                Err(e) => {
                    this.upstream.set(None);
                    this.encoder.error(not_json(&e))
                }
            },
            Some(Err(e)) => {
                this.upstream.set(None);
                let mut info = e.error_info();
                if info.partial.is_none() {
                    // What arrived of a list: the items sent so far.
                    info.partial = Some(Value::Array(std::mem::take(this.items)));
                }
                this.encoder.error(info)
            }
            None => {
                this.upstream.set(None);
                let items = Value::Array(std::mem::take(this.items));
                this.encoder.done(&items)
            }
        };
        if let Some(heartbeat) = this.heartbeat {
            heartbeat.sent();
        }
        Poll::Ready(Some(Ok(bytes)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.upstream {
            Some(s) => {
                let (low, high) = s.size_hint();
                (low.saturating_add(1), high.and_then(|n| n.checked_add(1)))
            }
            None => (0, Some(0)),
        }
    }
}

/// While the upstream has nothing: the heartbeat, when one is due.
pub(crate) fn beat(
    heartbeat: Option<&mut Heartbeat>,
    format: Format,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Bytes, Infallible>>> {
    match heartbeat {
        Some(heartbeat) => {
            ready!(heartbeat.poll_beat(cx));
            Poll::Ready(Some(Ok(Bytes::from_static(format.heartbeat()))))
        }
        None => Poll::Pending,
    }
}

/// How many of `ops` to leave out at their start: a first op that replaces
/// the whole state by what the receiver already holds (`last`, or `{}`
/// before anything was sent), as a parser's first change often does (an
/// object appearing at its `{`).
fn unchanged_root(ops: &[Op], last: Option<&Value>) -> usize {
    let unchanged = match ops.first() {
        Some(Op::Replace { path, value } | Op::Add { path, value }) if path.is_empty() => {
            match last {
                Some(last) => value == last,
                None => value.as_object().is_some_and(serde_json::Map::is_empty),
            }
        }
        _ => false,
    };
    usize::from(unchanged)
}

/// The error for a value whose `Serialize` impl failed (a map with
/// non-string keys, a custom impl's error).
pub(super) fn not_json(error: &serde_json::Error) -> ErrorInfo {
    ErrorInfo::new(
        format!("the value cannot be sent as JSON: {error}"),
        "serialize",
        None,
    )
}
