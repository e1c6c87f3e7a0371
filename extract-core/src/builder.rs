//! The incremental builder protocol: how lexer events become a partial value
//! updated in place.
//!
//! Every [`Extract`](crate::Extract) type has a [`Builder`]: a small state
//! machine that receives the events of exactly one JSON value, from its first
//! event to the one that ends it, and writes into a [`Slot`] that holds the
//! value's partial. A builder decides when its value appears in the slot (a
//! string at its opening quote, a number only when complete, a struct at `{`,
//! an atomic field only at its end) and reports its progress as a [`Step`].
//!
//! When the consumer asks for changes (the relay does), each write also
//! records the JSON Patch operation it makes on the partial's JSON, at the
//! JSON Pointer the slots build on the way to it (see [`Recorder`],
//! [`Place`]); otherwise the recorder is `None` and a write checks that
//! once per slot it goes through.
//!
//! Problems with the value (a number where a string belongs, an unknown enum
//! variant) never abort the stream: the builder reports them as a
//! [`StreamIssue`] in the step, its parents add their path segment on the way
//! back up, and the value is skipped. Only a JSON syntax error stops parsing.
//!
//! Not public API: the runtime drives it, and the code `#[derive(Extract)]`
//! generates reaches it through `__private`.

use std::sync::Arc;

use serde::Serialize;

use crate::json::Event;
pub use crate::patch::Recorder;
use crate::validation::StreamIssue;

/// Where a builder writes its value's partial.
///
/// The root is `Tracked`; below it each container hands its child a slot
/// of its own (a struct's field, the last element of a `Vec`, a map entry,
/// a variant's part), reaching its parent only when the child writes. An
/// `Option<P>` is a slot of its own, for a value built aside.
///
/// Every write goes through [`reach`](Self::reach) or [`set`](Self::set),
/// which reach the root only then: reading or skipping touches nothing (the
/// root's partial is shared with the snapshots handed out, and reaching it
/// copies it if one is still held). When changes are recorded, a write
/// records the operation it makes on the partial's JSON (see [`Recorder`]).
pub trait Slot<P> {
    /// The partial, if the value has appeared, to write into; with it, when
    /// changes are recorded, the recorder, its pointer leading to the
    /// partial. The caller records the change it makes.
    fn reach(&mut self) -> Reached<'_, P>;
    /// Makes the value appear (or replaces it), recording the change.
    fn set(&mut self, value: P);
}

/// What [`Slot::reach`] gives: the partial to write into, and the recorder
/// pointing at it when changes are recorded.
pub type Reached<'a, P> = Option<(&'a mut P, Option<&'a mut Recorder>)>;

/// A slot of its own: nothing is recorded (a value built aside, a test's
/// root).
impl<P> Slot<P> for Option<P> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, P> {
        self.as_mut().map(|p| (p, None))
    }

    #[inline]
    fn set(&mut self, value: P) {
        *self = Some(value);
    }
}

/// The pointer of a reached value goes on into its part: `enter` appends
/// the part's segments.
#[inline]
fn into_part<'a, F>(
    part: &'a mut F,
    mut recorder: Option<&'a mut Recorder>,
    enter: impl FnOnce(&mut Recorder),
) -> (&'a mut F, Option<&'a mut Recorder>) {
    if let Some(recorder) = recorder.as_deref_mut() {
        enter(recorder);
    }
    (part, recorder)
}

/// What a builder says after taking an event.
#[derive(Debug)]
#[must_use]
pub enum Step {
    /// The value continues.
    More,
    /// The value ended with this event.
    Done,
    /// The value continues; a problem was found inside it (path relative to
    /// this value).
    MoreWith(Box<StreamIssue>),
    /// The value ended with this event and is invalid (nothing was written).
    Invalid(Box<StreamIssue>),
    /// This first event does not start a value of the builder's type; the
    /// caller must skip the value it starts (see [`Skip`]) and report the
    /// problem.
    Reject(Box<StreamIssue>),
}

/// Builds one value of some type from its events, writing into a [`Slot`].
///
/// A builder is reset to `Default` before each new value it builds.
pub trait Builder<P>: Default {
    /// Takes the next event of the value. The first call for a value gets
    /// its first event.
    fn event<S: Slot<P>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step;

