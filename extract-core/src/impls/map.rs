//! String-keyed maps: `HashMap<String, V>` and `BTreeMap<String, V>`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{json, Value};

use crate::builder::{
    feed_erased, BoxedBuilder, Builder, ChildStep, Reached, Recorder, Skip, Slot, Step,
};
use crate::json::Event;
use crate::path::Segment;
use crate::schema::SchemaGenerator;
use crate::validation::{Checker, StreamIssue};
use crate::Extract;

/// A string-keyed map a [`MapBuilder`] can fill.
pub trait StringMap<V>: Default {
    /// The value under `key`.
    fn entry_mut(&mut self, key: &str) -> Option<&mut V>;
    /// Inserts or replaces the value under `key` (the last one wins).
    fn put(&mut self, key: &str, value: V);
}

impl<V> StringMap<V> for HashMap<String, V> {
    fn entry_mut(&mut self, key: &str) -> Option<&mut V> {
        self.get_mut(key)
    }

    fn put(&mut self, key: &str, value: V) {
        self.insert(key.to_owned(), value);
    }
}

impl<V> StringMap<V> for BTreeMap<String, V> {
    fn entry_mut(&mut self, key: &str) -> Option<&mut V> {
        self.get_mut(key)
    }

    fn put(&mut self, key: &str, value: V) {
        self.insert(key.to_owned(), value);
    }
}

/// The slot of the entry being written.
struct EntrySlot<'a, S, M> {
    parent: &'a mut S,
    key: &'a str,
    shown: &'a mut bool,
    marker: std::marker::PhantomData<fn() -> M>,
}

impl<V: Serialize, M: StringMap<V>, S: Slot<M>> Slot<V> for EntrySlot<'_, S, M> {
    fn reach(&mut self) -> Reached<'_, V> {
        if !*self.shown {
            return None;
        }
        let (map, mut recorder) = self.parent.reach()?;
        let entry = map.entry_mut(self.key)?;
        if let Some(recorder) = recorder.as_deref_mut() {
            recorder.push_key(self.key);
        }
        Some((entry, recorder))
    }

    fn set(&mut self, value: V) {
        if let Some((map, recorder)) = self.parent.reach() {
            put(map, self.key, value, recorder);
            *self.shown = true;
        }
    }
}

/// Puts `value` under `key` in `map`, recording the change.
fn put<V: Serialize, M: StringMap<V>>(
    map: &mut M,
    key: &str,
    value: V,
    recorder: Option<&mut Recorder>,
) {
    map.put(key, value);
    if let Some(recorder) = recorder {
        recorder.push_key(key);
        if let Some(value) = map.entry_mut(key) {
            recorder.add(value);
        }
    }
}

/// The longest key whose entry is written in the map as its value streams.
///
/// Writing in place looks the key up on every event of the value, which
/// costs the key's length each time. Past this length the value is built
/// aside and the entry appears once the value has ended, so a hostile answer
/// (a key of a megabyte, then its value in tiny pieces) stays linear.
const MAX_LIVE_KEY: usize = 1 << 10;

/// Builds a string-keyed map: it appears at `{`; each entry appears when its
/// value does (for a key longer than a kilobyte, when its value has ended);
/// a repeated key replaces the earlier value.
pub struct MapBuilder<V: Extract, M> {
    /// Erased (see `ErasedBuilder`), allocated once, reset per entry.
    value: Option<BoxedBuilder<V::Partial>>,
    /// The value of an entry whose key is too long to write in place.
    aside: Option<V::Partial>,
    key: String,
    started: bool,
    in_value: bool,
    shown: bool,
    skip: Option<Skip>,
    marker: std::marker::PhantomData<fn() -> M>,
}

impl<V: Extract, M> Default for MapBuilder<V, M> {
    fn default() -> Self {
        Self {
            value: None,
            aside: None,
            key: String::new(),
            started: false,
            in_value: false,
            shown: false,
            skip: None,
            marker: std::marker::PhantomData,
        }
    }
}

