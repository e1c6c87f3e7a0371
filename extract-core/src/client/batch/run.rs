//! The runner of a batch job: submits rounds of batches, polls them, reads
//! their result files as they end, turns each result into a value or an
//! error, and sends the failures back (re-asks, or the same request again
//! after a transient failure) in a follow-up round, by batch or live.
//!
//! A round is a set of batches; the next round starts once every batch of
//! the current one has ended and its results are read. An input is
//! *waiting* while it is in a batch of the round that has not given its
//! result; an input still waiting when its round is over had no result
//! line (its batch failed, or was resumed without it) and is sent again.

use super::api::{BatchApi, State};
use super::decode::decode;
use super::split::{Limits, Place, Splitter};
use crate::client::engine::Prepared;
use crate::client::many::journal::Resumed;
use crate::client::many::progress::Tracker;
use crate::client::many::stream::Setup;
use crate::client::many::{Input, ManyStream};
use crate::client::message::Message;
use crate::client::mode::Mode;
use crate::client::output::Collector;
use crate::client::providers::reask_messages;
use crate::client::request::Template;
use crate::client::usage::Usage;
use crate::{Error, Received};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How the failed inputs of a round are asked again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reask {
    /// In a follow-up batch (half price; another wait of minutes to hours).
    #[default]
    Batch,
    /// Live, at once, as [`ChatRequest::many`](crate::client::ChatRequest::many)
    /// sends them (full price; seconds), with the re-asks left.
    Live,
}

/// What the runner and its handles share.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// The ids of the batches of the current round.
    pub ids: Mutex<Vec<String>>,
    pub cancelled: AtomicBool,
}

impl Shared {
    pub fn ids(&self) -> Vec<String> {
        self.ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_ids(&self, ids: Vec<String>) {
        *self.ids.lock().unwrap_or_else(PoisonError::into_inner) = ids;
    }
}

/// One input of the job, until its result is final.
#[derive(Debug)]
struct Item {
    id: String,
    /// The input's messages, and the turns of its re-asks.
    messages: Vec<Message>,
    reasks: u32,
    resends: u32,
    errors: Vec<Error>,
    waiting: bool,
}

/// A batch of the current round.
#[derive(Debug)]
struct Running {
    id: String,
    ended: bool,
    /// Its inputs' custom ids (empty for a batch resumed by id).
    members: Vec<String>,
}

/// A result file being read, line by line.
struct Reader {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    buffer: Vec<u8>,
    /// Where the next line starts in `buffer`.
    start: usize,
    /// How far past `start` no line feed was found.
    scanned: usize,
    done: bool,
}

impl Reader {
    fn new(body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>) -> Reader {
        Reader {
            body,
            buffer: Vec::new(),
            start: 0,
            scanned: 0,
            done: false,
        }
    }

    async fn next_line(&mut self) -> Option<Result<Vec<u8>, Error>> {
        loop {
            let from = self.start + self.scanned;
            if let Some(at) = self.buffer[from..].iter().position(|b| *b == b'\n') {
                let line = self.buffer[self.start..from + at].to_vec();
                self.start = from + at + 1;
                self.scanned = 0;
                return Some(Ok(line));
            }
            self.scanned = self.buffer.len() - self.start;
            if self.done {
                // Anthropic's results end without a line feed.
                let rest = self.buffer.split_off(self.start);
                self.buffer.clear();
                (self.start, self.scanned) = (0, 0);
                return (!rest.is_empty()).then_some(Ok(rest));
            }
            match self.body.next().await {
                Some(Ok(chunk)) => {
                    // What was read is dropped before more is added: the
                    // buffer holds one line and one chunk at most.
                    self.buffer.drain(..self.start);
                    self.start = 0;
                    self.buffer.extend_from_slice(&chunk);
                }
                Some(Err(source)) => return Some(Err(Error::Transport { source })),
                None => self.done = true,
            }
        }
    }
}

/// A finished input: its id, its outcome, the tokens it cost.
pub(crate) type Finished<O> = (String, Result<O, Error>, Option<Usage>);

/// What [`Driver::new`] needs.
pub(crate) struct Config<O> {
    pub api: &'static dyn BatchApi,
    pub template: Template,
    pub make: fn(Mode) -> Box<dyn Collector<Output = O>>,
    pub limits: Limits,
    pub reask: Reask,
    pub poll: (Duration, Duration),
    pub live_concurrency: usize,
    pub resume: Resumed<O>,
}

/// The runner.
pub(crate) struct Driver<O> {
    config: Config<O>,
    items: HashMap<String, Item>,
    round: Vec<Running>,
    /// The round was resumed by id: inputs without a result were perhaps
    /// never sent, and sending them is not a retry.
    resumed: bool,
    followups: Vec<String>,
    reading: Option<Reader>,
    files: VecDeque<String>,
    ready: VecDeque<Finished<O>>,
    live: VecDeque<ManyStream<O>>,
    poll: Duration,
    pub shared: Arc<Shared>,
    pub tracker: Tracker,
}

/// The custom id of an input id: the id itself when every provider takes
/// it (`[A-Za-z0-9_-]{1,64}`), else `x` and a 64-bit FNV-1a hash of it.
pub(crate) fn custom_id(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        return id.to_owned();
    }
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("x{hash:016x}")
}

