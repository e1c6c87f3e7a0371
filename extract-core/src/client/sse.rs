//! A push decoder for `text/event-stream` bodies (server-sent events).
//!
//! It follows the WHATWG event-stream interpretation: lines end in CRLF, LF or
//! a lone CR (a CRLF split across two reads is still one terminator); a line
//! starting with `:` is a comment (keep-alive); `data:` lines of one event are
//! joined with `\n`; `event:` sets the event type; an empty line dispatches the
//! event; a UTF-8 BOM at the start is skipped; `id:` and `retry:` are ignored
//! (a chat completion is never resumed).
//!
//! Two deliberate departures, both for recorded real-world bodies:
//! * [`SseDecoder::finish`] hands back an event that was still open at the end
//!   of the body (some servers omit the final blank line), so the caller can
//!   decide whether it is usable.
//! * Bytes are framed before they are decoded: a line is checked for UTF-8 only
//!   when it is complete, so a multi-byte character split across reads is fine.
//!
//! Each byte is looked at once; only a line that straddles two reads is copied
//! into a carry buffer, every other line is read straight from the chunk.

use crate::work::{self, Layer};
use std::fmt;

/// One dispatched event. `event` is empty for the default `message` type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SseEvent<'a> {
    /// The `event:` field, or `""`.
    pub event: &'a str,
    /// The joined `data:` lines, without the final line feed.
    pub data: &'a str,
}

/// The body is not a valid event stream, or holds an event too large to
/// keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseError {
    /// What is wrong.
    pub message: String,
    /// The bound a line or an event went past ([`SseDecoder::limit`]).
    pub too_large: Option<usize>,
}

impl SseError {
    fn malformed(message: String) -> Self {
        SseError {
            message,
            too_large: None,
        }
    }
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Incremental event-stream decoder. See the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    /// Bytes of a line that started in an earlier read.
    carry: Vec<u8>,
    /// The previous read ended in `\r`: a leading `\n` belongs to it.
    after_cr: bool,
    /// No line has been completed yet (a BOM may still be skipped).
    at_start: bool,
    /// `data` of the event being built, lines joined with `\n`.
    data: String,
    /// At least one `data:` line was seen for the event being built.
    has_data: bool,
    /// `event` of the event being built.
    event: String,
    /// The longest line, and the most data an event may hold.
    limit: usize,
}

