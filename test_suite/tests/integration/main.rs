//! Integration tests of `#[derive(Extract)]` through the `extract` facade,
//! built as one binary.

mod openai;
mod props;
mod schema;
mod seeds;
mod semantics;
mod shapes;
mod support;
mod typescript;
