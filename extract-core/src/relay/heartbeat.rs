//! Keeping an idle body's connection open: a comment after a quiet spell.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// A timer that fires when a body has sent nothing for `interval`.
///
/// Sending does not touch the timer (it only notes the time); when the
/// timer fires early because something was sent meanwhile, it is set again
/// for a whole interval after that. It is a tokio timer, so a body with a
/// heartbeat must be polled inside a tokio runtime with time enabled (the
/// one axum and hyper run on).
#[derive(Debug)]
pub(crate) struct Heartbeat {
    interval: Duration,
    last_sent: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Heartbeat {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last_sent: Instant::now(),
            sleep: None,
        }
    }

    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Something was sent.
    pub(crate) fn sent(&mut self) {
        self.last_sent = Instant::now();
    }

    /// Ready when nothing was sent for the interval (and then counts the
    /// beat as sent); pending otherwise, with the waker registered.
    pub(crate) fn poll_beat(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let due = self.last_sent + self.interval;
            let sleep = self
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
            if sleep.deadline() != due {
                sleep.as_mut().reset(due);
            }
            ready!(sleep.as_mut().poll(cx));
            if Instant::now() >= due {
                self.sent();
                return Poll::Ready(());
            }
        }
    }
}
