//! The rate limiter every request of a [`Client`](super::Client) goes
//! through: one per client and model, shared by the client's clones.
//!
//! It knows three things, and a request is sent at the latest time any of
//! them allows:
//!
//! 1. **Caps** ([`RateLimit`], set on the
//!    [`ClientBuilder`](super::ClientBuilder)): requests and tokens per
//!    minute, each a token bucket that holds six seconds of its rate (a
//!    burst of a tenth of a minute's worth), refilled continuously.
//! 2. **What the server reports**: OpenAI's `x-ratelimit-remaining-…` and
//!    `x-ratelimit-reset-…`, Anthropic's `anthropic-ratelimit-…`. Each
//!    response replaces what the limiter believes is left; every request
//!    sent takes one request (and its estimated tokens) from it; when
//!    nothing is left, requests wait for the reset the server named.
//! 3. **429s.** A 429 pauses every request of the model, those waiting
//!    and those about to retry, until its `retry-after` (1 s when it names
//!    none). After the pause requests go out one at a time, paced at half
//!    the rate that drew the 429 (or the server's reported limit, if
//!    lower), and the pace quickens by 3% with every success until it no
//!    longer binds: no thundering herd. The 429s of the requests that
//!    were already in flight extend the pause but do not halve the rate
//!    again.
//!
//! Tokens are counted only when a token cap is set or the server reports
//! token limits: a request is estimated before it is sent (its body's
//! length over four, plus its `max_tokens`) and settled with the usage
//! the server reports once it is done.
//!
//! Written here rather than taken from a crate (`governor` and the like):
//! what matters is the feedback from the server (reported limits, 429s,
//! settling estimates with actual usage), which those crates do not do,
//! and it keeps the main example's build small.

mod headers;

use super::input::Part;
use super::message::Message;
use super::retry::retry_after;
use super::usage::Usage;
use headers::Reported;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Caps on the rate of a client's requests, per model (see
/// [`ClientBuilder::rate_limit`](super::ClientBuilder::rate_limit)).
///
/// ```
/// use extract_core::client::{Client, RateLimit};
///
/// let client = Client::builder()
///     .rate_limit(RateLimit::default().requests_per_minute(500).tokens_per_minute(200_000))
///     .build()?;
/// # Ok::<(), extract_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct RateLimit {
    requests: Option<u32>,
    tokens: Option<u32>,
}

impl RateLimit {
    /// At most `n` requests per minute (per model).
    pub fn requests_per_minute(mut self, n: u32) -> Self {
        self.requests = Some(n.max(1));
        self
    }

    /// At most `n` tokens (prompt and answer) per minute (per model).
    pub fn tokens_per_minute(mut self, n: u32) -> Self {
        self.tokens = Some(n.max(1));
        self
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The limiters of one client, one per model.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    caps: RateLimit,
    models: Mutex<HashMap<String, Arc<Mutex<Limiter>>>>,
}

impl Limits {
    pub fn new(caps: RateLimit) -> Self {
        Limits {
            caps,
            models: Mutex::default(),
        }
    }

    /// The gate of one call for `model`.
    pub fn gate(&self, model: &str) -> Gate {
        let limiter = lock(&self.models)
            .entry(model.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(Limiter::new(self.caps, Instant::now()))))
            .clone();
        Gate {
            limiter,
            ticket: None,
            sent_cost: 0,
        }
    }
}

/// A token bucket: `level` tokens now (negative: a debt that later
/// reservations wait out), refilled at `rate` per second up to `capacity`.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    capacity: f64,
    level: f64,
    updated: Instant,
}

impl Bucket {
    fn per_minute(n: u32, now: Instant) -> Bucket {
        let rate = f64::from(n) / 60.0;
        let capacity = (f64::from(n) / 10.0).max(1.0);
        Bucket {
            rate,
            capacity,
            level: capacity,
            updated: now,
        }
    }

    /// Takes `cost`; when it may be used.
    fn take(&mut self, now: Instant, cost: f64) -> Instant {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.level = (self.level + elapsed * self.rate).min(self.capacity);
        self.updated = now;
        self.level -= cost;
        if self.level >= 0.0 {
            now
        } else {
            now + Duration::from_secs_f64((-self.level / self.rate).min(3600.0))
        }
    }

