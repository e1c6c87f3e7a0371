//! Fuzzes the JSON lexer: the input is fed whole and in chunks of the sizes
//! its first bytes give; both must give the same outcome (events, with the
//! pieces of each string merged, and error), and nothing may panic. With the
//! default options, an accepted input must also give serde_json's `Value`.
//!
//! Layout: `[options, n, size_1 .. size_n, json ..]`.

#![no_main]

use extract_core::json::LexerOptions;
use libfuzzer_sys::fuzz_target;

mod chunks;
#[path = "../../extract-core/tests/common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let [flags, n, rest @ ..] = data else {
        return;
    };
    let n = usize::from(n % 16).min(rest.len());
    let (sizes, input) = rest.split_at(n);
    let opts = options(*flags);

    let whole = common::outcome(input, &[], &opts);
    if let Some(e) = &whole.error {
        assert!(e.offset() <= input.len() as u64, "{e} past the end");
    }

    let cuts = chunks::cuts(sizes, input.len());
    assert_eq!(
        common::outcome(input, &cuts, &opts),
        whole,
        "cut at {cuts:?}"
    );

    if opts == LexerOptions::default() && whole.error.is_none() {
        if let Ok(want) = serde_json::from_slice::<serde_json::Value>(input) {
            let got = common::lex_value(input, &cuts, &opts).expect("accepted");
            assert_eq!(got, want);
        }
    }
});

/// Options from one byte: bit 0 lenient control characters, bit 1 lenient
/// surrogates, bit 2 trailing data, bits 3-4 a small depth limit, bits 5-6 a
/// small token limit (0 in a field keeps the default).
fn options(flags: u8) -> LexerOptions {
    let mut opts = LexerOptions::default()
        .lenient_control_characters(flags & 1 != 0)
        .lenient_surrogates(flags & 2 != 0)
        .allow_trailing_data(flags & 4 != 0);
    match (flags >> 3) & 3 {
        0 => {}
        d => opts = opts.max_depth(usize::from(d)),
    }
    match (flags >> 5) & 3 {
        0 => {}
        t => opts = opts.max_token_len(usize::from(t) * 2),
    }
    opts
}
