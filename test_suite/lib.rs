//! The integration tests (`tests/`), benchmarks (`benches/`) and README
//! doctests of `extract`. This crate has no code of its own: it exists so
//! that the heavy dependencies of the tests and benches (criterion,
//! proptest, insta, trybuild, jiter, axum) are built for
//! `cargo test --workspace` and `cargo bench`, but never for
//! `cargo run --example conference`.

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
