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
//! Problems with the value (a number where a string belongs, an unknown enum
//! variant) never abort the stream: the builder reports them as a
//! [`StreamIssue`] in the step, its parents add their path segment on the way
//! back up, and the value is skipped. Only a JSON syntax error stops parsing.
//!
//! Not public API: the runtime drives it, and the code `#[derive(Extract)]`
//! generates reaches it through `__private`.

use crate::json::Event;
use crate::validation::StreamIssue;

/// Where a builder writes its value's partial.
///
/// An `Option<P>` is the usual slot (a struct field, the root). Containers
/// provide their own (the last element of a `Vec`, a map entry).
pub trait Slot<P> {
    /// The partial, if the value has appeared.
    fn get(&mut self) -> Option<&mut P>;
    /// Makes the value appear (or replaces it).
    fn set(&mut self, value: P);
}

impl<P> Slot<P> for Option<P> {
    #[inline]
    fn get(&mut self) -> Option<&mut P> {
        self.as_mut()
    }

    #[inline]
    fn set(&mut self, value: P) {
        *self = Some(value);
    }
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

impl<P, S: Slot<Vec<P>>> Slot<P> for VecTail<'_, S> {
    #[inline]
    fn get(&mut self) -> Option<&mut P> {
        if *self.shown {
            self.parent.get()?.last_mut()
        } else {
            None
        }
    }

    #[inline]
    fn set(&mut self, value: P) {
        let Some(vec) = self.parent.get() else { return };
        if *self.shown {
            if let Some(last) = vec.last_mut() {
                *last = value;
                return;
            }
        }
        vec.push(value);
        *self.shown = true;
    }
}

/// A field of the partial held in the parent slot `S`, reached through
/// `project` only when the field is written.
pub struct FieldSlot<'a, S, P, F> {
    parent: &'a mut S,
    project: fn(&mut P) -> &mut Option<F>,
}

impl<'a, S, P, F> FieldSlot<'a, S, P, F> {
    /// The field `project` picks out of the partial in `parent`.
    pub fn new(parent: &'a mut S, project: fn(&mut P) -> &mut Option<F>) -> Self {
        Self { parent, project }
    }
}

impl<P, F, S: Slot<P>> Slot<F> for FieldSlot<'_, S, P, F> {
    #[inline]
    fn get(&mut self) -> Option<&mut F> {
        (self.project)(self.parent.get()?).as_mut()
    }

    #[inline]
    fn set(&mut self, value: F) {
        if let Some(parent) = self.parent.get() {
            *(self.project)(parent) = Some(value);
        }
    }
}

/// A part of the partial held in the parent slot `S`, reached through `get`
/// and written through `put` only when the part is written: a field of an
/// enum variant, or the value of a newtype variant.
///
/// Unlike [`FieldSlot`], the part may be absent (the parent holds another
/// variant); writing it then does nothing.
pub struct ProjectSlot<'a, S, P, F> {
    parent: &'a mut S,
    get: fn(&mut P) -> Option<&mut F>,
    put: fn(&mut P, F),
}

impl<'a, S, P, F> ProjectSlot<'a, S, P, F> {
    /// The part `get` reads and `put` writes in the partial in `parent`.
    pub fn new(parent: &'a mut S, get: fn(&mut P) -> Option<&mut F>, put: fn(&mut P, F)) -> Self {
        Self { parent, get, put }
    }
}

impl<P, F, S: Slot<P>> Slot<F> for ProjectSlot<'_, S, P, F> {
    #[inline]
    fn get(&mut self) -> Option<&mut F> {
        (self.get)(self.parent.get()?)
    }

    #[inline]
    fn set(&mut self, value: F) {
        if let Some(parent) = self.parent.get() {
            (self.put)(parent, value);
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
}

impl<'a, S, P, F> WrapSlot<'a, S, P, F> {
    /// The part `get` reads in the partial in `parent`, written as `wrap`.
    pub fn new(parent: &'a mut S, get: fn(&mut P) -> Option<&mut F>, wrap: fn(F) -> P) -> Self {
        Self { parent, get, wrap }
    }
}

impl<P, F, S: Slot<P>> Slot<F> for WrapSlot<'_, S, P, F> {
    #[inline]
    fn get(&mut self) -> Option<&mut F> {
        (self.get)(self.parent.get()?)
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
    fn get(&mut self) -> Option<&mut P> {
        self.0.get()
    }

    #[inline]
    fn set(&mut self, value: P) {
        self.0.set(value);
    }
}

/// A root slot that records whether anything was written through it.
pub struct Tracked<'a, P> {
    slot: &'a mut Option<P>,
    changed: &'a mut bool,
}

impl<'a, P> Tracked<'a, P> {
    /// Tracks writes to `slot` into `changed`.
    pub fn new(slot: &'a mut Option<P>, changed: &'a mut bool) -> Self {
        Self { slot, changed }
    }
}

impl<P> Slot<P> for Tracked<'_, P> {
    #[inline]
    fn get(&mut self) -> Option<&mut P> {
        let value = self.slot.as_mut();
        *self.changed |= value.is_some();
        value
    }

    #[inline]
    fn set(&mut self, value: P) {
        *self.slot = Some(value);
        *self.changed = true;
    }
}

/// A slot seen through a projection: writes go to `Some(..)` of an
/// `Option<P>` slot (for `Option<T>` values).
pub struct SomeSlot<'a, S>(pub &'a mut S);

impl<P, S: Slot<Option<P>>> Slot<P> for SomeSlot<'_, S> {
    #[inline]
    fn get(&mut self) -> Option<&mut P> {
        self.0.get().and_then(Option::as_mut)
    }

    #[inline]
    fn set(&mut self, value: P) {
        self.0.set(Some(value));
    }
}

/// A slot seen through a `Box` (for `Box<T>` values).
pub struct BoxSlot<'a, S>(pub &'a mut S);

impl<P, S: Slot<Box<P>>> Slot<P> for BoxSlot<'_, S> {
    #[inline]
    fn get(&mut self) -> Option<&mut P> {
        self.0.get().map(|b| &mut **b)
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
