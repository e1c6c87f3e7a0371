//! The one error type of `extract`.

use serde_json::Value;

use crate::json::SyntaxError;
use crate::validation::ValidationError;

/// What had arrived when an error happened: nothing received is lost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Received {
    /// The raw text received from the model, when the failing layer had it.
    pub raw: Option<String>,
    /// The last partial snapshot, as JSON.
    pub partial: Option<Value>,
}

/// Everything that can go wrong while extracting.
///
/// Every failure after bytes arrived keeps what arrived: see
/// [`Error::raw_text`] and [`Error::partial`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The model's answer is not valid JSON (what and at which byte).
    #[error("the model's answer is not valid JSON: {source}")]
    Syntax {
        /// The syntax error, with its byte offset.
        source: SyntaxError,
        /// What had arrived.
        received: Box<Received>,
    },
    /// The model's answer is JSON but not a valid value of the type: every
    /// problem with its JSON path.
    #[error("the model's answer failed validation:\n{source}")]
    Validation {
        /// Every problem, each with its JSON path.
        source: ValidationError,
        /// What had arrived.
        received: Box<Received>,
    },
}

impl Error {
    /// The raw text received before the failure, where known.
    #[must_use]
    pub fn raw_text(&self) -> Option<&str> {
        self.received().and_then(|r| r.raw.as_deref())
    }

    /// The last partial snapshot (as JSON) before the failure, where known.
    #[must_use]
    pub fn partial(&self) -> Option<&Value> {
        self.received().and_then(|r| r.partial.as_ref())
    }

    /// What had arrived, for the variants that come after bytes arrived.
    #[must_use]
    pub fn received(&self) -> Option<&Received> {
        match self {
            Error::Syntax { received, .. } | Error::Validation { received, .. } => Some(received),
        }
    }

    /// Mutable access to what had arrived (to attach the raw text).
    pub fn received_mut(&mut self) -> Option<&mut Received> {
        match self {
            Error::Syntax { received, .. } | Error::Validation { received, .. } => Some(received),
        }
    }

    /// The validation problems, when this is a validation failure.
    #[must_use]
    pub fn validation(&self) -> Option<&ValidationError> {
        match self {
            Error::Validation { source, .. } => Some(source),
            _ => None,
        }
    }
}
