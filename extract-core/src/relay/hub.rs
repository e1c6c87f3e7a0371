//! Resumable relay streams: a [`Hub`] keeps each stream by id, so a client
//! whose connection dropped can come back for the rest.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use tokio::time::Instant;

use super::body::{beat, PartialBody};
use super::encoder::Encoder;
use super::frame::Format;
use super::heartbeat::Heartbeat;

/// The response header that names a resumable stream
/// (`x-relay-stream: 3f…`): a client resumes it by sending the name back
/// as `?stream=` (see [`Resume`]).
pub const STREAM_HEADER: &str = "x-relay-stream";

/// Resumable relay streams, kept by id.
///
/// A reconnect is a new HTTP request, so what must outlive one response
/// lives here: per stream, the upstream itself, the encoder's state, and a
/// bounded history of the messages sent. [`start`](Self::start) registers
/// a body and returns the first response's body; its id goes out in the
/// [`STREAM_HEADER`] response header. A client that lost the connection
/// asks again with that id and the last message id it has
/// (`Last-Event-ID`, or `?after=N`): [`resume`](Self::resume) answers with
/// the messages after `N` from the history, then the live stream. When `N`
/// is older than the history, it sends instead the state as of the latest
/// message as one `snapshot` (and, with `state` messages on, every
/// completed path), then goes on live. The bundled JavaScript client does
/// all of this by itself.
///
/// **No task.** The body attached to a stream polls its upstream, as a
/// plain [`PartialBody`] does. While no body is attached (between a drop
/// and a reconnect) nothing polls it: the model's answer waits
/// (backpressure), it is not lost. A second connection for the same
/// stream takes over: the first body ends.
///
/// **Bounds.** The history keeps at most 1000 messages and 256 KiB per
/// stream by default ([`with_history`](Self::with_history)); older
/// messages are dropped first, and a client resuming from before them gets
/// the snapshot instead. The final `done` or `error` message is always
/// kept.
///
/// **Expiry.** A stream with no body attached for 30 s by default
/// ([`with_expiry`](Self::with_expiry)), whether it finished or not, is
/// dropped by the next [`start`](Self::start), [`resume`](Self::resume) or
/// [`sweep`](Self::sweep): dropping it drops the upstream, which cancels
/// the request to the model. The hub spawns nothing, so a server that may
/// go quiet for a while runs [`sweep_every`](Self::sweep_every) on a task
/// of its own.
///
/// Cloning a hub is cheap and shares the streams.
///
/// ```
/// use extract_core::relay::{Hub, Relay, Resume};
/// use futures::{stream, StreamExt};
/// use serde_json::json;
///
/// # futures::executor::block_on(async {
/// let hub = Hub::new();
/// let snapshots = stream::iter([json!({"name": "Jo"}), json!({"name": "John"})])
///     .map(Ok::<_, std::convert::Infallible>);
/// let mut first = hub.start(Relay::sse().partial(snapshots));
/// let id = first.id().to_owned();
/// let _ = first.next().await; // message 1 arrives, then the connection drops
/// drop(first);
/// // The client comes back with `?stream=<id>` and `Last-Event-ID: 1`.
/// let resume = Resume::new(id, 1);
/// let rest: Vec<_> = hub.resume(&resume).unwrap().collect().await;
/// let text: String = rest.iter().map(|b| String::from_utf8_lossy(b.as_ref().unwrap())).collect();
/// assert_eq!(text, "\
/// event: patch\nid: 2\ndata: [{\"op\":\"append\",\"path\":\"/name\",\"value\":\"hn\"}]\n\n\
/// event: done\nid: 3\ndata: {\"name\":\"John\"}\n\n");
/// # });
/// ```
#[derive(Clone)]
pub struct Hub {
    streams: Arc<Mutex<HashMap<String, Arc<Mutex<Entry>>>>>,
    limits: Limits,
    expiry: Duration,
}