impl<O: Send + 'static> Driver<O> {
    /// A runner for `inputs` (those the journal holds are skipped).
    pub fn new(config: Config<O>, inputs: Vec<Input>) -> Result<Self, Error> {
        let mut tracker = Tracker::new(Some(inputs.len() as u64));
        let mut items = HashMap::with_capacity(inputs.len());
        let mut followups = Vec::with_capacity(inputs.len());
        for input in inputs {
            let done = config.resume.holds(&input.id);
            let cid = custom_id(&input.id);
            if done || items.get(&cid).is_some_and(|i: &Item| i.id == input.id) {
                tracker.skipped();
                continue;
            }
            if let Some(other) = items.get(&cid) {
                return Err(Error::Config {
                    message: format!(
                        "the ids `{}` and `{}` have the same custom id `{cid}`",
                        other.id, input.id
                    ),
                });
            }
            followups.push(cid.clone());
            items.insert(
                cid,
                Item {
                    id: input.id,
                    messages: input.messages,
                    reasks: 0,
                    resends: 0,
                    errors: Vec::new(),
                    waiting: false,
                },
            );
        }
        let poll = config.poll.0;
        Ok(Driver {
            config,
            items,
            round: Vec::new(),
            resumed: false,
            followups,
            reading: None,
            files: VecDeque::new(),
            ready: VecDeque::new(),
            live: VecDeque::new(),
            poll,
            shared: Arc::default(),
            tracker,
        })
    }

    fn prepared(&self) -> &Prepared {
        &self.config.template.prepared
    }

    /// The client the job's requests go to.
    pub fn client(&self) -> crate::client::Client {
        self.prepared().client.clone()
    }

    /// Submits the first round.
    pub async fn submit(&mut self) -> Result<(), Error> {
        for _ in 0..self.items.len() {
            self.tracker.started();
        }
        let first = std::mem::take(&mut self.followups);
        self.submit_round(first, true).await
    }

    /// Takes the batches `ids` as the first round (all inputs waiting).
    pub fn resume(&mut self, ids: Vec<String>) {
        for item in self.items.values_mut() {
            item.waiting = true;
            self.tracker.started();
        }
        self.followups.clear();
        self.resumed = true;
        self.shared.set_ids(ids.clone());
        self.round = ids
            .into_iter()
            .map(|id| Running {
                id,
                ended: false,
                members: Vec::new(),
            })
            .collect();
    }

    /// Sends `cids` as batches, split at the limits. With `strict`, a
    /// batch that cannot be created ends the call; otherwise its inputs
    /// fail.
    async fn submit_round(&mut self, cids: Vec<String>, strict: bool) -> Result<(), Error> {
        let api = self.config.api;
        let protocol = self.prepared().client.protocol();
        let mut splitter = Splitter::new(self.config.limits);
        let mut payload = api.begin();
        let mut members: Vec<String> = Vec::new();
        let mut ids = Vec::new();
        for cid in cids {
            let Some(item) = self.items.get(&cid) else {
                continue;
            };
            let mut messages = self.config.template.messages.clone();
            messages.extend(item.messages.iter().cloned());
            let mut body = self.prepared().body.clone();
            protocol.write_messages(&mut body, &messages);
            let line = serde_json::to_vec(&api.line(&cid, body)).unwrap_or_default();
            match splitter.place(line.len() + 1) {
                Place::TooLarge => {
                    let error = Error::Config {
                        message: format!(
                            "the request is {} bytes, more than one batch may hold ({})",
                            line.len(),
                            self.config.limits.bytes
                        ),
                    };
                    self.fail_for_good(&cid, error);
                    continue;
                }
                Place::Next => {
                    let full = std::mem::replace(&mut payload, api.begin());
                    let batch = std::mem::take(&mut members);
                    ids.extend(self.create(full, batch, strict).await?);
                }
                Place::Here => {}
            }
            api.push(&mut payload, &line, members.is_empty());
            members.push(cid.clone());
            if let Some(item) = self.items.get_mut(&cid) {
                item.waiting = true;
            }
        }
        if !members.is_empty() {
            ids.extend(self.create(payload, members, strict).await?);
        }
        self.shared.set_ids(ids);
        Ok(())
    }

    /// Creates one batch of `members`: its id.
    async fn create(
        &mut self,
        mut payload: Vec<u8>,
        members: Vec<String>,
        strict: bool,
    ) -> Result<Option<String>, Error> {
        let api = self.config.api;
        api.end(&mut payload);
        let client = self.prepared().client.clone();
        match api.create(&client, payload).await {
            Ok(status) => {
                tracing::info!(batch = %status.id, requests = members.len(), "batch created");
                self.round.push(Running {
                    id: status.id.clone(),
                    ended: false,
                    members,
                });
                Ok(Some(status.id))
            }
            Err(error) if strict => Err(error),
            Err(error) => {
                let message = format!("the batch could not be created: {error}");
                for cid in members {
                    let error = Error::Provider {
                        message: message.clone(),
                        kind: None,
                        code: Some("batch_not_created".to_owned()),
                        received: Box::default(),
                    };
                    self.fail_for_good(&cid, error);
                }
                Ok(None)
            }
        }
    }

    /// The next finished input, or `None` once the job is over.
    pub async fn next(&mut self) -> Option<Finished<O>> {
        loop {
            if let Some(finished) = self.ready.pop_front() {
                self.record(&finished);
                return Some(finished);
            }
            if let Some(reader) = &mut self.reading {
                match reader.next_line().await {
                    Some(Ok(line)) => self.take_line(&line),
                    Some(Err(error)) => {
                        tracing::warn!(%error, "a result file could not be read to its end");
                        self.reading = None;
                    }
                    None => self.reading = None,
                }
                continue;
            }
            if let Some(url) = self.files.pop_front() {
                self.open(&url).await;
                continue;
            }
            if let Some(live) = self.live.front_mut() {
                match live.next().await {
                    Some((cid, result)) => self.take_live(&cid, result),
                    None => drop(self.live.pop_front()),
                }
                continue;
            }
            if self.round.iter().any(|batch| !batch.ended) {
                self.poll_round().await;
                continue;
            }
            if !self.next_round().await {
                self.tracker.end();
                return None;
            }
        }
    }

    /// Waits, then polls every batch of the round that has not ended.
    async fn poll_round(&mut self) {
        tokio::time::sleep(self.poll).await;
        self.poll = self.poll.mul_f64(1.5).min(self.config.poll.1);
        let api = self.config.api;
        let client = self.prepared().client.clone();
        for k in 0..self.round.len() {
            if self.round[k].ended {
                continue;
            }
            let status = match api.retrieve(&client, &self.round[k].id).await {
                Ok(status) => status,
                Err(
                    error @ Error::Http {
                        status: 400..=499, ..
                    },
                ) => {
                    tracing::error!(batch = %self.round[k].id, %error, "the batch cannot be read: its inputs are sent again");
                    self.round[k].ended = true;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(batch = %self.round[k].id, %error, "polling failed; polling on");
                    continue;
                }
            };
            tracing::debug!(batch = %status.id, status = %status.status, counts = ?status.counts, "polled");
            match status.state {
                State::Running => {}
                State::Ended => {
                    self.round[k].ended = true;
                    self.files.extend(api.result_urls(&client, &status));
                }
                State::Failed(why) => {
                    self.round[k].ended = true;
                    let members = std::mem::take(&mut self.round[k].members);
                    for cid in members {
                        if let Some(item) = self.items.get_mut(&cid) {
                            item.waiting = false;
                        }
                        let error = Error::Provider {
                            message: format!("the batch failed: {why}"),
                            kind: None,
                            code: Some("batch_failed".to_owned()),
                            received: Box::default(),
                        };
                        self.fail_for_good(&cid, error);
                    }
                }
            }
        }
    }

    /// Opens a result file.
    async fn open(&mut self, url: &str) {
        let client = self.prepared().client.clone();
        let response = super::api::send(&client, || {
            super::api::request(&client, reqwest::Method::GET, url)
        })
        .await;
        match response {
            Ok(response) => {
                self.reading = Some(Reader::new(Box::pin(response.bytes_stream())));
            }
            Err(error) => tracing::error!(%url, %error, "a result file could not be read"),
        }
    }

    /// Takes one result line.
    fn take_line(&mut self, line: &[u8]) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let result = match self.config.api.result(line) {
            Ok(result) => result,
            Err(why) => {
                tracing::warn!(%why, "a result line that cannot be read is skipped");
                return;
            }
        };
        let cid = result.custom_id;
        // A result for an input not waiting: a duplicate, or another job's.
        let Some(item) = self.items.get_mut(&cid).filter(|item| item.waiting) else {
            return;
        };
        item.waiting = false;
        match result.outcome {
            Ok(body) => {
                let (outcome, completion) = decode(self.prepared(), self.config.make, &body);
                match outcome {
                    Ok(value) => self.finish(&cid, Ok(value), completion.usage),
                    Err(error) => self.failed(&cid, error, &completion),
                }
            }
            Err(error) => self.failed(&cid, error, &Default::default()),
        }
    }

    /// An input's request failed: ask again, or fail for good.
    fn failed(&mut self, cid: &str, error: Error, completion: &crate::client::Completion) {
        let cancelled = self.shared.cancelled.load(Ordering::SeqCst);
        let max_reasks = self.prepared().max_reasks;
        let max_resends = self.prepared().client.inner.backoff.max_retries;
        let mode = self.prepared().mode;
        let protocol = self.prepared().client.protocol();
        let Some(item) = self.items.get_mut(cid) else {
            return;
        };
        let reaskable = matches!(
            error,
            Error::Syntax { .. } | Error::Validation { .. } | Error::NoJson { .. }
        );
        let attempt = item.reasks + item.resends + 1;
        if !cancelled && reaskable && item.reasks < max_reasks {
            item.messages.extend(reask_messages(
                mode,
                completion,
                &error.to_string(),
                attempt,
            ));
            item.reasks += 1;
        } else if !cancelled && resendable(protocol, &error) && item.resends < max_resends {
            item.resends += 1;
        } else {
            self.fail_for_good(cid, error);
            return;
        }
        tracing::debug!(id = %item.id, %error, "asked again in the next round");
        item.errors.push(error);
        self.followups.push(cid.to_owned());
    }

    /// Ends an input with `error` (and the errors before it).
    fn fail_for_good(&mut self, cid: &str, error: Error) {
        let Some(item) = self.items.get_mut(cid) else {
            return;
        };
        let mut errors = std::mem::take(&mut item.errors);
        errors.push(error);
        let error = if errors.len() == 1 {
            errors.remove(0)
        } else {
            let received = errors
                .iter()
                .rev()
                .filter_map(Error::received)
                .find(|r| r.partial.is_some() || r.raw.is_some())
                .cloned()
                .unwrap_or_default();
            Error::RetriesExhausted {
                attempts: errors,
                received: Box::new(received),
            }
        };
        self.finish(cid, Err(error), None);
    }

    fn finish(&mut self, cid: &str, result: Result<O, Error>, usage: Option<Usage>) {
        if let Some(item) = self.items.remove(cid) {
            self.ready.push_back((item.id, result, usage));
        }
    }

    /// A live re-ask's result (final: the live call had its own re-asks).
    fn take_live(&mut self, cid: &str, result: Result<O, Error>) {
        match result {
            Ok(value) => self.finish(cid, Ok(value), None),
            Err(error) => self.fail_for_good(cid, error),
        }
    }

    /// The round is over: what had no result is sent again, and the
    /// follow-ups go out. False when nothing is left to do.
    async fn next_round(&mut self) -> bool {
        let missing: Vec<String> = self
            .items
            .iter()
            .filter(|(_, item)| item.waiting)
            .map(|(cid, _)| cid.clone())
            .collect();
        let resumed = std::mem::take(&mut self.resumed);
        for cid in missing {
            if let Some(item) = self.items.get_mut(&cid) {
                item.waiting = false;
                if resumed {
                    self.followups.push(cid);
                    continue;
                }
            }
            let error = Error::Provider {
                message: "the batch ended without a result for this request".to_owned(),
                kind: None,
                code: Some("batch_missing".to_owned()),
                received: Box::<Received>::default(),
            };
            self.failed(&cid, error, &Default::default());
        }
        self.round.clear();
        self.shared.set_ids(Vec::new());
        let followups = std::mem::take(&mut self.followups);
        if followups.is_empty() {
            return !self.ready.is_empty();
        }
        if self.shared.cancelled.load(Ordering::SeqCst) {
            for cid in followups {
                let error = Error::Provider {
                    message: "the job was cancelled".to_owned(),
                    kind: None,
                    code: Some("batch_cancelled".to_owned()),
                    received: Box::default(),
                };
                self.fail_for_good(&cid, error);
            }
            return true;
        }
        self.poll = self.config.poll.0;
        match self.config.reask {
            Reask::Batch => {
                tracing::info!(requests = followups.len(), "a follow-up round of batches");
                let _ = self.submit_round(followups, false).await;
            }
            Reask::Live => self.go_live(followups),
        }
        true
    }

    /// Sends the follow-ups live, each with the re-asks it has left.
    fn go_live(&mut self, followups: Vec<String>) {
        let mut groups: HashMap<u32, Vec<Input>> = HashMap::new();
        let max_reasks = self.prepared().max_reasks;
        for cid in followups {
            if let Some(item) = self.items.get(&cid) {
                groups
                    .entry(max_reasks.saturating_sub(item.reasks))
                    .or_default()
                    .push(Input::messages(cid.clone(), item.messages.clone()));
            }
        }
        tracing::info!(
            groups = groups.len(),
            "the failed requests are asked again live"
        );
        for (left, inputs) in groups {
            let p = self.prepared();
            let prepared = Prepared {
                client: p.client.clone(),
                body: p.body.clone(),
                mode: p.mode,
                route: p.route,
                max_reasks: left,
            };
            let mut template = self.config.template.clone();
            template.prepared = Arc::new(prepared);
            self.live.push_back(ManyStream::new(Setup {
                template,
                make: self.config.make,
                inputs: Box::pin(futures::stream::iter(inputs)),
                total: None,
                concurrency: self.config.live_concurrency,
                resume: Resumed::none(),
            }));
        }
    }

    /// Journals and counts a finished input.
    fn record(&mut self, finished: &Finished<O>) {
        self.tracker.finished(finished.1.is_ok(), finished.2);
        let written = self.config.resume.record(&finished.0, &finished.1);
        if let Err(error) = written {
            tracing::error!(%error, "the journal cannot be written");
        }
    }
}

