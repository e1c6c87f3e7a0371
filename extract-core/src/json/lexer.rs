//! The resumable state machine behind [`Lexer`].
//!
//! There is no recursion: a flat [`State`] says what may come next, a bit
//! stack says whether each open container is an array or an object, and a few
//! small fields carry a token that a chunk boundary cut (an escape, the first
//! bytes of a UTF-8 character, a literal, the text of a key or a number).
//!
//! Each byte is read once by the state machine. Besides, each chunk is checked
//! once by `std::str::from_utf8` (a fast pass, skipped by
//! [`Lexer::feed_str`]): string text and numbers inside the chunk's valid
//! UTF-8 are then sliced from it as `&str` and lent to the sink with no
//! further check. Plain string text is scanned eight bytes at a time.

use self::number::Num;
use self::string::Esc;
use super::error::{Expected, SyntaxError, SyntaxErrorKind};
use super::event::{Event, Sink};
use crate::work::{self, Layer};

/// Options of a [`Lexer`]. Build from [`Default`] with the setters:
///
/// ```
/// use extract_core::json::LexerOptions;
/// let opts = LexerOptions::default().max_depth(32).lenient_control_characters(true);
/// assert_eq!(opts.max_depth, 32);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LexerOptions {
    /// How deep arrays and objects may nest (default 128). The `[` or `{` that
    /// would go deeper is a [`SyntaxErrorKind::DepthLimit`] error.
    pub max_depth: usize,
    /// Keep raw control characters (bytes below `0x20`: newlines, tabs, …)
    /// inside strings, byte for byte, instead of rejecting them (default
    /// `false`, as RFC 8259 says). Models often emit raw newlines in strings.
    pub lenient_control_characters: bool,
    /// Replace a `\u` escape of a lone UTF-16 surrogate with U+FFFD instead of
    /// rejecting it (default `false`).
    pub lenient_surrogates: bool,
    /// The longest object key or number, in bytes of input, that may be
    /// buffered (default 1 MiB). For a key the bytes between the quotes count
    /// (escapes as written); the first byte over the limit is a
    /// [`SyntaxErrorKind::TokenTooLong`] error. The limit is on the input, not
    /// on where the chunks were cut, so the outcome never depends on the
    /// splits. String values are never buffered and have no limit.
    pub max_token_len: usize,
    /// Ignore everything after the top-level value, without looking at it
    /// (default `false`: only JSON whitespace may follow).
    pub allow_trailing_data: bool,
}

impl Default for LexerOptions {
    fn default() -> Self {
        LexerOptions {
            max_depth: 128,
            lenient_control_characters: false,
            lenient_surrogates: false,
            max_token_len: 1 << 20,
            allow_trailing_data: false,
        }
    }
}

impl LexerOptions {
    /// Sets [`max_depth`](Self::max_depth).
    #[must_use]
    pub fn max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Sets [`lenient_control_characters`](Self::lenient_control_characters).
    #[must_use]
    pub fn lenient_control_characters(mut self, yes: bool) -> Self {
        self.lenient_control_characters = yes;
        self
    }

    /// Sets [`lenient_surrogates`](Self::lenient_surrogates).
    #[must_use]
    pub fn lenient_surrogates(mut self, yes: bool) -> Self {
        self.lenient_surrogates = yes;
        self
    }

    /// Sets [`max_token_len`](Self::max_token_len).
    #[must_use]
    pub fn max_token_len(mut self, max_token_len: usize) -> Self {
        self.max_token_len = max_token_len;
        self
    }

    /// Sets [`allow_trailing_data`](Self::allow_trailing_data).
    #[must_use]
    pub fn allow_trailing_data(mut self, yes: bool) -> Self {
        self.allow_trailing_data = yes;
        self
    }
}