impl<V: Extract, M: StringMap<V::Partial>> Builder<M> for MapBuilder<V, M> {
    fn event<S: Slot<M>>(&mut self, slot: &mut S, event: &Event<'_>) -> Step {
        if !self.started {
            if !matches!(event, Event::ObjectStart) {
                return Step::Reject(StreamIssue::expected("an object", event));
            }
            self.started = true;
            slot.set(M::default());
            return Step::More;
        }
        if !self.in_value {
            return match event {
                Event::ObjectEnd => Step::Done,
                Event::Key(key) => {
                    self.key.clear();
                    self.key.push_str(key);
                    self.in_value = true;
                    self.shown = false;
                    match &mut self.value {
                        Some(value) => value.reset(),
                        None => self.value = Some(Box::new(V::Builder::default())),
                    }
                    Step::More
                }
                _ => Step::More,
            };
        }
        let Some(value) = self.value.as_deref_mut() else {
            return Step::More;
        };
        let step = if self.key.len() <= MAX_LIVE_KEY {
            let mut entry = EntrySlot {
                parent: slot,
                key: &self.key,
                shown: &mut self.shown,
                marker: std::marker::PhantomData,
            };
            feed_erased(value, &mut self.skip, &mut entry, event)
        } else {
            let step = feed_erased(value, &mut self.skip, &mut self.aside, event);
            if matches!(step, ChildStep::Ended { .. }) {
                if let (Some(done), Some((map, recorder))) = (self.aside.take(), slot.reach()) {
                    put(map, &self.key, done, recorder);
                }
            }
            step
        };
        match step {
            ChildStep::Continue(None) => Step::More,
            ChildStep::Continue(Some(issue)) => Step::MoreWith(issue.in_key(&self.key)),
            ChildStep::Ended { issue, .. } => {
                self.in_value = false;
                match issue {
                    Some(issue) => Step::MoreWith(issue.in_key(&self.key)),
                    None => Step::More,
                }
            }
        }
    }

    fn active_path(&self, out: &mut Vec<Segment>) {
        if self.in_value {
            out.push(Segment::Key(self.key.clone()));
            if let Some(value) = &self.value {
                value.erased_active_path(out);
            }
        }
    }

    fn is_complete_at(&self, path: &[Segment]) -> bool {
        match path.split_first() {
            Some((Segment::Key(key), rest)) if self.in_value && *key == self.key => self
                .value
                .as_ref()
                .is_some_and(|b| b.erased_is_complete_at(rest)),
            // Every other entry present in the map has ended.
            Some((Segment::Key(_), _)) => true,
            _ => false,
        }
    }
}

macro_rules! map_extract {
    ($map:ident) => {
        impl<V: Extract> Extract for $map<String, V> {
            type Partial = $map<String, V::Partial>;
            type Builder = MapBuilder<V, $map<String, V::Partial>>;

            fn schema_name() -> String {
                format!("Map_{}", V::schema_name())
            }

            fn schema(generator: &mut SchemaGenerator) -> Value {
                json!({ "type": "object", "additionalProperties": V::schema(generator) })
            }

            fn check(partial: &Self::Partial, checker: &mut Checker) {
                for (key, value) in partial {
                    checker.enter_key(key);
                    V::check(value, checker);
                    checker.leave();
                }
            }

            fn convert(partial: Self::Partial) -> Option<Self> {
                partial
                    .into_iter()
                    .map(|(k, v)| V::convert(v).map(|v| (k, v)))
                    .collect()
            }

            fn validate(&self, checker: &mut Checker) {
                for (key, value) in self {
                    checker.enter_key(key);
                    value.validate(checker);
                    checker.leave();
                }
            }

            fn into_partial(self) -> Self::Partial {
                self.into_iter().map(|(k, v)| (k, v.into_partial())).collect()
            }
        }
    };
}

map_extract!(HashMap);
map_extract!(BTreeMap);
