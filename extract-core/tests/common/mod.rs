//! Test-only helpers shared by the JSON lexer's integration tests: a sink that
//! builds a `serde_json::Value` from the events (numbers built the way
//! serde_json builds them), a sink that records the events, and ways to cut
//! an input into chunks.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use extract_core::json::{Event, Lexer, LexerOptions, Sink, SyntaxError};
use serde_json::{Map, Number, Value};

/// Why building a `Value` failed.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildError {
    /// The lexer's error.
    Syntax(SyntaxError),
    /// A number a `Value` cannot hold (like `1e400`, which serde_json rejects too).
    Number(String),
}

impl From<SyntaxError> for BuildError {
    fn from(e: SyntaxError) -> Self {
        BuildError::Syntax(e)
    }
}

enum Frame {
    Array(Vec<Value>),
    Object(Map<String, Value>, Option<String>),
}

/// Builds the `Value` the events describe.
#[derive(Default)]
pub struct ValueBuilder {
    stack: Vec<Frame>,
    text: String,
    root: Option<Value>,
}

impl ValueBuilder {
    fn put(&mut self, v: Value) {
        match self.stack.last_mut() {
            Some(Frame::Array(items)) => items.push(v),
            Some(Frame::Object(map, key)) => {
                let key = key.take().expect("a value in an object without a key");
                map.insert(key, v);
            }
            None => {
                assert!(self.root.is_none(), "two top-level values");
                self.root = Some(v);
            }
        }
    }

    /// The value built, once the top-level value is complete.
    pub fn into_value(self) -> Option<Value> {
        self.root
    }
}

/// A number's JSON text as serde_json makes it a `Value`: an integer as
/// `u64` or `i64` when it fits (but `-0` as the float -0.0), anything else as
/// the nearest `f64`.
pub fn number(text: &str) -> Result<Value, BuildError> {
    if !text.contains(['.', 'e', 'E']) && text != "-0" {
        if let Ok(u) = text.parse::<u64>() {
            return Ok(u.into());
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(i.into());
        }
    }
    let f: f64 = text.parse().map_err(|_| BuildError::Number(text.into()))?;
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| BuildError::Number(text.into()))
}

impl Sink for ValueBuilder {
    type Error = BuildError;

    fn event(&mut self, event: Event<'_>) -> Result<(), BuildError> {
        match event {
            Event::ObjectStart => self.stack.push(Frame::Object(Map::new(), None)),
            Event::ArrayStart => self.stack.push(Frame::Array(Vec::new())),
            Event::ObjectEnd => match self.stack.pop() {
                Some(Frame::Object(map, None)) => self.put(Value::Object(map)),
                _ => panic!("`}}` closes no object"),
            },
            Event::ArrayEnd => match self.stack.pop() {
                Some(Frame::Array(items)) => self.put(Value::Array(items)),
                _ => panic!("`]` closes no array"),
            },
            Event::Key(k) => match self.stack.last_mut() {
                Some(Frame::Object(_, key @ None)) => *key = Some(k.to_owned()),
                _ => panic!("key {k:?} out of place"),
            },
            Event::Str { text, first, last } => {
                if first {
                    self.text.clear();
                }
                self.text.push_str(text);
                if last {
                    let s = std::mem::take(&mut self.text);
                    self.put(Value::String(s));
                }
            }
            Event::Number(n) => self.put(number(n)?),
            Event::Bool(b) => self.put(Value::Bool(b)),
            Event::Null => self.put(Value::Null),
        }
        Ok(())
    }
}

/// Feeds `input` cut at `cuts` (sorted indices into it), then finishes.
pub fn feed_cut<S: Sink>(
    input: &[u8],
    cuts: &[usize],
    opts: &LexerOptions,
    sink: &mut S,
) -> Result<(), S::Error> {
    let mut lexer = Lexer::with_options(opts.clone());
    let mut prev = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(prev, input.len());
        lexer.feed(&input[prev..cut], sink)?;
        prev = cut;
    }
    lexer.finish(sink)
}