    fn give(&mut self, amount: f64) {
        self.level = (self.level + amount).min(self.capacity);
    }
}

/// What the server said is left until `reset_at`.
#[derive(Debug)]
struct Reservoir {
    remaining: f64,
    reset_at: Instant,
}

impl Reservoir {
    /// Takes `cost`; when it may be used (`None` once the window reset and
    /// nothing is known any more).
    fn take(&mut self, now: Instant, cost: f64) -> Option<Instant> {
        if now >= self.reset_at {
            return None;
        }
        if self.remaining >= cost {
            self.remaining -= cost;
            Some(now)
        } else {
            Some(self.reset_at)
        }
    }
}

/// The limiter of one model.
#[derive(Debug)]
pub(crate) struct Limiter {
    requests: Option<Bucket>,
    tokens: Option<Bucket>,
    reported_requests: Option<Reservoir>,
    reported_tokens: Option<Reservoir>,
    /// The reported requests per minute, when the server sends it.
    reported_limit: Option<u64>,
    /// The server reports token limits: estimates are needed.
    counts_tokens: bool,
    /// No request goes before this (after a 429).
    paused_until: Option<Instant>,
    /// Bumped by each pause: tickets from before it are taken again.
    epoch: u64,
    /// The least time between two requests while recovering from a 429.
    pace: Option<Duration>,
    next_slot: Instant,
    /// The send rate: requests in the current one-second window, and the
    /// rate of the last full one.
    window_start: Instant,
    window_count: u32,
    last_rate: f64,
}

impl Limiter {
    fn new(caps: RateLimit, now: Instant) -> Limiter {
        Limiter {
            requests: caps.requests.map(|n| Bucket::per_minute(n, now)),
            tokens: caps.tokens.map(|n| Bucket::per_minute(n, now)),
            reported_requests: None,
            reported_tokens: None,
            reported_limit: None,
            counts_tokens: caps.tokens.is_some(),
            paused_until: None,
            epoch: 0,
            pace: None,
            next_slot: now,
            window_start: now,
            window_count: 0,
            last_rate: 0.0,
        }
    }

    /// Reserves a request of `cost` tokens: when it may go.
    fn reserve(&mut self, now: Instant, cost: u64) -> Instant {
        let cost = cost as f64;
        let mut at = now;
        if let Some(bucket) = &mut self.requests {
            at = at.max(bucket.take(now, 1.0));
        }
        if let Some(bucket) = &mut self.tokens {
            at = at.max(bucket.take(now, cost));
        }
        for (reservoir, cost) in [
            (&mut self.reported_requests, 1.0),
            (&mut self.reported_tokens, cost),
        ] {
            if let Some(r) = reservoir {
                match r.take(now, cost) {
                    Some(when) => at = at.max(when),
                    None => *reservoir = None,
                }
            }
        }
        if let Some(pace) = self.pace {
            at = at.max(self.next_slot);
            self.next_slot = at + pace;
        }
        at
    }

    /// Gives back what a ticket took (it will be taken again).
    fn refund(&mut self, cost: u64) {
        let cost = cost as f64;
        if let Some(bucket) = &mut self.requests {
            bucket.give(1.0);
        }
        if let Some(bucket) = &mut self.tokens {
            bucket.give(cost);
        }
    }

    /// A request was sent.
    fn sent(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed >= Duration::from_secs(1) {
            self.last_rate = f64::from(self.window_count) / elapsed.as_secs_f64();
            self.window_start = now;
            self.window_count = 0;
        }
        self.window_count = self.window_count.saturating_add(1);
    }

    /// Requests per second lately.
    fn recent_rate(&self, now: Instant) -> f64 {
        let elapsed = now
            .saturating_duration_since(self.window_start)
            .as_secs_f64()
            .max(0.05);
        self.last_rate.max(f64::from(self.window_count) / elapsed)
    }

