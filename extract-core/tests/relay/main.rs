//! The relay (feature `relay`): patches reproduce every snapshot, frames
//! parse back, bodies end with `done` or `error`, and the JavaScript client
//! agrees with the Rust side.

mod body;
mod hub;
mod js;
mod patch;
mod runtime;
mod state;
mod support;