/// Whether a failed request of a batch is worth sending again as it was.
fn resendable(protocol: &dyn crate::client::providers::Protocol, error: &Error) -> bool {
    match error {
        Error::Http { status, .. } => protocol.is_retryable_status(*status),
        Error::Provider { code, kind, .. } => {
            matches!(code.as_deref(), Some("batch_expired" | "batch_missing"))
                || matches!(
                    kind.as_deref(),
                    Some("api_error" | "overloaded_error" | "server_error")
                )
        }
        Error::Interrupted { .. } | Error::Transport { .. } => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{custom_id, Reader};
    use bytes::Bytes;

    #[test]
    fn result_files_are_read_line_by_line_whatever_the_chunks() {
        let text = "{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}";
        for size in 1..text.len() {
            let chunks: Vec<reqwest::Result<Bytes>> = text
                .as_bytes()
                .chunks(size)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            let mut reader = Reader::new(Box::pin(futures::stream::iter(chunks)));
            let lines: Vec<String> = futures::executor::block_on(async {
                let mut lines = Vec::new();
                while let Some(line) = reader.next_line().await {
                    lines.push(String::from_utf8(line.unwrap()).unwrap());
                }
                lines
            });
            assert_eq!(lines, ["{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"], "{size}");
        }
    }

    #[test]
    fn custom_ids() {
        assert_eq!(custom_id("doc-1_A"), "doc-1_A");
        let hashed = custom_id("docs/a b.txt");
        assert_eq!(hashed.len(), 17);
        assert!(hashed.starts_with('x'));
        assert_eq!(hashed, custom_id("docs/a b.txt"));
        assert_ne!(hashed, custom_id("docs/a c.txt"));
        assert!(custom_id(&"a".repeat(65)).starts_with('x'));
    }
}