/// An incremental JSON push lexer: feed it chunks split anywhere, it reports
/// each token to a [`Sink`] as soon as the token is known.
///
/// One lexer reads one JSON text (RFC 8259, strict unless
/// [`LexerOptions`] relax it): call [`feed`](Self::feed) for each chunk, then
/// [`finish`](Self::finish) at the end of input. The events (and any error)
/// are the same whatever the chunk boundaries, except that a string value may
/// come in more or fewer [`Event::Str`] pieces. The work done by a `feed` is
/// proportional to the chunk's length: nothing consumed is scanned again, and
/// nothing is allocated once the lexer's buffer has grown to the longest
/// token that had to be copied.
///
/// Text is lent, not copied, wherever it can be: a string value's text in a
/// chunk, and a key or a number wholly inside one chunk, are slices of that
/// chunk. Only a key or a number cut by the end of a chunk, and the part of a
/// string value that holds escapes, are copied (into one reused buffer).
/// When the input is `&str` already (say, text deltas decoded from
/// server-sent events), [`feed_str`](Self::feed_str) saves the UTF-8 check of
/// each chunk, which is most of the fixed cost of a small chunk.
///
/// After an error (a syntax error, or an error of the sink) the lexer is
/// poisoned: every later `feed` and `finish` returns the same [`SyntaxError`]
/// (of kind [`SyntaxErrorKind::Aborted`] after a sink error).
/// [`reset`](Self::reset) makes it new again.
#[derive(Debug, Clone)]
pub struct Lexer {
    opts: LexerOptions,
    state: State,
    /// Bytes consumed before the chunk being fed (during a `feed`), or in all
    /// (between calls).
    offset: u64,
    /// Open arrays and objects.
    depth: usize,
    /// One bit per open container, 1 for an object; bit `d % 64` of word
    /// `d / 64` for depth `d + 1`.
    stack: Vec<u64>,
    /// The text of a key or number that straddles chunks, or the decoded
    /// piece of a string value when this chunk's part of it had escapes.
    /// Empty between tokens.
    buf: String,
    /// The next `Str` piece is the first of its string.
    str_first: bool,
    /// An escape sequence in progress.
    esc: Esc,
    /// Offset of the backslash of the current escape.
    esc_start: u64,
    /// The first bytes of a UTF-8 character cut by the end of a chunk.
    utf8: [u8; 4],
    utf8_len: u8,
    /// Offset of `utf8[0]`.
    utf8_start: u64,
    /// Offset of the first byte of the current key's text or of the current
    /// number, for `max_token_len`.
    tok_start: u64,
    error: Option<SyntaxError>,
}

/// What may come next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value: at the top level, after `:`, or after `,` in an array.
    Value,
    /// A value or `]`: right after `[`.
    FirstItem,
    /// A key or `}`: right after `{`.
    FirstKey,
    /// A key: after `,` in an object.
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or the end of the container, after a value inside one.
    AfterValue,
    /// The top-level value has ended: only whitespace (or anything, when
    /// trailing data is allowed).
    Done,
    /// Inside a string (after its opening quote); `key` for an object key.
    Str { key: bool },
    /// Inside a number.
    Num(Num),
    /// Inside `true`, `false` or `null`, `matched` bytes of it read.
    Lit { lit: Lit, matched: u8 },
}

/// `true`, `false` or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lit {
    True,
    False,
    Null,
}

impl Lit {
    fn word(self) -> &'static [u8] {
        match self {
            Lit::True => b"true",
            Lit::False => b"false",
            Lit::Null => b"null",
        }
    }

    fn expected(self) -> Expected {
        match self {
            Lit::True => Expected::True,
            Lit::False => Expected::False,
            Lit::Null => Expected::Null,
        }
    }

    fn event(self) -> Event<'static> {
        match self {
            Lit::True => Event::Bool(true),
            Lit::False => Event::Bool(false),
            Lit::Null => Event::Null,
        }
    }
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// Hands `$event` to the sink; on a sink error, poisons the lexer at `$at`
/// (an index into the chunk) and returns the error.
macro_rules! emit {
    ($self:ident, $sink:ident, $event:expr, $at:expr) => {
        if let Err(e) = $sink.event($event) {
            $self.abort($at);
            return Err(e);
        }
    };
}

mod number;
mod string;

/// The longest UTF-8 run of the chunk being fed, from its start (past the
/// end of a character that the previous chunk cut, if any): string text and
/// numbers inside it are sliced from it with no other check.
struct Valid<'a> {
    /// Where `text` starts in the chunk.
    base: usize,
    text: &'a str,
}

