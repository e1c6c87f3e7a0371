//! `Option<T>`.

use serde_json::Value;

use crate::builder::{Builder, Slot, SomeSlot, Step};
use crate::json::Event;
use crate::schema::{nullable, SchemaGenerator};
use crate::validation::Checker;
use crate::Extract;

/// Builds an `Option<T>`: `null` is `None`, anything else is `T`'s.
pub struct OptionBuilder<T: Extract> {
    inner: T::Builder,
    started: bool,
}

impl<T: Extract> Default for OptionBuilder<T> {
    fn default() -> Self {
        Self {
            inner: T::Builder::default(),
            started: false,
        }
    }
}

impl<T: Extract> Builder<Option<T::Partial>> for OptionBuilder<T> {
    #[inline]
    fn event<S: Slot<Option<T::Partial>>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        if !self.started {
            self.started = true;
            if matches!(event, Event::Null) {
                slot.set(None);
                return Step::Done;
            }
        }
        self.inner.event(&mut SomeSlot(slot), event)
    }

    fn active_path(&self, out: &mut Vec<crate::path::Segment>) {
        self.inner.active_path(out);
    }

    fn is_complete_at(&self, path: &[crate::path::Segment]) -> bool {
        self.inner.is_complete_at(path)
    }
}

/// Builds the value of an `Option<T>` struct field straight into the
/// field's `Option<Partial<T>>` (no double `Option`): `null` ends the value
/// and leaves the field empty.
pub struct NullableBuilder<T: Extract> {
    inner: T::Builder,
    started: bool,
}

impl<T: Extract> Default for NullableBuilder<T> {
    fn default() -> Self {
        Self {
            inner: T::Builder::default(),
            started: false,
        }
    }
}

impl<T: Extract> Builder<T::Partial> for NullableBuilder<T> {
    #[inline]
    fn event<S: Slot<T::Partial>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        if !self.started {
            self.started = true;
            if matches!(event, Event::Null) {
                return Step::Done;
            }
        }
        self.inner.event(slot, event)
    }

    fn active_path(&self, out: &mut Vec<crate::path::Segment>) {
        self.inner.active_path(out);
    }

    fn is_complete_at(&self, path: &[crate::path::Segment]) -> bool {
        self.inner.is_complete_at(path)
    }
}

impl<T: Extract> Extract for Option<T> {
    type Partial = Option<T::Partial>;
    type Builder = OptionBuilder<T>;
    const OPTIONAL: bool = true;

    fn schema_name() -> String {
        format!("Option_{}", T::schema_name())
    }

    fn schema(generator: &mut SchemaGenerator) -> Value {
        nullable(T::schema(generator))
    }

    fn check(partial: &Option<T::Partial>, checker: &mut Checker) {
        if let Some(p) = partial {
            T::check(p, checker);
        }
    }

    fn convert(partial: Option<T::Partial>) -> Option<Self> {
        match partial {
            Some(p) => T::convert(p).map(Some),
            None => Some(None),
        }
    }

    fn validate(&self, checker: &mut Checker) {
        if let Some(value) = self {
            value.validate(checker);
        }
    }

    fn missing() -> Option<Self> {
        Some(None)
    }

    fn into_partial(self) -> Option<T::Partial> {
        self.map(T::into_partial)
    }
}
