//! Table-driven tests of the lexer. Each case is also fed byte by byte, at
//! every split point, and (for short inputs) at every pair of split points;
//! the events, with the `Str` pieces of each string merged, and the error must
//! be the same every time.

use super::{Event, Expected, Lexer, LexerOptions, Sink, SyntaxError, SyntaxErrorKind};

/// An owned event, with a string's pieces merged.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Os,
    Oe,
    As,
    Ae,
    Key(String),
    Str(String),
    Num(String),
    Bool(bool),
    Null,
}

/// An owned event as reported, `Str` pieces apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Raw {
    Ev(Ev),
    Piece {
        text: String,
        first: bool,
        last: bool,
    },
}

#[derive(Default)]
struct Rec(Vec<Raw>);

impl Sink for Rec {
    type Error = SyntaxError;
    fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
        self.0.push(match event {
            Event::ObjectStart => Raw::Ev(Ev::Os),
            Event::ObjectEnd => Raw::Ev(Ev::Oe),
            Event::ArrayStart => Raw::Ev(Ev::As),
            Event::ArrayEnd => Raw::Ev(Ev::Ae),
            Event::Key(k) => Raw::Ev(Ev::Key(k.to_owned())),
            Event::Str { text, first, last } => Raw::Piece {
                text: text.to_owned(),
                first,
                last,
            },
            Event::Number(n) => Raw::Ev(Ev::Num(n.to_owned())),
            Event::Bool(b) => Raw::Ev(Ev::Bool(b)),
            Event::Null => Raw::Ev(Ev::Null),
        });
        Ok(())
    }
}

/// Merges the pieces of each string, checking their `first`/`last` flags.
fn normalize(raw: &[Raw]) -> Vec<Ev> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for r in raw {
        match r {
            Raw::Piece { text, first, last } => {
                match (&mut open, first) {
                    (None, true) => open = Some(text.clone()),
                    (Some(s), false) => s.push_str(text),
                    _ => panic!("bad `first` flag in {raw:?}"),
                }
                if *last {
                    out.extend(open.take().map(Ev::Str));
                }
            }
            Raw::Ev(e) => {
                assert!(open.is_none(), "event inside a string in {raw:?}");
                out.push(e.clone());
            }
        }
    }
    // A string cut by an error stays open. Its pieces depend on the cuts
    // (fed whole, a string with an error reports nothing), so they are left
    // out: only the error is compared.
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    events: Vec<Ev>,
    error: Option<SyntaxError>,
}

/// Feeds `input` cut at `cuts` (sorted indices), then finishes.
fn run(input: &[u8], cuts: &[usize], opts: &LexerOptions) -> (Vec<Raw>, Option<SyntaxError>) {
    let mut lexer = Lexer::with_options(opts.clone());
    let mut rec = Rec::default();
    let mut prev = 0;
    let mut result = Ok(());
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        result = lexer.feed(&input[prev..cut], &mut rec);
        prev = cut;
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        assert_eq!(lexer.offset(), input.len() as u64);
        result = lexer.finish(&mut rec);
    }
    let error = result.err();
    if let Some(e) = &error {
        // Poisoned: the same error again.
        let n = rec.0.len();
        assert_eq!(lexer.feed(b"[", &mut rec).err().as_ref(), Some(e));
        assert_eq!(lexer.finish(&mut rec).err().as_ref(), Some(e));
        assert_eq!(rec.0.len(), n);
        assert!(e.offset() <= input.len() as u64, "{e} past the input");
        assert!(!lexer.is_complete());
    } else {
        assert!(lexer.is_complete());
        assert_eq!(lexer.depth(), 0);
    }
    (rec.0, error)
}

fn outcome(input: &[u8], cuts: &[usize], opts: &LexerOptions) -> Outcome {
    let (raw, error) = run(input, cuts, opts);
    Outcome {
        events: normalize(&raw),
        error,
    }
}

