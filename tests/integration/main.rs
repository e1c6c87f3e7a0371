//! Integration tests of `#[derive(Extract)]` through the `extract` facade,
//! built as one binary.

mod schema;
mod seeds;
mod semantics;
mod shapes;
mod support;