/// How much history a stream keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    messages: usize,
    bytes: usize,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("streams", &self.len())
            .field("history_messages", &self.limits.messages)
            .field("history_bytes", &self.limits.bytes)
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl Hub {
    /// The default history: 1000 messages per stream.
    pub const HISTORY_MESSAGES: usize = 1000;
    /// The default history: 256 KiB per stream.
    pub const HISTORY_BYTES: usize = 256 * 1024;
    /// The default expiry of a stream with no body attached: 30 s.
    pub const EXPIRY: Duration = Duration::from_secs(30);

    /// An empty hub with the default bounds.
    #[must_use]
    pub fn new() -> Self {
        Self {
            streams: Arc::default(),
            limits: Limits {
                messages: Self::HISTORY_MESSAGES,
                bytes: Self::HISTORY_BYTES,
            },
            expiry: Self::EXPIRY,
        }
    }

    /// Keeps at most `messages` messages and `bytes` bytes of history per
    /// stream (the oldest go first; the final message is always kept).
    #[must_use]
    pub fn with_history(mut self, messages: usize, bytes: usize) -> Self {
        self.limits = Limits { messages, bytes };
        self
    }

    /// Drops a stream once no body has been attached to it for `expiry`.
    #[must_use]
    pub fn with_expiry(mut self, expiry: Duration) -> Self {
        self.expiry = expiry;
        self
    }

    /// Registers `body` as a new resumable stream and returns the first
    /// response's body, attached to it. Its messages are numbered (ids are
    /// turned on); its heartbeat, if any, is sent by each attached body
    /// and kept out of the history.
    pub fn start<S>(&self, body: PartialBody<S>) -> HubBody
    where
        PartialBody<S>: Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
    {
        self.sweep();
        let (body, heartbeat) = body.into_resumable();
        let id = new_id();
        let format = body.encoder().format();
        let entry = Arc::new(Mutex::new(Entry {
            source: Some(Box::pin(body)),
            history: History::new(self.limits),
            generation: 1,
            attached: true,
            waker: None,
            detached_at: Instant::now(),
            heartbeat,
        }));
        lock(&self.streams).insert(id.clone(), entry.clone());
        HubBody {
            entry,
            id: id.into(),
            generation: 1,
            queued: None,
            heartbeat: heartbeat.map(Heartbeat::new),
            interval: heartbeat,
            format,
            ended: false,
        }
    }

    /// A body for a client coming back: the messages after `resume.after`
    /// (or the state as of the latest message, when they are no longer
    /// all kept), then the live stream. It takes the stream over from the
    /// body attached to it, if any, which ends. `None` when the hub has no
    /// such stream (never started, or expired).
    #[must_use]
    pub fn resume(&self, resume: &Resume) -> Option<HubBody> {
        self.sweep();
        let entry = lock(&self.streams).get(&resume.stream).cloned()?;
        let (generation, queued, format, interval) = {
            let mut guard = lock(&entry);
            let entry = &mut *guard;
            let encoder = entry.source.as_ref()?.encoder();
            let queued = entry.history.replay(resume.after, encoder);
            let format = encoder.format();
            entry.generation += 1;
            entry.attached = true;
            if let Some(waker) = entry.waker.take() {
                waker.wake();
            }
            (entry.generation, queued, format, entry.heartbeat)
        };
        Some(HubBody {
            entry,
            id: resume.stream.as_str().into(),
            generation,
            queued: (!queued.is_empty()).then_some(queued),
            heartbeat: interval.map(Heartbeat::new),
            interval,
            format,
            ended: false,
        })
    }

    /// Drops the streams that have had no body attached for the expiry,
    /// cancelling their upstream requests. Returns how many were dropped.
    /// [`start`](Self::start) and [`resume`](Self::resume) call it too.
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut expired = Vec::new();
        lock(&self.streams).retain(|_, entry| {
            let keep = {
                let entry = lock(entry);
                entry.attached || now.duration_since(entry.detached_at) < self.expiry
            };
            if !keep {
                expired.push(entry.clone());
            }
            keep
        });
        // Dropped outside the lock: dropping an upstream closes its
        // connection.
        let count = expired.len();
        drop(expired);
        count
    }

    /// Calls [`sweep`](Self::sweep) every `period`, forever: spawn it on a
    /// task of your own (`tokio::spawn(hub.clone().sweep_every(…))`) so
    /// streams expire even when no request comes in.
    pub async fn sweep_every(self, period: Duration) {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            self.sweep();
        }
    }

    /// Ends the stream `stream` now: it leaves the hub, the body attached to
    /// it (if any) ends, and its upstream is dropped, which cancels the
    /// request to the model. The bundled JavaScript client asks for this
    /// (`?stream=<id>&cancel=1`, see [`Resume::cancel`]) when the page
    /// aborts the stream or goes away, so a resumable stream is cancelled
    /// as promptly as a plain body. Returns false when there is no such
    /// stream.
    pub fn cancel(&self, stream: &str) -> bool {
        let Some(entry) = lock(&self.streams).remove(stream) else {
            return false;
        };
        let upstream = {
            let mut entry = lock(&entry);
            entry.generation += 1;
            if let Some(waker) = entry.waker.take() {
                waker.wake();
            }
            entry.source.take()
        };
        // Dropped outside the lock: dropping an upstream closes its
        // connection.
        drop(upstream);
        true
    }

    /// How many streams the hub keeps.
    #[must_use]
    pub fn len(&self) -> usize {
        lock(&self.streams).len()
    }

    /// True when the hub keeps no stream.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where a client resumes: the stream's id (the [`STREAM_HEADER`] of its
