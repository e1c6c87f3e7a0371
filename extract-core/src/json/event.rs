//! The events a [`Lexer`](super::Lexer) reports, and the [`Sink`] that takes them.

use super::SyntaxError;

/// One JSON token, as soon as it is known.
///
/// Borrowed text is lent from the chunk being fed where possible, or from the
/// lexer's small buffer when the token straddled chunks or held escapes; it is
/// already decoded (escapes resolved, valid UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// `{`
    ObjectStart,
    /// `}`
    ObjectEnd,
    /// `[`
    ArrayStart,
    /// `]`
    ArrayEnd,
    /// A complete, decoded object key. Keys are never split: a key that
    /// straddles chunks is reported once its closing quote arrives.
    Key(&'a str),
    /// A piece of a string value, decoded.
    ///
    /// `first` is set on the piece that starts right after the opening quote,
    /// `last` on the piece that ends at the closing quote. A string wholly
    /// inside one chunk is one event with both set; `""` is one event with
    /// empty text and both set. When a chunk ends inside a string, the text
    /// received so far in that chunk is reported (possibly empty, when only the
    /// opening quote arrived), so a string can be shown growing.
    Str {
        /// The decoded text of this piece.
        text: &'a str,
        /// This piece starts the string.
        first: bool,
        /// This piece ends the string.
        last: bool,
    },
    /// A complete number: its JSON text, checked against the RFC 8259 grammar.
    /// Reported only once the byte after it (or the end of input) proves it
    /// complete: `12` is never reported while `123` may still be arriving.
    Number(&'a str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl Event<'_> {
    /// A short name of the JSON kind this event starts, for error messages:
    /// "an object", "an array", "a string", "a number", "a boolean", "null".
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Event::ObjectStart | Event::ObjectEnd | Event::Key(_) => "an object",
            Event::ArrayStart | Event::ArrayEnd => "an array",
            Event::Str { .. } => "a string",
            Event::Number(_) => "a number",
            Event::Bool(_) => "a boolean",
            Event::Null => "null",
        }
    }
}

/// Receives the events of a [`Lexer`](super::Lexer).
///
/// An error returned by the sink stops the current `feed` at once and is
/// handed back to the caller; the lexer is then poisoned like after a syntax
/// error.
pub trait Sink {
    /// What the sink (and so `feed`) can fail with.
    type Error: From<SyntaxError>;

    /// Takes one event.
    ///
    /// # Errors
    ///
    /// Whatever the sink decides should stop the lexer.
    fn event(&mut self, event: Event<'_>) -> Result<(), Self::Error>;
}
