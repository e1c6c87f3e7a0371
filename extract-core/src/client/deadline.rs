//! Deadlines: [`Timeouts`] (what a caller configures), [`Deadline`] (which
//! one fired, in [`Error::Timeout`](crate::Error::Timeout)), and the
//! engine's clock that enforces them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// How long a request may take, phase by phase. Every bound is on by
/// default, so no server — a slow, stalled or hostile one — can hold a
/// call forever; each can be changed or turned off (`None`).
///
/// | bound | default | from … to … |
/// | --- | --- | --- |
/// | [`connect`](Self::connect) | 10 s | connecting (TCP and TLS) |
/// | [`first_byte`](Self::first_byte) | 60 s | sending the request to the response's headers |
/// | [`idle`](Self::idle) | 120 s | one read of the body to the next |
/// | [`attempt`](Self::attempt) | 10 min | sending one request to the last byte of its answer |
/// | [`call`](Self::call) | 30 min | the start of a `create…` call to its end, every retry, re-ask and backoff wait included |
///
/// The defaults: the official OpenAI and Anthropic SDKs allow 10 minutes
/// per request (their reads time out after 10 minutes of silence, their
/// connects after 5 s); curl and reqwest have no deadline at all by default.
/// Here the silence allowed is shorter (a stream that says nothing for two
/// minutes is stalled; reasoning models that think longer before their
/// first token need a longer [`idle`](Self::idle)), and unlike those
/// clients a server that trickles a byte now and then cannot keep an
/// attempt alive past [`attempt`](Self::attempt), nor a call past
/// [`call`](Self::call).
///
/// When a bound passes, the attempt fails with
/// [`Error::Timeout`](crate::Error::Timeout) naming it, with what had
/// arrived. `connect`, `first_byte`, `idle` and `attempt` are transient
/// failures, retried per the [`Backoff`](super::Backoff) like a dropped
/// connection; `call` ends the call (no retry or re-ask starts once it has
/// passed, nor one whose backoff wait would outlast it). A server's error
/// body is read under the same bounds: one that trickles ends as the
/// [`Error::Http`](crate::Error::Http) of what had arrived.
///
/// Once an answer is settled (the provider sent its finish reason), what
/// the stream still owes (usage, the end-of-stream event) is waited for at
/// most [`SETTLED_TAIL`] (or `idle`, if shorter): a server that then stalls
/// or sends keep-alives forever does not cost the answer.
///
/// `connect` applies to the HTTP client the [`ClientBuilder`](super::ClientBuilder)
/// builds; a client passed with
/// [`http_client`](super::ClientBuilder::http_client) has its own (the
/// `first_byte` bound covers connecting too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Connecting to the server (default 10 s).
    pub connect: Option<Duration>,
    /// From sending the request to the response's headers (default 60 s).
    pub first_byte: Option<Duration>,
    /// Between two reads of a response body (default 120 s).
    pub idle: Option<Duration>,
    /// One attempt, from sending to the last byte (default 10 min).
    pub attempt: Option<Duration>,
    /// The whole call, retries and waits included (default 30 min).
    pub call: Option<Duration>,
}

/// How long the rest of a settled answer's stream (usage, the end event)
/// is waited for: 2 s.
pub const SETTLED_TAIL: Duration = Duration::from_secs(2);

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Some(Duration::from_secs(10)),
            first_byte: Some(Duration::from_secs(60)),
            idle: Some(Duration::from_secs(120)),
            attempt: Some(Duration::from_secs(600)),
            call: Some(Duration::from_secs(1800)),
        }
    }
}

impl Timeouts {
    /// No bound at all (what reqwest and curl do by default): a stalled
    /// server holds the call until the connection drops.
    #[must_use]
    pub fn none() -> Self {
        Timeouts {
            connect: None,
            first_byte: None,
            idle: None,
            attempt: None,
            call: None,
        }
    }

    /// The same bounds with another connect bound (`None`: no bound).
    #[must_use]
    pub fn with_connect(mut self, bound: impl Into<Option<Duration>>) -> Self {
        self.connect = bound.into();
        self
    }

    /// The same bounds with another bound on the wait for the headers.
    #[must_use]
    pub fn with_first_byte(mut self, bound: impl Into<Option<Duration>>) -> Self {
        self.first_byte = bound.into();
        self
    }

    /// The same bounds with another bound on the silence between reads.
    #[must_use]
    pub fn with_idle(mut self, bound: impl Into<Option<Duration>>) -> Self {
        self.idle = bound.into();
        self
    }

    /// The same bounds with another bound on each attempt.
    #[must_use]
    pub fn with_attempt(mut self, bound: impl Into<Option<Duration>>) -> Self {
        self.attempt = bound.into();
        self
    }