impl<'a> Valid<'a> {
    /// Checks `chunk` (one `from_utf8` over it).
    #[inline]
    fn new(chunk: &'a [u8]) -> Self {
        // Continuation bytes first: the end of a character cut by the
        // previous chunk, which the string reader completes on its own.
        let base = chunk
            .iter()
            .take(3)
            .take_while(|&&b| b & 0xC0 == 0x80)
            .count();
        let rest = chunk.get(base..).unwrap_or_default();
        work::add(Layer::LexerUtf8, rest.len());
        let text = match std::str::from_utf8(rest) {
            Ok(text) => text,
            Err(e) => {
                let prefix = rest.get(..e.valid_up_to()).unwrap_or_default();
                work::add(Layer::LexerUtf8, prefix.len());
                std::str::from_utf8(prefix).unwrap_or_default()
            }
        };
        Valid { base, text }
    }

    /// `chunk[start..end]` as text, when it lies in the UTF-8 run and on
    /// character boundaries.
    #[inline(always)]
    fn get(&self, start: usize, end: usize) -> Option<&'a str> {
        self.text
            .get(start.checked_sub(self.base)?..end.checked_sub(self.base)?)
    }
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer::new()
    }
}

impl Lexer {
    /// A lexer with the default [`LexerOptions`].
    #[must_use]
    pub fn new() -> Self {
        Lexer::with_options(LexerOptions::default())
    }

    /// A lexer with these options.
    #[must_use]
    pub fn with_options(options: LexerOptions) -> Self {
        Lexer {
            opts: options,
            state: State::Value,
            offset: 0,
            depth: 0,
            stack: Vec::new(),
            buf: String::new(),
            str_first: false,
            esc: Esc::None,
            esc_start: 0,
            utf8: [0; 4],
            utf8_len: 0,
            utf8_start: 0,
            tok_start: 0,
            error: None,
        }
    }

    /// The options this lexer was made with.
    #[must_use]
    pub fn options(&self) -> &LexerOptions {
        &self.opts
    }

    /// Makes the lexer new again, for another JSON text, keeping its options
    /// and the memory it allocated.
    pub fn reset(&mut self) {
        self.state = State::Value;
        self.offset = 0;
        self.depth = 0;
        self.buf.clear();
        self.str_first = false;
        self.esc = Esc::None;
        self.utf8_len = 0;
        self.error = None;
    }