impl SseDecoder {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        SseDecoder {
            at_start: true,
            limit: usize::MAX,
            ..SseDecoder::default()
        }
    }

    /// Bounds a line, and the data of an event, at `limit` bytes: what is
    /// held until it ends. Past it, the feed fails
    /// ([`SseError::too_large`]), at the same byte whatever the reads.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    fn too_large(&self) -> SseError {
        SseError {
            message: format!("an event-stream line or event over {} bytes", self.limit),
            too_large: Some(self.limit),
        }
    }

    /// Feeds one read of the body, calling `on_event` for each event it
    /// completes. An error from `on_event` stops the feed and is returned.
    pub fn feed<E: From<SseError>>(
        &mut self,
        mut bytes: &[u8],
        mut on_event: impl FnMut(SseEvent<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        // An empty read says nothing about the byte after the `\r`: the
        // next read that has one decides.
        if self.after_cr && !bytes.is_empty() {
            self.after_cr = false;
            if let [b'\n', rest @ ..] = bytes {
                bytes = rest;
            }
        }
        while let Some(end) = memchr::memchr2(b'\n', b'\r', bytes) {
            work::add(Layer::SseScan, end + 1);
            let (line, rest) = bytes.split_at(end);
            bytes = match rest {
                [b'\r', b'\n', tail @ ..] => tail,
                [b'\r'] => {
                    self.after_cr = true;
                    &[]
                }
                [_, tail @ ..] => tail,
                [] => &[],
            };
            if self.carry.is_empty() {
                self.line(line, &mut on_event)?;
            } else {
                let mut carried = std::mem::take(&mut self.carry);
                carried.extend_from_slice(line);
                work::add(Layer::SseCarryIn, line.len());
                work::add(Layer::SseCarryOut, carried.len());
                let result = self.line(&carried, &mut on_event);
                carried.clear();
                self.carry = carried;
                result?;
            }
        }
        // The search above went to the end of the read.
        work::add(Layer::SseScan, bytes.len());
        if self.carry.len().saturating_add(bytes.len()) > self.limit {
            return Err(self.too_large().into());
        }
        work::add(Layer::SseCarryIn, bytes.len());
        self.carry.extend_from_slice(bytes);
        Ok(())
    }

    /// Ends the body: an unterminated last line is read, and an event that
    /// was still being built is handed to `on_event` (see the module docs).
    pub fn finish<E: From<SseError>>(
        &mut self,
        mut on_event: impl FnMut(SseEvent<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.carry.is_empty() {
            let carried = std::mem::take(&mut self.carry);
            work::add(Layer::SseCarryOut, carried.len());
            self.line(&carried, &mut on_event)?;
        }
        self.dispatch(&mut on_event)
    }

    fn line<E: From<SseError>>(
        &mut self,
        mut line: &[u8],
        on_event: &mut impl FnMut(SseEvent<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        work::add(Layer::SseLine, line.len());
        if line.len() > self.limit {
            return Err(self.too_large().into());
        }
        if self.at_start {
            self.at_start = false;
            if let [0xEF, 0xBB, 0xBF, rest @ ..] = line {
                line = rest;
            }
        }
        if line.is_empty() {
            return self.dispatch(on_event);
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            b"data" => {
                let value = std::str::from_utf8(value).map_err(|e| {
                    SseError::malformed(format!("event-stream data line is not valid UTF-8: {e}"))
                })?;
                if self.data.len().saturating_add(value.len()) >= self.limit {
                    return Err(self.too_large().into());
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&String::from_utf8_lossy(value));
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch<E>(
        &mut self,
        on_event: &mut impl FnMut(SseEvent<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let result = if self.has_data {
            on_event(SseEvent {
                event: &self.event,
                data: &self.data,
            })
        } else {
            Ok(())
        };
        self.data.clear();
        self.event.clear();
        self.has_data = false;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[&[u8]]) -> Vec<(String, String)> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        let mut push = |e: SseEvent<'_>| -> Result<(), SseError> {
            out.push((e.event.to_owned(), e.data.to_owned()));
            Ok(())
        };
        for chunk in chunks {
            decoder.feed(chunk, &mut push).unwrap();
        }
        decoder.finish(&mut push).unwrap();
        out
    }

    /// Decodes `body` whole, then split at every byte position, then byte by byte.
    fn all_splits(body: &[u8]) -> Vec<(String, String)> {
        let whole = decode(&[body]);
        for at in 0..=body.len() {
            assert_eq!(decode(&[&body[..at], &body[at..]]), whole, "split at {at}");
            assert_eq!(
                decode(&[&body[..at], b"", &body[at..]]),
                whole,
                "split at {at}, an empty read between"
            );
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(decode(&bytes), whole, "byte by byte");
        whole
    }

    fn ev(event: &str, data: &str) -> (String, String) {
        (event.to_owned(), data.to_owned())
    }

    #[test]
    fn line_endings() {
        let expected = vec![ev("", "a"), ev("", "b")];
        assert_eq!(all_splits(b"data: a\n\ndata: b\n\n"), expected);
        assert_eq!(all_splits(b"data: a\r\n\r\ndata: b\r\n\r\n"), expected);
        assert_eq!(all_splits(b"data: a\r\rdata: b\r\r"), expected);
        assert_eq!(all_splits(b"data: a\r\n\ndata: b\n\r\n"), expected);
    }

    /// Found by the `openai_reader` fuzz target: an empty read between the
    /// `\r` and the `\n` of a CRLF made them two line ends, so a blank line
    /// (dispatching the event) that the body does not hold.
    #[test]
    fn an_empty_read_inside_a_crlf_keeps_it_one_line_end() {
        assert_eq!(
            decode(&[b"data: a\r", b"", b"\ndata: b\n\n"]),
            vec![ev("", "a\nb")]
        );
        assert_eq!(decode(&[b"data\r", b"", b"", b"\n"]), vec![ev("", "")]);
    }

    #[test]
    fn comments_fields_and_multiline_data() {
        let body = b": keep-alive\n\nevent: error\ndata: {\"a\":\ndata:1}\nid: 7\nretry: 10\n\n";
        assert_eq!(all_splits(body), vec![ev("error", "{\"a\":\n1}")]);
        assert_eq!(
            all_splits(b"data\n\ndata:\n\n"),
            vec![ev("", ""), ev("", "")]
        );
        assert_eq!(all_splits(b"event: x\n\ndata: y\n\n"), vec![ev("", "y")]);
        assert_eq!(
            all_splits(b"data:  two spaces\n\n"),
            vec![ev("", " two spaces")]
        );
    }

    #[test]
    fn bom_and_unterminated_last_event() {
        assert_eq!(all_splits(b"\xEF\xBB\xBFdata: a\n\n"), vec![ev("", "a")]);
        assert_eq!(
            all_splits(b"data: a\n\ndata: b"),
            vec![ev("", "a"), ev("", "b")]
        );
        assert_eq!(all_splits(b"data: a\n"), vec![ev("", "a")]);
    }

    #[test]
    fn utf8_split_inside_a_character() {
        assert_eq!(
            all_splits("data: 25°C ✓\n\n".as_bytes()),
            vec![ev("", "25°C ✓")]
        );
        let mut decoder = SseDecoder::new();
        let err = decoder
            .feed(b"data: \xFF\n\n", |_| Ok::<(), SseError>(()))
            .unwrap_err();
        assert!(err.message.contains("UTF-8"), "{err}");
    }

    /// Every recorded stream: one event per `data:` line (all of them are
    /// single-line events), whatever the splits; the Anthropic files that end
    /// without a blank line still yield their last event.
    #[test]
    fn recorded_streams() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sse");
        let providers = std::fs::read_dir(&root)
            .unwrap_or_else(|e| panic!("fixtures missing at {}: {e}", root.display()));
        let mut files = 0;
        for provider in providers {
            for file in std::fs::read_dir(provider.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_none_or(|e| e != "sse") {
                    continue;
                }
                files += 1;
                let body = std::fs::read(&path).unwrap();
                let whole = decode(&[&body]);
                let data_lines = String::from_utf8_lossy(&body)
                    .lines()
                    .filter(|l| l.starts_with("data:"))
                    .count();
                assert_eq!(whole.len(), data_lines, "{}", path.display());
                for size in [1, 2, 3, 7, 64] {
                    let pieces: Vec<&[u8]> = body.chunks(size).collect();
                    assert_eq!(
                        decode(&pieces),
                        whole,
                        "{} in {size}-byte reads",
                        path.display()
                    );
                }
                if path.to_string_lossy().contains("anthropic") && !body.ends_with(b"\n") {
                    let last = whole.last().unwrap();
                    assert!(
                        last.1.contains("message_stop"),
                        "{}: {last:?}",
                        path.display()
                    );
                }
            }
        }
        assert!(files >= 20, "only {files} recorded streams found");
    }

    proptest::proptest! {
        /// Any bytes, cut anywhere: no panic, and the same events whatever
        /// the cuts (invalid UTF-8 in a data line is an error either way).
        #[test]
        fn any_bytes_any_cuts(
            body in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(b'\n'), proptest::strategy::Just(b'\r'), proptest::strategy::Just(b':'),
                proptest::strategy::Just(b' '), proptest::strategy::Just(0xFF), proptest::strategy::Just(b'd'),
                proptest::strategy::Just(b'a'), proptest::strategy::Just(b't'),
            ], 0..60),
            cut in 0usize..60,
        ) {
            let run = |pieces: &[&[u8]]| {
                let mut decoder = SseDecoder::new();
                let mut out = Vec::new();
                let mut push = |e: SseEvent<'_>| -> Result<(), SseError> {
                    out.push((e.event.to_owned(), e.data.to_owned()));
                    Ok(())
                };
                let mut result = Ok(());
                for piece in pieces {
                    result = result.and_then(|()| decoder.feed(piece, &mut push));
                }
                result = result.and_then(|()| decoder.finish(&mut push));
                (out, result.is_ok())
            };
            let cut = cut.min(body.len());
            proptest::prop_assert_eq!(run(&[&body]), run(&[&body[..cut], &body[cut..]]));
        }
    }
}
