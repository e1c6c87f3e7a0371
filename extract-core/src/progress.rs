//! Per-field progress while an answer streams in: which value is being
//! written, and which values were received in full since the last look.

use crate::json::Event;
use crate::path::{Path, Segment};

/// Where a streaming answer stands: the value being written and the values
/// completed since the previous snapshot.
///
/// Paths follow the answer's JSON (`users[3].name`). `completed` lists the
/// outermost values only: when a whole user ended since the last snapshot,
/// `users[3]` is listed, not its fields. A value completed in an earlier
/// snapshot is not listed again (its container may be, once it ends).
///
/// Returned by [`StreamParser::take_progress`](crate::StreamParser::take_progress)
/// and, for each snapshot, by `PartialStream::progress`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The value being written now: a string arriving, or the member
    /// whose key arrived (a number is shown only once complete, but is
    /// being written meanwhile); between members, the object or array
    /// they belong to. `None` before the answer starts and once it is
    /// complete.
    pub active: Option<Path>,
    /// The values received in full since the last snapshot, in the order
    /// they ended, outermost only. The root is listed once the whole value
    /// has ended.
    pub completed: Vec<Path>,
    /// The attempt the snapshot belongs to, counting from 1. A re-asked
    /// answer starts over from an empty value: completions of an earlier
    /// attempt no longer hold.
    pub attempt: u32,
}

impl Progress {
    /// A progress report.
    #[must_use]
    pub fn new(active: Option<Path>, completed: Vec<Path>, attempt: u32) -> Self {
        Self {
            active,
            completed,
            attempt,
        }
    }
}

/// An open container of the answer.
#[derive(Debug, Clone, Copy)]
enum Open {
    Object,
    /// An array, with the number of items started so far.
    Array(usize),
}

/// Follows the lexer's events to record each value as it ends: a stack of
/// open containers and the path to where the answer stands, so a value's
/// end costs one path copy, whatever came before.
#[derive(Debug, Default)]
pub(crate) struct Completions {
    open: Vec<Open>,
    /// The path of the current value: one segment per open container once
    /// a key or an item has started in it.
    at: Vec<Segment>,
    /// A value at `at` has started (or its key arrived) and not ended.
    writing: bool,
    /// Completed since the last take, outermost only.
    done: Vec<Path>,
}

impl Completions {
    pub(crate) fn event(&mut self, event: &Event<'_>) {
        match *event {
            Event::Key(key) => {
                self.at.truncate(self.open.len().saturating_sub(1));
                self.at.push(Segment::Key(key.to_owned()));
                self.writing = true;
            }
            Event::ObjectStart => {
                self.start();
                self.open.push(Open::Object);
            }
            Event::ArrayStart => {
                self.start();
                self.open.push(Open::Array(0));
            }
            Event::ObjectEnd | Event::ArrayEnd => {
                self.open.pop();
                self.at.truncate(self.open.len());
                self.end();
            }
            Event::Str { first, last, .. } => {
                if first {
                    self.start();
                    self.writing = true;
                }
                if last {
                    self.end();
                }
            }
            Event::Number(_) | Event::Bool(_) | Event::Null => {
                self.start();
                self.end();
            }
        }
    }

    /// A value starts: in an array, it is the next item.
    fn start(&mut self) {
        if let Some(Open::Array(started)) = self.open.last_mut() {
            let index = *started;
            *started += 1;
            self.at.truncate(self.open.len() - 1);
            self.at.push(Segment::Index(index));
        }
    }

    /// The current value ended: it replaces the values inside it that were
    /// listed (they end just before it, so they are at the tail).
    fn end(&mut self) {
        self.writing = false;
        let at = &self.at[..self.at.len().min(self.open.len())];
        while self
            .done
            .last()
            .is_some_and(|last| last.segments().starts_with(at))
        {
            self.done.pop();
        }
        self.done.push(Path::from(at.to_vec()));
    }

    /// The value being written (see [`Progress::active`]), while the root
    /// is open.
    pub(crate) fn active(&self) -> Option<Path> {
        if self.writing {
            return Some(Path::from(self.at.clone()));
        }
        let depth = self.open.len().checked_sub(1)?;
        Some(Path::from(self.at[..depth.min(self.at.len())].to_vec()))
    }

    /// Takes the values completed since the last take.
    pub(crate) fn take(&mut self) -> Vec<Path> {
        std::mem::take(&mut self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{Lexer, Sink, SyntaxError};

    struct Feed<'a>(&'a mut Completions);

    impl Sink for Feed<'_> {
        type Error = SyntaxError;
        fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
            self.0.event(&event);
            Ok(())
        }
    }

    fn shown(paths: Vec<Path>) -> Vec<String> {
        paths.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn values_are_listed_as_they_end_outermost_only() {
        let mut completions = Completions::default();
        let mut lexer = Lexer::new();
        let mut feed = |text: &str, completions: &mut Completions| {
            lexer.feed(text.as_bytes(), &mut Feed(completions)).unwrap();
            shown(completions.take())
        };
        assert_eq!(
            feed(r#"{"a": "x", "b": [1, "#, &mut completions),
            ["a", "b[0]"]
        );
        assert_eq!(completions.active().unwrap().to_string(), "b");
        assert_eq!(feed(r#"{"c": tr"#, &mut completions), Vec::<String>::new());
        assert_eq!(completions.active().unwrap().to_string(), "b[1].c");
        assert_eq!(feed("ue}, 3", &mut completions), ["b[1]"]);
        assert_eq!(
            feed(r#"], "d": {"e": [[]]"#, &mut completions),
            ["b", "d.e"]
        );
        assert_eq!(feed(r#"}, "f": {"g": "x"#, &mut completions), ["d"]);
        assert_eq!(completions.active().unwrap().to_string(), "f.g");
        assert_eq!(feed(r#"yz"}}"#, &mut completions), ["(root)"]);
        assert!(completions.active().is_none());
    }

    #[test]
    fn a_container_ending_replaces_its_members_taken_together() {
        let mut completions = Completions::default();
        let mut lexer = Lexer::new();
        lexer
            .feed(
                br#"[{"a": 1, "b": [2, 3]}, {"c": "#,
                &mut Feed(&mut completions),
            )
            .unwrap();
        assert_eq!(shown(completions.take()), ["[0]"]);
    }
}