/// The outcome of `input` fed whole, after checking that every other way of
/// cutting it gives the same.
fn lex_all_splits(input: &[u8], opts: &LexerOptions) -> Outcome {
    let whole = outcome(input, &[], opts);
    let n = input.len();
    let bytewise: Vec<usize> = (1..n).collect();
    assert_eq!(
        outcome(input, &bytewise, opts),
        whole,
        "byte by byte: {:?}",
        String::from_utf8_lossy(input)
    );
    for a in 0..=n {
        assert_eq!(
            outcome(input, &[a], opts),
            whole,
            "cut at {a}: {:?}",
            String::from_utf8_lossy(input)
        );
    }
    if n <= 40 {
        for a in 0..=n {
            for b in a..=n {
                assert_eq!(
                    outcome(input, &[a, b], opts),
                    whole,
                    "cuts at {a}, {b}: {:?}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }
    whole
}

enum Want {
    Ok(Vec<Ev>),
    Err(u64, SyntaxErrorKind),
}

fn check(input: &[u8], want: Want, opts: &LexerOptions) {
    let got = lex_all_splits(input, opts);
    match want {
        Want::Ok(events) => {
            assert_eq!(got.error, None, "{:?}", String::from_utf8_lossy(input));
            assert_eq!(got.events, events, "{:?}", String::from_utf8_lossy(input));
        }
        Want::Err(offset, kind) => {
            assert_eq!(
                got.error,
                Some(SyntaxError::new(offset, kind)),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }
}

// Shorthands for the tables.
fn ok<const N: usize>(events: [Ev; N]) -> Want {
    Want::Ok(events.into())
}
fn err(offset: u64, kind: SyntaxErrorKind) -> Want {
    Want::Err(offset, kind)
}
fn k(s: &str) -> Ev {
    Ev::Key(s.into())
}
fn s(s: &str) -> Ev {
    Ev::Str(s.into())
}
fn n(s: &str) -> Ev {
    Ev::Num(s.into())
}
use Ev::{Ae, As, Null, Oe, Os};
const T: Ev = Ev::Bool(true);
const F: Ev = Ev::Bool(false);
fn unexpected(found: u8, expected: Expected) -> SyntaxErrorKind {
    SyntaxErrorKind::Unexpected { found, expected }
}
fn end(expected: Expected) -> SyntaxErrorKind {
    SyntaxErrorKind::UnexpectedEnd { expected }
}
use Expected as X;
use SyntaxErrorKind as K;

macro_rules! cases {
    ($opts:expr; $($name:ident: $input:expr => $want:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check(AsRef::<[u8]>::as_ref($input), $want, &$opts);
            }
        )*
    };
}

mod valid {
    use super::*;
    cases! { LexerOptions::default();
        empty_object: "{}" => ok([Os, Oe]);
        empty_array: "[]" => ok([As, Ae]);
        nested_empty: "[[],{},[[]]]" => ok([As, As, Ae, Os, Oe, As, As, Ae, Ae, Ae]);
        object: r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"# =>
            ok([Os, k("a"), n("1"), k("b"), As, T, F, Null, Ae, k("c"), Os, k("d"), s("e"), Oe, Oe]);
        whitespace: " \t\n\r{ \"a\" :\n\t1 , \"b\" : [ ] } \r\n" => ok([Os, k("a"), n("1"), k("b"), As, Ae, Oe]);
        array_of_everything: r#"[1,-2.5e+3,"x",true,false,null,{},[]]"# =>
            ok([As, n("1"), n("-2.5e+3"), s("x"), T, F, Null, Os, Oe, As, Ae, Ae]);
        duplicate_keys: r#"{"a":1,"a":2}"# => ok([Os, k("a"), n("1"), k("a"), n("2"), Oe]);

        string: r#""abc""# => ok([s("abc")]);
        string_empty: r#""""# => ok([s("")]);
        string_escapes: r#""a\"b\\c\/d\be\ff\ng\rh\ti""# => ok([s("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti")]);
        string_unicode_escape: r#""caf\u00e9 \u00E9\u20ac""# => ok([s("café é€")]);
        string_nul_escape: r#""\u0000""# => ok([s("\0")]);
        string_surrogate_pair: r#""\ud83d\ude00!""# => ok([s("😀!")]);
        string_surrogate_pair_upper: r#""\uD834\uDD1E""# => ok([s("𝄞")]);
        string_two_pairs: r#""\ud83d\ude00\ud83d\ude01""# => ok([s("😀😁")]);
        string_raw_utf8: "\"é€😀 ok\"" => ok([s("é€😀 ok")]);
        string_del_allowed: "\"\x7f\"" => ok([s("\x7f")]);
        string_only_escapes: r#""\n\n\n""# => ok([s("\n\n\n")]);
        key_escapes: r#"{"a\nb\u00e9":"v"}"# => ok([Os, k("a\nbé"), s("v"), Oe]);
        key_unicode: "{\"é😀\":\"😀\"}" => ok([Os, k("é😀"), s("😀"), Oe]);
        key_empty: r#"{"":""}"# => ok([Os, k(""), s(""), Oe]);

        number_zero: "0" => ok([n("0")]);
        number_neg_zero: "-0" => ok([n("-0")]);
        number_int: "1234567890" => ok([n("1234567890")]);
        number_neg: "-42" => ok([n("-42")]);
        number_frac: "3.14159" => ok([n("3.14159")]);
        number_exp: "1e5" => ok([n("1e5")]);
        number_exp_plus: "1E+05" => ok([n("1E+05")]);
        number_exp_minus: "-0.5e-10" => ok([n("-0.5e-10")]);
        number_zero_frac: "0.0" => ok([n("0.0")]);
        number_zero_exp: "0e0" => ok([n("0e0")]);
        number_huge: "123456789012345678901234567890" => ok([n("123456789012345678901234567890")]);
        number_then_ws: "12 \n" => ok([n("12")]);
        numbers_in_array: "[0,10,-1,2.5,3e2]" => ok([As, n("0"), n("10"), n("-1"), n("2.5"), n("3e2"), Ae]);
        numbers_spaced: "[ 0 , 1 ]" => ok([As, n("0"), n("1"), Ae]);
        number_in_object: r#"{"a":-0.0}"# => ok([Os, k("a"), n("-0.0"), Oe]);

        lit_true: "true" => ok([T]);
        lit_false: "false" => ok([F]);
        lit_null: "null" => ok([Null]);
        lits_in_array: "[true,false,null]" => ok([As, T, F, Null, Ae]);
    }
}

mod invalid {
    use super::*;
    cases! { LexerOptions::default();
        empty: "" => err(0, end(X::Value));
        only_whitespace: " \n " => err(3, end(X::Value));
        bom: "\u{feff}{}" => err(0, unexpected(0xef, X::Value));
        unclosed_array: "[" => err(1, end(X::ValueOrArrayEnd));
        unclosed_array_item: "[1" => err(2, end(X::CommaOrArrayEnd));
        unclosed_array_comma: "[1," => err(3, end(X::Value));
        unclosed_object: "{" => err(1, end(X::KeyOrObjectEnd));
        unclosed_key: r#"{"b"# => err(3, end(X::StringEnd));
        missing_colon_end: r#"{"a""# => err(4, end(X::Colon));
        missing_value_end: r#"{"a":"# => err(5, end(X::Value));
        unclosed_object_member: r#"{"a":1"# => err(6, end(X::CommaOrObjectEnd));
        unclosed_object_comma: r#"{"a":1,"# => err(7, end(X::Key));
        unclosed_string: r#""abc"# => err(4, end(X::StringEnd));

        trailing_comma_array: "[1,]" => err(3, unexpected(b']', X::Value));
        trailing_comma_object: r#"{"a":1,}"# => err(7, unexpected(b'}', X::Key));
        leading_comma: "[,1]" => err(1, unexpected(b',', X::ValueOrArrayEnd));
        missing_comma: "[1 2]" => err(3, unexpected(b'2', X::CommaOrArrayEnd));
        missing_comma_object: r#"{"a":1 "b":2}"# => err(7, unexpected(b'"', X::CommaOrObjectEnd));
        missing_colon: r#"{"a" 1}"# => err(5, unexpected(b'1', X::Colon));
        number_key: "{1:1}" => err(1, unexpected(b'1', X::KeyOrObjectEnd));
        single_quotes: "['a']" => err(1, unexpected(b'\'', X::ValueOrArrayEnd));
        single_quote_key: "{'a':1}" => err(1, unexpected(b'\'', X::KeyOrObjectEnd));
        mismatched_close: "[}" => err(1, unexpected(b'}', X::ValueOrArrayEnd));
        mismatched_close_object: r#"{"a":1]"# => err(6, unexpected(b']', X::CommaOrObjectEnd));
        mismatched_after_number: "[1}" => err(2, unexpected(b'}', X::CommaOrArrayEnd));
        comment_block: "/* c */ 1" => err(0, unexpected(b'/', X::Value));
        comment_line: "[1 // c\n]" => err(3, unexpected(b'/', X::CommaOrArrayEnd));
        colon_in_array: "[1:2]" => err(2, unexpected(b':', X::CommaOrArrayEnd));

        leading_zero: "01" => err(1, K::LeadingZero);
        leading_zero_neg: "-01" => err(2, K::LeadingZero);
        leading_zeros: "[00]" => err(2, K::LeadingZero);
        dot_end: "1." => err(2, end(X::Digit));
        dot_no_digit: "[1.]" => err(3, unexpected(b']', X::Digit));
        dot_exp: "1.e5" => err(2, unexpected(b'e', X::Digit));
        leading_dot: ".5" => err(0, unexpected(b'.', X::Value));
        exp_end: "1e" => err(2, end(X::Digit));
        exp_sign_end: "[1e+]" => err(4, unexpected(b']', X::Digit));
        plus: "+1" => err(0, unexpected(b'+', X::Value));
        hex_number: "0x1" => err(1, K::TrailingData { found: b'x' });
        hex_number_in_array: "[0x1]" => err(2, unexpected(b'x', X::CommaOrArrayEnd));
        minus_alone: "-" => err(1, end(X::Digit));
        minus_letter: "[-a]" => err(2, unexpected(b'a', X::Digit));
        minus_infinity: "-Infinity" => err(1, unexpected(b'I', X::Digit));
        nan: "NaN" => err(0, unexpected(b'N', X::Value));
        infinity: "[Infinity]" => err(1, unexpected(b'I', X::ValueOrArrayEnd));
        number_letter: r#"{"a":1x}"# => err(6, unexpected(b'x', X::CommaOrObjectEnd));
        number_double_minus: "--1" => err(1, unexpected(b'-', X::Digit));

        lit_short: "tru" => err(3, end(X::True));
        lit_wrong: "trux" => err(3, unexpected(b'x', X::True));
        lit_wrong_first: "[nul]" => err(4, unexpected(b']', X::Null));
        lit_capital: "True" => err(0, unexpected(b'T', X::Value));
        lit_then_letter: "[truex]" => err(5, unexpected(b'x', X::CommaOrArrayEnd));
        lit_false_short: "[f" => err(2, end(X::False));

        escape_end: r#""\"# => err(2, end(X::EscapeChar));
        escape_invalid: r#""\q""# => err(2, K::InvalidEscape(b'q'));
        escape_invalid_x: r#""\x41""# => err(2, K::InvalidEscape(b'x'));
        escape_uppercase_u: r#""\U0041""# => err(2, K::InvalidEscape(b'U'));
        escape_hex_end: r#""\u12"# => err(5, end(X::HexDigit));
        escape_hex_bad: r#""\u12g4""# => err(5, unexpected(b'g', X::HexDigit));
        escape_hex_short: r#""\u12""# => err(5, unexpected(b'"', X::HexDigit));
        lone_high: r#""\ud800""# => err(1, K::LoneSurrogate(0xd800));
        lone_high_then_text: r#""a\ud800b""# => err(2, K::LoneSurrogate(0xd800));
        lone_high_then_escape: r#""\ud800\n""# => err(1, K::LoneSurrogate(0xd800));
        lone_high_then_bmp: r#""\ud800\u0041""# => err(1, K::LoneSurrogate(0xd800));
        lone_high_then_high: r#""\ud800\ud800\udc00""# => err(1, K::LoneSurrogate(0xd800));
        lone_low: r#""\udc00""# => err(1, K::LoneSurrogate(0xdc00));
        lone_low_after_pair: r#""\ud83d\ude00\ude00""# => err(13, K::LoneSurrogate(0xde00));
        high_at_end: r#""\ud800"# => err(7, end(X::LowSurrogate));
        high_backslash_at_end: r#""\ud800\"# => err(8, end(X::LowSurrogate));
        lone_high_in_key: r#"{"\udbff":1}"# => err(2, K::LoneSurrogate(0xdbff));

        control_newline: "\"a\nb\"" => err(2, K::ControlCharacter(b'\n'));
        control_tab: "\"\t\"" => err(1, K::ControlCharacter(b'\t'));
        control_nul: "[\"\0\"]" => err(2, K::ControlCharacter(0));
        control_in_key: "{\"a\x1f\":1}" => err(3, K::ControlCharacter(0x1f));
        control_after_escape: "\"\\n\n\"" => err(3, K::ControlCharacter(b'\n'));

        utf8_invalid_byte: b"\"\xff\"" => err(1, K::InvalidUtf8);
        utf8_bad_continuation: b"\"a\xc3\x28\"" => err(2, K::InvalidUtf8);
        utf8_overlong: b"\"\xc0\xaf\"" => err(1, K::InvalidUtf8);
        utf8_overlong_3: b"\"\xe0\x80\xaf\"" => err(1, K::InvalidUtf8);
        utf8_surrogate: b"\"\xed\xa0\x80\"" => err(1, K::InvalidUtf8);
        utf8_too_big: b"\"\xf4\x90\x80\x80\"" => err(1, K::InvalidUtf8);
        utf8_truncated_before_quote: b"\"\xe2\x82\"" => err(1, K::InvalidUtf8);
        utf8_truncated_before_escape: b"\"ab\xe2\x82\\n\"" => err(3, K::InvalidUtf8);
        utf8_truncated_before_control: b"\"\xf0\x9f\x98\n\"" => err(1, K::InvalidUtf8);
        utf8_truncated_at_end: b"\"\xe2\x82" => err(3, end(X::Utf8Continuation));
        utf8_lone_continuation: b"\"\x80\"" => err(1, K::InvalidUtf8);
        utf8_in_key: b"{\"\xff\":1}" => err(2, K::InvalidUtf8);
        utf8_outside_string: b"[\xc3\xa9]" => err(1, unexpected(0xc3, X::ValueOrArrayEnd));
        utf8_invalid_before_control: b"\"\xff\n\"" => err(1, K::InvalidUtf8);

        trailing_letter: "{} x" => err(3, K::TrailingData { found: b'x' });
        trailing_value: "{}{}" => err(2, K::TrailingData { found: b'{' });
        trailing_number: "1 2" => err(2, K::TrailingData { found: b'2' });
        trailing_after_string: r#""a"x"# => err(3, K::TrailingData { found: b'x' });
        trailing_after_literal: "truex" => err(4, K::TrailingData { found: b'x' });
        trailing_close: "[]]" => err(2, K::TrailingData { found: b']' });
        trailing_nul: "0\0" => err(1, K::TrailingData { found: 0 });
        whitespace_vertical_tab: "\x0b1" => err(0, unexpected(0x0b, X::Value));
        whitespace_form_feed: "[\x0c]" => err(1, unexpected(0x0c, X::ValueOrArrayEnd));
        whitespace_nbsp: "[\u{a0}]" => err(1, unexpected(0xc2, X::ValueOrArrayEnd));
    }
}

mod lenient_control {
    use super::*;
    cases! { LexerOptions::default().lenient_control_characters(true);
        raw_newlines: "\"a\nb\r\nc\td\0e\x1f\"" => ok([s("a\nb\r\nc\td\0e\x1f")]);
        raw_newline_in_key: "{\"a\nb\":\"\n\"}" => ok([Os, k("a\nb"), s("\n"), Oe]);
        raw_and_escaped: "\"\\n\n\\t\t\"" => ok([s("\n\n\t\t")]);
        still_rejects_escape: "\"\n\\q\"" => err(3, K::InvalidEscape(b'q'));
        control_outside_string: "[\x01]" => err(1, unexpected(1, X::ValueOrArrayEnd));
    }
}

mod lenient_surrogates {
    use super::*;
    cases! { LexerOptions::default().lenient_surrogates(true);
        lone_high: r#""\ud800""# => ok([s("\u{fffd}")]);
        lone_high_text: r#""\ud800x""# => ok([s("\u{fffd}x")]);
        lone_low: r#""\udc00""# => ok([s("\u{fffd}")]);
        low_then_pair: r#""\udc00\ud83d\ude00""# => ok([s("\u{fffd}😀")]);
        high_high_low: r#""\ud800\ud800\udc00""# => ok([s("\u{fffd}𐀀")]);
        high_then_escape: r#""\ud800\n""# => ok([s("\u{fffd}\n")]);
        high_then_quote_escape: r#""\ud800\"""# => ok([s("\u{fffd}\"")]);
        high_then_bmp: r#""\ud800\u0041""# => ok([s("\u{fffd}A")]);
        high_high: r#""\ud800\ud800""# => ok([s("\u{fffd}\u{fffd}")]);
        in_key: r#"{"\udfff":1}"# => ok([Os, k("\u{fffd}"), n("1"), Oe]);
        pair_still_works: r#""\ud83d\ude00""# => ok([s("😀")]);
        high_at_end: r#""\ud800"# => err(7, end(X::StringEnd));
        high_then_bad_escape: r#""\ud800\q""# => err(8, K::InvalidEscape(b'q'));
    }
}

mod trailing {
    use super::*;
    cases! { LexerOptions::default().allow_trailing_data(true);
        garbage: b"{} garbage \xff\xfe" => ok([Os, Oe]);
        second_value: "[1][2]" => ok([As, n("1"), Ae]);
        number_then_letter: "12x" => ok([n("12")]);
        number_then_text: "42\n\nThat is the answer." => ok([n("42")]);
        string_then_text: r#""a"b"# => ok([s("a")]);
        literal_then_text: "nullx" => ok([Null]);
        still_leading_zero: "012" => err(1, K::LeadingZero);
        still_incomplete_number: "1.x" => err(2, unexpected(b'x', X::Digit));
        still_needs_a_value: "  " => err(2, end(X::Value));
    }
}

mod depth {
    use super::*;
    cases! { LexerOptions::default().max_depth(2);
        at_limit: "[[1]]" => ok([As, As, n("1"), Ae, Ae]);
        object_at_limit: r#"{"a":{"b":[]}}"# => err(10, K::DepthLimit(2));
        over_limit: "[[[1]]]" => err(2, K::DepthLimit(2));
        over_limit_mixed: r#"[{"a":[]}]"# => err(6, K::DepthLimit(2));
        siblings: "[[],[],{}]" => ok([As, As, Ae, As, Ae, Os, Oe, Ae]);
    }
}

mod depth_zero {
    use super::*;
    cases! { LexerOptions::default().max_depth(0);
        scalar: "1" => ok([n("1")]);
        array: "[]" => err(0, K::DepthLimit(0));
    }
}

mod token_len {
    use super::*;
    cases! { LexerOptions::default().max_token_len(3);
        key_at_limit: r#"{"abc":1}"# => ok([Os, k("abc"), n("1"), Oe]);
        key_over_limit: r#"{"abcd":1}"# => err(5, K::TokenTooLong(3));
        key_escape_counts_raw: r#"{"a\n":1}"# => ok([Os, k("a\n"), n("1"), Oe]);
        key_escape_over_limit: r#"{"ab\n":1}"# => err(5, K::TokenTooLong(3));
        key_backslash_over_limit: r#"{"abc\n":1}"# => err(5, K::TokenTooLong(3));
        key_unicode_escape_over: r#"{"\u0041":1}"# => err(5, K::TokenTooLong(3));
        key_utf8_at_limit: "{\"é\":1}" => ok([Os, k("é"), n("1"), Oe]);
        key_utf8_over_limit: "{\"a😀\":1}" => err(5, K::TokenTooLong(3));
        key_bad_utf8_at_limit: b"{\"ab\xc3\":1}" => err(4, K::InvalidUtf8);
        key_bad_utf8_over_limit: b"{\"ab\xe2\x82\xac\":1}" => err(5, K::TokenTooLong(3));
        number_at_limit: "123" => ok([n("123")]);
        number_over_limit: "1234" => err(3, K::TokenTooLong(3));
        number_neg_over_limit: "[-123]" => err(4, K::TokenTooLong(3));
        number_frac_over_limit: "[1.25]" => err(4, K::TokenTooLong(3));
        strings_unlimited: r#"{"a":"a long string value"}"# => ok([Os, k("a"), s("a long string value"), Oe]);
    }
}

mod token_len_zero {
    use super::*;
    cases! { LexerOptions::default().max_token_len(0);
        empty_key_number_over: r#"{"":1}"# => err(4, K::TokenTooLong(0));
        key: r#"{"a":"b"}"# => err(2, K::TokenTooLong(0));
        string_value: r#""abc""# => ok([s("abc")]);
    }
}

// ---- piece-level semantics, at chosen cuts ------------------------------

fn raw(chunks: &[&[u8]]) -> Vec<Raw> {
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    for c in chunks {
        lexer.feed(c, &mut rec).unwrap();
    }
    rec.0
}

fn piece(text: &str, first: bool, last: bool) -> Raw {
    Raw::Piece {
        text: text.into(),
        first,
        last,
    }
}

#[test]
fn string_pieces_follow_the_chunks() {
    assert_eq!(
        raw(&[b"\"a", b"bc\""]),
        [piece("a", true, false), piece("bc", false, true)]
    );
    // Only the opening quote arrived: an empty first piece.
    assert_eq!(
        raw(&[b"\"", b"abc\""]),
        [piece("", true, false), piece("abc", false, true)]
    );
    // Only the closing quote in the last chunk: an empty last piece.
    assert_eq!(
        raw(&[b"\"abc", b"\""]),
        [piece("abc", true, false), piece("", false, true)]
    );
    // A chunk that adds nothing to the text reports nothing.
    assert_eq!(
        raw(&[b"\"ab\\", b"u00", b"e9\""]),
        [piece("ab", true, false), piece("é", false, true)]
    );
    // Empty chunks change nothing.
    assert_eq!(
        raw(&[b"\"a", b"", b"b\""]),
        [piece("a", true, false), piece("b", false, true)]
    );
}

#[test]
fn one_piece_per_chunk_whatever_the_escapes() {
    assert_eq!(
        raw(&[br#""a\nb\tc\u00e9d\ud83d\ude00e""#]),
        [piece("a\nb\tcéd😀e", true, true)]
    );
    assert_eq!(
        raw(&[br#""a\nb"#, br#"\tc\u00e9d"#, br#"\ud83d\ude00e""#]),
        [
            piece("a\nb", true, false),
            piece("\tcéd", false, false),
            piece("😀e", false, true)
        ]
    );
}

#[test]
fn escape_cut_keeps_the_tail() {
    // Cut inside `\n`: "ab" now, "\ncd" next.
    assert_eq!(
        raw(&[b"\"ab\\", b"ncd\""]),
        [piece("ab", true, false), piece("\ncd", false, true)]
    );
    // Cut between the halves of a surrogate pair and inside the second.
    assert_eq!(
        raw(&[b"\"x\\ud83d", b"\\ud", b"e00y\""]),
        [piece("x", true, false), piece("😀y", false, true)]
    );
}

#[test]
fn utf8_cut_keeps_the_tail() {
    let text = "é😀".as_bytes();
    let mut input = b"\"".to_vec();
    input.extend_from_slice(text);
    input.push(b'"');
    // Cut inside é (after its first byte) and inside 😀 (after two of four).
    assert_eq!(
        raw(&[&input[..2], &input[2..5], &input[5..]]),
        [
            piece("", true, false),
            piece("é", false, false),
            piece("😀", false, true)
        ]
    );
}

#[test]
fn no_key_before_it_is_complete() {
    assert_eq!(raw(&[b"{\"b"]), [Raw::Ev(Ev::Os)]);
    assert_eq!(
        raw(&[b"{\"b", b"c\":"]),
        [Raw::Ev(Ev::Os), Raw::Ev(Ev::Key("bc".into()))]
    );
}

#[test]
fn no_number_before_it_is_complete() {
    assert_eq!(raw(&[b"[12"]), [Raw::Ev(Ev::As)]);
    assert_eq!(raw(&[b"[12", b"3"]), [Raw::Ev(Ev::As)]);
    assert_eq!(
        raw(&[b"[12", b"3,"]),
        [Raw::Ev(Ev::As), Raw::Ev(Ev::Num("123".into()))]
    );
    assert_eq!(raw(&[b"[tru"]), [Raw::Ev(Ev::As)]);
}

#[test]
fn top_level_number_needs_finish() {
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    lexer.feed(b"12", &mut rec).unwrap();
    lexer.feed(b"3", &mut rec).unwrap();
    assert!(rec.0.is_empty());
    assert!(!lexer.is_complete());
    lexer.finish(&mut rec).unwrap();
    assert_eq!(rec.0, [Raw::Ev(Ev::Num("123".into()))]);
    assert!(lexer.is_complete());
    // Finishing again is harmless.
    lexer.finish(&mut rec).unwrap();
    assert_eq!(rec.0.len(), 1);
}

#[test]
fn unfinished_number_in_container_is_not_reported() {
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    lexer.feed(b"[12", &mut rec).unwrap();
    let e = lexer.finish(&mut rec).unwrap_err();
    assert_eq!(e, SyntaxError::new(3, end(X::CommaOrArrayEnd)));
    assert!(e.is_unexpected_end());
    assert_eq!(rec.0, [Raw::Ev(Ev::As)]);
}

/// Records whether each text was lent from the chunk being fed.
struct Lent<'c> {
    chunk: &'c [u8],
    lent: Vec<(String, bool)>,
}

impl Sink for Lent<'_> {
    type Error = SyntaxError;
    fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
        let text = match event {
            Event::Key(t) | Event::Number(t) | Event::Str { text: t, .. } => t,
            _ => return Ok(()),
        };
        let range = self.chunk.as_ptr_range();
        let inside = text.is_empty() || range.contains(&text.as_ptr());
        self.lent.push((text.to_owned(), inside));
        Ok(())
    }
}

fn lent(chunks: &[&[u8]]) -> Vec<(String, bool)> {
    let mut lexer = Lexer::new();
    let mut all = Vec::new();
    for chunk in chunks {
        let mut sink = Lent {
            chunk,
            lent: Vec::new(),
        };
        lexer.feed(chunk, &mut sink).unwrap();
        all.extend(sink.lent);
    }
    let mut sink = Lent {
        chunk: b"",
        lent: Vec::new(),
    };
    lexer.finish(&mut sink).unwrap();
    all.extend(sink.lent);
    all
}

#[test]
fn text_is_lent_from_the_chunk_when_it_can_be() {
    let got = lent(&[br#"{"key":"value","n":123,"e":"a\nb"}"#]);
    let want = [
        ("key", true),
        ("value", true),
        ("n", true),
        ("123", true),
        ("e", true),
        ("a\nb", false),
    ];
    let want: Vec<(String, bool)> = want.iter().map(|&(t, l)| (t.to_owned(), l)).collect();
    assert_eq!(got, want);

    // Cut tokens: the key and the number come from the buffer, the string
    // pieces are lent from each chunk.
    let got = lent(&[br#"{"ke"#, br#"y":"val"#, br#"ue","n":12"#, b"3}"]);
    let want = [
        ("key", false),
        ("val", true),
        ("ue", true),
        ("n", true),
        ("123", false),
    ];
    let want: Vec<(String, bool)> = want.iter().map(|&(t, l)| (t.to_owned(), l)).collect();
    assert_eq!(got, want);

    // A key whose opening quote came in an earlier chunk but whose text is
    // wholly in this one is still lent.
    let got = lent(&[br#"{""#, br#"key":1}"#]);
    assert_eq!(got[0], ("key".to_owned(), true));

    // A chunk that starts with the end of a cut character: the character is
    // completed in the buffer, the text after it is lent again.
    let input = "[\"é\",\"after\"]".as_bytes();
    let got = lent(&[&input[..3], &input[3..]]);
    let want = [("", true), ("é", false), ("after", true)];
    let want: Vec<(String, bool)> = want.iter().map(|&(t, l)| (t.to_owned(), l)).collect();
    assert_eq!(got, want);
}

#[test]
fn feed_str_is_feed() {
    let input = r#"{"a": ["x\ny", 1.5e3, true, null, "é😀"], "b": {"c": -0}}"#;
    let whole = outcome(input.as_bytes(), &[], &LexerOptions::default());
    assert_eq!(whole.error, None);
    let cuts: Vec<usize> = (0..=input.len())
        .filter(|&i| input.is_char_boundary(i))
        .collect();
    for window in [1, 2, 3, 5] {
        let mut lexer = Lexer::new();
        let mut rec = Rec::default();
        let mut prev = 0;
        for &cut in cuts
            .iter()
            .step_by(window)
            .chain(std::iter::once(&input.len()))
        {
            lexer.feed_str(&input[prev..cut], &mut rec).unwrap();
            prev = cut;
        }
        lexer.finish(&mut rec).unwrap();
        assert_eq!(normalize(&rec.0), whole.events, "every {window} characters");
    }
    // Bytes first (cutting a character), then text.
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    let bytes = "\"é\"".as_bytes();
    lexer.feed(&bytes[..2], &mut rec).unwrap();
    assert!(lexer.feed_str("x\"", &mut rec).is_err());
}

// ---- state, errors, limits ----------------------------------------------

#[test]
fn offset_depth_and_completion() {
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    assert_eq!(
        (lexer.offset(), lexer.depth(), lexer.is_complete()),
        (0, 0, false)
    );
    lexer.feed(b"[{\"a\":[", &mut rec).unwrap();
    assert_eq!(
        (lexer.offset(), lexer.depth(), lexer.is_complete()),
        (7, 3, false)
    );
    lexer.feed(b"]}", &mut rec).unwrap();
    assert_eq!((lexer.offset(), lexer.depth()), (9, 1));
    lexer.feed(b"] ", &mut rec).unwrap();
    assert_eq!(
        (lexer.offset(), lexer.depth(), lexer.is_complete()),
        (11, 0, true)
    );
    lexer.finish(&mut rec).unwrap();
}

#[test]
fn deep_nesting_is_a_clean_error() {
    let input = vec![b'['; 100_000];
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    let e = lexer.feed(&input, &mut rec).unwrap_err();
    assert_eq!(e, SyntaxError::new(128, K::DepthLimit(128)));
    assert_eq!(rec.0.len(), 128);

    // A high limit is fine too: no recursion, one bit per level.
    let mut lexer = Lexer::with_options(LexerOptions::default().max_depth(usize::MAX));
    let mut count = Count(0);
    let mut input = vec![b'['; 100_000];
    input.extend(vec![b']'; 100_000]);
    lexer.feed(&input, &mut count).unwrap();
    lexer.finish(&mut count).unwrap();
    assert_eq!(count.0, 200_000);
}

struct Count(usize);

impl Sink for Count {
    type Error = SyntaxError;
    fn event(&mut self, _: Event<'_>) -> Result<(), SyntaxError> {
        self.0 += 1;
        Ok(())
    }
}

#[derive(Debug, PartialEq)]
enum SinkError {
    Syntax(SyntaxError),
    Full,
}

impl From<SyntaxError> for SinkError {
    fn from(e: SyntaxError) -> Self {
        SinkError::Syntax(e)
    }
}

/// Takes `n` events, then fails.
struct Limited(usize);

impl Sink for Limited {
    type Error = SinkError;
    fn event(&mut self, _: Event<'_>) -> Result<(), SinkError> {
        if self.0 == 0 {
            return Err(SinkError::Full);
        }
        self.0 -= 1;
        Ok(())
    }
}

#[test]
fn sink_error_stops_and_poisons() {
    let mut lexer = Lexer::new();
    let mut sink = Limited(2);
    assert_eq!(lexer.feed(br#"[1,2,3]"#, &mut sink), Err(SinkError::Full));
    let poisoned = SinkError::Syntax(SyntaxError::new(4, K::Aborted));
    assert_eq!(lexer.feed(b"]", &mut sink), Err(poisoned));
    assert_eq!(lexer.error().map(SyntaxError::kind), Some(&K::Aborted));
    lexer.reset();
    let mut sink = Limited(10);
    lexer.feed(b"[1]", &mut sink).unwrap();
    lexer.finish(&mut sink).unwrap();

    // In finish, for a top-level number.
    let mut lexer = Lexer::new();
    let mut sink = Limited(0);
    lexer.feed(b"7", &mut sink).unwrap();
    assert_eq!(lexer.finish(&mut sink), Err(SinkError::Full));
    assert_eq!(
        lexer.finish(&mut sink),
        Err(SinkError::Syntax(SyntaxError::new(1, K::Aborted)))
    );
}

#[test]
fn reset_starts_over() {
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    assert!(lexer.feed(b"[1,]", &mut rec).is_err());
    lexer.reset();
    assert_eq!(lexer.offset(), 0);
    lexer.feed(b"{\"a\":\"b", &mut rec).unwrap();
    lexer.reset();
    rec.0.clear();
    lexer.feed(b"[true]", &mut rec).unwrap();
    lexer.finish(&mut rec).unwrap();
    assert_eq!(normalize(&rec.0), [As, T, Ae]);
}

#[test]
fn feed_after_finish_is_trailing_data() {
    let mut lexer = Lexer::new();
    let mut rec = Rec::default();
    lexer.feed(b"{}", &mut rec).unwrap();
    lexer.finish(&mut rec).unwrap();
    lexer.feed(b" \n", &mut rec).unwrap();
    assert_eq!(
        lexer.feed(b"x", &mut rec),
        Err(SyntaxError::new(4, K::TrailingData { found: b'x' }))
    );
}

#[test]
fn display() {
    let cases = [
        (
            SyntaxError::new(17, unexpected(b'x', X::CommaOrArrayEnd)),
            "expected `,` or `]`, found `x` at byte 17",
        ),
        (
            SyntaxError::new(3, end(X::Value)),
            "unexpected end of input, expected a value at byte 3",
        ),
        (
            SyntaxError::new(0, unexpected(0xef, X::Value)),
            "expected a value, found 0xef at byte 0",
        ),
        (
            SyntaxError::new(2, K::ControlCharacter(b'\n')),
            "unescaped control character 0x0a in a string at byte 2",
        ),
        (
            SyntaxError::new(2, K::InvalidEscape(b'q')),
            "invalid escape `\\q` in a string at byte 2",
        ),
        (
            SyntaxError::new(1, K::LoneSurrogate(0xd800)),
            "lone surrogate `\\ud800` in a string at byte 1",
        ),
        (
            SyntaxError::new(9, K::DepthLimit(128)),
            "arrays and objects nested deeper than the limit of 128 at byte 9",
        ),
        (
            SyntaxError::new(3, K::TrailingData { found: b'x' }),
            "trailing `x` after the JSON value at byte 3",
        ),
        (
            SyntaxError::new(5, end(X::StringEnd)),
            "unexpected end of input, expected a closing `\"` at byte 5",
        ),
        (
            SyntaxError::new(1, K::InvalidUtf8),
            "invalid UTF-8 at byte 1",
        ),
        (
            SyntaxError::new(1, K::LeadingZero),
            "invalid number: leading zero at byte 1",
        ),
        (
            SyntaxError::new(5, K::TokenTooLong(3)),
            "key or number longer than the limit of 3 bytes at byte 5",
        ),
    ];
    for (e, want) in cases {
        assert_eq!(e.to_string(), want);
    }
}

#[test]
fn line_column() {
    let input = "{\n  \"é\": x\n}".as_bytes();
    let mut lexer = Lexer::new();
    let e = lexer.feed(input, &mut Rec::default()).unwrap_err();
    assert_eq!(e.offset(), 10);
    assert_eq!(e.line_column(input), (2, 8));
    assert_eq!(SyntaxError::new(0, K::InvalidUtf8).line_column(b""), (1, 1));
    assert_eq!(
        SyntaxError::new(99, K::InvalidUtf8).line_column(b"a\nbc"),
        (2, 3)
    );
}
