//! `Box<T>`: the way to recursive types.

use serde_json::Value;

use crate::builder::{BoxSlot, BoxedBuilder, Builder, DynSlot, Slot, Step};
use crate::json::Event;
use crate::schema::SchemaGenerator;
use crate::validation::Checker;
use crate::Extract;

/// Builds a `Box<T>`; the inner builder is allocated on first use, so a
/// recursive type's builder has a finite size (and erased, so a deeply
/// nested type's builder is not as deeply nested a type).
pub struct BoxBuilder<T: Extract> {
    inner: Option<BoxedBuilder<T::Partial>>,
}

impl<T: Extract> Default for BoxBuilder<T> {
    fn default() -> Self {
        Self { inner: None }
    }
}

impl<T: Extract> Builder<Box<T::Partial>> for BoxBuilder<T> {
    #[inline]
    fn event<S: Slot<Box<T::Partial>>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        self.inner
            .get_or_insert_with(|| Box::new(T::Builder::default()))
            .erased_event(&mut DynSlot(&mut BoxSlot(slot)), event)
    }

    fn active_path(&self, out: &mut Vec<crate::path::Segment>) {
        if let Some(inner) = &self.inner {
            inner.erased_active_path(out);
        }
    }

    fn is_complete_at(&self, path: &[crate::path::Segment]) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|b| b.erased_is_complete_at(path))
    }
}

impl<T: Extract> Extract for Box<T> {
    type Partial = Box<T::Partial>;
    type Builder = BoxBuilder<T>;
    const OPTIONAL: bool = T::OPTIONAL;

    fn schema_name() -> String {
        T::schema_name()
    }

    fn schema(generator: &mut SchemaGenerator) -> Value {
        T::schema(generator)
    }

    fn check(partial: &Box<T::Partial>, checker: &mut Checker) {
        T::check(partial, checker);
    }

    fn convert(partial: Box<T::Partial>) -> Option<Self> {
        T::convert(*partial).map(Box::new)
    }

    fn validate(&self, checker: &mut Checker) {
        (**self).validate(checker);
    }

    fn missing() -> Option<Self> {
        T::missing().map(Box::new)
    }

    fn into_partial(self) -> Box<T::Partial> {
        Box::new((*self).into_partial())
    }
}