    /// Takes what a response says: reported limits, and a 429.
    fn observe(&mut self, now: Instant, status: u16, headers: &HeaderMap) {
        let reported = Reported::read(headers);
        if let Some(window) = reported.requests {
            let remaining = window.remaining as f64;
            self.reported_requests = Some(Reservoir {
                remaining,
                reset_at: now + window.reset,
            });
            self.reported_limit = window.limit.or(self.reported_limit);
        }
        if let Some(window) = reported.tokens {
            let remaining = window.remaining as f64;
            self.reported_tokens = Some(Reservoir {
                remaining,
                reset_at: now + window.reset,
            });
            self.counts_tokens = true;
        }
        if status == 429 {
            self.too_many(now, retry_after(headers));
        } else if status < 400 {
            self.pace = self
                .pace
                .map(|p| p.mul_f64(0.97))
                .filter(|p| *p > Duration::from_millis(1));
        }
    }

    /// A 429: pause everyone, then pace.
    fn too_many(&mut self, now: Instant, retry_after: Option<Duration>) {
        let wait = retry_after
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(600));
        let until = now + wait;
        let pausing = self.paused_until.is_some_and(|p| p > now);
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        self.next_slot = self.next_slot.max(until);
        self.epoch += 1;
        if pausing {
            // Another request of the same burst: already slowed down.
            return;
        }
        let mut rate = (self.recent_rate(now) / 2.0).max(0.5);
        if let Some(limit) = self.reported_limit {
            let per_second = limit as f64 / 60.0;
            rate = rate.min(per_second.max(0.01));
        }
        let pace = Duration::from_secs_f64(1.0 / rate);
        self.pace = Some(self.pace.map_or(pace, |p| p.max(pace)));
        tracing::warn!(
            wait_ms = wait.as_millis(),
            pace_ms = pace.as_millis(),
            "rate limited (429): every request of this model waits, then goes at a slower pace"
        );
    }

    /// Corrects an estimate of `sent` tokens with the `actual` usage.
    fn settle(&mut self, sent: u64, actual: u64) {
        let (sent, actual) = (sent as f64, actual as f64);
        if let Some(bucket) = &mut self.tokens {
            bucket.give(sent - actual);
        }
        if let Some(r) = &mut self.reported_tokens {
            r.remaining += sent - actual;
        }
    }
}

/// A reservation, valid while no pause intervened.
#[derive(Debug, Clone, Copy)]
struct Ticket {
    at: Instant,
    epoch: u64,
    cost: u64,
}

/// One call's way through its model's limiter: each attempt waits at it
/// before it is sent, and tells it what the response said.
#[derive(Debug)]
pub(crate) struct Gate {
    limiter: Arc<Mutex<Limiter>>,
    ticket: Option<Ticket>,
    /// The tokens the last request sent was estimated at.
    sent_cost: u64,
}

impl Gate {
    /// How long to wait before sending the request of `body` with
    /// `messages`' text; `None`: send it now (and it is counted as sent).
    pub fn wait(&mut self, body: &Map<String, Value>, messages: &[Message]) -> Option<Duration> {
        let now = Instant::now();
        let mut limiter = lock(&self.limiter);
        if let Some(ticket) = self.ticket.filter(|t| t.epoch != limiter.epoch) {
            limiter.refund(ticket.cost);
            self.ticket = None;
        }
        if let Some(until) = limiter.paused_until.filter(|until| *until > now) {
            return Some(until - now);
        }
        let ticket = match self.ticket {
            Some(ticket) => ticket,
            None => {
                let cost = if limiter.counts_tokens {
                    estimate(body, text_bytes(messages))
                } else {
                    0
                };
                Ticket {
                    at: limiter.reserve(now, cost),
                    epoch: limiter.epoch,
                    cost,
                }
            }
        };
        if ticket.at > now {
            self.ticket = Some(ticket);
            return Some(ticket.at - now);
        }
        self.ticket = None;
        self.sent_cost = ticket.cost;
        limiter.sent(now);
        None
    }

    /// Takes what a response's status and headers say.
    pub fn observe(&self, status: u16, headers: &HeaderMap) {
        lock(&self.limiter).observe(Instant::now(), status, headers);
    }

    /// Settles the last request's estimate with the usage reported.
    pub fn settle(&mut self, usage: Usage) {
        let sent = std::mem::take(&mut self.sent_cost);
        if sent > 0 {
            lock(&self.limiter).settle(sent, usage.total_tokens);
        }
    }
}

