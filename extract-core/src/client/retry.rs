//! Retries of transient failures: [`Backoff`], and the delay a server asks
//! for (`Retry-After`). (The re-ask after a validation or parse failure is
//! [`providers::reask_messages`](super::providers::reask_messages).)

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How transient failures are retried: HTTP 429/500/502/503/504, connection
/// failures, streams cut before their end and errors sent mid-stream.
///
/// The delay before retry `k` (0-based) is `base_delay · 2^k`, capped at
/// `max_delay`, with up to 25 % random jitter taken off. A `retry-after-ms`
/// or `Retry-After` header (seconds or an HTTP date) replaces the computed
/// delay, up to `max_retry_after`; a longer one is not waited for and the
/// error is returned instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// Transient failures retried per `create…` call (default 2).
    pub max_retries: u32,
    /// Delay before the first retry (default 500 ms).
    pub base_delay: Duration,
    /// Cap of the computed delay (default 8 s).
    pub max_delay: Duration,
    /// Longest server-requested delay honoured (default 60 s).
    pub max_retry_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            max_retries: 2,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// No transient retries at all.
    #[must_use]
    pub fn none() -> Self {
        Backoff {
            max_retries: 0,
            ..Backoff::default()
        }
    }

    /// The default policy with `max_retries` retries.
    #[must_use]
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The same policy with another base delay (tests use a millisecond).
    #[must_use]
    pub fn with_base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// The same policy with another cap on the computed delay.
    #[must_use]
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The same policy with another cap on server-requested delays.
    #[must_use]
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// The delay before retry number `retry` (0-based), given the delay
    /// the server asked for ([`retry_after`]); `None` when it asked for a
    /// longer wait than `max_retry_after` (the error is returned then).
    #[must_use]
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(wait) = retry_after {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let factor = 1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX);
        let delay = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let jitter = delay.mul_f64(f64::from(jitter_percent()) / 100.0);
        Some(delay.saturating_sub(jitter))
    }
}

/// 0 to 25, from the clock: enough to spread clients apart, no RNG needed.
fn jitter_percent() -> u32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    nanos % 26
}

/// The longest delay [`retry_after`] reads from a header: one day. A
/// longer wait, a date further ahead, or a number too large to represent
/// is read as this cap: far beyond any sensible
/// [`max_retry_after`](Backoff::max_retry_after), so it is never waited
/// for (the error is returned instead), and the value kept in
/// [`Error::Http`](crate::Error::Http) stays one a caller can add to an
/// `Instant`.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The delay a response asks for: `retry-after-ms` (milliseconds, a
/// number), else `Retry-After` as seconds or as an IMF-fixdate (`Sun, 06
/// Nov 1994 08:49:37 GMT`), at most [`MAX_RETRY_AFTER`].
///
/// Whatever the header holds, this returns (it never panics): a negative,
/// NaN or unreadable value is no delay asked for (`None`, so the computed
/// backoff applies), a date in the past is zero, and anything longer than
/// the cap is the cap. The same rules as the official OpenAI and Anthropic
/// SDKs, which also read `retry-after-ms` first and ignore a value they
/// cannot read.
#[must_use]
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Some(wait) = seconds(ms / 1000.0) {
            return Some(wait);
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return seconds(secs);
    }
    let at = parse_http_date(value)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)).min(MAX_RETRY_AFTER))
}

/// A number of seconds as a delay, capped at [`MAX_RETRY_AFTER`]; `None`
/// for a negative number or NaN.
fn seconds(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).map_or(MAX_RETRY_AFTER, |d| d.min(MAX_RETRY_AFTER)))
}

/// Seconds since the Unix epoch of an IMF-fixdate (a four-digit year; any
/// arithmetic on the numbers is checked).
fn parse_http_date(value: &str) -> Option<u64> {
    let mut parts = value.split_whitespace();
    let _weekday = parts.next()?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let year = parts.next()?;
    if year.len() != 4 {
        return None;
    }
    let year: i64 = year.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(str::parse::<u64>);
    let (h, m, s) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    if clock.next().is_some()
        || parts.next()? != "GMT"
        || parts.next().is_some()
        || !(1..=31).contains(&day)
        || h > 23
        || m > 59
        || s > 60
    {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = i64::try_from(MONTHS.iter().position(|&name| name == month)? + 1).ok()?;
    // Days from civil (Howard Hinnant's algorithm); a four-digit year keeps
    // every step far from overflowing, and the steps are checked anyway.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.checked_sub(era.checked_mul(400)?)?;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::try_from(day).ok()? - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era
        .checked_mul(146_097)?
        .checked_add(doe)?
        .checked_sub(719_468)?;
    u64::try_from(days)
        .ok()?
        .checked_mul(86_400)?
        .checked_add(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn exponential_with_cap_and_jitter() {
        let b = Backoff::default()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(350));
        let d0 = b.delay(0, None).unwrap();
        assert!(
            d0 <= Duration::from_millis(100) && d0 >= Duration::from_millis(75),
            "{d0:?}"
        );
        let d1 = b.delay(1, None).unwrap();
        assert!(
            d1 <= Duration::from_millis(200) && d1 >= Duration::from_millis(150),
            "{d1:?}"
        );
        assert!(b.delay(9, None).unwrap() <= Duration::from_millis(350));
        assert!(b.delay(u32::MAX, None).is_some());
    }

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("15"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(15)));
        let mut past = HeaderMap::new();
        past.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("garbage"), None);
        let b = Backoff::default().with_max_retry_after(Duration::from_secs(1));
        assert_eq!(b.delay(0, Some(Duration::from_secs(5))), None);
    }

    /// Any value a server sends gives a delay within the cap or none, and
    /// never a panic (nor, in a debug build, an overflow).
    #[test]
    fn hostile_values_are_bounded() {
        let of = |name: &'static str, value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_static(value));
            retry_after(&headers)
        };
        let cap = Some(MAX_RETRY_AFTER);
        for (name, value, want) in [
            ("retry-after", "1e20", cap),
            ("retry-after", "1e400", cap),
            ("retry-after", "inf", cap),
            ("retry-after", "18446744073709551616", cap),
            ("retry-after", "-1", None),
            ("retry-after", "-inf", None),
            ("retry-after", "NaN", None),
            ("retry-after", "0.25", Some(Duration::from_millis(250))),
            ("retry-after-ms", "1e30", cap),
            ("retry-after-ms", "-5", None),
            ("retry-after-ms", "nan", None),
            (
                "retry-after",
                "Sun, 06 Nov 99999999999999 08:49:37 GMT",
                None,
            ),
            ("retry-after", "Sun, 06 Nov -999 08:49:37 GMT", None),
            ("retry-after", "Fri, 31 Dec 9999 23:59:60 GMT", cap),
            (
                "retry-after",
                "Thu, 01 Jan 1970 00:00:00 GMT",
                Some(Duration::ZERO),
            ),
            ("retry-after", "Mon, 01 Jan 0000 00:00:00 GMT", None),
            ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT extra", None),
            ("retry-after", "Sun, 06 Nov 1994 08:49:37:1 GMT", None),
            ("retry-after", "Sun, 99 Nov 1994 99:99:99 GMT", None),
        ] {
            assert_eq!(of(name, value), want, "{name}: {value}");
        }
        let mut both = HeaderMap::new();
        both.insert("retry-after-ms", HeaderValue::from_static("nan"));
        both.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&both), Some(Duration::from_secs(3)));
    }
}