    /// Appends the path of the field or item being written, if any.
    fn active_path(&self, _out: &mut Vec<crate::path::Segment>) {}

    /// True when the part of the value at `path` (relative to the value this
    /// builder is building, which has not ended) has been received in full.
    ///
    /// Asked only for paths that exist in the partial. A container answers
    /// for its ended children itself (a struct from its completion bitset, a
    /// `Vec` from its item count) and asks the builder of the child being
    /// written about the rest of the path. Not on the hot path: nothing is
    /// tracked for it beyond what the builder keeps anyway.
    fn is_complete_at(&self, _path: &[crate::path::Segment]) -> bool {
        false
    }
}

/// Skips one JSON value incrementally, allocating nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Skip {
    depth: u32,
}

impl Skip {
    /// Starts skipping the value whose first event is `first`. Returns `None`
    /// when that event is the whole value.
    #[must_use]
    pub fn start(first: &Event<'_>) -> Option<Self> {
        let mut skip = Self::default();
        if skip.event(first) {
            None
        } else {
            Some(skip)
        }
    }

    /// Takes the next event; true when the skipped value has ended.
    pub fn event(&mut self, event: &Event<'_>) -> bool {
        match event {
            Event::ObjectStart | Event::ArrayStart => {
                self.depth += 1;
                false
            }
            Event::ObjectEnd | Event::ArrayEnd => {
                self.depth = self.depth.saturating_sub(1);
                self.depth == 0
            }
            Event::Str { last, .. } => self.depth == 0 && *last,
            Event::Key(_) => false,
            Event::Number(_) | Event::Bool(_) | Event::Null => self.depth == 0,
        }
    }
}

/// The slot of the element being written at the end of a `Vec` held in the
/// parent slot `S`: the element is pushed when it appears and written in
/// place afterwards. The parent is reached only when the element is written,
/// so reading or skipping touches nothing.
pub struct VecTail<'a, S> {
    parent: &'a mut S,
    shown: &'a mut bool,
}

impl<'a, S> VecTail<'a, S> {
    /// The tail slot of the vector in `parent`; `shown` tells whether the
    /// current element has been pushed already.
    pub fn new(parent: &'a mut S, shown: &'a mut bool) -> Self {
        Self { parent, shown }
    }
}

impl<P: Serialize, S: Slot<Vec<P>>> Slot<P> for VecTail<'_, S> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, P> {
        if !*self.shown {
            return None;
        }
        let (vec, recorder) = self.parent.reach()?;
        let index = vec.len().checked_sub(1)?;
        let last = vec.last_mut()?;
        Some(into_part(last, recorder, |r| r.push_index(index)))
    }

    #[inline]
    fn set(&mut self, value: P) {
        let Some((vec, recorder)) = self.parent.reach() else {
            return;
        };
        let replaced = *self.shown && !vec.is_empty();
        if replaced {
            if let Some(last) = vec.last_mut() {
                *last = value;
            }
        } else {
            vec.push(value);
            *self.shown = true;
        }
        if let Some(recorder) = recorder {
            recorder.push_index(vec.len() - 1);
            if let Some(last) = vec.last() {
                if replaced {
                    recorder.replace(last);
                } else {
                    recorder.add(last);
                }
            }
        }
    }
}

/// Where a part of a partial is in the partial's JSON: what a slot adds to
/// the pointer of its parent's value when changes are recorded.
pub struct Place<P> {
    /// The key the part's container is under, inside the parent's JSON: an
    /// externally tagged variant's name (`{"Circle": {…}}`), an adjacently
    /// tagged enum's content key (`{"t": …, "c": {…}}`); `None` when the
    /// parent's JSON is the container itself.
    pub under: Option<&'static str>,
    /// The part in its container.
    pub at: At<P>,
}

/// A part of a partial in its container's JSON (see [`Place`]).
pub enum At<P> {
    /// The member of an object with this JSON name (a struct's field).
    Key(&'static str),
    /// Element `index` of an array that shows its elements up to the last
    /// one present (a tuple's), of which `len` says how many it shows.
    Element(usize, fn(&P) -> usize),
    /// The whole container: the part's members are the container's own (the
    /// content of an internally tagged newtype variant), and writing the
    /// part replaces the container.
    Whole,
}

impl<P> Place<P> {
    /// The member `key` of a struct's object (`under` as in [`Place`]).
    #[must_use]
    pub fn key(under: Option<&'static str>, key: &'static str) -> Self {
        Self {
            under,
            at: At::Key(key),
        }
    }

