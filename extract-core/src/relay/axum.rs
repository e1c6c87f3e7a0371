//! `IntoResponse` for the relay bodies (feature `axum`): a handler returns
//! `Relay::sse().partial(stream)` and axum streams it.

use std::convert::Infallible;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_core::Stream;

use super::body::{ItemBody, PartialBody};
use super::frame::Format;

/// A `200 OK` streaming `body`, with the relay headers for `format`.
fn stream_response<B>(format: Format, body: B) -> Response
where
    B: Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
{
    let mut response = Response::new(Body::from_stream(body));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    for (name, value) in super::headers(format) {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Returns the body as a streaming response: `200 OK`, the format's
/// content type, `cache-control: no-cache, no-transform` and
/// `x-accel-buffering: no`. When the client disconnects, axum drops the
/// body, and with it the upstream request.
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use extract_core::relay::Relay;
/// use futures::stream::{self, StreamExt};
/// use serde_json::json;
///
/// async fn handler() -> Response {
///     // In a real handler: `client.chat().user(text).create_partial::<T>().await?`.
///     let snapshots = stream::iter([json!({"name": "Jo"}), json!({"name": "John"})])
///         .map(Ok::<_, extract_core::Error>);
///     Relay::sse().partial(snapshots).into_response()
/// }
/// # let response = futures::executor::block_on(handler());
/// # assert_eq!(response.headers()["content-type"], "text/event-stream; charset=utf-8");
/// ```
impl<S> IntoResponse for PartialBody<S>
where
    Self: Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
{
    fn into_response(self) -> Response {
        stream_response(self.format(), self)
    }
}

/// Returns the body as a streaming response, like [`PartialBody`]'s impl.
impl<S> IntoResponse for ItemBody<S>
where
    Self: Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
{
    fn into_response(self) -> Response {
        stream_response(self.format(), self)
    }
}
