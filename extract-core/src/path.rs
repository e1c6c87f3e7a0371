//! JSON paths (`users[2].age`) naming where in a value something happened.

use std::fmt;

/// One step of a [`Path`]: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// An object key (a struct field's JSON name, or a map key).
    Key(String),
    /// An array index.
    Index(usize),
}

/// A JSON path from the root of a value, shown as `users[2].age`.
///
/// The empty path is the root and is shown as `(root)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path {
    segments: Vec<Segment>,
}

impl Path {
    /// The root path.
    #[must_use]
    pub fn root() -> Self {
        Self::default()
    }

    /// The segments from the root down.
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True for the root path.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// Appends a key segment.
    pub fn push_key(&mut self, key: impl Into<String>) {
        self.segments.push(Segment::Key(key.into()));
    }

    /// Appends an index segment.
    pub fn push_index(&mut self, index: usize) {
        self.segments.push(Segment::Index(index));
    }

    /// Removes the last segment.
    pub fn pop(&mut self) -> Option<Segment> {
        self.segments.pop()
    }

    /// True when `self` is `other` or lies inside it.
    #[must_use]
    pub fn starts_with(&self, other: &Path) -> bool {
        self.segments.starts_with(&other.segments)
    }

    /// The path as a JSON Pointer (RFC 6901): `/users/2/age`, `""` for the
    /// root, with `~` and `/` in keys escaped as `~0` and `~1` (the paths
    /// of the relay's patches).
    ///
    /// ```
    /// let mut path = extract_core::Path::root();
    /// assert_eq!(path.to_pointer(), "");
    /// path.push_key("a/b");
    /// path.push_index(2);
    /// assert_eq!(path.to_pointer(), "/a~1b/2");
    /// ```
    #[must_use]
    pub fn to_pointer(&self) -> String {
        use fmt::Write as _;
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Key(key) => escape_pointer_segment(key, &mut out),
                // Writing to a `String` cannot fail.
                Segment::Index(index) => drop(write!(out, "{index}")),
            }
        }
        out
    }

    pub(crate) fn from_reversed(mut reversed: Vec<Segment>) -> Self {
        reversed.reverse();
        Self { segments: reversed }
    }
}

impl From<Vec<Segment>> for Path {
    fn from(segments: Vec<Segment>) -> Self {
        Self { segments }
    }
}

/// Appends `segment` to `out` with RFC 6901 escaping: `~` becomes `~0`
/// and `/` becomes `~1` (in that order, so `~1` in a key stays `~01`).
pub(crate) fn escape_pointer_segment(segment: &str, out: &mut String) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("(root)");
        }
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(key) if is_identifier(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => write!(f, "[{}]", serde_json::Value::from(key.as_str()))?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_a_javascript_accessor() {
        let mut path = Path::root();
        assert_eq!(path.to_string(), "(root)");
        path.push_key("users");
        path.push_index(2);
        path.push_key("age");
        assert_eq!(path.to_string(), "users[2].age");
        path.push_key("odd key");
        assert_eq!(path.to_string(), r#"users[2].age["odd key"]"#);
        let mut top = Path::root();
        top.push_index(0);
        assert_eq!(top.to_string(), "[0]");
    }
}