    /// Appends the part's segments to the pointer of its parent.
    #[inline]
    fn enter(&self, recorder: &mut Recorder) {
        if let Some(under) = self.under {
            recorder.push_key(under);
        }
        match self.at {
            At::Key(key) => recorder.push_key(key),
            At::Element(index, _) => recorder.push_index(index),
            At::Whole => {}
        }
    }

    /// Records that the part, `was` present before, is now `value`;
    /// `shown` is what [`At::Element`]'s container showed before (`None`
    /// for the other places). The recorder points at the parent.
    fn record<F: Serialize>(
        &self,
        recorder: &mut Recorder,
        was: bool,
        shown: Option<usize>,
        value: &F,
    ) {
        if let Some(under) = self.under {
            recorder.push_key(under);
        }
        match self.at {
            At::Key(key) => {
                recorder.push_key(key);
                recorder.add(value);
            }
            At::Element(index, _) if was => {
                recorder.push_index(index);
                recorder.replace(value);
            }
            At::Element(index, _) => {
                // The elements before it that ended without a value show as
                // `null` once a later one is present.
                let mark = recorder.mark();
                for gap in shown.unwrap_or(index)..index {
                    recorder.push_index(gap);
                    recorder.add(&());
                    recorder.back_to(mark);
                }
                recorder.push_index(index);
                recorder.add(value);
            }
            At::Whole => recorder.replace(value),
        }
    }

    /// What an [`At::Element`]'s container shows before a write.
    #[inline]
    fn shown(&self, parent: &P) -> Option<usize> {
        match self.at {
            At::Element(_, len) => Some(len(parent)),
            At::Key(_) | At::Whole => None,
        }
    }
}

/// A field of the partial held in the parent slot `S`, reached through
/// `project` only when the field is written.
pub struct FieldSlot<'a, S, P, F> {
    parent: &'a mut S,
    project: fn(&mut P) -> &mut Option<F>,
    place: Place<P>,
}

impl<'a, S, P, F> FieldSlot<'a, S, P, F> {
    /// The field `project` picks out of the partial in `parent`, at `place`
    /// in its JSON.
    pub fn new(parent: &'a mut S, project: fn(&mut P) -> &mut Option<F>, place: Place<P>) -> Self {
        Self {
            parent,
            project,
            place,
        }
    }
}

impl<P, F: Serialize, S: Slot<P>> Slot<F> for FieldSlot<'_, S, P, F> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, F> {
        let (parent, recorder) = self.parent.reach()?;
        let field = (self.project)(parent).as_mut()?;
        Some(into_part(field, recorder, |r| self.place.enter(r)))
    }

    #[inline]
    fn set(&mut self, value: F) {
        let Some((parent, recorder)) = self.parent.reach() else {
            return;
        };
        let Some(recorder) = recorder else {
            *(self.project)(parent) = Some(value);
            return;
        };
        let shown = self.place.shown(parent);
        let field = (self.project)(parent);
        let was = field.is_some();
        let value = field.insert(value);
        self.place.record(recorder, was, shown, value);
    }
}

/// A part of the partial held in the parent slot `S`, reached through `get`
/// and written through `put` only when the part is written: a field of an
/// enum variant, or the content of an internally tagged newtype variant.
///
/// Unlike [`FieldSlot`], the part may be absent (the parent holds another
/// variant); writing it then does nothing.
pub struct ProjectSlot<'a, S, P, F> {
    parent: &'a mut S,
    get: fn(&mut P) -> Option<&mut F>,
    put: fn(&mut P, F),
    place: Place<P>,
}

impl<'a, S, P, F> ProjectSlot<'a, S, P, F> {
    /// The part `get` reads and `put` writes in the partial in `parent`, at
    /// `place` in its JSON.
    pub fn new(
        parent: &'a mut S,
        get: fn(&mut P) -> Option<&mut F>,
        put: fn(&mut P, F),
        place: Place<P>,
    ) -> Self {
        Self {
            parent,
            get,
            put,
            place,
        }
    }
}

