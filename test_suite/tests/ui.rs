//! Misuses of `#[derive(Extract)]` and the errors they get (trybuild).
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite`, then review.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
