//! Fuzzes the reading of the retry headers a server sends with a 429 or a
//! 5xx (`retry-after-ms`, `Retry-After` as seconds or an HTTP date): any
//! value gives a delay within `MAX_RETRY_AFTER` or none, and nothing may
//! panic (debug builds also check every overflow), nor may the backoff
//! that takes the delay.
//!
//! Layout: `[which, split, bytes ..]`: the bytes are cut at `split` into
//! the values of `retry-after-ms` and `Retry-After`; `which`'s low bits
//! say which of the two are sent, its high bits the retry number.

#![no_main]

use extract_core::openai::{retry_after, Backoff, MAX_RETRY_AFTER};
use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderMap, HeaderValue};

fuzz_target!(|data: &[u8]| {
    let [which, split, rest @ ..] = data else {
        return;
    };
    let (ms, seconds) = rest.split_at(usize::from(*split).min(rest.len()));
    let mut headers = HeaderMap::new();
    for (bit, name, value) in [(1, "retry-after-ms", ms), (2, "retry-after", seconds)] {
        if which & bit != 0 {
            if let Ok(value) = HeaderValue::from_bytes(value) {
                headers.insert(name, value);
            }
        }
    }
    let delay = retry_after(&headers);
    if let Some(delay) = delay {
        assert!(delay <= MAX_RETRY_AFTER, "{delay:?} for {headers:?}");
    }
    let backoff = Backoff::default();
    if let Some(wait) = backoff.delay(u32::from(which >> 2), delay) {
        assert!(wait <= backoff.max_retry_after.max(backoff.max_delay), "{wait:?}");
    }
});
