//! `Vec<T>`.

use serde_json::{json, Value};

use crate::builder::{feed_erased, BoxedBuilder, Builder, ChildStep, Skip, Slot, Step, VecTail};
use crate::json::Event;
use crate::path::Segment;
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, StreamIssue};
use crate::Extract;

/// Builds a `Vec<T>`: it appears at `[`; each element is pushed when it
/// appears (a string at its quote, a number when complete) and is written in
/// place afterwards.
pub struct VecBuilder<T: Extract> {
    /// Boxed so that a recursive type's builder has a finite size, and
    /// erased so that a deeply nested type's builder is not as deeply
    /// nested a type; allocated once and reset for each element.
    item: Option<BoxedBuilder<T::Partial>>,
    started: bool,
    in_item: bool,
    shown: bool,
    index: usize,
    skip: Option<Skip>,
}

impl<T: Extract> Default for VecBuilder<T> {
    fn default() -> Self {
        Self {
            item: None,
            started: false,
            in_item: false,
            shown: false,
            index: 0,
            skip: None,
        }
    }
}

impl<T: Extract> Builder<Vec<T::Partial>> for VecBuilder<T> {
    fn event<S: Slot<Vec<T::Partial>>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        if !self.started {
            if !matches!(event, Event::ArrayStart) {
                return Step::Reject(StreamIssue::expected("an array", event));
            }
            self.started = true;
            slot.set(Vec::new());
            return Step::More;
        }
        if !self.in_item {
            if matches!(event, Event::ArrayEnd) {
                return Step::Done;
            }
            self.in_item = true;
            self.shown = false;
            match &mut self.item {
                Some(item) => item.reset(),
                None => self.item = Some(Box::new(T::Builder::default())),
            }
        }
        let Some(item) = self.item.as_deref_mut() else {
            return Step::More;
        };
        let index = self.index;
        let mut tail = VecTail::new(slot, &mut self.shown);
        match feed_erased(item, &mut self.skip, &mut tail, event) {
            ChildStep::Continue(None) => Step::More,
            ChildStep::Continue(Some(issue)) => Step::MoreWith(issue.in_index(index)),
            ChildStep::Ended { issue, .. } => {
                self.in_item = false;
                self.index += 1;
                match issue {
                    Some(issue) => Step::MoreWith(issue.in_index(index)),
                    None => Step::More,
                }
            }
        }
    }

    fn active_path(&self, out: &mut Vec<Segment>) {
        if self.in_item {
            out.push(Segment::Index(self.index));
            if let Some(item) = &self.item {
                item.erased_active_path(out);
            }
        }
    }

    fn is_complete_at(&self, path: &[Segment]) -> bool {
        match path.split_first() {
            Some((Segment::Index(i), rest)) => {
                *i < self.index
                    || (*i == self.index
                        && self.in_item
                        && self
                            .item
                            .as_ref()
                            .is_some_and(|b| b.erased_is_complete_at(rest)))
            }
            _ => false,
        }
    }
}

impl<T: Extract> Extract for Vec<T> {
    type Partial = Vec<T::Partial>;
    type Builder = VecBuilder<T>;

    fn schema_name() -> String {
        format!("Array_{}", T::schema_name())
    }

    fn schema(generator: &mut SchemaGenerator) -> Value {
        json!({ "type": "array", "items": T::schema(generator) })
    }

    fn check(partial: &Vec<T::Partial>, checker: &mut Checker) {
        for (i, item) in partial.iter().enumerate() {
            checker.enter_index(i);
            T::check(item, checker);
            checker.leave();
        }
    }

    fn convert(partial: Vec<T::Partial>) -> Option<Self> {
        partial.into_iter().map(T::convert).collect()
    }

    fn validate(&self, checker: &mut Checker) {
        for (i, item) in self.iter().enumerate() {
            checker.enter_index(i);
            item.validate(checker);
            checker.leave();
        }
    }

    fn into_partial(self) -> Vec<T::Partial> {
        self.into_iter().map(T::into_partial).collect()
    }
}