/// first response) and the id of the last message it has (0 for none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Resume {
    /// The stream's id.
    pub stream: String,
    /// The last message the client has; it gets those after it.
    pub after: u64,
    /// The client is done with the stream (`cancel=1`: the page stopped
    /// or went away): [`Hub::cancel`] it instead of resuming.
    pub cancel: bool,
}

impl Resume {
    /// Resume `stream` after message `after`.
    #[must_use]
    pub fn new(stream: impl Into<String>, after: u64) -> Self {
        Self {
            stream: stream.into(),
            after,
            cancel: false,
        }
    }

    /// A request that cancels `stream` (see [`Hub::cancel`]).
    #[must_use]
    pub fn cancel(stream: impl Into<String>) -> Self {
        Self {
            cancel: true,
            ..Self::new(stream, 0)
        }
    }

    /// Reads a request: `stream=<id>` in the query string, and the last
    /// message from `after=<N>` in the query or else the `Last-Event-ID`
    /// header (the bundled client sends both); `cancel=1` when the client
    /// cancels the stream. `None` without a `stream`.
    ///
    /// ```
    /// use extract_core::relay::Resume;
    ///
    /// let resume = Resume::from_request(Some("format=sse&stream=ab12&after=7"), None).unwrap();
    /// assert_eq!((resume.stream.as_str(), resume.after), ("ab12", 7));
    /// assert_eq!(Resume::from_request(Some("stream=ab12"), Some("9")).unwrap().after, 9);
    /// assert!(Resume::from_request(Some("format=sse"), Some("9")).is_none());
    /// assert!(Resume::from_request(Some("stream=ab12&cancel=1"), None).unwrap().cancel);
    /// ```
    #[must_use]
    pub fn from_request(query: Option<&str>, last_event_id: Option<&str>) -> Option<Self> {
        let mut stream = None;
        let mut after = None;
        let mut cancel = false;
        for pair in query.unwrap_or("").split('&') {
            match pair.split_once('=') {
                Some(("stream", value)) if !value.is_empty() => stream = Some(value),
                Some(("after", value)) => after = value.parse().ok(),
                Some(("cancel", value)) => cancel = value == "1" || value == "true",
                _ => {}
            }
        }
        let after = after
            .or_else(|| last_event_id.and_then(|id| id.trim().parse().ok()))
            .unwrap_or(0);
        Some(Self {
            cancel,
            ..Self::new(stream?, after)
        })
    }
}

/// One stream kept by the hub.
struct Entry {
    /// The upstream body; `None` once the stream was cancelled.
    source: Option<Pin<Box<dyn Source>>>,
    history: History,
    /// Which body is attached (the latest to attach).
    generation: u64,
    attached: bool,
    /// The attached body's waker, to end it when another takes over.
    waker: Option<Waker>,
    /// When the last body went away (meaningful while not attached).
    detached_at: Instant,
    /// The heartbeat interval of each attached body.
    heartbeat: Option<Duration>,
}

/// A relay body as the hub drives it.
trait Source: Send {
    fn poll_chunk(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>>;
    fn encoder(&self) -> &Encoder;
    fn is_finished(&self) -> bool;
}

impl<S> Source for PartialBody<S>
where
    PartialBody<S>: Stream<Item = Result<Bytes, Infallible>> + Send,
{
    fn poll_chunk(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        self.poll_next(cx).map(|chunk| chunk.map(|Ok(bytes)| bytes))
    }

    fn encoder(&self) -> &Encoder {
        PartialBody::encoder(self)
    }

    fn is_finished(&self) -> bool {
        PartialBody::is_finished(self)
    }
}

/// The messages of one chunk a body sent: ids `first..=last`.
#[derive(Debug, Clone)]
struct Chunk {
    first: u64,
    last: u64,
    bytes: Bytes,
}

/// The bounded history of one stream, oldest first, and its final chunk.
#[derive(Debug)]
struct History {
    chunks: VecDeque<Chunk>,
    messages: usize,
    bytes: usize,
    limits: Limits,
    /// The chunk holding `done` or `error`, kept whatever the bounds.
    last: Option<Chunk>,
}

impl History {
    fn new(limits: Limits) -> Self {
        Self {
            chunks: VecDeque::new(),
            messages: 0,
            bytes: 0,
            limits,
            last: None,
        }
    }

    fn push(&mut self, chunk: Chunk, last: bool) {
        if last {
            self.last = Some(chunk);
            return;
        }
        self.messages += usize::try_from(chunk.last + 1 - chunk.first).unwrap_or(usize::MAX);
        self.bytes += chunk.bytes.len();
        self.chunks.push_back(chunk);
        while self.messages > self.limits.messages || self.bytes > self.limits.bytes {
            let Some(old) = self.chunks.pop_front() else {
                break;
            };
            self.messages -= usize::try_from(old.last + 1 - old.first).unwrap_or(usize::MAX);
            self.bytes -= old.bytes.len();
        }
    }

