//! Strings: plain runs, escapes, and UTF-8 characters cut by chunk ends.

use super::{Lexer, State, SyntaxError, SyntaxErrorKind, Valid};
use crate::json::error::Expected;
use crate::json::event::{Event, Sink};
use crate::work::{self, Layer};

/// An escape sequence cut by the end of a chunk (or being read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Esc {
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
    /// After a high surrogate: the `\` of its low half expected.
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

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the 8 bytes of `w` is `"`, `\` or below `0x20` (exact: no
/// false positive on the word as a whole).
#[inline(always)]
fn may_stop(w: u64) -> bool {
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    (zero_byte(quote) | zero_byte(backslash) | below_space) & HIGHS != 0
}

/// The end of the run of plain text in `hay` from `i`: the index of the
/// first `"`, `\` or control character (kept in the run when `lenient`), or
/// the end of `hay`. Eight bytes at a time while none can end the run.
#[inline]
fn scan_run(hay: &[u8], mut i: usize, lenient: bool) -> usize {
    let start = i;
    loop {
        while let Some(word) = hay.get(i..i + 8) {
            let Ok(word) = <[u8; 8]>::try_from(word) else {
                break;
            };
            if may_stop(u64::from_le_bytes(word)) {
                break;
            }
            i += 8;
        }
        // The byte that stops the run is among the next eight (or in the tail).
        loop {
            let Some(&b) = hay.get(i) else {
                work::add(Layer::LexerScan, i - start);
                return i;
            };
            if STOP[usize::from(b)] {
                if b < 0x20 && lenient {
                    i += 1;
                    break;
                }
                work::add(Layer::LexerScan, i + 1 - start);
                return i;
            }
            i += 1;
        }
    }
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

impl Lexer {
    /// Reads string text from index `i` (just after the opening quote, or the
    /// start of the chunk when the string began in an earlier one) up to the
    /// closing quote or the end of the chunk.
    ///
    /// Plain runs inside the chunk's UTF-8 prefix (`valid`) are sliced from
    /// it, others are checked alone (to find the
    /// invalid byte, or the character cut by the end of the chunk or by the
    /// key's length limit). A value's piece of text in this chunk is lent from
    /// the chunk when it is one plain run, else decoded into `buf`. A key is
    /// lent when wholly in this chunk without escapes, else gathered in `buf`.
    ///
    /// The bytes from `i` to `plain_to` are already known to be plain text.
    pub(super) fn string<'a, const KEY: bool, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
        mut i: usize,
        plain_to: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        let len = chunk.len();
        let end = if KEY { self.token_end(len) } else { len };
        let hay = chunk.get(..end).unwrap_or(chunk);
        let lenient = self.opts.lenient_control_characters;
        let mut plain_to = plain_to;
        loop {
            if self.utf8_len != 0 || !matches!(self.esc, Esc::None) {
                // Finish what an earlier chunk or escape left open.
                i = self.resume(chunk, i, end)?;
                if self.utf8_len != 0 || !matches!(self.esc, Esc::None) {
                    return self.string_break::<KEY, S>("", len, sink);
                }
            }

            // A run of plain text. Inside the chunk's UTF-8 prefix it is text
            // as is; else it is checked alone.
            let run_start = i;
            i = scan_run(hay, plain_to.min(hay.len()).max(i), lenient);
            plain_to = 0;
            let text = match valid.get(run_start, i) {
                Some(text) => text,
                None => {
                    let head = self.odd_run(chunk, run_start, i, end)?;
                    if self.utf8_len == 0 {
                        head
                    } else if i == len {
                        return self.string_break::<KEY, S>(head, len, sink);
                    } else {
                        // Cut at the key's length limit: the check of the
                        // next byte reports it.
                        work::add(Layer::LexerBufIn, head.len());
                        self.buf.push_str(head);
                        continue;
                    }
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
            if b != b'\\' {
                return Err(self.control_character(b, i).into());
            }
            work::add(Layer::LexerBufIn, text.len());
            self.buf.push_str(text);
            self.esc = Esc::Backslash;
            self.esc_start = self.at(i);
            i += 1;
        }
    }

    /// A string (a key if `KEY`) whose opening quote is at `start - 1`.
    /// When it ends in this chunk as one run of plain text, it is reported
    /// here at once; else [`string`](Self::string) takes over where the scan
    /// stopped.
    #[inline(always)]
    pub(super) fn string_start<'a, const KEY: bool, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
        start: usize,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        let i = scan_run(chunk, start, self.opts.lenient_control_characters);
        let fits = !KEY || i - start <= self.opts.max_token_len;
        if let (Some(b'"'), true) = (chunk.get(i), fits) {
            if let Some(text) = valid.get(start, i) {
                let event = if KEY {
                    self.state = State::Colon;
                    Event::Key(text)
                } else {
                    self.value_done();
                    Event::Str {
                        text,
                        first: true,
                        last: true,
                    }
                };
                emit!(self, sink, event, i + 1);
                return Ok(i + 1);
            }
        }
        if KEY {
            self.tok_start = self.at(start);
        } else {
            self.str_first = true;
        }
        self.state = State::Str { key: KEY };
        self.string::<KEY, S>(chunk, valid, start, i, sink)
    }

    /// The start of a chunk inside a string value. The common case (more
    /// plain text, maybe up to the closing quote, nothing left open by the
    /// previous chunk) is handled here at once; anything else goes on in
    /// [`string`](Self::string) from where the scan stopped.
    #[inline(always)]
    pub(super) fn string_more<'a, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
        sink: &mut S,
    ) -> Result<usize, S::Error> {
        if self.utf8_len != 0 || !matches!(self.esc, Esc::None) || !self.buf.is_empty() {
            return self.string::<false, S>(chunk, valid, 0, 0, sink);
        }
        let len = chunk.len();
        let i = scan_run(chunk, 0, self.opts.lenient_control_characters);
        let (Some(text), last @ (None | Some(b'"'))) = (valid.get(0, i), chunk.get(i)) else {
            return self.string::<false, S>(chunk, valid, 0, i, sink);
        };
        // The string ends here, or goes on in the next chunk; an empty piece
        // that does not end it says nothing.
        let (last, next) = match last {
            Some(_) => (true, i + 1),
            None => (false, len),
        };
        if last {
            self.value_done();
        }
        if last || !text.is_empty() {
            let first = self.str_first;
            emit!(self, sink, Event::Str { text, first, last }, next);
            self.str_first = false;
        }
        Ok(next)
    }

    /// A run `chunk[start..end]` that is not all in the chunk's UTF-8 prefix:
    /// valid text, an error, or valid text followed by the first bytes of a
    /// character cut by the end of the chunk (or by the key's length limit,
    /// `limit`), which are kept in `utf8`. Returns the valid text.
    #[cold]
    #[inline(never)]
    fn odd_run<'a>(
        &mut self,
        chunk: &'a [u8],
        start: usize,
        end: usize,
        limit: usize,
    ) -> Result<&'a str, SyntaxError> {
        let run = chunk.get(start..end).unwrap_or_default();
        work::add(Layer::LexerUtf8, run.len());
        let e = match std::str::from_utf8(run) {
            Ok(text) => return Ok(text),
            Err(e) => e,
        };
        let ok_len = e.valid_up_to();
        if e.error_len().is_some() || end < limit {
            // Invalid, or cut by a byte that cannot continue it.
            let at = self.at(start + ok_len);
            return Err(self.fail(SyntaxErrorKind::InvalidUtf8, at));
        }
        let (head, tail) = run.split_at_checked(ok_len).unwrap_or((run, &[]));
        for (slot, &b) in self.utf8.iter_mut().zip(tail) {
            *slot = b;
        }
        self.utf8_len = tail.len().min(4) as u8;
        self.utf8_start = self.at(start + ok_len);
        work::add(Layer::LexerUtf8, head.len());
        Ok(std::str::from_utf8(head).unwrap_or_default())
    }

    #[cold]
    #[inline(never)]
    fn control_character(&mut self, b: u8, i: usize) -> SyntaxError {
        let at = self.at(i);
        self.fail(SyntaxErrorKind::ControlCharacter(b), at)
    }

    /// Finishes the UTF-8 character or the escape that an earlier chunk (or
    /// this one) left open, from index `i`; returns where it stopped.
    #[inline(never)]
    fn resume(&mut self, chunk: &[u8], i: usize, end: usize) -> Result<usize, SyntaxError> {
        if self.utf8_len != 0 {
            self.utf8_tail(chunk, i, end)
        } else {
            self.escape(chunk, i, end)
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
            work::add(Layer::LexerBufIn, text.len());
            self.buf.push_str(text);
            return Ok(len);
        }
        let first = self.str_first;
        let piece = if self.buf.is_empty() {
            text
        } else {
            work::add(Layer::LexerBufIn, text.len());
            self.buf.push_str(text);
            work::add(Layer::LexerBufOut, self.buf.len());
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
            work::add(Layer::LexerBufIn, text.len());
            self.buf.push_str(text);
            work::add(Layer::LexerBufOut, self.buf.len());
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
            work::add(Layer::LexerUtf8, n + 1);
            match std::str::from_utf8(self.utf8.get(..=n).unwrap_or_default()) {
                Ok(c) => {
                    work::add(Layer::LexerBufIn, c.len());
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
        let buffered = self.buf.len();
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
        work::add(Layer::LexerBufIn, self.buf.len() - buffered);
        Ok(i)
    }
}
