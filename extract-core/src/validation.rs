//! Validation problems, each with its JSON path, and the collector that
//! gathers all of them at once.

use std::fmt;

use crate::path::{Path, Segment};

/// One problem with a value: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where the problem is.
    pub path: Path,
    /// What is wrong, in words fit to send back to a model.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in a value, each with its JSON path.
///
/// Its `Display` is one `path: message` line per problem, ready to be sent
/// back to a model as a re-ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    issues: Vec<Issue>,
}

impl ValidationError {
    /// Builds an error from a non-empty list of issues.
    #[must_use]
    pub fn new(issues: Vec<Issue>) -> Self {
        Self { issues }
    }

    /// The problems, in document order.
    #[must_use]
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Consumes the error, returning its problems.
    #[must_use]
    pub fn into_issues(self) -> Vec<Issue> {
        self.issues
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// One step of the path a [`Checker`] is at: struct fields are kept as
/// `&'static str` so walking a value allocates nothing until a problem is
/// reported.
#[derive(Debug, Clone)]
enum CheckSegment {
    Field(&'static str),
    Key(String),
    Index(usize),
}

/// Collects problems while a finished value is checked, tracking the path.
///
/// Generated code pushes a segment before checking a field or item and pops
/// it after; [`Checker::report`] records a problem at the current path. The
/// path is only materialized when a problem is reported.
#[derive(Debug, Default)]
pub struct Checker {
    path: Vec<CheckSegment>,
    issues: Vec<Issue>,
}

impl Checker {
    /// A checker at the root path with no problems.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Enters a struct field (its JSON name), allocating nothing.
    pub fn enter_field(&mut self, name: &'static str) {
        self.path.push(CheckSegment::Field(name));
    }

    /// Enters an object key.
    pub fn enter_key(&mut self, key: &str) {
        self.path.push(CheckSegment::Key(key.to_owned()));
    }

    /// Enters an array index.
    pub fn enter_index(&mut self, index: usize) {
        self.path.push(CheckSegment::Index(index));
    }

    /// Leaves the segment entered last.
    pub fn leave(&mut self) {
        self.path.pop();
    }

    /// The current path.
    #[must_use]
    pub fn path(&self) -> Path {
        Path::from(
            self.path
                .iter()
                .map(|segment| match segment {
                    CheckSegment::Field(name) => Segment::Key((*name).to_owned()),
                    CheckSegment::Key(key) => Segment::Key(key.clone()),
                    CheckSegment::Index(index) => Segment::Index(*index),
                })
                .collect::<Vec<_>>(),
        )
    }

    /// Records a problem at the current path.
    pub fn report(&mut self, message: impl Into<String>) {
        self.issues.push(Issue {
            path: self.path(),
            message: message.into(),
        });
    }

    /// Records a problem found while streaming (its path already complete).
    pub fn push_issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    /// True when no problem was recorded.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.issues.is_empty()
    }

    /// The problems so far.
    #[must_use]
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// `Ok(())` when nothing was reported, else every problem (a problem
    /// whose path already has an earlier problem is dropped, so a field that
    /// streamed in with the wrong type is not also reported as missing).
    ///
    /// # Errors
    ///
    /// The collected problems.
    pub fn into_result(self) -> Result<(), ValidationError> {
        if self.issues.is_empty() {
            return Ok(());
        }
        let mut kept: Vec<Issue> = Vec::with_capacity(self.issues.len());
        for issue in self.issues {
            if !kept.iter().any(|k| k.path == issue.path) {
                kept.push(issue);
            }
        }
        Err(ValidationError::new(kept))
    }
}

/// A problem found while streaming, with its path built on the way back up
/// (innermost segment first), so the happy path never tracks a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamIssue {
    reversed_path: Vec<Segment>,
    message: String,
}

impl StreamIssue {
    /// A problem at the value that found it.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Box<Self> {
        Box::new(Self {
            reversed_path: Vec::new(),
            message: message.into(),
        })
    }

    /// "expected X, found Y" for a value of the wrong JSON kind.
    #[must_use]
    pub fn expected(what: &str, found: &crate::json::Event<'_>) -> Box<Self> {
        Self::new(format!("expected {what}, found {}", found.kind_name()))
    }

    /// Prepends the key of the enclosing object.
    #[must_use]
    pub fn in_key(mut self: Box<Self>, key: &str) -> Box<Self> {
        self.reversed_path.push(Segment::Key(key.to_owned()));
        self
    }

    /// Prepends the index in the enclosing array.
    #[must_use]
    pub fn in_index(mut self: Box<Self>, index: usize) -> Box<Self> {
        self.reversed_path.push(Segment::Index(index));
        self
    }

    /// The finished issue with its path from the root.
    #[must_use]
    pub fn into_issue(self) -> Issue {
        Issue {
            path: Path::from_reversed(self.reversed_path),
            message: self.message,
        }
    }
}
