//! A chunk read by what changed since the one before.
//!
//! A model's chunks differ from one another in one string: the text or the
//! fragment of a tool call's arguments (and, from OpenAI, the `obfuscation`
//! padding). Once a chunk is decoded in full, its data is kept with those
//! strings marked as holes. When the next chunk has the same bytes around
//! its holes, and each hole is one JSON string, it means what the kept
//! chunk meant with other strings in the holes: a JSON parser is in the
//! same state after the same bytes, a string ends at its closing quote in
//! the same state whatever it holds, and the same bytes after it are read
//! the same way. Then only the holes are parsed, not the chunk's dozen
//! other keys and values (the decode of a chunk was 60% of the client's
//! own work per event). Any other chunk is decoded in full, and kept if it
//! has a shape a template can stand for.

use super::wire::Chunk;
use crate::client::providers::wire::cow;
use serde::Deserialize;
use std::borrow::Cow;
use std::ops::Range;

/// What a kept chunk says besides its text: choice 0's delta, nothing else
/// (no usage, no finish reason, no error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// One `delta.content` string.
    Text,
    /// One fragment of the arguments of the tool call at `index`, without
    /// an id or a name.
    Arguments { index: u32 },
}

/// The last chunk decoded in full, with its holes. See the module docs.
#[derive(Debug, Default)]
pub(super) struct Template {
    /// The kept chunk's data.
    data: String,
    /// The contents of its holes (between their quotes), in order.
    holes: Vec<Range<usize>>,
    /// Which hole holds the text.
    text: usize,
    /// `None` when no chunk is kept.
    shape: Option<Shape>,
    id: Option<Range<usize>>,
    model: Option<Range<usize>>,
    fingerprint: Option<Range<usize>>,
    created: Option<u64>,
    /// Never keeps a chunk (to check the full decode against this one).
    #[cfg(test)]
    pub(super) disabled: bool,
}

impl Template {
    /// The text of `data` when it is the kept chunk with other strings in
    /// its holes, with what the kept chunk says besides.
    pub fn apply<'d>(&self, data: &'d str) -> Option<(Shape, Cow<'d, str>)> {
        let shape = self.shape?;
        let (kept, new) = (self.data.as_bytes(), data.as_bytes());
        let (mut kept_at, mut new_at, mut text) = (0, 0, None);
        for (i, hole) in self.holes.iter().enumerate() {
            // The bytes up to the hole, its opening quote included.
            let literal = kept.get(kept_at..hole.start)?;
            if new.get(new_at..new_at + literal.len())? != literal {
                return None;
            }
            new_at += literal.len();
            let (value, end) = string_at(data, new_at - 1)?;
            if i == self.text {
                text = Some(value);
            }
            (kept_at, new_at) = (hole.end, end);
        }
        if new.get(new_at..)? != kept.get(kept_at..)? {
            return None;
        }
        Some((shape, text?))
    }

    /// The kept chunk's id, model, creation time and fingerprint.
    pub fn meta(&self) -> (Option<&str>, Option<&str>, Option<u64>, Option<&str>) {
        let at =
            |range: &Option<Range<usize>>| range.as_ref().and_then(|r| self.data.get(r.clone()));
        (
            at(&self.id),
            at(&self.model),
            self.created,
            at(&self.fingerprint),
        )
    }

    /// Keeps `chunk`, decoded in full from `data`, if its shape allows;
    /// else keeps nothing.
    pub fn learn(&mut self, data: &str, chunk: &Chunk<'_>) {
        self.shape = None;
        #[cfg(test)]
        if self.disabled {
            return;
        }
        let Some((shape, text)) = shape_of(chunk) else {
            return;
        };
        let Some(text) = hole(data, text) else {
            return;
        };
        // Each label is kept by its place in the data: borrowed, or not
        // kept at all.
        let place = |label: &Option<Cow<'_, str>>| match label {
            None => Some(None),
            Some(Cow::Borrowed(s)) => span(data, s).map(Some),
            Some(Cow::Owned(_)) => None,
        };
        let (Some(id), Some(model), Some(fingerprint)) = (
            place(&chunk.id),
            place(&chunk.model),
            place(&chunk.system_fingerprint),
        ) else {
            return;
        };
        self.holes.clear();
        self.holes.push(text.clone());
        // The padding changes at every chunk; escaped (never seen), it
        // stays part of the bytes that must match.
        if let Some(Cow::Borrowed(padding)) = &chunk.obfuscation {
            if let Some(padding) = hole(data, padding) {
                self.holes.push(padding);
            }
        }
        self.holes.sort_by_key(|hole| hole.start);
        if self
            .holes
            .windows(2)
            .any(|pair| pair[0].end >= pair[1].start)
        {
            return;
        }
        self.text = self.holes.iter().position(|h| *h == text).unwrap_or(0);
        self.data.clear();
        self.data.push_str(data);
        (self.id, self.model, self.fingerprint) = (id, model, fingerprint);
        self.created = chunk.created;
        self.shape = Some(shape);
    }
}

