//! The builders' helpers: what a struct's or an enum's generated builder
//! (`expand/body.rs`, `expand/enums/`) calls to step through its fields,
//! find a tagged enum's variant, and word the problems it finds.

use crate::builder::{feed_child, Builder, ChildStep, EventBuffer, OwnedEvent, Skip, Slot, Step};
use crate::json::Event;
use crate::validation::StreamIssue;

use super::text::{one_of, Shorten, SHOWN};

/// One bit per field of a struct: which fields have ended (valid), so a
/// builder can answer "is this field complete" and hold its struct back
/// until some fields have arrived. `N` words of 64 fields each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bits<const N: usize>([u64; N]);

impl<const N: usize> Default for Bits<N> {
    fn default() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> Bits<N> {
    /// Sets bit `i`.
    #[inline]
    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// Bit `i`.
    #[inline]
    #[must_use]
    pub fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// Clears bit `i`, returning what it was.
    #[inline]
    pub fn take(&mut self, i: usize) -> bool {
        let was = self.get(i);
        self.0[i / 64] &= !(1 << (i % 64));
        was
    }

    /// True when every bit of `mask` is set.
    #[inline]
    #[must_use]
    pub fn contains(&self, mask: &[u64; N]) -> bool {
        self.0.iter().zip(mask).all(|(bits, m)| bits & m == *m)
    }
}

/// What an object makes of the step of the value under `key`: the issue
/// gains the key. The flag is `Some(valid)` when the value ended.
#[inline]
pub fn keyed_step(step: ChildStep, key: &str) -> (Step, Option<bool>) {
    match step {
        ChildStep::Continue(None) => (Step::More, None),
        ChildStep::Continue(Some(issue)) => (Step::MoreWith(issue.in_key(key)), None),
        ChildStep::Ended { valid, issue } => match issue {
            Some(issue) => (Step::MoreWith(issue.in_key(key)), Some(valid)),
            None => (Step::More, Some(valid)),
        },
    }
}

/// What a struct makes of its field's step: the issue gains the field's
/// key, a valid end sets the field's completion bit. The flag is true when
/// the field's value ended.
#[inline]
pub fn field_step<const N: usize>(
    step: ChildStep,
    name: &str,
    index: usize,
    done: &mut Bits<N>,
) -> (Step, bool) {
    let (step, ended) = keyed_step(step, name);
    if ended == Some(true) {
        done.set(index);
    }
    (step, ended.is_some())
}

/// [`field_step`] for the elements of a tuple (the path gains an index).
#[inline]
pub fn element_step<const N: usize>(
    step: ChildStep,
    index: usize,
    done: &mut Bits<N>,
) -> (Step, bool) {
    match step {
        ChildStep::Continue(None) => (Step::More, false),
        ChildStep::Continue(Some(issue)) => (Step::MoreWith(issue.in_index(index)), false),
        ChildStep::Ended { valid, issue } => {
            if valid {
                done.set(index);
            }
            match issue {
                Some(issue) => (Step::MoreWith(issue.in_index(index)), true),
                None => (Step::More, true),
            }
        }
    }
}

/// Appends a piece of a variant's name, as it arrives, to `name`, keeping
/// only its first characters: more than `max` bytes (the longest variant's
/// name plus one), so a name cut there matches none whatever followed, and
/// more than a message shows of a name (`SHOWN`, 80 characters), so the
/// message about it is the same as when the name arrives whole.
#[inline]
pub fn push_name_piece(name: &mut String, piece: &str, max: usize) {
    let keep = max.max(SHOWN) + 1;
    // At most `keep` characters are counted: the name is never longer.
    let room = keep.saturating_sub(name.chars().count());
    if room == 0 {
        return;
    }
    let end = piece
        .char_indices()
        .nth(room)
        .map_or(piece.len(), |(end, _)| end);
    name.push_str(piece.get(..end).unwrap_or(piece));
}

/// Tracks the rest of an object whose opening `{` was taken: true when
/// `event` is the object's closing `}` (`depth` counts the containers
/// opened inside it).
#[inline]
pub fn object_rest(depth: &mut u32, event: &Event<'_>) -> bool {
    match event {
        Event::ObjectStart | Event::ArrayStart => {
            *depth += 1;
            false
        }
        Event::ObjectEnd if *depth == 0 => true,
        Event::ObjectEnd | Event::ArrayEnd => {
            *depth = depth.saturating_sub(1);
            false
        }
        _ => false,
    }
}

/// What an event of a tagged enum's object meant before the tag's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sought {
    /// Nothing yet: the event was kept or skipped.
    More,
    /// The tag's key: its value, the variant's name, comes next.
    Tag,
    /// The object's `}`: the tag is missing.
    End,
}

/// The events of a tagged enum's object before its tag's key arrives,
/// kept to be replayed once the variant is known: every event for an
/// internally tagged enum (the variant's fields), only the content's key
/// and value for an adjacently tagged one (the last content, if repeated;
/// other keys are skipped).
#[derive(Debug, Default, Clone)]
pub struct BeforeTag {
    depth: u32,
    keep: bool,
    buffer: EventBuffer,
}

impl BeforeTag {
    /// Takes an event of the object (after its `{`): `tag` is the tag's
    /// key, `content` the content's (`None` when internally tagged).
    pub fn event(&mut self, event: &Event<'_>, tag: &str, content: Option<&str>) -> Sought {
        if self.depth == 0 {
            match *event {
                Event::Key(key) if key == tag => return Sought::Tag,
                Event::ObjectEnd => return Sought::End,
                Event::Key(key) => {
                    self.keep = content.is_none_or(|content| key == content);
                    if self.keep && content.is_some() {
                        self.buffer = EventBuffer::default();
                    }
                }
                _ => {}
            }
        }
        object_rest(&mut self.depth, event);
        if self.keep {
            self.buffer.push(event);
        }
        Sought::More
    }

