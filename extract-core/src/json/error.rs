//! Syntax errors of the [`Lexer`](super::Lexer): what went wrong, and where.
//!
//! An error is a [`SyntaxErrorKind`] and the byte offset (from the start of
//! the input, over all chunks) where it was found. Line and column are only
//! computed when asked ([`SyntaxError::line_column`]). Running out of input
//! ([`SyntaxErrorKind::UnexpectedEnd`]) is kept apart from malformed input, so
//! a caller can tell a truncated stream from a broken one.

use std::fmt;

/// A syntax error: its [`kind`](Self::kind) and the byte [`offset`](Self::offset)
/// where it was found.
///
/// Displays like `` expected `,` or `]`, found `x` at byte 17 ``.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct SyntaxError {
    offset: u64,
    kind: SyntaxErrorKind,
}

impl SyntaxError {
    /// An error of `kind` found at byte `offset` of the input.
    #[must_use]
    pub fn new(offset: u64, kind: SyntaxErrorKind) -> Self {
        SyntaxError { offset, kind }
    }

    /// The byte offset, from the start of the input (over all chunks), of the
    /// offending byte; for [`SyntaxErrorKind::UnexpectedEnd`], the length of
    /// the input.
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> &SyntaxErrorKind {
        &self.kind
    }

    /// Whether the input ended too early (truncated), rather than being
    /// malformed: more input could have made it valid.
    #[must_use]
    pub fn is_unexpected_end(&self) -> bool {
        matches!(self.kind, SyntaxErrorKind::UnexpectedEnd { .. })
    }

    /// The 1-based line and column of the error in `input` (the whole input
    /// that was fed). Lines end at `\n`; the column counts characters (UTF-8
    /// continuation bytes are not counted). An offset past the end of `input`
    /// is clamped to its end.
    #[must_use]
    pub fn line_column(&self, input: &[u8]) -> (usize, usize) {
        let end = usize::try_from(self.offset).map_or(input.len(), |o| o.min(input.len()));
        let before = input.get(..end).unwrap_or(input);
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let column = 1 + before
            .get(line_start..)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        (line, column)
    }
}

/// What kind of [`SyntaxError`] was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// A byte that cannot come here.
    Unexpected {
        /// The offending byte.
        found: u8,
        /// What could have come instead.
        expected: Expected,
    },
    /// The input ended before the top-level value was complete (or was empty).
    UnexpectedEnd {
        /// What was still to come.
        expected: Expected,
    },
    /// A byte sequence that is not UTF-8 (the offset is that of its first
    /// byte). Overlong forms and UTF-8-encoded surrogates are invalid.
    InvalidUtf8,
    /// A raw control character (below `0x20`) inside a string, which JSON
    /// requires to be escaped (see
    /// [`LexerOptions::lenient_control_characters`](super::LexerOptions::lenient_control_characters)).
    ControlCharacter(u8),
    /// A backslash followed by this byte, which starts no JSON escape.
    InvalidEscape(u8),
    /// A `\u` escape of a UTF-16 surrogate that is not part of a pair (the
    /// offset is that of its backslash; see
    /// [`LexerOptions::lenient_surrogates`](super::LexerOptions::lenient_surrogates)).
    LoneSurrogate(u16),
    /// A number with a leading zero, like `01` or `-00` (the offset is that of
    /// the digit after the zero).
    LeadingZero,
    /// An array or object opened deeper than this limit
    /// ([`LexerOptions::max_depth`](super::LexerOptions::max_depth)).
    DepthLimit(usize),
    /// An object key or a number longer than this many bytes of input
    /// ([`LexerOptions::max_token_len`](super::LexerOptions::max_token_len));
    /// the offset is that of the first byte over the limit.
    TokenTooLong(usize),
    /// Something other than whitespace after the top-level value (see
    /// [`LexerOptions::allow_trailing_data`](super::LexerOptions::allow_trailing_data)).
    TrailingData {
        /// The first byte after the value that is not whitespace.
        found: u8,
    },
    /// The [`Sink`](super::Sink) failed on an event, which stopped the lexer;
    /// the offset is where it stopped. The sink's own error was returned by
    /// that call; this kind is what later calls return.
    Aborted,
}