/// The shape of `chunk` and its text, borrowed from the data, if a
/// template can stand for it.
fn shape_of<'c>(chunk: &'c Chunk<'_>) -> Option<(Shape, &'c str)> {
    if chunk.error.is_some() || chunk.usage.is_some() {
        return None;
    }
    let [choice] = chunk.choices.as_deref()? else {
        return None;
    };
    if choice.index.unwrap_or(0) != 0
        || choice.finish_reason.is_some()
        || choice.native_finish_reason.is_some()
    {
        return None;
    }
    let delta = choice.delta.as_ref()?;
    if delta.refusal.is_some() {
        return None;
    }
    let texts = delta.content.as_ref().map_or(&[][..], |c| &c.texts[..]);
    let (shape, text) = match (&delta.tool_calls, texts) {
        (None, [text]) => (Shape::Text, text),
        (Some(calls), []) => {
            let [call] = calls.as_slice() else {
                return None;
            };
            let function = call.function.as_ref()?;
            if call.id.is_some() || function.name.is_some() {
                return None;
            }
            let index = call.index?;
            (Shape::Arguments { index }, function.arguments.as_ref()?)
        }
        _ => return None,
    };
    match text {
        Cow::Borrowed(text) => Some((shape, text)),
        Cow::Owned(_) => None,
    }
}

/// Where `part`, a slice of `data`, lies in it.
fn span(data: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
    let range = start..start.checked_add(part.len())?;
    (data.get(range.clone())? == part).then_some(range)
}

/// Where `part`, a non-empty string of `data` read without escapes, lies
/// in it, between its quotes.
fn hole(data: &str, part: &str) -> Option<Range<usize>> {
    // An empty string is no evidence of where it was read.
    if part.is_empty() {
        return None;
    }
    let range = span(data, part)?;
    let bytes = data.as_bytes();
    let quoted = range.start.checked_sub(1).and_then(|open| bytes.get(open)) == Some(&b'"')
        && bytes.get(range.end) == Some(&b'"');
    quoted.then_some(range)
}

/// The JSON string whose opening quote is `data[open]`, and where its
/// closing quote is: read in one pass, escapes and all.
fn string_at(data: &str, open: usize) -> Option<(Cow<'_, str>, usize)> {
    let mut strings = serde_json::Deserializer::from_str(data.get(open..)?).into_iter::<Hole<'_>>();
    let Hole(value) = strings.next()?.ok()?;
    Some((value?, open + strings.byte_offset() - 1))
}

/// A hole's string, borrowed from the chunk when it holds no escape.
#[derive(Deserialize)]
struct Hole<'a>(#[serde(borrow, deserialize_with = "cow")] Option<Cow<'a, str>>);

#[cfg(test)]
mod tests {
    use super::super::decode::ChatDecoder;
    use crate::client::providers::Decode;
    use crate::client::sse::{SseDecoder, SseError, SseEvent};
    use proptest::prelude::*;