/// The bytes of text in `messages`.
fn text_bytes(messages: &[Message]) -> usize {
    let part = |part: &Part| match part {
        Part::Text(text) => text.len(),
        _ => 0,
    };
    messages.iter().flat_map(Message::parts).map(part).sum()
}

/// The tokens a request may cost: its body's length over four (the text
/// of the messages is in `messages` bytes, the body holds the rest), plus
/// the answer's limit.
fn estimate(body: &Map<String, Value>, messages: usize) -> u64 {
    let answer = ["max_tokens", "max_completion_tokens", "max_output_tokens"]
        .iter()
        .find_map(|key| body.get(*key)?.as_u64())
        .unwrap_or(0);
    let body_bytes = serde_json::to_string(body).map_or(0, |s| s.len());
    ((body_bytes + messages) / 4) as u64 + answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn caps_space_requests_out() {
        let now = Instant::now();
        // 600 per minute: 10 per second, a burst of 60.
        let mut limiter = Limiter::new(RateLimit::default().requests_per_minute(600), now);
        let times: Vec<Instant> = (0..70).map(|_| limiter.reserve(now, 0)).collect();
        assert!(times[..60].iter().all(|t| *t == now));
        let last = times[69].duration_since(now).as_secs_f64();
        assert!((0.95..=1.05).contains(&last), "{last}");
    }

    #[test]
    fn a_429_pauses_then_paces() {
        let start = Instant::now();
        let mut limiter = Limiter::new(RateLimit::default(), start);
        for _ in 0..100 {
            limiter.sent(start);
        }
        let now = start + Duration::from_millis(500);
        limiter.observe(now, 429, &headers(&[("retry-after-ms", "200")]));
        let epoch = limiter.epoch;
        // The rest of the burst extends the pause without slowing further.
        limiter.observe(now, 429, &headers(&[("retry-after-ms", "100")]));
        assert_eq!(limiter.paused_until, Some(now + Duration::from_millis(200)));
        let pace = limiter.pace.unwrap();
        assert!(pace >= Duration::from_millis(9), "{pace:?}");
        assert!(limiter.epoch > epoch);
        let a = limiter.reserve(now, 0);
        let b = limiter.reserve(now, 0);
        assert_eq!(a, now + Duration::from_millis(200));
        assert_eq!(b, a + pace);
        for _ in 0..200 {
            limiter.observe(now, 200, &HeaderMap::new());
        }
        assert_eq!(limiter.pace, None);
    }

    #[test]
    fn reported_limits_hold_requests_until_the_reset() {
        let now = Instant::now();
        let mut limiter = Limiter::new(RateLimit::default(), now);
        limiter.observe(
            now,
            200,
            &headers(&[
                ("x-ratelimit-remaining-requests", "2"),
                ("x-ratelimit-reset-requests", "250ms"),
            ]),
        );
        assert_eq!(limiter.reserve(now, 0), now);
        assert_eq!(limiter.reserve(now, 0), now);
        assert_eq!(limiter.reserve(now, 0), now + Duration::from_millis(250));
        // After the reset nothing is known: requests go.
        let later = now + Duration::from_millis(300);
        assert_eq!(limiter.reserve(later, 0), later);
    }

    #[test]
    fn tokens_are_estimated_then_settled() {
        let limits = Limits::new(RateLimit::default().tokens_per_minute(6000));
        let mut gate = limits.gate("m");
        let mut body = Map::new();
        body.insert("max_tokens".into(), 400.into());
        // 600 tokens at once (a tenth of a minute) pass; the estimate is
        // 400 and a few for the body.
        assert_eq!(gate.wait(&body, &[Message::user("x".repeat(40))]), None);
        assert!(
            gate.sent_cost > 400 && gate.sent_cost < 420,
            "{}",
            gate.sent_cost
        );
        gate.settle(Usage::new(5, 5));
        let level = lock(&gate.limiter).tokens.as_ref().unwrap().level;
        assert!(level > 580.0, "{level}");
        // Another model has its own limiter.
        let other = limits.gate("n");
        assert!(!Arc::ptr_eq(&other.limiter, &gate.limiter));
    }
}
