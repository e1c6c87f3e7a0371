//! The journal: results as JSON lines, appended as they arrive, so a run
//! that stops (killed, crashed, cancelled) starts again where it was.
//!
//! One line per finished input, written whole with one `write` and never
//! rewritten:
//!
//! ```text
//! {"id":"doc-1","ok":{"name":"Ann","age":3}}
//! {"id":"doc-2","error":{"kind":"validation","message":"…","raw":"{\"name\":…","partial":{…}}}
//! ```
//!
//! On open, the lines already there are read: their ids are done. A last
//! line without its line feed (the process died while writing it) is
//! dropped and cut off the file before anything is appended; every whole
//! line before it is kept. A whole line that is not a record (written by
//! something else) is left in place and ignored.

use super::ToJson;
use crate::Error;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One line of a journal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Record {
    /// The input's id.
    pub id: String,
    /// The value (as JSON), or the error.
    pub outcome: Result<Value, ErrorRecord>,
}

/// A failed input, as a journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ErrorRecord {
    /// [`Error::kind`].
    pub kind: String,
    /// The error's message.
    pub message: String,
    /// The raw text the model wrote, when there was one.
    #[serde(default)]
    pub raw: Option<String>,
    /// The last partial snapshot, when there was one.
    #[serde(default)]
    pub partial: Option<Value>,
}

#[derive(Deserialize)]
struct Line {
    id: String,
    #[serde(default)]
    ok: Option<Value>,
    #[serde(default)]
    error: Option<ErrorRecord>,
}

impl Line {
    fn into_record(self) -> Option<Record> {
        let outcome = match (self.ok, self.error) {
            (_, Some(error)) => Err(error),
            (Some(value), None) => Ok(value),
            // `"ok": null` is a value too (an `Option` that was `None`).
            (None, None) => Ok(Value::Null),
        };
        Some(Record {
            id: self.id,
            outcome,
        })
    }
}

/// Reads a journal's records in order, without its torn last line (if
/// any) and the lines that are not records. Reads one line at a time: a
/// journal of any size takes no more memory than its longest line.
///
/// # Errors
///
/// When the file cannot be opened; reading errors end the iteration.
pub fn read_journal(path: impl AsRef<Path>) -> io::Result<impl Iterator<Item = Record>> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut line = Vec::new();
    Ok(std::iter::from_fn(move || loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) if line.last() != Some(&b'\n') => return None,
            Ok(_) => {
                if let Some(record) = parse(&line) {
                    return Some(record);
                }
            }
        }
    }))
}

fn parse(line: &[u8]) -> Option<Record> {
    serde_json::from_slice::<Line>(line).ok()?.into_record()
}

/// A journal open for appending, with the ids it already holds.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    /// Ids whose last record is a value.
    pub succeeded: HashSet<String>,
    /// Ids whose last record is an error.
    pub failed: HashSet<String>,
}

impl Journal {
    /// Opens (or creates) the journal at `path`, reading what it holds and
    /// cutting off a torn last line.
    pub fn open(path: &Path) -> io::Result<Journal> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let (mut succeeded, mut failed) = (HashSet::new(), HashSet::new());
        let mut reader = BufReader::new(&file);
        let mut line = Vec::new();
        let mut whole: u64 = 0;
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line)?;
            if read == 0 || line.last() != Some(&b'\n') {
                break;
            }
            whole += read as u64;
            let Some(record) = parse(&line) else {
                tracing::warn!(at = whole, "a journal line that is not a record is ignored");
                continue;
            };
            if record.outcome.is_ok() {
                failed.remove(&record.id);
                succeeded.insert(record.id);
            } else if !succeeded.contains(&record.id) {
                failed.insert(record.id);
            }
        }
        drop(reader);
        let length = file.seek(SeekFrom::End(0))?;
        if length > whole {
            tracing::warn!(
                bytes = length - whole,
                "the journal's last line is torn (the run stopped while writing it): cut off"
            );
            file.set_len(whole)?;
            file.sync_data()?;
        }
        Ok(Journal {
            file,
            succeeded,
            failed,
        })
    }

    /// Opens the journal at `path`, if there is one, as a configuration
    /// error when it cannot be.
    pub fn open_at(path: Option<&Path>) -> Result<Option<Journal>, Error> {
        let Some(path) = path else {
            return Ok(None);
        };
        Journal::open(path).map(Some).map_err(|e| Error::Config {
            message: format!("cannot open the journal {}: {e}", path.display()),
        })
    }

    /// Appends one record (one `write` of one whole line).
    pub fn append(&mut self, id: &str, outcome: Result<Value, &Error>) -> io::Result<()> {
        let record = match outcome {
            Ok(value) => json!({ "id": id, "ok": value }),
            Err(error) => json!({ "id": id, "error": error_json(error) }),
        };
        let mut line = serde_json::to_vec(&record)?;
        line.push(b'\n');
        self.file.write_all(&line)
    }
}

