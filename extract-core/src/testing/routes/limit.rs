//! A fixed-window rate limit, reported in the providers' headers.

use super::Response;
use crate::client::Provider;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `limit` requests per `per`, the window starting at the first request
/// (reported as the same rate per minute, as the providers report it).
#[derive(Debug)]
pub(crate) struct Window {
    limit: u32,
    per: Duration,
    start: Option<Instant>,
    used: u32,
}

impl Window {
    pub fn new(limit: u32, per: Duration) -> Window {
        Window {
            limit: limit.max(1),
            per,
            start: None,
            used: 0,
        }
    }

    /// Counts a request: the headers that report the limit, or the 429
    /// (without its body) when the window is full.
    pub fn admit(
        &mut self,
        now: Instant,
        provider: Provider,
    ) -> Result<Vec<(String, String)>, Response> {
        let start = match self.start {
            Some(start) if now < start + self.per => start,
            _ => {
                self.start = Some(now);
                self.used = 0;
                now
            }
        };
        let reset = start + self.per - now;
        // The providers report limits per minute.
        let per_minute = (f64::from(self.limit) * 60.0 / self.per.as_secs_f64().max(1e-3)) as u64;
        if self.used >= self.limit {
            let mut headers = report(provider, per_minute, 0, reset);
            headers.push(("retry-after-ms".into(), reset.as_millis().to_string()));
            headers.push(("retry-after".into(), reset.as_secs_f64().ceil().to_string()));
            return Err(Response {
                status: 429,
                content_type: "application/json",
                body: Vec::new(),
                headers,
            });
        }
        self.used += 1;
        Ok(report(provider, per_minute, self.limit - self.used, reset))
    }
}

/// The headers of `provider` reporting `remaining` of `limit` requests,
/// full again after `reset`.
fn report(
    provider: Provider,
    limit: u64,
    remaining: u32,
    reset: Duration,
) -> Vec<(String, String)> {
    let (limit, remaining) = (limit.to_string(), remaining.to_string());
    match provider {
        Provider::Anthropic => vec![
            ("anthropic-ratelimit-requests-limit".into(), limit),
            ("anthropic-ratelimit-requests-remaining".into(), remaining),
            (
                "anthropic-ratelimit-requests-reset".into(),
                rfc3339(SystemTime::now() + reset),
            ),
        ],
        _ => vec![
            ("x-ratelimit-limit-requests".into(), limit),
            ("x-ratelimit-remaining-requests".into(), remaining),
            (
                "x-ratelimit-reset-requests".into(),
                format!("{}ms", reset.as_millis()),
            ),
        ],
    }
}

/// An RFC 3339 time in UTC, to the millisecond.
pub(crate) fn rfc3339(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_times() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let at = UNIX_EPOCH + Duration::from_millis(1_736_661_554_500);
        assert_eq!(rfc3339(at), "2025-01-12T05:59:14.500Z");
    }

    #[test]
    fn a_full_window_answers_429_until_it_resets() {
        let now = Instant::now();
        let mut window = Window::new(2, Duration::from_millis(100));
        assert!(window.admit(now, Provider::ChatCompletions).is_ok());
        let second = window.admit(now, Provider::ChatCompletions).unwrap();
        assert_eq!(
            second[1],
            ("x-ratelimit-remaining-requests".into(), "0".into())
        );
        let refused = window.admit(now, Provider::Anthropic).unwrap_err();
        assert_eq!(refused.status, 429);
        assert!(refused
            .headers
            .iter()
            .any(|(n, v)| n == "retry-after-ms" && v == "100"));
        assert!(window
            .admit(now + Duration::from_millis(100), Provider::ChatCompletions)
            .is_ok());
    }
}
