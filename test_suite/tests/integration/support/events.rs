//! Lexer events for a JSON text cut into chunks, and a driver that feeds
//! them to a type's builder the way `StreamParser` does: used to test the
//! generated builders event by event, independently of the lexer.

use extract::__private::{feed_child, Builder, ChildStep, OwnedEvent, Skip};
use extract::patch::PatchMode;
use extract::relay::apply;
use extract::{Checker, Extract, Issue, Partial, StreamParser, ValidationError};
use serde_json::Value;

/// The events of `text` (complete JSON), grouped by the chunk in which the
/// lexer reports them when the text is cut at `cuts` (byte offsets).
///
/// Strings report one piece per chunk they span (possibly empty); numbers
/// are reported in the chunk of the byte after them (or the last chunk);
/// keys and literals in the chunk of their last byte.
#[allow(
    clippy::needless_range_loop,
    reason = "chunk is both an index and a value compared below"
)]
pub fn chunked_events(text: &str, cuts: &[usize]) -> Vec<Vec<OwnedEvent>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let chunk_of = |byte: usize| cuts.iter().filter(|&&c| c <= byte).count();
    let chunks = cuts.len() + 1;
    let mut out: Vec<Vec<OwnedEvent>> = vec![Vec::new(); chunks];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\n' | b'\r' | b'\t' | b':' | b',' => i += 1,
            b'{' => {
                out[chunk_of(i)].push(OwnedEvent::ObjectStart);
                i += 1;
            }
            b'}' => {
                out[chunk_of(i)].push(OwnedEvent::ObjectEnd);
                i += 1;
            }
            b'[' => {
                out[chunk_of(i)].push(OwnedEvent::ArrayStart);
                i += 1;
            }
            b']' => {
                out[chunk_of(i)].push(OwnedEvent::ArrayEnd);
                i += 1;
            }
            b'"' => {
                let open = i;
                let (chars, end, closed) = decode_string(text, i + 1);
                i = end + 1;
                let mut j = i;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if closed && j < bytes.len() && bytes[j] == b':' {
                    let key: String = chars.iter().map(|(c, _)| *c).collect();
                    out[chunk_of(end)].push(OwnedEvent::Key(key));
                    continue;
                }
                let first_chunk = chunk_of(open);
                let last_chunk = chunk_of(end);
                for (chunk, events) in out
                    .iter_mut()
                    .enumerate()
                    .take(last_chunk + 1)
                    .skip(first_chunk)
                {
                    let piece: String = chars
                        .iter()
                        .filter(|(_, at)| chunk_of(*at) == chunk)
                        .map(|(c, _)| *c)
                        .collect();
                    events.push(OwnedEvent::Str {
                        text: piece,
                        first: chunk == first_chunk,
                        last: closed && chunk == last_chunk,
                    });
                }
            }
            b't' => {
                out[chunk_of(i + 3)].push(OwnedEvent::Bool(true));
                i += 4;
            }
            b'f' => {
                out[chunk_of(i + 4)].push(OwnedEvent::Bool(false));
                i += 5;
            }
            b'n' => {
                out[chunk_of(i + 3)].push(OwnedEvent::Null);
                i += 4;
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let at = if i < bytes.len() {
                    chunk_of(i)
                } else {
                    chunks - 1
                };
                out[at].push(OwnedEvent::Number(text[start..i].to_owned()));
            }
        }
    }
    out
}

/// Decodes the string starting after its opening quote at `start`: each
/// char with the byte offset where its encoding ends; the offset of the
/// closing quote (or the last byte, for a text cut inside the string); and
/// whether the string was closed.
fn decode_string(text: &str, start: usize) -> (Vec<(char, usize)>, usize, bool) {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    loop {
        if i >= bytes.len() {
            return (out, bytes.len() - 1, false);
        }
        match bytes[i] {
            b'"' => return (out, i, true),
            b'\\' => {
                let (c, len) = match bytes[i + 1] {
                    b'n' => ('\n', 2),
                    b't' => ('\t', 2),
                    b'r' => ('\r', 2),
                    b'b' => ('\u{8}', 2),
                    b'f' => ('\u{c}', 2),
                    b'u' => {
                        let hi = u32::from_str_radix(&text[i + 2..i + 6], 16).expect("hex");
                        if (0xD800..0xDC00).contains(&hi) {
                            let lo = u32::from_str_radix(&text[i + 8..i + 12], 16).expect("hex");
                            let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                .expect("pair");
                            (c, 12)
                        } else {
                            (char::from_u32(hi).expect("scalar"), 6)
                        }
                    }
                    other => (other as char, 2),
                };
                out.push((c, i + len - 1));
                i += len;
            }
            _ => {
                let c = text[i..].chars().next().expect("char");
                out.push((c, i + c.len_utf8() - 1));
                i += c.len_utf8();
            }
        }
    }
}

/// Feeds events to `T`'s builder like `StreamParser` does, keeping the
/// partial, the issues and the completion state.
pub struct Driver<T: Extract> {
    pub builder: T::Builder,
    pub slot: Option<T::Partial>,
    skip: Option<Skip>,
    pub issues: Vec<Issue>,
    pub ended: bool,
}

impl<T: Extract> Default for Driver<T> {
    fn default() -> Self {
        Self {
            builder: T::Builder::default(),
            slot: None,
            skip: None,
            issues: Vec::new(),
            ended: false,
        }
    }
}