    /// The first message id still kept (one past the end when none is).
    fn first_kept(&self, latest: u64) -> u64 {
        self.chunks
            .front()
            .or(self.last.as_ref())
            .map_or(latest + 1, |chunk| chunk.first)
    }

    /// What a client holding the messages up to `after` needs: the chunks
    /// after it, or, when some of those are gone, the state as of the
    /// latest message and the final chunk.
    fn replay(&self, after: u64, encoder: &Encoder) -> Bytes {
        let latest = encoder.sent();
        let mut out = BytesMut::new();
        if after.saturating_add(1) >= self.first_kept(latest) {
            for chunk in self.chunks.iter().chain(&self.last) {
                if chunk.last > after {
                    out.extend_from_slice(&chunk.bytes);
                }
            }
        } else {
            let checkpoint = self.last.as_ref().map_or(latest, |last| last.first - 1);
            out.extend_from_slice(&encoder.resync(checkpoint));
            if let Some(last) = &self.last {
                out.extend_from_slice(&last.bytes);
            }
        }
        out.freeze()
    }
}

/// The body of one connection to a resumable stream (from [`Hub::start`]
/// or [`Hub::resume`]): a `Stream` of `Result<Bytes, Infallible>` like
/// [`PartialBody`], with the stream's id for the [`STREAM_HEADER`]
/// response header.
///
/// It ends after the final message, or as soon as another connection
/// takes the stream over. Dropping it leaves the stream in the hub, its
/// upstream waiting, until a client resumes it or it expires.
#[must_use = "streams do nothing unless polled"]
pub struct HubBody {
    entry: Arc<Mutex<Entry>>,
    id: Arc<str>,
    generation: u64,
    /// What to send before polling the stream (the replay).
    queued: Option<Bytes>,
    heartbeat: Option<Heartbeat>,
    interval: Option<Duration>,
    format: Format,
    ended: bool,
}

impl std::fmt::Debug for HubBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubBody")
            .field("id", &self.id)
            .field("generation", &self.generation)
            .field("format", &self.format)
            .field("heartbeat", &self.interval)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl HubBody {
    /// The stream's id: send it as the [`STREAM_HEADER`] response header.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The wire format (for the `Content-Type`).
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    /// The response headers: [`headers`](super::headers) for the format,
    /// the [`STREAM_HEADER`], and `access-control-expose-headers` naming
    /// it (so a cross-origin page can read it).
    #[must_use]
    pub fn headers(&self) -> [(&'static str, &str); 5] {
        let [a, b, c] = super::headers(self.format);
        [
            a,
            b,
            c,
            (STREAM_HEADER, &self.id),
            ("access-control-expose-headers", STREAM_HEADER),
        ]
    }
}

impl Stream for HubBody {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        if let Some(bytes) = this.queued.take() {
            if let Some(heartbeat) = &mut this.heartbeat {
                heartbeat.sent();
            }
            return Poll::Ready(Some(Ok(bytes)));
        }
        let mut guard = lock(&this.entry);
        let entry = &mut *guard;
        let Some(source) = entry
            .source
            .as_mut()
            .filter(|_| entry.generation == this.generation)
        else {
            // Another connection took the stream over, or it was cancelled.
            this.ended = true;
            return Poll::Ready(None);
        };
        let before = source.encoder().sent();
        match source.as_mut().poll_chunk(cx) {
            Poll::Ready(Some(bytes)) => {
                let last = source.encoder().sent();
                if last > before {
                    let chunk = Chunk {
                        first: before + 1,
                        last,
                        bytes: bytes.clone(),
                    };
                    let finished = source.is_finished();
                    entry.history.push(chunk, finished);
                }
                if let Some(heartbeat) = &mut this.heartbeat {
                    heartbeat.sent();
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                entry.waker = Some(cx.waker().clone());
                drop(guard);
                beat(this.heartbeat.as_mut(), this.format, cx)
            }
        }
    }
}

impl Drop for HubBody {
    fn drop(&mut self) {
        let mut entry = lock(&self.entry);
        if entry.generation == self.generation {
            entry.attached = false;
            entry.detached_at = Instant::now();
            entry.waker = None;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A fresh stream id: 128 bits from the standard library's randomly
/// seeded hasher, hard to guess (not a secret to rely on: authorize
/// resumes yourself if streams are private).
fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let a = RandomState::new().hash_one((n, nanos));
    let b = RandomState::new().hash_one((a, n));
    format!("{a:016x}{b:016x}")
}