    /// Bytes consumed so far (after an error: the error's offset).
    #[must_use]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// How many arrays and objects are open.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Whether the top-level value has ended. A top-level number is only
    /// known to have ended once a byte after it, or [`finish`](Self::finish),
    /// arrives.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        matches!(self.state, State::Done) && self.error.is_none()
    }

    /// The error that poisoned this lexer, if any.
    #[must_use]
    pub fn error(&self) -> Option<&SyntaxError> {
        self.error.as_ref()
    }

    /// Reads the next chunk of input, reporting to `sink` every token it
    /// completes (and the text of a string value it reaches).
    ///
    /// # Errors
    ///
    /// A [`SyntaxError`] (converted into `S::Error`) when the input is not
    /// JSON, or the sink's own error. Either poisons the lexer.
    pub fn feed<S: Sink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<(), S::Error> {
        self.feed_valid(chunk, &Valid::new(chunk), sink)
    }

    /// [`feed`](Self::feed) for a chunk known to be UTF-8, which saves
    /// checking it. The events are the same as `feed` of its bytes (a chunk
    /// fed as bytes before it may still have cut a character).
    ///
    /// # Errors
    ///
    /// As [`feed`](Self::feed).
    pub fn feed_str<S: Sink>(&mut self, chunk: &str, sink: &mut S) -> Result<(), S::Error> {
        let bytes = chunk.as_bytes();
        self.feed_valid(
            bytes,
            &Valid {
                base: 0,
                text: chunk,
            },
            sink,
        )
    }

    /// Reads `chunk`, whose UTF-8 prefix `valid` finds.
    #[inline(always)]
    fn feed_valid<'a, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
        sink: &mut S,
    ) -> Result<(), S::Error> {
        if let Some(e) = &self.error {
            return Err(e.clone().into());
        }
        let len = chunk.len();
        work::add(Layer::LexerStep, len);
        let mut i = 0;
        if matches!(self.state, State::Str { key: false }) {
            // The most common chunk of a stream: more text of a string value.
            i = self.string_more(chunk, valid, sink)?;
        }
        // One step per token or punctuation, each picked by the state.
        while let Some(&b) = chunk.get(i) {
            i = match self.state {
                State::Str { key: false } => self.string::<false, S>(chunk, valid, i, i, sink)?,
                State::Str { key: true } => self.string::<true, S>(chunk, valid, i, i, sink)?,
                State::Num(_) => {
                    let next = self.number(chunk, valid, i, sink)?;
                    self.count_number(i, next, true);
                    next
                }
                State::Lit { .. } => self.literal(chunk, i, sink)?,
                _ if is_ws(b) => {
                    i += 1;
                    while chunk.get(i).is_some_and(|&b| is_ws(b)) {
                        i += 1;
                    }
                    i
                }
                State::Value | State::FirstItem => self.value(chunk, valid, i, b, sink)?,
                State::AfterValue => self.after_value(i, b, sink)?,
                State::FirstKey | State::Key => self.key(chunk, valid, i, b, sink)?,
                State::Colon => {
                    if b != b':' {
                        return Err(self.unexpected(b, Expected::Colon, i).into());
                    }
                    self.state = State::Value;
                    i + 1
                }
                State::Done => self.trailing(i, b, len)?,
            };
        }
        self.offset += len as u64;
        Ok(())
    }

    /// Ends the input: reports a top-level number still open (`123` has
    /// nothing after it to end it), and checks that the top-level value is
    /// complete.
    ///
    /// # Errors
    ///
    /// [`SyntaxErrorKind::UnexpectedEnd`] (at the length of the input) when
    /// the value is incomplete or the input was empty, the error that
    /// poisoned the lexer, or the sink's error.
    pub fn finish<S: Sink>(&mut self, sink: &mut S) -> Result<(), S::Error> {
        if let Some(e) = &self.error {
            return Err(e.clone().into());
        }
        let expected = match self.state {
            State::Done => return Ok(()),
            State::Num(num) if num.is_complete() && self.depth == 0 => {
                work::add(Layer::LexerBufOut, self.buf.len());
                if let Err(e) = sink.event(Event::Number(&self.buf)) {
                    self.abort(0);
                    return Err(e);
                }
                self.buf.clear();
                self.state = State::Done;
                return Ok(());
            }
            State::Value => Expected::Value,
            State::FirstItem => Expected::ValueOrArrayEnd,
            State::FirstKey => Expected::KeyOrObjectEnd,
            State::Key => Expected::Key,
            State::Colon => Expected::Colon,
            State::AfterValue => self.after_value_expected(),
            State::Num(num) if num.is_complete() => self.after_value_expected(),
            State::Num(_) => Expected::Digit,
            State::Lit { lit, .. } => lit.expected(),
            State::Str { .. } => {
                if self.utf8_len != 0 {
                    Expected::Utf8Continuation
                } else {
                    match self.esc {
                        Esc::None => Expected::StringEnd,
                        Esc::Backslash => Expected::EscapeChar,
                        Esc::Hex { .. } => Expected::HexDigit,
                        Esc::High(_) | Esc::HighBackslash(_) if !self.opts.lenient_surrogates => {
                            Expected::LowSurrogate
                        }
                        Esc::High(_) | Esc::HighBackslash(_) => Expected::StringEnd,
                    }
                }
            }
        };
        Err(self
            .fail(SyntaxErrorKind::UnexpectedEnd { expected }, self.offset)
            .into())
    }

    // ---- errors -------------------------------------------------------

    /// The absolute offset of index `i` of the chunk being fed.
    #[inline]
    fn at(&self, i: usize) -> u64 {
        self.offset + i as u64
    }

    /// Poisons the lexer with an error at absolute offset `offset`.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, kind: SyntaxErrorKind, offset: u64) -> SyntaxError {
        let e = SyntaxError::new(offset, kind);
        self.error = Some(e.clone());
        self.offset = offset;
        e
    }

    /// Poisons the lexer at chunk index `i` with an error of the byte found there.
    #[cold]
    #[inline(never)]
    fn unexpected(&mut self, found: u8, expected: Expected, i: usize) -> SyntaxError {
        self.fail(SyntaxErrorKind::Unexpected { found, expected }, self.at(i))
    }

    /// Poisons the lexer after a sink error, at chunk index `i`.
    #[cold]
    #[inline(never)]
    fn abort(&mut self, i: usize) {
        let offset = self.at(i);
        self.error = Some(SyntaxError::new(offset, SyntaxErrorKind::Aborted));
        self.offset = offset;
    }

    // ---- containers ---------------------------------------------------

    #[inline(always)]
    fn top_is_object(&self) -> bool {
        let d = self.depth.wrapping_sub(1);
        self.stack
            .get(d / 64)
            .is_some_and(|word| word >> (d % 64) & 1 == 1)
    }

    fn after_value_expected(&self) -> Expected {
        if self.top_is_object() {
            Expected::CommaOrObjectEnd
        } else {
            Expected::CommaOrArrayEnd
        }
    }

    /// The state after a value has ended.
    #[inline(always)]
    fn value_done(&mut self) {
        self.state = if self.depth == 0 {
            State::Done
        } else {
            State::AfterValue
        };
    }

    /// `[` or `{` at index `i`.
    #[inline(always)]
    fn open<S: Sink>(&mut self, object: bool, i: usize, sink: &mut S) -> Result<usize, S::Error> {
        let d = self.depth;
        if d >= self.opts.max_depth {
            let max = self.opts.max_depth;
            return Err(self
                .fail(SyntaxErrorKind::DepthLimit(max), self.at(i))
                .into());
        }
        let (word, bit) = (d / 64, d % 64);
        if word >= self.stack.len() {
            self.stack.push(0);
        }
        if let Some(w) = self.stack.get_mut(word) {
            if object {
                *w |= 1 << bit;
            } else {
                *w &= !(1 << bit);
            }
        }
        self.depth = d + 1;
        let event = if object {
            self.state = State::FirstKey;
            Event::ObjectStart
        } else {
            self.state = State::FirstItem;
            Event::ArrayStart
        };
        emit!(self, sink, event, i + 1);
        Ok(i + 1)
    }

    /// `]` or `}` at index `i`, matching the open container.
    #[inline(always)]
    fn close<S: Sink>(&mut self, object: bool, i: usize, sink: &mut S) -> Result<usize, S::Error> {
        self.depth = self.depth.saturating_sub(1);
        self.value_done();
        let event = if object {
            Event::ObjectEnd
        } else {
            Event::ArrayEnd
        };
        emit!(self, sink, event, i + 1);
        Ok(i + 1)
    }

    // ---- between tokens -----------------------------------------------

    /// `b`, at index `i`, where a `,` or the end of the open container must come.
    #[inline(always)]
    fn after_value<S: Sink>(&mut self, i: usize, b: u8, sink: &mut S) -> Result<usize, S::Error> {
        let object = self.top_is_object();
        match b {
            b',' => {
                self.state = if object { State::Key } else { State::Value };
                Ok(i + 1)
            }
            b']' if !object => self.close(false, i, sink),
            b'}' if object => self.close(true, i, sink),
            _ => Err(self.unexpected(b, self.after_value_expected(), i).into()),
        }
    }

    /// `b`, at index `i`, where a key (or `}` right after `{`) must come.
    #[inline(always)]
    fn key<'a, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
        i: usize,
        b: u8,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        match b {
            b'"' => self.string_start::<true, S>(chunk, valid, i + 1, sink),
            b'}' if matches!(self.state, State::FirstKey) => self.close(true, i, sink),
            _ => {
                let expected = if matches!(self.state, State::FirstKey) {
                    Expected::KeyOrObjectEnd
                } else {
                    Expected::Key
                };
                Err(self.unexpected(b, expected, i).into())
            }
        }
    }

    /// `b`, at index `i`, after the top-level value.
    #[cold]
    fn trailing(&mut self, i: usize, b: u8, len: usize) -> Result<usize, SyntaxError> {
        if self.opts.allow_trailing_data {
            return Ok(len);
        }
        let at = self.at(i);
        Err(self.fail(SyntaxErrorKind::TrailingData { found: b }, at))
    }

    /// Starts the value whose first byte `b` is at index `i`.
    #[inline(always)]
    fn value<'a, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
        i: usize,
        b: u8,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        match b {
            b'"' => self.string_start::<false, S>(chunk, valid, i + 1, sink),
            b'-' | b'0'..=b'9' => {
                self.tok_start = self.at(i);
                self.state = State::Num(Num::Start);
                let next = self.number(chunk, valid, i, sink)?;
                self.count_number(i, next, false);
                Ok(next)
            }
            b'{' => self.open(true, i, sink),
            b'[' => self.open(false, i, sink),
            b't' => self.literal_start(Lit::True, chunk, i, sink),
            b'f' => self.literal_start(Lit::False, chunk, i, sink),
            b'n' => self.literal_start(Lit::Null, chunk, i, sink),
            b']' if matches!(self.state, State::FirstItem) => self.close(false, i, sink),
            _ => {
                let expected = if matches!(self.state, State::FirstItem) {
                    Expected::ValueOrArrayEnd
                } else {
                    Expected::Value
                };
                Err(self.unexpected(b, expected, i).into())
            }
        }
    }

    // ---- literals -----------------------------------------------------

    #[inline(always)]
    fn literal_start<S: Sink>(
        &mut self,
        lit: Lit,
        chunk: &[u8],
        i: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        let word = lit.word();
        let end = i + word.len();
        if chunk.get(i..end) == Some(word) {
            self.value_done();
            emit!(self, sink, lit.event(), end);
            return Ok(end);
        }
        self.state = State::Lit { lit, matched: 0 };
        self.literal(chunk, i, sink)
    }

    fn literal<S: Sink>(
        &mut self,
        chunk: &[u8],
        mut i: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        let State::Lit { lit, mut matched } = self.state else {
            return Ok(i);
        };
        let word = lit.word();
        while let Some(&want) = word.get(usize::from(matched)) {
            let Some(&b) = chunk.get(i) else {
                self.state = State::Lit { lit, matched };
                return Ok(i);
            };
            if b != want {
                return Err(self.unexpected(b, lit.expected(), i).into());
            }
            matched += 1;
            i += 1;
        }
        self.value_done();
        emit!(self, sink, lit.event(), i);
        Ok(i)
    }

    // ---- work counts --------------------------------------------------

    /// Counts the token buffer's traffic for the part of a number that
    /// `number` read from index `i` to `next` (`continued`: the number began
    /// in an earlier chunk). A number cut by the end of a chunk is copied
    /// into `buf`, piece by piece, and read out once when it ends.
    #[inline(always)]
    fn count_number(&self, i: usize, next: usize, continued: bool) {
        let cut = matches!(self.state, State::Num(_));
        if cut || continued {
            work::add(Layer::LexerBufIn, next - i);
        }
        if continued && !cut {
            let number = self.at(next).saturating_sub(self.tok_start);
            work::add(
                Layer::LexerBufOut,
                usize::try_from(number).unwrap_or(usize::MAX),
            );
        }
    }

    // ---- limits -------------------------------------------------------

    /// The end (exclusive) of the part of a chunk of length `len` that the
    /// current key or number may still take under `max_token_len`.
    #[inline]
    fn token_end(&self, len: usize) -> usize {
        let limit = self
            .tok_start
            .saturating_add(self.opts.max_token_len as u64);
        usize::try_from(limit.saturating_sub(self.offset)).map_or(len, |end| end.min(len))
    }

    #[cold]
    #[inline(never)]
    fn too_long(&mut self, i: usize) -> SyntaxError {
        let max = self.opts.max_token_len;
        self.fail(SyntaxErrorKind::TokenTooLong(max), self.at(i))
    }
}
