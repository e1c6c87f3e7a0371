//! Integration tests of `#[derive(Extract)]` through the `extract` facade,
//! built as one binary.

mod seeds;
mod shapes;
mod support;
