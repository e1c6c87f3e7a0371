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

impl CheckSegment {
    fn is(&self, segment: &Segment) -> bool {
        match (self, segment) {
            (CheckSegment::Field(a), Segment::Key(b)) => a == b,
            (CheckSegment::Key(a), Segment::Key(b)) => a == b,
            (CheckSegment::Index(a), Segment::Index(b)) => a == b,
            _ => false,
        }
    }
}

/// Collects problems while a finished value is checked, tracking the path.
///
/// Generated code pushes a segment before checking a field or item and pops
/// it after; [`Checker::report`] records a problem at the current path. The
/// path is only materialized when a problem is reported.
///
/// The problems are listed in the order the walk visits their paths (a
/// struct's fields in declaration order, a list's items in order): one
/// found while streaming ([`Checker::push_issue`]) waits until the walk
/// reaches its path, or leaves the value holding it.
#[derive(Debug, Default)]
pub struct Checker {
    path: Vec<CheckSegment>,
    issues: Vec<Issue>,
    /// Problems found while streaming, in arrival order, not yet listed.
    streamed: Vec<Issue>,
}

impl Checker {
    /// A checker at the root path with no problems.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Enters a struct field (its JSON name), allocating nothing.
    pub fn enter_field(&mut self, name: &'static str) {
        self.enter(CheckSegment::Field(name));
    }

    /// Enters an object key.
    pub fn enter_key(&mut self, key: &str) {
        self.enter(CheckSegment::Key(key.to_owned()));
    }

    /// Enters an array index.
    pub fn enter_index(&mut self, index: usize) {
        if !self.streamed.is_empty() {
            // The problems of the items before this one that the walk
            // does not visit (items rejected while streaming) come first.
            let depth = self.path.len();
            self.list_streamed(|checker, issue| {
                checker.is_below(issue)
                    && matches!(issue.path.segments().get(depth), Some(Segment::Index(i)) if *i < index)
            });
        }
        self.enter(CheckSegment::Index(index));
    }

    fn enter(&mut self, segment: CheckSegment) {
        self.path.push(segment);
        self.list_streamed_here();
    }

    /// Leaves the segment entered last.
    pub fn leave(&mut self) {
        if !self.streamed.is_empty() {
            // Problems below this value the walk did not visit.
            self.list_streamed(Checker::is_below);
        }
        self.path.pop();
    }

    /// True when `issue` is at the current path or below it.
    fn is_below(&self, issue: &Issue) -> bool {
        let segments = issue.path.segments();
        segments.len() >= self.path.len() && self.path.iter().zip(segments).all(|(a, b)| a.is(b))
    }

    /// True when `issue` is at the current path or above it.
    fn is_above(&self, issue: &Issue) -> bool {
        let segments = issue.path.segments();
        segments.len() <= self.path.len() && segments.iter().zip(&self.path).all(|(b, a)| a.is(b))
    }

    /// Lists the streamed problems at the current path and above it.
    fn list_streamed_here(&mut self) {
        if !self.streamed.is_empty() {
            self.list_streamed(Checker::is_above);
        }
    }

    /// Moves the streamed problems that `now` picks to the list, keeping
    /// their order.
    fn list_streamed(&mut self, now: impl Fn(&Checker, &Issue) -> bool) {
        let streamed = std::mem::take(&mut self.streamed);
        let (listed, waiting): (Vec<Issue>, Vec<Issue>) =
            streamed.into_iter().partition(|issue| now(self, issue));
        self.issues.extend(listed);
        self.streamed = waiting;
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
        self.list_streamed_here();
        self.issues.push(Issue {
            path: self.path(),
            message: message.into(),
        });
    }

    /// Records a problem found while streaming (its path already complete).
    /// It is listed when the walk reaches its path, so that the problems
    /// keep field order whichever way each was found.
    pub fn push_issue(&mut self, issue: Issue) {
        self.streamed.push(issue);
    }

    /// True when no problem was recorded.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.issues.is_empty() && self.streamed.is_empty()
    }

    /// The problems listed so far (a problem found while streaming is
    /// listed once the walk has reached its path).
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
    pub fn into_result(mut self) -> Result<(), ValidationError> {
        self.issues.append(&mut self.streamed);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(segments: Vec<Segment>, message: &str) -> Issue {
        Issue {
            path: Path::from(segments),
            message: message.to_owned(),
        }
    }

    /// A problem found while streaming waits for the walk to reach its
    /// path; one below a value the walk does not visit (an item rejected
    /// while streaming) is listed before the next item, or when the walk
    /// leaves the value.
    #[test]
    fn streamed_problems_take_their_place_in_the_walk() {
        let key = |k: &str| Segment::Key(k.to_owned());
        let mut checker = Checker::new();
        checker.push_issue(at(vec![key("b")], "streamed b"));
        checker.push_issue(at(vec![key("list"), Segment::Index(0)], "item 0"));
        checker.push_issue(at(vec![key("list"), Segment::Index(3)], "item 3"));
        checker.enter_field("a");
        checker.report("checked a");
        checker.leave();
        checker.enter_field("list");
        checker.enter_index(1);
        checker.report("checked 1");
        checker.leave();
        checker.leave();
        checker.enter_field("b");
        checker.report("missing b");
        checker.leave();
        let listed: Vec<String> = checker
            .into_result()
            .unwrap_err()
            .issues()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            listed,
            [
                "a: checked a",
                "list[0]: item 0",
                "list[1]: checked 1",
                "list[3]: item 3",
                "b: streamed b",
            ]
        );
    }
}
