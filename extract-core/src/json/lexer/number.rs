//! Numbers: the RFC 8259 grammar, one byte at a time where it branches and
//! a tight loop over digits.

use super::{Lexer, State, Valid};
use crate::json::error::{Expected, SyntaxErrorKind};
use crate::json::event::{Event, Sink};

/// Where a number is, in the RFC 8259 grammar
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Num {
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
    pub(super) fn is_complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }

    /// The state after `b`, or `None` when `b` cannot continue the number.
    #[inline(always)]
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

/// Whether `b` may follow a complete number inside a container.
#[inline]
fn ends_number(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b',' | b']' | b'}')
}

/// Appends bytes the number grammar accepted, which are ASCII, to `buf`
/// (with no UTF-8 check).
#[inline]
fn push_ascii(buf: &mut String, bytes: &[u8]) {
    buf.extend(bytes.iter().map(|&b| char::from(b)));
}

impl Lexer {
    /// Reads a number from index `start` (its first byte, or the start of the
    /// chunk when it began in an earlier one).
    pub(super) fn number<'a, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
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
                match valid.get(start, i) {
                    Some(text) => self.buf.push_str(text),
                    None => push_ascii(&mut self.buf, chunk.get(start..).unwrap_or_default()),
                }
                self.state = State::Num(num);
                return Ok(i);
            };
            let Some(next) = num.step(b) else {
                return self.number_end(chunk, valid, start, i, num, b, sink);
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
    #[allow(clippy::too_many_arguments)] // all of them are the number's state
    fn number_end<'a, S: Sink>(
        &mut self,
        chunk: &'a [u8],
        valid: &Valid<'a>,
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
        let text = match valid.get(start, i) {
            Some(text) if self.buf.is_empty() => text,
            Some(text) => {
                self.buf.push_str(text);
                self.buf.as_str()
            }
            None => {
                // Not in the chunk's UTF-8 run (which an invalid byte ended
                // early): the digits are ASCII, copy them.
                push_ascii(&mut self.buf, chunk.get(start..i).unwrap_or_default());
                self.buf.as_str()
            }
        };
        emit!(self, sink, Event::Number(text), i);
        self.buf.clear();
        self.value_done();
        Ok(i)
    }
}