impl<T: Extract> Driver<T> {
    /// Feeds one event.
    pub fn event(&mut self, event: &OwnedEvent) {
        if self.ended {
            return;
        }
        match feed_child(
            &mut self.builder,
            &mut self.skip,
            &mut self.slot,
            &event.as_event(),
        ) {
            ChildStep::Continue(issue) => {
                if let Some(issue) = issue {
                    self.issues.push(issue.into_issue());
                }
            }
            ChildStep::Ended { issue, .. } => {
                self.ended = true;
                if let Some(issue) = issue {
                    self.issues.push(issue.into_issue());
                }
            }
        }
    }

    /// The partial so far.
    pub fn partial(&self) -> Partial<T> {
        self.slot.clone().unwrap_or_default()
    }

    /// The path being written.
    pub fn active_path(&self) -> Vec<extract::Segment> {
        let mut out = Vec::new();
        if !self.ended {
            self.builder.active_path(&mut out);
        }
        out
    }

    /// Whether the value at `path` is complete.
    pub fn is_complete_at(&self, path: &[extract::Segment]) -> bool {
        self.ended || self.builder.is_complete_at(path)
    }

    /// Completes and validates, like `StreamParser::finish`.
    pub fn finish(self) -> Result<T, ValidationError> {
        let mut checker = Checker::new();
        for issue in self.issues {
            checker.push_issue(issue);
        }
        let Some(partial) = self.slot else {
            return match T::missing() {
                Some(value) => Ok(value),
                None => {
                    if checker.is_ok() {
                        checker.report("no value");
                    }
                    Err(checker.into_result().unwrap_err())
                }
            };
        };
        T::check(&partial, &mut checker);
        checker.into_result()?;
        let value = T::convert(partial).expect("checked");
        let mut checker = Checker::new();
        value.validate(&mut checker);
        checker.into_result().map(|()| value)
    }
}

/// What streaming a text produced: the snapshot after each chunk, and the
/// final value or error.
pub struct Outcome<T: Extract> {
    pub snapshots: Vec<Partial<T>>,
    pub result: Result<T, ValidationError>,
}

/// Streams `text` cut at `cuts` (byte offsets, any position) through
/// [`StreamParser`], keeping the snapshot after each chunk.
///
/// The parser records its changes too: after each chunk, the operations
/// recorded so far, applied in order to the JSON of the empty partial,
/// must give the partial's JSON ([`Mirror`]).
pub fn stream<T: Extract>(text: &str, cuts: &[usize]) -> Outcome<T> {
    let bytes = text.as_bytes();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut parser = StreamParser::<T>::new();
    let mut mirror = Mirror::new(&mut parser, PatchMode::Append);
    let mut snapshots = Vec::new();
    let mut start = 0;
    for end in cuts.into_iter().chain(std::iter::once(bytes.len())) {
        parser.feed(&bytes[start..end]).expect("valid JSON");
        mirror.check(&mut parser, &String::from_utf8_lossy(&bytes[..end]));
        snapshots.push(parser.partial().clone());
        start = end;
    }
    // A text cut short is a syntax error at the end; tests of partial texts
    // look at the snapshots, and get the error as a root problem.
    let result = parser.finish().map_err(|error| match error.validation() {
        Some(problems) => problems.clone(),
        None => ValidationError::new(vec![Issue {
            path: extract::Path::root(),
            message: error.to_string(),
        }]),
    });
    Outcome { snapshots, result }
}

/// The JSON a receiver of a parser's recorded changes holds: the empty
/// partial's, then each batch of operations applied in order.
pub struct Mirror {
    json: Value,
}

impl Mirror {
    /// Starts recording `parser`'s changes in `mode`, from the JSON of
    /// its partial now.
    pub fn new<T: Extract>(parser: &mut StreamParser<T>, mode: PatchMode) -> Self {
        parser.record_changes(mode);
        let json = serde_json::to_value(parser.partial()).expect("a partial serializes");
        Self { json }
    }

    /// Applies the changes `parser` recorded since the last call and
    /// checks that they give the partial's JSON (`context` is shown when
    /// they do not).
    pub fn check<T: Extract>(&mut self, parser: &mut StreamParser<T>, context: &str) {
        let ops = parser.take_changes().expect("the changes serialize");
        if let Err(error) = apply(&mut self.json, &ops) {
            panic!("{error}: {ops:?} on {}\nafter {context:?}", self.json);
        }
        let partial = serde_json::to_value(parser.partial()).expect("a partial serializes");
        assert_eq!(
            self.json, partial,
            "the recorded changes {ops:?} give another JSON than the partial's after {context:?}"
        );
    }
}

/// Streams `text` one byte per chunk through [`StreamParser`].
pub fn stream_bytewise<T: Extract>(text: &str) -> Outcome<T> {
    let cuts: Vec<usize> = (1..text.len()).collect();
    stream(text, &cuts)
}

/// Streams `text` cut at `cuts` through `T`'s builder, with the events
/// simulated here rather than lexed (to test builders on their own).
pub fn stream_simulated<T: Extract>(text: &str, cuts: &[usize]) -> Outcome<T> {
    let mut driver = Driver::<T>::default();
    let mut snapshots = Vec::new();
    for chunk in chunked_events(text, cuts) {
        for event in &chunk {
            driver.event(event);
        }
        snapshots.push(driver.partial());
    }
    Outcome {
        snapshots,
        result: driver.finish(),
    }
}
