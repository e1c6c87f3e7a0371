//! JSON Pointers (RFC 6901): building them one segment at a time while a
//! diff walks a value or a write is recorded, and reading them back when a
//! patch is applied.
#![cfg_attr(
    not(feature = "relay"),
    allow(
        dead_code,
        reason = "reading pointers back is for applying patches, in the relay"
    )
)]

use std::borrow::Cow;
use std::fmt;

/// A JSON Pointer under construction: `""` is the whole document, each
/// [`push`](Self::push) appends `/` and an escaped segment, and
/// [`truncate`](Self::truncate) goes back to an earlier length, so a walk
/// over a value reuses one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PointerBuf {
    text: String,
}

impl PointerBuf {
    /// The pointer to the whole document (`""`).
    pub(crate) fn root() -> Self {
        Self::default()
    }

    /// The pointer text so far.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The current length, to [`truncate`](Self::truncate) back to.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// Appends an object key, escaping `~` as `~0` and `/` as `~1`.
    pub(crate) fn push(&mut self, key: &str) {
        self.text.push('/');
        escape_into(key, &mut self.text);
    }

    /// Appends an array index.
    pub(crate) fn push_index(&mut self, index: usize) {
        use fmt::Write as _;
        // Writing to a `String` cannot fail.
        let _ = write!(self.text, "/{index}");
    }

    /// Goes back to an earlier [`len`](Self::len).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.text.truncate(len);
    }
}

pub(crate) use crate::path::escape_pointer_segment as escape_into;

/// Why a JSON Pointer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PointerError {
    /// A non-empty pointer must start with `/`.
    NoLeadingSlash,
    /// `~` followed by something other than `0` or `1`.
    BadEscape,
}

impl fmt::Display for PointerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PointerError::NoLeadingSlash => f.write_str("a JSON Pointer must start with '/'"),
            PointerError::BadEscape => f.write_str("'~' must be followed by '0' or '1'"),
        }
    }
}

/// Splits a pointer into its unescaped segments: `""` gives none,
/// `"/a~1b/0"` gives `["a/b", "0"]`. A segment is borrowed from the
/// pointer unless it holds an escape.
pub(crate) fn parse(pointer: &str) -> Result<Vec<Cow<'_, str>>, PointerError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(PointerError::NoLeadingSlash);
    };
    rest.split('/').map(unescape).collect()
}

/// Reverses [`escape_into`] for one segment: `~1` is `/`, `~0` is `~`.
fn unescape(segment: &str) -> Result<Cow<'_, str>, PointerError> {
    if !segment.contains('~') {
        return Ok(Cow::Borrowed(segment));
    }
    let mut out = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return Err(PointerError::BadEscape),
            }
        } else {
            out.push(c);
        }
    }
    Ok(Cow::Owned(out))
}

/// Reads an array index segment: decimal digits, no leading zero (but `0`
/// itself), as RFC 6901 requires. `-` and anything else is `None`.
pub(crate) fn parse_index(segment: &str) -> Option<usize> {
    let bytes = segment.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    segment.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(key: &str) -> String {
        let mut out = String::new();
        escape_into(key, &mut out);
        out
    }

    #[test]
    fn escapes_tilde_before_slash() {
        assert_eq!(escaped("a/b"), "a~1b");
        assert_eq!(escaped("m~n"), "m~0n");
        assert_eq!(escaped("~1"), "~01");
        assert_eq!(escaped("/~"), "~1~0");
        assert_eq!(escaped(""), "");
    }

    #[test]
    fn round_trips_through_parse() {
        for key in ["a/b", "m~n", "~1", "~01", "", "/", "~", "é/ü", "x y"] {
            let mut buf = PointerBuf::root();
            buf.push(key);
            buf.push_index(3);
            assert_eq!(
                parse(buf.as_str()).unwrap(),
                vec![key.to_owned(), "3".to_owned()]
            );
        }
    }

    #[test]
    fn truncate_goes_back() {
        let mut buf = PointerBuf::root();
        buf.push("users");
        let len = buf.len();
        buf.push_index(2);
        assert_eq!(buf.as_str(), "/users/2");
        buf.truncate(len);
        assert_eq!(buf.as_str(), "/users");
    }

    #[test]
    fn rejects_malformed_pointers() {
        assert_eq!(parse("a"), Err(PointerError::NoLeadingSlash));
        assert_eq!(parse("/a~2"), Err(PointerError::BadEscape));
        assert_eq!(parse("/a~"), Err(PointerError::BadEscape));
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse("/"), Ok(vec![Cow::Borrowed("")]));
        assert_eq!(
            parse("/a~1b/0"),
            Ok(vec![Cow::Owned("a/b".to_owned()), Cow::Borrowed("0")])
        );
    }

    #[test]
    fn indices_follow_rfc_6901() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("17"), Some(17));
        assert_eq!(parse_index("01"), None);
        assert_eq!(parse_index("-"), None);
        assert_eq!(parse_index(""), None);
        assert_eq!(parse_index("+1"), None);
        assert_eq!(parse_index("99999999999999999999999"), None);
    }
}