    /// Each event's deltas (or its error), as text, read by `decoder`.
    fn deltas(mut decoder: ChatDecoder, events: &[(String, String)]) -> Vec<String> {
        let mut seen = Vec::new();
        for (event, data) in events {
            let event = SseEvent { event, data };
            let mut out = |delta: crate::client::providers::Delta<'_>| {
                seen.push(format!("{delta:?}"));
                Ok(())
            };
            if let Err(error) = decoder.event(event, &mut out) {
                seen.push(format!("error: {error}"));
            }
        }
        seen
    }

    /// Read with the template, and in full, the events give the same deltas.
    fn same_either_way(events: &[(String, String)]) {
        let full = deltas(ChatDecoder::without_template(), events);
        assert_eq!(deltas(ChatDecoder::default(), events), full);
    }

    fn events_of(body: &[u8]) -> Vec<(String, String)> {
        let mut events = Vec::new();
        let mut push = |e: SseEvent<'_>| -> Result<(), SseError> {
            events.push((e.event.to_owned(), e.data.to_owned()));
            Ok(())
        };
        let mut sse = SseDecoder::new();
        let _ = sse.feed(body, &mut push);
        let _ = sse.finish(&mut push);
        events
    }

    #[test]
    fn recorded_streams_give_the_same_deltas() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sse");
        let mut read = 0;
        for provider in ["openai", "groq", "openrouter", "vllm"] {
            for file in std::fs::read_dir(root.join(provider)).expect("the fixtures") {
                let body = std::fs::read(file.expect("a fixture").path()).expect("a fixture");
                same_either_way(&events_of(&body));
                read += 1;
            }
        }
        assert!(read >= 20, "only {read} recordings");
    }

    fn chunk(arguments: &str, padding: &str) -> String {
        format!(
            r#"{{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1754693439,"model":"gpt-4o","system_fingerprint":"fp_1","usage":null,"choices":[{{"index":0,"delta":{{"tool_calls":[{{"index":0,"function":{{"arguments":"{arguments}"}}}}]}},"logprobs":null,"finish_reason":null}}],"obfuscation":"{padding}"}}"#
        )
    }

    #[test]
    fn a_chunk_like_the_last_is_read_by_its_holes() {
        // Kept: its strings hold no escapes, so their place is known.
        let first = chunk("{", "3Y6y");
        let next = chunk(r#"me\":\"Zürich \\\" é"#, "S8ctAb");
        let mut decoder = ChatDecoder::default();
        let events: Vec<(String, String)> = [first, next]
            .into_iter()
            .map(|d| (String::new(), d))
            .collect();
        decoder
            .event(
                SseEvent {
                    event: "",
                    data: &events[0].1,
                },
                &mut |_| Ok(()),
            )
            .expect("a chunk");
        let (shape, text) = decoder
            .template()
            .apply(&events[1].1)
            .expect("read by its holes");
        assert_eq!(shape, super::Shape::Arguments { index: 0 });
        assert_eq!(text, "me\":\"Zürich \\\" é");
        // Not when anything around the holes changed, or a hole is not one
        // string.
        for other in [
            chunk("x", "S8ct").replace(r#""created":1754693439"#, r#""created":1754693440"#),
            chunk("x", "S8ct").replace(r#""finish_reason":null"#, r#""finish_reason":"stop""#),
            chunk(r#"x","index":1,"y":"z"#, "S8ct"),
            chunk("x\u{1}", "S8ct"),
            chunk(r"x\q", "S8ct"),
        ] {
            assert!(decoder.template().apply(&other).is_none(), "{other}");
        }
        same_either_way(&events);
    }

    /// A string as a model might send it inside a JSON string: plain text,
    /// escapes, quotes, backslashes, raw control characters (invalid),
    /// non-ASCII.
    fn piece() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                "[a-z {}:,\\[\\]]{0,4}",
                Just(r#"\""#.to_owned()),
                Just(r"\\".to_owned()),
                Just(r"\u00e9".to_owned()),
                Just(r"\ud83d\ude00".to_owned()),
                Just("\"".to_owned()),
                Just("\\".to_owned()),
                Just("\u{7}".to_owned()),
                Just("é東".to_owned()),
                Just(r"\n".to_owned()),
            ],
            0..4,
        )
        .prop_map(|parts| parts.concat())
    }

    /// A chunk like a model's, or one changed around its holes.
    fn any_chunk() -> impl Strategy<Value = String> {
        (piece(), piece(), 0..12u8).prop_map(|(text, padding, change)| {
            let base = chunk(&text, &padding);
            match change {
                0 => base.replace(r#""finish_reason":null"#, r#""finish_reason":"tool_calls""#),
                1 => base.replace(r#""usage":null"#, r#""usage":{"prompt_tokens":3}"#),
                2 => base.replace(r#""index":0,"function""#, r#""index":1,"function""#),
                3 => base.replace(r#""function":{"#, r#""id":"call_2","function":{"#),
                4 => base
                    .replace(
                        r#""tool_calls":[{"index":0,"function":{"arguments":"#,
                        r#""content":"#,
                    )
                    .replace(r#""}}]},"logprobs""#, r#""},"logprobs""#),
                5 => base.replace(r#","obfuscation""#, r#", "obfuscation""#),
                6 => base.replace(r#""model":"gpt-4o""#, r#""model":"gpt-4\u006f""#),
                7 => base.replace(r#""choices":["#, r#""error":{"message":"x"},"choices":["#),
                8 => base[..base.len() / 2].to_owned(),
                _ => base,
            }
        })
    }

    proptest! {
        #[test]
        fn any_chunks_give_the_same_deltas_read_either_way(
            chunks in prop::collection::vec(any_chunk(), 1..12),
        ) {
            let events: Vec<(String, String)> =
                chunks.into_iter().map(|data| (String::new(), data)).collect();
            same_either_way(&events);
        }
    }
}
