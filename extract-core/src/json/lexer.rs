//! The resumable state machine behind [`Lexer`].
//!
//! There is no recursion: a flat [`State`] says what may come next, a bit
//! stack says whether each open container is an array or an object, and a few
//! small fields carry a token that a chunk boundary cut (an escape, the first
//! bytes of a UTF-8 character, a literal, the text of a key or a number).
//! Every byte is looked at once by the state machine; the only second look is
//! `std::str::from_utf8` over each run of string text, which is what turns the
//! run into a `&str` lent to the sink.

use super::error::{Expected, SyntaxError, SyntaxErrorKind};
use super::event::{Event, Sink};

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
/// proportional to the chunk's length: nothing consumed is scanned again.
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

/// Where a number is, in the RFC 8259 grammar
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    /// Nothing read yet (the first byte is `-` or a digit).
    Start,
    /// `-`
    Minus,
    /// `0` or `-0`: complete.
    Zero,
    /// Integer digits: complete.
    Int,
    /// `.` without a digit after it yet.
    Dot,
    /// Fraction digits: complete.
    Frac,
    /// `e` or `E`.
    Exp,
    /// The exponent's sign.
    ExpSign,
    /// Exponent digits: complete.
    ExpDigits,
}

impl Num {
    fn is_complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }

    /// The state after `b`, or `None` when `b` cannot continue the number.
    #[inline]
    fn step(self, b: u8) -> Option<Num> {
        Some(match (self, b) {
            (Num::Start, b'-') => Num::Minus,
            (Num::Start | Num::Minus, b'0') => Num::Zero,
            (Num::Start | Num::Minus | Num::Int, b'1'..=b'9') | (Num::Int, b'0') => Num::Int,
            (Num::Zero | Num::Int, b'.') => Num::Dot,
            (Num::Dot | Num::Frac, b'0'..=b'9') => Num::Frac,
            (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Num::Exp,
            (Num::Exp, b'+' | b'-') => Num::ExpSign,
            (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Num::ExpDigits,
            _ => return None,
        })
    }
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

/// An escape sequence cut by the end of a chunk (or being read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    /// After `\`.
    Backslash,
    /// After `\u` and `digits` hex digits worth `acc`; `high` is the high
    /// surrogate before it when this is the second half of a pair, else 0.
    Hex {
        high: u16,
        digits: u8,
        acc: u16,
    },
    /// After a high surrogate: `\` of its low half expected.
    High(u16),
    /// After a high surrogate and `\`: `u` expected.
    HighBackslash(u16),
}

/// The bytes that end a run of plain string text: `"`, `\` and the control
/// characters.
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// Whether `b` may follow a complete number inside a container.
#[inline]
fn ends_number(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b',' | b']' | b'}')
}

#[inline]
fn hex_value(b: u8) -> Option<u16> {
    match b {
        b'0'..=b'9' => Some(u16::from(b - b'0')),
        b'a'..=b'f' => Some(u16::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(b - b'A' + 10)),
        _ => None,
    }
}