impl<P: Serialize, F: Serialize, S: Slot<P>> Slot<F> for ProjectSlot<'_, S, P, F> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, F> {
        let (parent, recorder) = self.parent.reach()?;
        let part = (self.get)(parent)?;
        Some(into_part(part, recorder, |r| self.place.enter(r)))
    }

    #[inline]
    fn set(&mut self, value: F) {
        let Some((parent, recorder)) = self.parent.reach() else {
            return;
        };
        let Some(recorder) = recorder else {
            (self.put)(parent, value);
            return;
        };
        let shown = self.place.shown(parent);
        let was = (self.get)(parent).is_some();
        (self.put)(parent, value);
        if let At::Whole = self.place.at {
            self.place.record(recorder, was, shown, parent);
        } else if let Some(part) = (self.get)(parent) {
            self.place.record(recorder, was, shown, part);
        }
    }
}

/// A part of the partial held in the parent slot `S` that is the whole
/// parent once written: reading goes through `get`, writing replaces the
/// parent with `wrap(value)` (the content of a newtype variant, which makes
/// the variant appear with its content, not before).
pub struct WrapSlot<'a, S, P, F> {
    parent: &'a mut S,
    get: fn(&mut P) -> Option<&mut F>,
    wrap: fn(F) -> P,
    under: &'static str,
}

impl<'a, S, P, F> WrapSlot<'a, S, P, F> {
    /// The part `get` reads in the partial in `parent`, written as `wrap`;
    /// in the parent's JSON, it is the member `under` (the variant's name,
    /// or the content's key).
    pub fn new(
        parent: &'a mut S,
        get: fn(&mut P) -> Option<&mut F>,
        wrap: fn(F) -> P,
        under: &'static str,
    ) -> Self {
        Self {
            parent,
            get,
            wrap,
            under,
        }
    }
}

impl<P, F, S: Slot<P>> Slot<F> for WrapSlot<'_, S, P, F> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, F> {
        let (parent, recorder) = self.parent.reach()?;
        let part = (self.get)(parent)?;
        Some(into_part(part, recorder, |r| r.push_key(self.under)))
    }

    #[inline]
    fn set(&mut self, value: F) {
        self.parent.set((self.wrap)(value));
    }
}

/// An [`Event`] that owns its text, kept to be replayed later (the fields of
/// an internally tagged enum that arrive before its tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedEvent {
    /// `{`
    ObjectStart,
    /// `}`
    ObjectEnd,
    /// `[`
    ArrayStart,
    /// `]`
    ArrayEnd,
    /// A key.
    Key(String),
    /// A piece of a string.
    Str {
        /// The decoded text of the piece.
        text: String,
        /// The piece starts the string.
        first: bool,
        /// The piece ends the string.
        last: bool,
    },
    /// A number's text.
    Number(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl OwnedEvent {
    /// The event as the lexer reports it.
    #[must_use]
    pub fn as_event(&self) -> Event<'_> {
        match self {
            OwnedEvent::ObjectStart => Event::ObjectStart,
            OwnedEvent::ObjectEnd => Event::ObjectEnd,
            OwnedEvent::ArrayStart => Event::ArrayStart,
            OwnedEvent::ArrayEnd => Event::ArrayEnd,
            OwnedEvent::Key(key) => Event::Key(key),
            OwnedEvent::Str { text, first, last } => Event::Str {
                text,
                first: *first,
                last: *last,
            },
            OwnedEvent::Number(text) => Event::Number(text),
            OwnedEvent::Bool(b) => Event::Bool(*b),
            OwnedEvent::Null => Event::Null,
        }
    }
}

/// Buffers the events of values whose meaning is not known yet, merging the
/// pieces of a string so a long string costs one entry.
#[derive(Debug, Default, Clone)]
pub struct EventBuffer {
    events: Vec<OwnedEvent>,
}

