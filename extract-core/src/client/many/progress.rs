//! [`Progress`]: where a run over many inputs stands.

use crate::client::Usage;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Where a run over many inputs stands, as [`ManyStream::progress`]
/// (a `tokio::sync::watch` receiver) and
/// [`ManyStream::snapshot`] give it.
///
/// [`ManyStream::progress`]: super::ManyStream::progress
/// [`ManyStream::snapshot`]: super::ManyStream::snapshot
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// The inputs in all, when known ([`Many::total`](super::Many::total),
    /// or an iterator of known length).
    pub total: Option<u64>,
    /// Inputs extracted in this run.
    pub done: u64,
    /// Inputs that failed in this run (after their re-asks and retries).
    pub failed: u64,
    /// Inputs skipped: already in the journal, or an id seen before.
    pub skipped: u64,
    /// Requests under way.
    pub in_flight: u64,
    /// Token usage of this run's requests (failed ones included).
    pub usage: Usage,
    /// Time since the run started.
    pub elapsed: Duration,
    /// The time left at the rate so far, when the total is known.
    pub eta: Option<Duration>,
    /// The run is over.
    pub finished: bool,
}

impl Progress {
    /// Inputs finished in this run, extracted or failed.
    #[must_use]
    pub fn finished_inputs(&self) -> u64 {
        self.done + self.failed
    }
}

/// Keeps the progress and publishes it.
#[derive(Debug)]
pub(crate) struct Tracker {
    progress: Progress,
    started: Instant,
    sender: watch::Sender<Progress>,
}

impl Tracker {
    pub fn new(total: Option<u64>) -> Tracker {
        let progress = Progress {
            total,
            ..Progress::default()
        };
        Tracker {
            sender: watch::Sender::new(progress.clone()),
            progress,
            started: Instant::now(),
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.sender.subscribe()
    }

    pub fn snapshot(&self) -> Progress {
        let mut progress = self.progress.clone();
        self.timing(&mut progress);
        progress
    }

    pub fn skipped(&mut self) {
        self.progress.skipped += 1;
    }

    pub fn started(&mut self) {
        self.progress.in_flight += 1;
        self.publish();
    }

    pub fn finished(&mut self, ok: bool, usage: Option<Usage>) {
        self.progress.in_flight = self.progress.in_flight.saturating_sub(1);
        if ok {
            self.progress.done += 1;
        } else {
            self.progress.failed += 1;
        }
        if let Some(usage) = usage {
            self.progress.usage += usage;
        }
        self.publish();
    }

    pub fn end(&mut self) {
        self.progress.finished = true;
        self.progress.in_flight = 0;
        self.publish();
    }

    fn timing(&self, progress: &mut Progress) {
        progress.elapsed = self.started.elapsed();
        let finished = progress.finished_inputs();
        progress.eta = match progress.total {
            _ if progress.finished => Some(Duration::ZERO),
            Some(total) if finished > 0 => {
                let left = total.saturating_sub(finished + progress.skipped);
                let per_input = progress.elapsed.as_secs_f64() / finished as f64;
                Some(Duration::from_secs_f64(per_input * left as f64))
            }
            _ => None,
        };
    }

    fn publish(&mut self) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        let mut progress = self.progress.clone();
        self.timing(&mut progress);
        self.sender.send_replace(progress);
    }
}