impl SyntaxErrorKind {
    /// Whether the input ended too early, rather than being malformed.
    #[must_use]
    pub fn is_unexpected_end(&self) -> bool {
        matches!(self, SyntaxErrorKind::UnexpectedEnd { .. })
    }
}

impl fmt::Display for SyntaxErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxErrorKind::Unexpected { found, expected } => {
                write!(f, "expected {expected}, found {}", Byte(*found))
            }
            SyntaxErrorKind::UnexpectedEnd { expected } => {
                write!(f, "unexpected end of input, expected {expected}")
            }
            SyntaxErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            SyntaxErrorKind::ControlCharacter(b) => {
                write!(f, "unescaped control character {} in a string", Byte(*b))
            }
            SyntaxErrorKind::InvalidEscape(b) => {
                if is_printable(*b) {
                    write!(f, "invalid escape `\\{}` in a string", char::from(*b))
                } else {
                    write!(f, "invalid escape: `\\` followed by {}", Byte(*b))
                }
            }
            SyntaxErrorKind::LoneSurrogate(u) => {
                write!(f, "lone surrogate `\\u{u:04x}` in a string")
            }
            SyntaxErrorKind::LeadingZero => f.write_str("invalid number: leading zero"),
            SyntaxErrorKind::DepthLimit(n) => {
                write!(f, "arrays and objects nested deeper than the limit of {n}")
            }
            SyntaxErrorKind::TokenTooLong(n) => {
                write!(f, "key or number longer than the limit of {n} bytes")
            }
            SyntaxErrorKind::TrailingData { found } => {
                write!(f, "trailing {} after the JSON value", Byte(*found))
            }
            SyntaxErrorKind::Aborted => f.write_str("lexing stopped by an error of the event sink"),
        }
    }
}

/// What the lexer expected where it found something else (or nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// Any JSON value.
    Value,
    /// A value or `]` (right after `[`).
    ValueOrArrayEnd,
    /// `,` or `]` (after an array item).
    CommaOrArrayEnd,
    /// `,` or `}` (after an object member).
    CommaOrObjectEnd,
    /// An object key: a string (after `,` in an object).
    Key,
    /// An object key or `}` (right after `{`).
    KeyOrObjectEnd,
    /// `:` (after an object key).
    Colon,
    /// A decimal digit (in a number).
    Digit,
    /// A hex digit (in a `\u` escape).
    HexDigit,
    /// The character of an escape (after `\`).
    EscapeChar,
    /// A `\u` escape of a low surrogate, to pair with the high surrogate before it.
    LowSurrogate,
    /// The rest of a multi-byte UTF-8 character.
    Utf8Continuation,
    /// The rest of a string and its closing `"`.
    StringEnd,
    /// The rest of `true`.
    True,
    /// The rest of `false`.
    False,
    /// The rest of `null`.
    Null,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Value => "a value",
            Expected::ValueOrArrayEnd => "a value or `]`",
            Expected::CommaOrArrayEnd => "`,` or `]`",
            Expected::CommaOrObjectEnd => "`,` or `}`",
            Expected::Key => "an object key",
            Expected::KeyOrObjectEnd => "an object key or `}`",
            Expected::Colon => "`:`",
            Expected::Digit => "a digit",
            Expected::HexDigit => "a hex digit",
            Expected::EscapeChar => "an escape character",
            Expected::LowSurrogate => "a low surrogate escape `\\udc00`..`\\udfff`",
            Expected::Utf8Continuation => "the rest of a UTF-8 character",
            Expected::StringEnd => "a closing `\"`",
            Expected::True => "the rest of `true`",
            Expected::False => "the rest of `false`",
            Expected::Null => "the rest of `null`",
        })
    }
}

fn is_printable(b: u8) -> bool {
    b.is_ascii_graphic() || b == b' '
}

/// A byte as shown in messages: `` `x` `` when printable ASCII, else `0x0a`.
struct Byte(u8);

impl fmt::Display for Byte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_printable(self.0) {
            write!(f, "`{}`", char::from(self.0))
        } else {
            write!(f, "{:#04x}", self.0)
        }
    }
}