/// An error as a journal line holds it.
pub(crate) fn error_json(error: &Error) -> Value {
    json!({
        "kind": error.kind(),
        "message": error.to_string(),
        "raw": error.raw_text(),
        "partial": error.partial(),
    })
}

/// How a run is told to keep its results (`journal`, `retry_failed` on
/// [`Many`](super::Many) and [`BatchJob`](crate::client::batch::BatchJob)
/// alike), before the journal is opened.
pub(crate) struct Resume<O> {
    path: Option<PathBuf>,
    retry_failed: bool,
    to_json: Option<ToJson<O>>,
}

impl<O> Default for Resume<O> {
    fn default() -> Self {
        Resume {
            path: None,
            retry_failed: true,
            to_json: None,
        }
    }
}

impl<O> Resume<O> {
    /// Keeps the results in the journal at `path`.
    pub fn journal(&mut self, path: PathBuf)
    where
        O: Serialize,
    {
        self.path = Some(path);
        self.to_json = Some(|value| serde_json::to_value(value));
    }

    /// Whether inputs the journal holds as failed are run again.
    pub fn retry_failed(&mut self, retry: bool) {
        self.retry_failed = retry;
    }

    /// Opens the journal, if there is one.
    pub fn open(self) -> Result<Resumed<O>, Error> {
        Ok(Resumed {
            journal: Journal::open_at(self.path.as_deref())?,
            retry_failed: self.retry_failed,
            to_json: self.to_json,
        })
    }
}

impl<O> fmt::Debug for Resume<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resume")
            .field("path", &self.path)
            .field("retry_failed", &self.retry_failed)
            .finish()
    }
}

/// A run's journal, open: which inputs it holds as done, and where each
/// result goes.
pub(crate) struct Resumed<O> {
    journal: Option<Journal>,
    retry_failed: bool,
    to_json: Option<ToJson<O>>,
}

impl<O> Resumed<O> {
    /// No journal: nothing is skipped, nothing kept.
    pub fn none() -> Self {
        Resumed {
            journal: None,
            retry_failed: true,
            to_json: None,
        }
    }

    /// Whether there is a journal.
    pub fn is_on(&self) -> bool {
        self.journal.is_some()
    }

    /// The ids not to run again: those that succeeded, and those that
    /// failed unless failures are retried.
    pub fn done(&self) -> impl Iterator<Item = &String> {
        self.journal.iter().flat_map(|journal| {
            let failed = (!self.retry_failed).then_some(&journal.failed);
            journal.succeeded.iter().chain(failed.into_iter().flatten())
        })
    }

    /// Whether `id` is [done](Self::done).
    pub fn holds(&self, id: &str) -> bool {
        self.journal.as_ref().is_some_and(|journal| {
            journal.succeeded.contains(id) || (!self.retry_failed && journal.failed.contains(id))
        })
    }

    /// Appends `id`'s result. A value that does not serialize is an
    /// `InvalidData` error, as a failed write is.
    pub fn record(&mut self, id: &str, result: &Result<O, Error>) -> io::Result<()> {
        let Some(journal) = &mut self.journal else {
            return Ok(());
        };
        match result {
            Ok(value) => match self.to_json.map(|to_json| to_json(value)) {
                Some(Ok(json)) => journal.append(id, Ok(json)),
                Some(Err(e)) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                None => Ok(()),
            },
            Err(error) => journal.append(id, Err(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("extract-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn a_torn_last_line_is_cut_and_nothing_else_lost() {
        let path = temp("torn.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"ok\":1}\nnot a record\n{\"id\":\"b\",\"error\":{\"kind\":\"http\",\"message\":\"m\"}}\n{\"id\":\"c\",\"ok\":{\"na",
        )
        .unwrap();
        let mut journal = Journal::open(&path).unwrap();
        assert_eq!(journal.succeeded, HashSet::from(["a".to_owned()]));
        assert_eq!(journal.failed, HashSet::from(["b".to_owned()]));
        journal.append("c", Ok(json!({"name": "Cy"}))).unwrap();
        journal.append("b", Ok(json!(2))).unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with("{\"id\":\"c\",\"ok\":{\"name\":\"Cy\"}}\n{\"id\":\"b\",\"ok\":2}\n"),
            "{text}"
        );
        let records: Vec<Record> = read_journal(&path).unwrap().collect();
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "b"]);
        assert_eq!(records[1].outcome.as_ref().unwrap_err().kind, "http");
        let journal = Journal::open(&path).unwrap();
        assert_eq!(journal.succeeded.len(), 3);
        assert!(journal.failed.is_empty());
    }
}