    /// The events kept, oldest first.
    #[must_use]
    pub fn take(&mut self) -> Vec<OwnedEvent> {
        self.buffer.take()
    }
}

/// Starts `builder` on an object whose fields arrived before its variant
/// was known: feeds it `{` and the buffered events (see [`replay_all`]).
pub fn replay<P, B: Builder<P>, S: Slot<P>>(
    builder: &mut B,
    skip: &mut Option<Skip>,
    slot: &mut S,
    events: Vec<OwnedEvent>,
) -> Step {
    let open = std::iter::once(OwnedEvent::ObjectStart);
    replay_all(builder, skip, slot, open.chain(events))
}

/// Feeds `builder` events kept while its variant was not known. Returns
/// the first problem found (the others are reported again, as missing
/// fields, when the value is checked).
pub fn replay_all<P, B: Builder<P>, S: Slot<P>>(
    builder: &mut B,
    skip: &mut Option<Skip>,
    slot: &mut S,
    events: impl IntoIterator<Item = OwnedEvent>,
) -> Step {
    let mut first = None;
    for event in events {
        let issue = match feed_child(builder, skip, slot, &event.as_event()) {
            ChildStep::Continue(issue) | ChildStep::Ended { issue, .. } => issue,
        };
        if first.is_none() {
            first = issue;
        }
    }
    match first {
        Some(issue) => Step::MoreWith(issue),
        None => Step::More,
    }
}

/// The problem of an unknown key in a struct that refuses them
/// (`#[serde(deny_unknown_fields)]`).
#[must_use]
pub fn unknown_field(key: &str, expected: &[&str]) -> Box<StreamIssue> {
    let mut message = format!("unknown field {}", Shorten(key));
    if !expected.is_empty() {
        message.push_str(", expected ");
        message.push_str(&one_of(expected));
    }
    StreamIssue::new(message)
}

/// The message for an unknown enum variant, listing the allowed ones.
#[must_use]
pub fn unknown_variant(found: &str, allowed: &[&str]) -> String {
    format!(
        "unknown variant {}, expected {}",
        Shorten(found),
        one_of(allowed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_a_character_more_than_it_shows_or_matches() {
        let long = "é".repeat(100);
        let mut name = String::new();
        push_name_piece(&mut name, "ab", 4);
        push_name_piece(&mut name, &long, 4);
        assert_eq!(name.chars().count(), SHOWN + 1);
        push_name_piece(&mut name, "d", 4);
        assert_eq!(
            name.chars().count(),
            SHOWN + 1,
            "a name past the limit grows no more"
        );
        let mut whole = String::new();
        push_name_piece(&mut whole, "Red", 4);
        assert_eq!(whole, "Red");
        let mut longer = String::new();
        push_name_piece(&mut longer, &"x".repeat(200), 150);
        assert_eq!(
            longer.len(),
            151,
            "a variant's name longer than a message shows"
        );
    }

    /// Found by the `derived` fuzz target: an unknown unit variant that
    /// arrived whole was shown whole, one that arrived in pieces only up to
    /// the longest variant's length, so the message depended on the chunks.
    #[test]
    fn a_name_in_pieces_is_shown_as_a_name_arriving_whole() {
        for found in [
            "co/ntrot",
            &"é".repeat(79),
            &"é".repeat(80),
            &"x".repeat(300),
        ] {
            let whole = unknown_variant(found, &["Red"]);
            for at in (0..=found.len()).filter(|&at| found.is_char_boundary(at)) {
                let mut name = String::new();
                push_name_piece(&mut name, &found[..at], 4);
                push_name_piece(&mut name, &found[at..], 4);
                assert_eq!(unknown_variant(&name, &["Red"]), whole, "cut at {at}");
            }
        }
    }

    #[test]
    fn before_the_tag_only_the_last_content_is_kept() {
        // {"c": 1, "x": {"c": [2]}, "c": {"a": 3}, "t"
        let events = [
            Event::Key("c"),
            Event::Number("1"),
            Event::Key("x"),
            Event::ObjectStart,
            Event::Key("c"),
            Event::ArrayStart,
            Event::Number("2"),
            Event::ArrayEnd,
            Event::ObjectEnd,
            Event::Key("c"),
            Event::ObjectStart,
            Event::Key("a"),
            Event::Number("3"),
            Event::ObjectEnd,
            Event::Key("t"),
        ];
        let mut adjacent = BeforeTag::default();
        let mut internal = BeforeTag::default();
        for (i, event) in events.iter().enumerate() {
            let expected = if i + 1 == events.len() {
                Sought::Tag
            } else {
                Sought::More
            };
            assert_eq!(adjacent.event(event, "t", Some("c")), expected);
            assert_eq!(internal.event(event, "t", None), expected);
        }
        let owned = |events: &[Event<'_>]| {
            let mut buffer = EventBuffer::default();
            events.iter().for_each(|e| buffer.push(e));
            buffer.take()
        };
        assert_eq!(adjacent.take(), owned(&events[9..14]));
        assert_eq!(internal.take(), owned(&events[..14]));
        let mut unknown_end = BeforeTag::default();
        assert_eq!(
            unknown_end.event(&Event::ObjectEnd, "t", Some("c")),
            Sought::End
        );
    }

    #[test]
    fn an_unknown_variant_lists_the_allowed_ones() {
        assert_eq!(
            unknown_variant("Purple", &["Red", "Green"]),
            "unknown variant \"Purple\", expected one of `Red`, `Green`"
        );
    }
}
