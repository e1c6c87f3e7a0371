//! How an upstream error becomes an `error` message.

use std::convert::Infallible;

use super::frame::ErrorInfo;
use crate::Error;

/// An error a relay body can report to the browser as an `error` message.
///
/// Implemented for [`extract::Error`](crate::Error) (its kind, its message
/// and the partial it kept) and for [`Infallible`]. Implement it for your
/// own error type to relay a stream of your own.
pub trait RelayError {
    /// The payload of the `error` message. A `None` partial is filled in
    /// with the last snapshot sent.
    fn error_info(&self) -> ErrorInfo;
}

impl RelayError for Error {
    fn error_info(&self) -> ErrorInfo {
        ErrorInfo::new(self.to_string(), error_kind(self), self.partial().cloned())
    }
}

impl RelayError for Infallible {
    fn error_info(&self) -> ErrorInfo {
        match *self {}
    }
}

/// The stable, machine-readable name of an error's kind, as sent in the
/// `kind` member of an `error` message: `syntax`, `validation`, `http`,
/// `transport`, `provider`, `protocol`, `no_json`, `truncated`, `refusal`,
/// `content_filter`, `interrupted`, `too_large`, `timeout`, `diverged`,
/// `retries_exhausted`, `config`.
#[must_use]
pub fn error_kind(error: &Error) -> &'static str {
    error.kind()
}
