//! What a response says about the rate limits: OpenAI's
//! `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as
//! durations: `1s`, `6m0s`, `20ms`, `1h2m3.5s`) and Anthropic's
//! `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`
//! (resets as RFC 3339 times), and `retry-after`.

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One limit as a response reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    /// The limit per window (per minute for both providers), when sent.
    pub limit: Option<u64>,
    /// What is left of it.
    pub remaining: u64,
    /// How long until it is full again.
    pub reset: Duration,
}

/// The request and token limits a response reports.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Reported {
    pub requests: Option<Window>,
    pub tokens: Option<Window>,
}

/// The names of one limit's headers: remaining, limit, reset.
type Names = [&'static str; 3];

const OPENAI_REQUESTS: Names = [
    "x-ratelimit-remaining-requests",
    "x-ratelimit-limit-requests",
    "x-ratelimit-reset-requests",
];
const OPENAI_TOKENS: Names = [
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-reset-tokens",
];
const ANTHROPIC_REQUESTS: Names = [
    "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-requests-limit",
    "anthropic-ratelimit-requests-reset",
];
const ANTHROPIC_TOKENS: Names = [
    "anthropic-ratelimit-tokens-remaining",
    "anthropic-ratelimit-tokens-limit",
    "anthropic-ratelimit-tokens-reset",
];
const ANTHROPIC_INPUT_TOKENS: Names = [
    "anthropic-ratelimit-input-tokens-remaining",
    "anthropic-ratelimit-input-tokens-limit",
    "anthropic-ratelimit-input-tokens-reset",
];

impl Reported {
    /// Reads the headers of either provider (OpenAI's first).
    pub fn read(headers: &HeaderMap) -> Reported {
        let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
        let window = |[remaining, limit, reset]: Names, parse: fn(&str) -> Option<Duration>| {
            Some(Window {
                remaining: text(remaining)?.parse().ok()?,
                limit: text(limit).and_then(|v| v.parse().ok()),
                reset: text(reset).and_then(parse).unwrap_or(Duration::ZERO),
            })
        };
        Reported {
            requests: window(OPENAI_REQUESTS, parse_duration)
                .or_else(|| window(ANTHROPIC_REQUESTS, until_rfc3339)),
            tokens: window(OPENAI_TOKENS, parse_duration)
                .or_else(|| window(ANTHROPIC_TOKENS, until_rfc3339))
                .or_else(|| window(ANTHROPIC_INPUT_TOKENS, until_rfc3339)),
        }
    }
}

/// A Go-style duration as OpenAI sends it: `20ms`, `1s`, `6m0s`, `1.5s`,
/// `1h2m3s`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * seconds;
        rest = &rest[unit..];
    }
    (total.is_finite() && total < 86_400.0 * 7.0).then(|| Duration::from_secs_f64(total))
}

/// The time from now until an RFC 3339 time (`2025-01-12T05:59:14Z`,
/// `…+00:00`, fractions of a second allowed); zero when it has passed.
pub(crate) fn until_rfc3339(text: &str) -> Option<Duration> {
    let at = parse_rfc3339(text)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some(Duration::from_secs_f64(
        (at - now).clamp(0.0, 86_400.0 * 7.0),
    ))
}

/// Seconds since the Unix epoch of an RFC 3339 time.
pub(crate) fn parse_rfc3339(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date = date.split('-');
    let year: i64 = date.next()?.parse().ok()?;
    let month: i64 = date.next()?.parse().ok()?;
    let day: i64 = date.next()?.parse().ok()?;
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(at) => time.split_at(at),
        None => return None,
    };
    let mut clock = clock.split(':');
    let hour: i64 = clock.next()?.parse().ok()?;
    let minute: i64 = clock.next()?.parse().ok()?;
    let second: f64 = clock.next()?.parse().ok()?;
    let offset = match offset {
        "Z" | "z" => 0,
        _ => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (h, m) = offset[1..].split_once(':')?;
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let whole = days * 86_400 + hour * 3600 + minute * 60 - offset;
    Some(whole as f64 + second)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn durations_as_openai_sends_them() {
        let ms = Duration::from_millis;
        for (text, expected) in [
            ("20ms", ms(20)),
            ("1s", ms(1000)),
            ("6m0s", ms(360_000)),
            ("1.5s", ms(1500)),
            ("1h2m3s", ms(3_723_000)),
            ("0s", ms(0)),
        ] {
            assert_eq!(parse_duration(text), Some(expected), "{text}");
        }
        for bad in ["", "s", "5", "1x", "1e400s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_rfc3339("2025-01-12T05:59:14.5+00:00"),
            Some(1_736_661_554.5)
        );
        assert_eq!(
            parse_rfc3339("2025-01-12T06:59:14+01:00"),
            Some(1_736_661_554.0)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(until_rfc3339("2000-01-01T00:00:00Z"), Some(Duration::ZERO));
    }

    #[test]
    fn both_providers_headers() {
        let mut openai = HeaderMap::new();
        for (name, value) in [
            ("x-ratelimit-limit-requests", "60"),
            ("x-ratelimit-remaining-requests", "59"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-limit-tokens", "150000"),
            ("x-ratelimit-remaining-tokens", "149984"),
            ("x-ratelimit-reset-tokens", "6m0s"),
        ] {
            openai.insert(name, HeaderValue::from_static(value));
        }
        let reported = Reported::read(&openai);
        assert_eq!(
            reported.requests,
            Some(Window {
                limit: Some(60),
                remaining: 59,
                reset: Duration::from_secs(1)
            })
        );
        assert_eq!(reported.tokens.unwrap().reset, Duration::from_secs(360));
        let mut anthropic = HeaderMap::new();
        anthropic.insert(
            "anthropic-ratelimit-requests-remaining",
            HeaderValue::from_static("0"),
        );
        anthropic.insert(
            "anthropic-ratelimit-requests-reset",
            HeaderValue::from_static("2000-01-01T00:00:00Z"),
        );
        anthropic.insert(
            "anthropic-ratelimit-input-tokens-remaining",
            HeaderValue::from_static("10"),
        );
        let reported = Reported::read(&anthropic);
        assert_eq!(reported.requests.unwrap().remaining, 0);
        assert_eq!(reported.tokens.unwrap().remaining, 10);
        assert_eq!(Reported::read(&HeaderMap::new()), Reported::default());
    }
}
