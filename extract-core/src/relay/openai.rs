//! The runtime's streams as relay bodies, in one call:
//! `request.create_partial::<T>().await?.relay(Relay::sse())`.

use std::pin::Pin;

use serde_json::Value;

use super::body::not_json;
use super::{Encoding, ErrorInfo, ItemBody, Op, PartialBody, Relay};
use crate::client::{ItemStream, PartialStream};
use crate::{Extract, Progress};

impl<T: Extract> PartialStream<T> {
    /// This stream as an HTTP body (see [`PartialBody`]): a `patch` (or
    /// `snapshot`) message per snapshot, then `done` with the validated
    /// value, or `error` with the partial kept. Dropping the body cancels
    /// the request.
    ///
    /// ```no_run
    /// # async fn run(client: extract_core::client::Client, text: String) -> Result<(), extract_core::Error> {
    /// use extract_core::relay::Relay;
    /// let body = client.chat().user(text).create_partial::<serde_json::Value>().await?.relay(Relay::sse());
    /// // axum: `body.into_response()` (feature `axum`); any server: a `Stream` of `Bytes`.
    /// # drop(body); Ok(()) }
    /// ```
    ///
    /// In patch encoding the patches are the parser's own record of its
    /// changes ([`record_changes`](Self::record_changes)), each costing
    /// what changed, not a diff of the whole partial serialized after each
    /// read.
    pub fn relay(mut self, relay: Relay) -> PartialBody<Self> {
        let patches = match relay.encoding() {
            Encoding::Patches(mode) => Some(mode),
            Encoding::Snapshots => None,
        };
        if let Some(mode) = patches {
            self.record_changes(mode);
        }
        let body = relay
            .partial(self)
            .with_final_value(validated::<T>)
            .with_progress(progress::<T>);
        match patches {
            Some(_) => body.with_changes(changes::<T>),
            None => body,
        }
    }
}

/// The changes that made the snapshot the stream just yielded.
fn changes<T: Extract>(stream: Pin<&mut PartialStream<T>>) -> Result<Vec<Op>, ErrorInfo> {
    stream.get_mut().take_changes().map_err(|e| not_json(&e))
}

/// The validated value of a stream that ended without an error, as JSON.
fn validated<T: Extract>(stream: Pin<&mut PartialStream<T>>) -> Option<Value> {
    let value = stream.get_mut().take_value()?;
    serde_json::to_value(value.into_partial()).ok()
}

/// Where the stream's last snapshot stands.
fn progress<T: Extract>(stream: &PartialStream<T>) -> Progress {
    stream.progress().clone()
}

impl<T: Extract> ItemStream<T> {
    /// This stream as an HTTP body (see [`ItemBody`]): an `item` message
    /// per item as it closes, then `done` with the list, or `error`.
    /// Dropping the body cancels the request.
    pub fn relay(self, relay: Relay) -> ItemBody<Self> {
        relay.items(self)
    }
}
