//! `IntoResponse` for the relay bodies (feature `axum`): a handler returns
//! `Relay::sse().partial(stream)` and axum streams it.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::OptionalFromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_core::Stream;

use super::body::{ItemBody, PartialBody};
use super::frame::Format;
use super::hub::{HubBody, Resume, STREAM_HEADER};

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

/// Returns the body as a streaming response, like [`PartialBody`]'s impl,
/// with the stream's id in the [`STREAM_HEADER`] header (and
/// `access-control-expose-headers` naming it).
impl IntoResponse for HubBody {
    fn into_response(self) -> Response {
        let id = HeaderValue::from_str(self.id()).ok();
        let mut response = stream_response(self.format(), self);
        let headers = response.headers_mut();
        if let Some(id) = id {
            headers.insert(HeaderName::from_static(STREAM_HEADER), id);
        }
        headers.insert(
            axum::http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(STREAM_HEADER),
        );
        response
    }
}

/// `Option<Resume>` as an extractor: `Some` when the request resumes a
/// stream (`?stream=<id>`, with `?after=N` or `Last-Event-ID`), see
/// [`Resume::from_request`].
///
/// ```
/// use axum::http::StatusCode;
/// use axum::response::{IntoResponse, Response};
/// use extract_core::relay::{Hub, Resume};
///
/// async fn extract(hub: axum::extract::State<Hub>, resume: Option<Resume>) -> Response {
///     if let Some(resume) = resume {
///         return match hub.resume(&resume) {
///             Some(body) => body.into_response(),
///             None => StatusCode::NOT_FOUND.into_response(), // expired
///         };
///     }
///     // … start the extraction: `hub.start(stream.relay(relay)).into_response()`
/// #   StatusCode::OK.into_response()
/// }
/// # let _app: axum::Router = axum::Router::new().route("/extract", axum::routing::post(extract)).with_state(Hub::new());
/// ```
impl<S: Send + Sync> OptionalFromRequestParts<S> for Resume {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Infallible> {
        let last_event_id = parts
            .headers
            .get("last-event-id")
            .and_then(|value| value.to_str().ok());
        Ok(Resume::from_request(parts.uri.query(), last_event_id))
    }
}