impl EventBuffer {
    /// Keeps a copy of `event`.
    pub fn push(&mut self, event: &Event<'_>) {
        let owned = match *event {
            Event::ObjectStart => OwnedEvent::ObjectStart,
            Event::ObjectEnd => OwnedEvent::ObjectEnd,
            Event::ArrayStart => OwnedEvent::ArrayStart,
            Event::ArrayEnd => OwnedEvent::ArrayEnd,
            Event::Key(key) => OwnedEvent::Key(key.to_owned()),
            Event::Str { text, first, last } => {
                if !first {
                    if let Some(OwnedEvent::Str {
                        text: held,
                        last: held_last,
                        ..
                    }) = self.events.last_mut()
                    {
                        if !*held_last {
                            held.push_str(text);
                            *held_last = last;
                            return;
                        }
                    }
                }
                OwnedEvent::Str {
                    text: text.to_owned(),
                    first,
                    last,
                }
            }
            Event::Number(text) => OwnedEvent::Number(text.to_owned()),
            Event::Bool(b) => OwnedEvent::Bool(b),
            Event::Null => OwnedEvent::Null,
        };
        self.events.push(owned);
    }

    /// Takes the buffered events, oldest first.
    #[must_use]
    pub fn take(&mut self) -> Vec<OwnedEvent> {
        std::mem::take(&mut self.events)
    }

    /// True when nothing is buffered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// A slot behind a trait object.
///
/// The containers a recursive type must go through (`Vec`, `Box`, maps)
/// hand their children this instead of their own generic slot type, so a
/// child's slot type does not grow with the nesting depth: without it,
/// `struct Tree { children: Vec<Tree> }` would need builders for
/// `VecTail<FieldSlot<VecTail<FieldSlot<…>>>>` without end.
pub struct DynSlot<'a, P>(pub &'a mut dyn Slot<P>);

impl<P> Slot<P> for DynSlot<'_, P> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, P> {
        self.0.reach()
    }

    #[inline]
    fn set(&mut self, value: P) {
        self.0.set(value);
    }
}

/// The root slot: the partial shared with the snapshots handed out, copied
/// on write only while one is still held; it records whether anything was
/// written, and, when asked, the changes.
pub struct Tracked<'a, P> {
    slot: &'a mut Option<Arc<P>>,
    changed: &'a mut bool,
    recorder: Option<&'a mut Recorder>,
}

impl<'a, P> Tracked<'a, P> {
    /// Tracks writes to `slot` into `changed`, recording them into
    /// `recorder` when there is one.
    pub fn new(
        slot: &'a mut Option<Arc<P>>,
        changed: &'a mut bool,
        recorder: Option<&'a mut Recorder>,
    ) -> Self {
        Self {
            slot,
            changed,
            recorder,
        }
    }
}

impl<P: Clone + Serialize> Slot<P> for Tracked<'_, P> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, P> {
        let value = Arc::make_mut(self.slot.as_mut()?);
        *self.changed = true;
        let mut recorder = self.recorder.as_deref_mut();
        if let Some(recorder) = recorder.as_deref_mut() {
            recorder.at_root();
        }
        Some((value, recorder))
    }

    #[inline]
    fn set(&mut self, value: P) {
        let value = &**self.slot.insert(Arc::new(value));
        *self.changed = true;
        if let Some(recorder) = self.recorder.as_deref_mut() {
            recorder.at_root();
            recorder.replace(value);
        }
    }
}

/// A slot seen through a projection: writes go to `Some(..)` of an
/// `Option<P>` slot (for `Option<T>` values). The JSON is the same.
pub struct SomeSlot<'a, S>(pub &'a mut S);

impl<P, S: Slot<Option<P>>> Slot<P> for SomeSlot<'_, S> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, P> {
        let (value, recorder) = self.0.reach()?;
        Some((value.as_mut()?, recorder))
    }

    #[inline]
    fn set(&mut self, value: P) {
        self.0.set(Some(value));
    }
}

/// A slot seen through a `Box` (for `Box<T>` values). The JSON is the
/// same.
pub struct BoxSlot<'a, S>(pub &'a mut S);

impl<P, S: Slot<Box<P>>> Slot<P> for BoxSlot<'_, S> {
    #[inline]
    fn reach(&mut self) -> Reached<'_, P> {
        let (value, recorder) = self.0.reach()?;
        Some((&mut **value, recorder))
    }

    #[inline]
    fn set(&mut self, value: P) {
        self.0.set(Box::new(value));
    }
}