/// Feeds `input` with [`Lexer::feed_str`], cut at `cuts` (sorted indices,
/// each moved up to the next character boundary), then finishes.
pub fn feed_str_cut<S: Sink>(
    input: &str,
    cuts: &[usize],
    opts: &LexerOptions,
    sink: &mut S,
) -> Result<(), S::Error> {
    let mut lexer = Lexer::with_options(opts.clone());
    let mut prev = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let mut cut = cut.clamp(prev, input.len());
        while !input.is_char_boundary(cut) {
            cut += 1;
        }
        lexer.feed_str(&input[prev..cut], sink)?;
        prev = cut;
    }
    lexer.finish(sink)
}

/// The `Value` of `input` cut at `cuts`, built from the events.
pub fn lex_value(input: &[u8], cuts: &[usize], opts: &LexerOptions) -> Result<Value, BuildError> {
    let mut builder = ValueBuilder::default();
    feed_cut(input, cuts, opts, &mut builder)?;
    Ok(builder
        .into_value()
        .expect("finish succeeded without a value"))
}

/// An owned event; the pieces of a string value are merged into one `Str`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    ObjectStart,
    ObjectEnd,
    ArrayStart,
    ArrayEnd,
    Key(String),
    Str(String),
    Number(String),
    Bool(bool),
    Null,
}

/// Records the events, merging the pieces of each string and checking their
/// `first` and `last` flags.
#[derive(Default)]
pub struct Recorder {
    pub events: Vec<Ev>,
    open: Option<String>,
}

impl Sink for Recorder {
    type Error = SyntaxError;

    fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
        let ev = match event {
            Event::Str { text, first, last } => {
                match (&mut self.open, first) {
                    (None, true) => self.open = Some(text.to_owned()),
                    (Some(s), false) => s.push_str(text),
                    _ => panic!("bad `first` flag on {text:?}"),
                }
                if !last {
                    return Ok(());
                }
                Ev::Str(self.open.take().unwrap_or_default())
            }
            _ if self.open.is_some() => panic!("{event:?} inside a string"),
            Event::ObjectStart => Ev::ObjectStart,
            Event::ObjectEnd => Ev::ObjectEnd,
            Event::ArrayStart => Ev::ArrayStart,
            Event::ArrayEnd => Ev::ArrayEnd,
            Event::Key(k) => Ev::Key(k.to_owned()),
            Event::Number(n) => Ev::Number(n.to_owned()),
            Event::Bool(b) => Ev::Bool(b),
            Event::Null => Ev::Null,
        };
        self.events.push(ev);
        Ok(())
    }
}

/// What lexing an input gave: the events (a string cut by the error left
/// out, since how much of it was reported depends on the cuts) and the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub events: Vec<Ev>,
    pub error: Option<SyntaxError>,
}

/// The outcome of `input` fed with `feed_str`, cut at `cuts` (moved to
/// character boundaries).
pub fn outcome_str(input: &str, cuts: &[usize], opts: &LexerOptions) -> Outcome {
    let mut rec = Recorder::default();
    let error = feed_str_cut(input, cuts, opts, &mut rec).err();
    Outcome {
        events: rec.events,
        error,
    }
}

/// The outcome of `input` cut at `cuts`.
pub fn outcome(input: &[u8], cuts: &[usize], opts: &LexerOptions) -> Outcome {
    let mut rec = Recorder::default();
    let error = feed_cut(input, cuts, opts, &mut rec).err();
    Outcome {
        events: rec.events,
        error,
    }
}

/// A small deterministic generator (xorshift64*), for reproducible cuts.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Sorted random cuts of an input of length `len`, about `count` of them.
pub fn random_cuts(rng: &mut Rng, len: usize, count: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..count).map(|_| rng.below(len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

/// Cuts after every byte.
pub fn bytewise(len: usize) -> Vec<usize> {
    (1..len).collect()
}
