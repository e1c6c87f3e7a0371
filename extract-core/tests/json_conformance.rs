//! The lexer against nst/JSONTestSuite (`test_parsing/`, copied into
//! `tests/fixtures/json-test-suite`): every `y_` file accepted, with the same `Value` as
//! `serde_json::from_slice`; every `n_` file rejected, at an offset inside the
//! input; no `i_` file panics. Each file is fed whole, byte by byte and in
//! seeded random cuts, and must give the same outcome every time.

mod common;

use std::path::{Path, PathBuf};

use common::{bytewise, lex_value, outcome, random_cuts, BuildError, Outcome, Rng};
use extract_core::json::LexerOptions;

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/json-test-suite"
);

/// The suite's files whose name starts with `prefix`, with their bytes.
fn files(prefix: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(SUITE);
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "cannot read the JSON test suite at {}: {e} (it is part of the \
             repository: see tests/fixtures/README.md)",
            dir.display()
        )
    });
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter_map(|path: PathBuf| {
            let name = path.file_name()?.to_str()?.to_owned();
            (name.starts_with(prefix) && name.ends_with(".json")).then_some((name, path))
        })
        .map(|(name, path)| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no `{prefix}*.json` file in {SUITE}");
    out
}

/// The ways each file is cut: whole, byte by byte, and a few random cuts.
fn cuttings(name: &str, len: usize) -> Vec<Vec<usize>> {
    let seed = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = Rng::new(seed);
    let mut all = vec![Vec::new(), bytewise(len)];
    for count in [1, 2, 3, 5, 8] {
        all.push(random_cuts(&mut rng, len, count));
    }
    all
}

/// The outcome of `bytes` whole, after checking every cutting gives the same.
fn same_outcome_every_way(name: &str, bytes: &[u8]) -> Outcome {
    let opts = LexerOptions::default();
    let whole = outcome(bytes, &[], &opts);
    for cuts in cuttings(name, bytes.len()) {
        let got = outcome(bytes, &cuts, &opts);
        assert_eq!(got, whole, "{name}: cut at {cuts:?}");
    }
    whole
}

/// Passes when no file failed; otherwise fails listing every failure.
#[track_caller]
fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn accepts_every_y_file_with_serde_json_value() {
    let mut failures = Vec::new();
    let files = files("y_");
    for (name, bytes) in &files {
        let want: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => panic!("{name}: serde_json rejects it: {e}"),
        };
        let whole = same_outcome_every_way(name, bytes);
        if let Some(e) = whole.error {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        for cuts in cuttings(name, bytes.len()) {
            match lex_value(bytes, &cuts, &LexerOptions::default()) {
                Ok(got) if got == want => {}
                Ok(got) => failures.push(format!("{name} cut at {cuts:?}: {got} != {want}")),
                Err(e) => failures.push(format!("{name} cut at {cuts:?}: {e:?}")),
            }
        }
    }
    assert_no_failures(&failures);
    assert_eq!(files.len(), 95);
}

#[test]
fn rejects_every_n_file_at_an_offset_inside_it() {
    let mut failures = Vec::new();
    let files = files("n_");
    for (name, bytes) in &files {
        match same_outcome_every_way(name, bytes).error {
            None => failures.push(format!("{name}: accepted")),
            Some(e) => {
                if e.offset() > bytes.len() as u64 {
                    failures.push(format!(
                        "{name}: offset {} past the end ({})",
                        e.offset(),
                        bytes.len()
                    ));
                }
                let message = e.to_string();
                if !message.ends_with(&format!(" at byte {}", e.offset())) {
                    failures.push(format!("{name}: message without the offset: {message}"));
                }
            }
        }
    }
    assert_no_failures(&failures);
    assert_eq!(files.len(), 188);
}

#[test]
fn never_panics_on_i_files() {
    let files = files("i_");
    for (name, bytes) in &files {
        let whole = same_outcome_every_way(name, bytes);
        // Where both accept, the values agree.
        if whole.error.is_none() {
            if let Ok(want) = serde_json::from_slice::<serde_json::Value>(bytes) {
                match lex_value(bytes, &[], &LexerOptions::default()) {
                    Ok(got) => assert_eq!(got, want, "{name}"),
                    Err(BuildError::Number(_)) => {}
                    Err(e) => panic!("{name}: {e:?}"),
                }
            }
        }
    }
    assert_eq!(files.len(), 35);
}