    /// The same bounds with another bound on the whole call.
    #[must_use]
    pub fn with_call(mut self, bound: impl Into<Option<Duration>>) -> Self {
        self.call = bound.into();
        self
    }
}

/// Which bound of the [`Timeouts`] passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Deadline {
    /// Connecting took too long.
    Connect,
    /// The response's headers did not come in time.
    FirstByte,
    /// The body went silent for too long.
    Idle,
    /// The attempt as a whole took too long.
    Attempt,
    /// The call as a whole took too long (never retried).
    Call,
}

impl Deadline {
    /// The bound's name: `connect`, `first_byte`, `idle`, `attempt`, `call`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Deadline::Connect => "connect",
            Deadline::FirstByte => "first_byte",
            Deadline::Idle => "idle",
            Deadline::Attempt => "attempt",
            Deadline::Call => "call",
        }
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an attempt is, for the bounds that apply.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// No attempt under way (backoff, or not started).
    Between,
    /// Sent at this instant; waiting for the headers.
    Sending(Instant),
    /// Reading a body; the last read was at this instant.
    Reading(Instant),
    /// The answer is settled; the rest of the stream may come until then.
    Settled(Instant),
}

/// The engine's clock: the instants the bounds of one call fall at, and one
/// timer armed for the earliest. A read only moves an instant; the timer
/// is re-armed when the engine next waits.
pub(crate) struct Clock {
    timeouts: Timeouts,
    call_end: Option<Instant>,
    /// The earlier of the attempt's and the call's bounds: they move once
    /// per attempt, so they are found then, not again at every read.
    fixed_end: Option<Bound>,
    phase: Phase,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Clock {
    pub fn new(timeouts: Timeouts) -> Self {
        Clock {
            timeouts,
            call_end: None,
            fixed_end: None,
            phase: Phase::Between,
            timer: None,
        }
    }

    /// An attempt is sent now (the first one starts the call).
    pub fn sending(&mut self) {
        let now = Instant::now();
        if self.call_end.is_none() {
            self.call_end = self.timeouts.call.and_then(|d| now.checked_add(d));
        }
        let attempt_end = self.timeouts.attempt.and_then(|d| now.checked_add(d));
        self.fixed_end = self.fixed_end(attempt_end);
        self.phase = Phase::Sending(now);
    }

    /// The headers came: a body is read from now on.
    pub fn reading(&mut self) {
        self.phase = Phase::Reading(Instant::now());
    }

    /// One read of a body came, at the instant returned.
    pub fn read(&mut self) -> Instant {
        let now = Instant::now();
        if let Phase::Reading(last) = &mut self.phase {
            *last = now;
        }
        now
    }

    /// The answer is settled: the rest of its stream gets [`SETTLED_TAIL`]
    /// (or `idle`, if shorter).
    pub fn settled(&mut self) {
        if matches!(self.phase, Phase::Settled(_)) {
            return;
        }
        let tail = self
            .timeouts
            .idle
            .map_or(SETTLED_TAIL, |idle| idle.min(SETTLED_TAIL));
        let until = Instant::now().checked_add(tail);
        self.phase = until.map_or(Phase::Between, Phase::Settled);
    }

    /// The attempt is over.
    pub fn between(&mut self) {
        self.phase = Phase::Between;
        self.fixed_end = self.fixed_end(None);
        self.timer = None;
    }

    /// The call's bound has passed.
    pub fn call_expired(&self) -> bool {
        self.call_end.is_some_and(|end| Instant::now() >= end)
    }

    /// Whether a wait of `delay` from now ends before the call's bound.
    pub fn leaves_time_for(&self, delay: Duration) -> bool {
        match (self.call_end, Instant::now().checked_add(delay)) {
            (None, _) => true,
            (Some(end), Some(at)) => at < end,
            (Some(_), None) => false,
        }
    }

    /// The bound that had passed at `now`, if one had (without waiting:
    /// for a body that is always ready, so the timer would never be
    /// polled).
    pub fn overdue_at(&self, now: Instant) -> Option<(Deadline, Duration)> {
        let (at, which) = self.earliest()?;
        (now >= at).then_some(which)
    }

    /// Resolves when the earliest bound that applies has passed, with
    /// which one and its length.
    ///
    /// The timer is re-armed lazily. Each read moves the idle bound later;
    /// a timer armed for an earlier instant is left alone, and when it
    /// fires before the bound as it stands then, it is re-armed for it. So
    /// a stream of reads costs no timer update per read (a timer-wheel
    /// update, under the driver's lock), only one per `idle` at most. A
    /// bound that moves earlier (the short tail once the answer is settled)
    /// re-arms the timer at once.
    pub fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<(Deadline, Duration)> {
        loop {
            let Some((at, which)) = self.earliest() else {
                return Poll::Pending;
            };
            let timer = match &mut self.timer {
                Some(timer) => {
                    if timer.deadline() > at {
                        timer.as_mut().reset(at);
                    }
                    timer
                }
                None => {
                    if Instant::now() >= at {
                        return Poll::Ready(which);
                    }
                    self.timer.insert(Box::pin(tokio::time::sleep_until(at)))
                }
            };
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if timer.deadline() >= at {
                return Poll::Ready(which);
            }
            // Fired for a bound that has since moved later.
            timer.as_mut().reset(at);
        }
    }

    /// The earliest instant a bound falls at, with which bound it is.
    fn earliest(&self) -> Option<Bound> {
        let t = &self.timeouts;
        let after = |from: Instant, bound: Option<Duration>, which: Deadline| {
            let bound = bound?;
            Some((from.checked_add(bound)?, (which, bound)))
        };
        let phase = match self.phase {
            Phase::Between => None,
            Phase::Sending(since) => after(since, t.first_byte, Deadline::FirstByte),
            Phase::Reading(last) => after(last, t.idle, Deadline::Idle),
            Phase::Settled(until) => Some((until, (Deadline::Idle, SETTLED_TAIL))),
        };
        earlier(phase, self.fixed_end)
    }

    /// The earlier of the attempt's bound (ending at `attempt_end`) and the
    /// call's.
    fn fixed_end(&self, attempt_end: Option<Instant>) -> Option<Bound> {
        let t = &self.timeouts;
        let attempt = attempt_end
            .zip(t.attempt)
            .map(|(end, bound)| (end, (Deadline::Attempt, bound)));
        let call = self
            .call_end
            .zip(t.call)
            .map(|(end, bound)| (end, (Deadline::Call, bound)));
        earlier(attempt, call)
    }
}

/// An instant a bound falls at, with which bound it is and its length.
type Bound = (Instant, (Deadline, Duration));

/// The bound that falls first (the first one given, on a tie).
fn earlier(a: Option<Bound>, b: Option<Bound>) -> Option<Bound> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_fires_after_the_last_read_though_the_timer_is_armed_lazily() {
        let mut clock = Clock::new(Timeouts::none().with_idle(Duration::from_millis(100)));
        clock.sending();
        clock.reading();
        let start = Instant::now();
        for _ in 0..5 {
            // Polled while waiting for the next read, as the engine does:
            // the timer armed at the first poll fires early and re-arms.
            let wait = std::future::poll_fn(|cx| clock.poll_expired(cx));
            let waited = tokio::time::timeout(Duration::from_millis(60), wait).await;
            assert!(waited.is_err(), "idle fired though a read came every 60 ms");
            clock.read();
        }
        let fired = std::future::poll_fn(|cx| clock.poll_expired(cx)).await;
        assert_eq!(fired, (Deadline::Idle, Duration::from_millis(100)));
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn the_earliest_bound_fires_and_reads_move_idle() {
        let timeouts = Timeouts::none()
            .with_first_byte(Duration::from_millis(50))
            .with_idle(Duration::from_millis(100))
            .with_attempt(Duration::from_millis(250));
        let mut clock = Clock::new(timeouts);
        clock.sending();
        let fired = std::future::poll_fn(|cx| clock.poll_expired(cx)).await;
        assert_eq!(fired.0, Deadline::FirstByte);
        clock.sending();
        clock.reading();
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(60)).await;
            clock.read();
        }
        // 240 ms in, idle would fire at 340: the attempt's 250 comes first.
        let start = Instant::now();
        let fired = std::future::poll_fn(|cx| clock.poll_expired(cx)).await;
        assert_eq!(fired, (Deadline::Attempt, Duration::from_millis(250)));
        assert_eq!(start.elapsed(), Duration::from_millis(10));
        assert_eq!(
            clock.overdue_at(Instant::now()).map(|f| f.0),
            Some(Deadline::Attempt)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_settled_answer_gets_a_short_tail_and_the_call_bound_ends_all() {
        let mut clock = Clock::new(Timeouts::default().with_call(Duration::from_secs(3)));
        clock.sending();
        clock.reading();
        clock.settled();
        let start = Instant::now();
        let _ = std::future::poll_fn(|cx| clock.poll_expired(cx)).await;
        assert_eq!(start.elapsed(), SETTLED_TAIL);
        clock.between();
        assert!(!clock.leaves_time_for(Duration::from_secs(2)));
        assert!(clock.leaves_time_for(Duration::from_millis(500)));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(clock.call_expired());
        assert!(Clock::new(Timeouts::none())
            .overdue_at(Instant::now())
            .is_none());
    }
}
