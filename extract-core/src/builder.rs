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
//! This module is public for the code `#[derive(Extract)]` generates; its
//! items are not meant to be used directly.

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
    if let Some(s) = skip {
        if s.event(event) {
            *skip = None;
            return ChildStep::Ended {
                valid: false,
                issue: None,
            };
        }
        return ChildStep::Continue(None);
    }
    match builder.event(slot, event) {
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