/// A builder behind a trait object, with its slot erased too
/// ([`DynSlot`]).
///
/// `Vec`, `Box` and map builders hold their child's builder this way, so
/// that a type nested many levels deep (or recursive) is not one type
/// nested as deep: without it, rustc's drop check overflows on builders of
/// deeply nested types. It costs one indirect call per event at those
/// boundaries.
pub trait ErasedBuilder<P>: Send {
    /// [`Builder::event`].
    fn erased_event(&mut self, slot: &mut DynSlot<'_, P>, event: &Event<'_>) -> Step;
    /// [`Builder::active_path`].
    fn erased_active_path(&self, out: &mut Vec<crate::path::Segment>);
    /// [`Builder::is_complete_at`].
    fn erased_is_complete_at(&self, path: &[crate::path::Segment]) -> bool;
    /// Resets the builder for the next value.
    fn reset(&mut self);
}

impl<P, B: Builder<P> + Send> ErasedBuilder<P> for B {
    #[inline]
    fn erased_event(&mut self, slot: &mut DynSlot<'_, P>, event: &Event<'_>) -> Step {
        self.event(slot, event)
    }

    fn erased_active_path(&self, out: &mut Vec<crate::path::Segment>) {
        self.active_path(out);
    }

    fn erased_is_complete_at(&self, path: &[crate::path::Segment]) -> bool {
        self.is_complete_at(path)
    }

    fn reset(&mut self) {
        *self = B::default();
    }
}

/// A child builder held behind a trait object (see [`ErasedBuilder`]).
pub type BoxedBuilder<P> = Box<dyn ErasedBuilder<P>>;

/// [`feed_child`] for a builder behind a trait object: its slot is erased
/// to a [`DynSlot`].
#[inline]
pub fn feed_erased<P, S: Slot<P>>(
    builder: &mut dyn ErasedBuilder<P>,
    skip: &mut Option<Skip>,
    slot: &mut S,
    event: &Event<'_>,
) -> ChildStep {
    if let Some(step) = skipping(skip, event) {
        return step;
    }
    let step = builder.erased_event(&mut DynSlot(slot), event);
    child_step(step, skip, event)
}

/// The child step as seen by its container.
#[derive(Debug)]
#[must_use]
pub enum ChildStep {
    /// The child value goes on; a problem found inside it (path relative to
    /// the child) may come along.
    Continue(Option<Box<StreamIssue>>),
    /// The child value ended.
    Ended {
        /// False when the child was rejected or invalid (nothing, or only
        /// part of it, was written).
        valid: bool,
        /// A problem to report (path relative to the child).
        issue: Option<Box<StreamIssue>>,
    },
}

/// Feeds one event of a child value (a struct field, an element) to its
/// builder, turning a rejection into skipping: the step every container
/// shares.
///
/// `skip` holds the skipper while a rejected child is being skipped.
#[inline]
pub fn feed_child<P, B: Builder<P>, S: Slot<P>>(
    builder: &mut B,
    skip: &mut Option<Skip>,
    slot: &mut S,
    event: &Event<'_>,
) -> ChildStep {
    if let Some(step) = skipping(skip, event) {
        return step;
    }
    let step = builder.event(slot, event);
    child_step(step, skip, event)
}

/// The step of a child being skipped (after a rejection), if it is.
#[inline]
fn skipping(skip: &mut Option<Skip>, event: &Event<'_>) -> Option<ChildStep> {
    let s = skip.as_mut()?;
    if s.event(event) {
        *skip = None;
        return Some(ChildStep::Ended {
            valid: false,
            issue: None,
        });
    }
    Some(ChildStep::Continue(None))
}

/// What a container makes of its child's step: a rejection starts skipping.
#[inline]
fn child_step(step: Step, skip: &mut Option<Skip>, event: &Event<'_>) -> ChildStep {
    match step {
        Step::More => ChildStep::Continue(None),
        Step::MoreWith(issue) => ChildStep::Continue(Some(issue)),
        Step::Done => ChildStep::Ended {
            valid: true,
            issue: None,
        },
        Step::Invalid(issue) => ChildStep::Ended {
            valid: false,
            issue: Some(issue),
        },
        Step::Reject(issue) => match Skip::start(event) {
            Some(s) => {
                *skip = Some(s);
                ChildStep::Continue(Some(issue))
            }
            None => ChildStep::Ended {
                valid: false,
                issue: Some(issue),
            },
        },
    }
}