/// `bytes` as text; only called on bytes the number grammar accepted, which
/// are ASCII, so the fallback is never taken.
#[inline]
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
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
        self.state == State::Done && self.error.is_none()
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
        if let Some(e) = &self.error {
            return Err(e.clone().into());
        }
        let len = chunk.len();
        let mut i = 0;
        while i < len {
            i = match self.state {
                State::Str { key: false } => self.string::<false, S>(chunk, i, sink)?,
                State::Str { key: true } => self.string::<true, S>(chunk, i, sink)?,
                State::Num(_) => self.number(chunk, i, sink)?,
                State::Lit { .. } => self.literal(chunk, i, sink)?,
                State::Done if self.opts.allow_trailing_data => len,
                _ => self.structural(chunk, i, sink)?,
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

    #[inline]
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
    #[inline]
    fn value_done(&mut self) {
        self.state = if self.depth == 0 {
            State::Done
        } else {
            State::AfterValue
        };
    }

    /// `[` or `{` at index `i`.
    #[inline]
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
    #[inline]
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

    /// Reads punctuation and whitespace, and starts the tokens it meets,
    /// until the chunk ends (or a token state is left for the caller).
    fn structural<S: Sink>(
        &mut self,
        chunk: &[u8],
        mut i: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        while let Some(&b) = chunk.get(i) {
            if is_ws(b) {
                i += 1;
                while chunk.get(i).is_some_and(|&b| is_ws(b)) {
                    i += 1;
                }
                continue;
            }
            match self.state {
                State::Value | State::FirstItem => i = self.value(chunk, i, b, sink)?,
                State::AfterValue => {
                    let object = self.top_is_object();
                    match b {
                        b',' => {
                            self.state = if object { State::Key } else { State::Value };
                            i += 1;
                        }
                        b']' if !object => i = self.close(false, i, sink)?,
                        b'}' if object => i = self.close(true, i, sink)?,
                        _ => return Err(self.unexpected(b, self.after_value_expected(), i).into()),
                    }
                }
                State::FirstKey | State::Key => match b {
                    b'"' => {
                        self.tok_start = self.at(i + 1);
                        self.state = State::Str { key: true };
                        i = self.string::<true, S>(chunk, i + 1, sink)?;
                    }
                    b'}' if self.state == State::FirstKey => i = self.close(true, i, sink)?,
                    _ => {
                        let expected = if self.state == State::FirstKey {
                            Expected::KeyOrObjectEnd
                        } else {
                            Expected::Key
                        };
                        return Err(self.unexpected(b, expected, i).into());
                    }
                },
                State::Colon => {
                    if b != b':' {
                        return Err(self.unexpected(b, Expected::Colon, i).into());
                    }
                    self.state = State::Value;
                    i += 1;
                }
                State::Done => {
                    if self.opts.allow_trailing_data {
                        return Ok(chunk.len());
                    }
                    let at = self.at(i);
                    return Err(self
                        .fail(SyntaxErrorKind::TrailingData { found: b }, at)
                        .into());
                }
                State::Str { .. } | State::Num(_) | State::Lit { .. } => return Ok(i),
            }
        }
        Ok(i)
    }

    /// Starts the value whose first byte `b` is at index `i`.
    #[inline]
    fn value<S: Sink>(
        &mut self,
        chunk: &[u8],
        i: usize,
        b: u8,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        match b {
            b'"' => {
                self.str_first = true;
                self.state = State::Str { key: false };
                self.string::<false, S>(chunk, i + 1, sink)
            }
            b'-' | b'0'..=b'9' => {
                self.tok_start = self.at(i);
                self.state = State::Num(Num::Start);
                self.number(chunk, i, sink)
            }
            b'{' => self.open(true, i, sink),
            b'[' => self.open(false, i, sink),
            b't' => self.literal_start(Lit::True, chunk, i, sink),
            b'f' => self.literal_start(Lit::False, chunk, i, sink),
            b'n' => self.literal_start(Lit::Null, chunk, i, sink),
            b']' if self.state == State::FirstItem => self.close(false, i, sink),
            _ => {
                let expected = if self.state == State::FirstItem {
                    Expected::ValueOrArrayEnd
                } else {
                    Expected::Value
                };
                Err(self.unexpected(b, expected, i).into())
            }
        }
    }

    // ---- literals -----------------------------------------------------

    #[inline]
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

    // ---- numbers ------------------------------------------------------

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

    /// Reads a number from index `start` (its first byte, or the start of the
    /// chunk when it began in an earlier one).
    fn number<S: Sink>(
        &mut self,
        chunk: &[u8],
        start: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        let State::Num(mut num) = self.state else {
            return Ok(start);
        };
        let end = self.token_end(chunk.len());
        let mut i = start;
        loop {
            let Some(&b) = chunk.get(i) else {
                // The chunk ended inside the number: keep what arrived.
                self.buf
                    .push_str(ascii(chunk.get(start..).unwrap_or_default()));
                self.state = State::Num(num);
                return Ok(i);
            };
            let Some(next) = num.step(b) else {
                return self.number_end(chunk, start, i, num, b, sink);
            };
            if i >= end {
                return Err(self.too_long(i).into());
            }
            num = next;
            i += 1;
            if matches!(num, Num::Int | Num::Frac | Num::ExpDigits) {
                while i < end && chunk.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
        }
    }

    /// Byte `b` at index `i` cannot continue the number in state `num`.
    fn number_end<S: Sink>(
        &mut self,
        chunk: &[u8],
        start: usize,
        i: usize,
        num: Num,
        b: u8,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        if !num.is_complete() {
            return Err(self.unexpected(b, Expected::Digit, i).into());
        }
        if num == Num::Zero && b.is_ascii_digit() {
            return Err(self.fail(SyntaxErrorKind::LeadingZero, self.at(i)).into());
        }
        let ends = ends_number(b) || (self.depth == 0 && self.opts.allow_trailing_data);
        if !ends {
            return Err(if self.depth == 0 {
                let at = self.at(i);
                self.fail(SyntaxErrorKind::TrailingData { found: b }, at)
            } else {
                self.unexpected(b, self.after_value_expected(), i)
            }
            .into());
        }
        let part = ascii(chunk.get(start..i).unwrap_or_default());
        let text = if self.buf.is_empty() {
            part
        } else {
            self.buf.push_str(part);
            self.buf.as_str()
        };
        emit!(self, sink, Event::Number(text), i);
        self.buf.clear();
        self.value_done();
        Ok(i)
    }

    // ---- strings ------------------------------------------------------

    /// Reads string text from index `i` (just after the opening quote, or the
    /// start of the chunk when the string began in an earlier one) up to the
    /// closing quote or the end of the chunk.
    ///
    /// Plain runs are scanned with a table and turned into `&str` with one
    /// `from_utf8` each. A value's piece of text in this chunk is lent from
    /// the chunk when it is one plain run, else decoded into `buf`. A key is
    /// lent when wholly in this chunk without escapes, else gathered in `buf`.
    fn string<const KEY: bool, S: Sink>(
        &mut self,
        chunk: &[u8],
        mut i: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        let len = chunk.len();
        let end = if KEY { self.token_end(len) } else { len };
        let hay = chunk.get(..end).unwrap_or(chunk);
        let lenient = self.opts.lenient_control_characters;
        loop {
            // Finish what an earlier chunk or escape left open.
            if self.utf8_len != 0 {
                i = self.utf8_tail(chunk, i, end)?;
                if self.utf8_len != 0 {
                    return self.string_break::<KEY, S>("", len, sink);
                }
            } else if self.esc != Esc::None {
                i = self.escape(chunk, i, end)?;
                if self.esc != Esc::None {
                    return self.string_break::<KEY, S>("", len, sink);
                }
            }

            // A run of plain text.
            let run_start = i;
            while let Some(&b) = hay.get(i) {
                if STOP[usize::from(b)] && (b >= 0x20 || !lenient) {
                    break;
                }
                i += 1;
            }
            let run = chunk.get(run_start..i).unwrap_or_default();
            let text = match std::str::from_utf8(run) {
                Ok(text) => text,
                Err(e) => {
                    let valid = e.valid_up_to();
                    if e.error_len().is_some() || i < end {
                        let at = self.at(run_start + valid);
                        return Err(self.fail(SyntaxErrorKind::InvalidUtf8, at).into());
                    }
                    // The run stopped in the middle of a character, at the end
                    // of the chunk or at the key's length limit: carry its
                    // first bytes over.
                    let (head, tail) = run.split_at(valid);
                    for (slot, &b) in self.utf8.iter_mut().zip(tail) {
                        *slot = b;
                    }
                    self.utf8_len = tail.len().min(4) as u8;
                    self.utf8_start = self.at(run_start + valid);
                    let head = std::str::from_utf8(head).unwrap_or_default();
                    if i == len {
                        return self.string_break::<KEY, S>(head, len, sink);
                    }
                    self.buf.push_str(head);
                    continue;
                }
            };
            let Some(&b) = chunk.get(i) else {
                return self.string_break::<KEY, S>(text, len, sink);
            };
            if b == b'"' {
                return self.string_close::<KEY, S>(text, i + 1, sink);
            }
            if KEY && i >= end {
                return Err(self.too_long(i).into());
            }
            if b == b'\\' {
                self.buf.push_str(text);
                self.esc = Esc::Backslash;
                self.esc_start = self.at(i);
                i += 1;
                continue;
            }
            let at = self.at(i);
            return Err(self.fail(SyntaxErrorKind::ControlCharacter(b), at).into());
        }
    }

    /// The chunk ended inside a string, after `text` (which follows whatever
    /// is in `buf`).
    #[inline]
    fn string_break<const KEY: bool, S: Sink>(
        &mut self,
        text: &str,
        len: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        if KEY {
            self.buf.push_str(text);
            return Ok(len);
        }
        let first = self.str_first;
        let piece = if self.buf.is_empty() {
            text
        } else {
            self.buf.push_str(text);
            self.buf.as_str()
        };
        if first || !piece.is_empty() {
            emit!(
                self,
                sink,
                Event::Str {
                    text: piece,
                    first,
                    last: false
                },
                len
            );
            self.str_first = false;
        }
        self.buf.clear();
        Ok(len)
    }

    /// The closing quote of a string, at index `next - 1`, after `text`.
    #[inline]
    fn string_close<const KEY: bool, S: Sink>(
        &mut self,
        text: &str,
        next: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        if KEY {
            self.state = State::Colon;
        } else {
            self.value_done();
        }
        let piece = if self.buf.is_empty() {
            text
        } else {
            self.buf.push_str(text);
            self.buf.as_str()
        };
        let event = if KEY {
            Event::Key(piece)
        } else {
            Event::Str {
                text: piece,
                first: self.str_first,
                last: true,
            }
        };
        emit!(self, sink, event, next);
        self.buf.clear();
        Ok(next)
    }

    /// Completes the UTF-8 character whose first bytes are in `utf8`, with
    /// bytes from index `i`; its text goes to `buf`. Returns where it stopped
    /// (`utf8_len` is still set if the chunk ended first).
    fn utf8_tail(&mut self, chunk: &[u8], mut i: usize, end: usize) -> Result<usize, SyntaxError> {
        while let Some(&b) = chunk.get(i) {
            if b & 0xC0 != 0x80 {
                return Err(self.fail(SyntaxErrorKind::InvalidUtf8, self.utf8_start));
            }
            if i >= end {
                return Err(self.too_long(i));
            }
            let n = usize::from(self.utf8_len);
            let Some(slot) = self.utf8.get_mut(n) else {
                return Err(self.fail(SyntaxErrorKind::InvalidUtf8, self.utf8_start));
            };
            *slot = b;
            self.utf8_len += 1;
            i += 1;
            match std::str::from_utf8(self.utf8.get(..=n).unwrap_or_default()) {
                Ok(c) => {
                    self.buf.push_str(c);
                    self.utf8_len = 0;
                    return Ok(i);
                }
                Err(e) if e.error_len().is_none() => {}
                Err(_) => return Err(self.fail(SyntaxErrorKind::InvalidUtf8, self.utf8_start)),
            }
        }
        Ok(i)
    }

    /// A `\u` escape of a surrogate that has no other half: an error, or
    /// U+FFFD when lenient.
    fn lone_surrogate(&mut self, unit: u16) -> Result<(), SyntaxError> {
        if self.opts.lenient_surrogates {
            self.buf.push(char::REPLACEMENT_CHARACTER);
            Ok(())
        } else {
            Err(self.fail(SyntaxErrorKind::LoneSurrogate(unit), self.esc_start))
        }
    }

    /// Reads the escape in progress (`esc`) from index `i`, decoding it into
    /// `buf`. Returns where it stopped (`esc` is still set if the chunk ended
    /// first).
    fn escape(&mut self, chunk: &[u8], mut i: usize, end: usize) -> Result<usize, SyntaxError> {
        while let Some(&b) = chunk.get(i) {
            match self.esc {
                Esc::None => break,
                Esc::High(high) if b != b'\\' => {
                    self.lone_surrogate(high)?;
                    self.esc = Esc::None;
                    break;
                }
                Esc::HighBackslash(high) if b != b'u' => {
                    // `\uD800\n`: the backslash starts another escape.
                    self.lone_surrogate(high)?;
                    self.esc = Esc::Backslash;
                }
                _ => {}
            }
            if i >= end {
                return Err(self.too_long(i));
            }
            i += 1;
            match self.esc {
                Esc::None => break,
                Esc::Backslash => {
                    let c = match b {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            self.esc = Esc::Hex {
                                high: 0,
                                digits: 0,
                                acc: 0,
                            };
                            continue;
                        }
                        _ => {
                            let at = self.at(i - 1);
                            return Err(self.fail(SyntaxErrorKind::InvalidEscape(b), at));
                        }
                    };
                    self.buf.push(c);
                    self.esc = Esc::None;
                    break;
                }
                Esc::Hex { high, digits, acc } => {
                    let Some(v) = hex_value(b) else {
                        return Err(self.unexpected(b, Expected::HexDigit, i - 1));
                    };
                    let unit = acc << 4 | v;
                    if digits < 3 {
                        self.esc = Esc::Hex {
                            high,
                            digits: digits + 1,
                            acc: unit,
                        };
                        continue;
                    }
                    self.esc = Esc::None;
                    if high != 0 {
                        if (0xDC00..=0xDFFF).contains(&unit) {
                            let c = 0x10000
                                + ((u32::from(high) - 0xD800) << 10)
                                + (u32::from(unit) - 0xDC00);
                            self.buf
                                .push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                            break;
                        }
                        self.lone_surrogate(high)?;
                    }
                    match unit {
                        0xD800..=0xDBFF => self.esc = Esc::High(unit),
                        0xDC00..=0xDFFF => {
                            self.lone_surrogate(unit)?;
                            break;
                        }
                        _ => {
                            self.buf.push(
                                char::from_u32(u32::from(unit))
                                    .unwrap_or(char::REPLACEMENT_CHARACTER),
                            );
                            break;
                        }
                    }
                }
                Esc::High(high) => self.esc = Esc::HighBackslash(high),
                Esc::HighBackslash(high) => {
                    self.esc = Esc::Hex {
                        high,
                        digits: 0,
                        acc: 0,
                    }
                }
            }
        }
        Ok(i)
    }
}
