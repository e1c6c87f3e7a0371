//! [`ReplayServer`]: a loopback HTTP/1.1 server speaking every provider's
//! protocol, answering from a script.

use super::render::{actions, dialect_for_path, dialect_of, whole_body, Action, Dialect};
use super::routes::{Routed, Routes};
use super::script::{Answer, Pause, Reply, Transport};
use crate::client::{Backoff, Client, ClientBuilder, Provider};
use serde_json::Value;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Largest request head accepted.
const MAX_HEAD: usize = 64 << 10;
/// Largest request body accepted (a batch's input file may be large).
const MAX_BODY: usize = 256 << 20;

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `POST`, …
    pub method: String,
    /// The request target, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Headers in the order received (names lowercased).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The body as JSON (`Value::Null` when it is not JSON).
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The first header of this name (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A client that closed its connection while its streamed answer was still
/// being sent (see [`ReplayServer::hangups`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hangup {
    /// Which request it was, as an index into [`ReplayServer::requests`].
    pub request: usize,
    /// When the server saw the connection close.
    pub at: Instant,
}

#[derive(Default)]
struct Shared {
    replies: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Option<Reply>>,
    requests: Mutex<Vec<RecordedRequest>>,
    hangups: Mutex<Vec<Hangup>>,
    routes: Routes,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A server on `127.0.0.1:<free port>` that answers each `POST` to a
/// provider's path (`…/chat/completions` and the others of
/// [`Provider::ALL`]) with the next [`Reply`] of its script, in that
/// provider's format, over real HTTP/1.1 (keep-alive, chunked event
/// streams) and TCP.
///
/// Every request is recorded ([`requests`](Self::requests)) so a test can
/// check what was sent. A request beyond the script gets the
/// [`repeat`](Self::repeat) reply if one is set, else HTTP 500. The server
/// runs on tasks of the current tokio runtime and stops when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use extract_core::testing::{ReplayServer, Reply};
///
/// let server = ReplayServer::start([Reply::json(r#"["red", "green", "blue"]"#)]).await?;
/// let colours: Vec<String> = server.client().chat().model("any").user("Colours?").create::<Vec<String>>().await?;
/// assert_eq!(colours, ["red", "green", "blue"]);
/// assert_eq!(server.requests()[0].json()["model"], "any");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ReplayServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("pending", &lock(&self.replies).len())
            .finish_non_exhaustive()
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ReplayServer {
    /// Starts a server answering with `replies`, in order.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start(replies: impl IntoIterator<Item = Reply>) -> io::Result<ReplayServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        lock(&shared.replies).extend(replies);
        let task = tokio::spawn(accept(listener, shared.clone()));
        Ok(ReplayServer { addr, shared, task })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL for a client: `http://127.0.0.1:<port>/v1`.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// A client builder pointed at this server, with the key `test-key` and
    /// a backoff of 1 ms so retries cost no time.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url())
            .api_key("test-key")
            .backoff(Backoff::default().with_base_delay(Duration::from_millis(1)))
    }

    /// A client pointed at this server (see [`client_builder`](Self::client_builder)),
    /// speaking chat completions.
    ///
    /// # Panics
    ///
    /// Never in practice: the configuration is always valid.
    #[must_use]
    pub fn client(&self) -> Client {
        self.client_for(Provider::ChatCompletions)
    }

    /// A client pointed at this server speaking `provider`'s protocol: the
    /// server answers each provider at its own path, in its own format,
    /// from the same script.
    ///
    /// # Panics
    ///
    /// Never in practice: the configuration is always valid.
    #[must_use]
    pub fn client_for(&self, provider: Provider) -> Client {
        self.client_builder()
            .provider(provider)
            .build()
            .expect("a loopback client configuration is valid")
    }

    /// Appends a reply to the script.
    pub fn push(&self, reply: Reply) {
        lock(&self.shared.replies).push_back(reply);
    }

    /// Answers every request beyond the script with `reply`.
    pub fn repeat(&self, reply: Reply) {
        *lock(&self.shared.fallback) = Some(reply);
    }

    /// The routes beyond the script (rate limits, batches).
    pub(super) fn routes(&self) -> &Routes {
        &self.shared.routes
    }

    /// Every request received so far, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The clients that closed their connection before their streamed
    /// answer was complete, in order: a cancelled request shows here the
    /// moment its connection closes, even while the reply is paused.
    #[must_use]
    pub fn hangups(&self) -> Vec<Hangup> {
        lock(&self.shared.hangups).clone()
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    // Each event is its own small write: without this, Nagle's
                    // algorithm would hold them back and batch them.
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve(stream, shared.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves requests on one connection until it closes.
async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let mut stream = BufReader::new(stream);
    loop {
        let request = match read_request(&mut stream).await {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(error) => {
                let body =
                    dialect_of(Provider::ChatCompletions).error_body(400, &error.to_string());
                let _ =
                    write_status(stream.get_mut(), 400, &body, &[], &Transport::default()).await;
                return;
            }
        };
        let next = || {
            let next = lock(&shared.replies).pop_front();
            next.or_else(|| lock(&shared.fallback).clone())
        };
        let (extra_headers, computed) = match shared.routes.route(&request, &next) {
            Routed::Answer(response) => {
                lock(&shared.requests).push(request);
                if response.write(stream.get_mut()).await.is_err() {
                    return;
                }
                continue;
            }
            Routed::Pass { headers, reply } => (headers, reply),
        };
        let dialect = dialect_for_path(&request.path).filter(|_| request.method == "POST");
        let reply = match dialect {
            None => Err((
                404,
                format!("no route for {} {}", request.method, request.path),
            )),
            Some(_) => computed
                .map(|reply| *reply)
                .or_else(next)
                .map(|mut reply| {
                    reply.headers.extend(extra_headers);
                    reply
                })
                .ok_or((500, "the replay script is exhausted".to_owned())),
        };
        let dialect = dialect.unwrap_or(dialect_of(Provider::ChatCompletions));
        let body = request.json();
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let index = {
            let mut requests = lock(&shared.requests);
            requests.push(request);
            requests.len() - 1
        };
        let id = format!("{}-{}", dialect.id_prefix(), index + 1);
        let keep_open = match reply {
            Err((status, message)) => {
                let body = dialect.error_body(status, &message);
                write_status(stream.get_mut(), status, &body, &[], &Transport::default()).await
            }
            Ok(reply) => {
                let hung_up = || {
                    lock(&shared.hangups).push(Hangup {
                        request: index,
                        at: Instant::now(),
                    });
                };
                answer(stream.get_mut(), dialect, &reply, &body, &id, hung_up).await
            }
        };
        if close || !matches!(keep_open, Ok(true)) {
            return;
        }
    }
}

/// Reads one request; `None` on a clean end of the connection.
async fn read_request(stream: &mut BufReader<TcpStream>) -> io::Result<Option<RecordedRequest>> {
    let bad = |message: &str| io::Error::new(io::ErrorKind::InvalidData, message.to_owned());
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = (&mut *stream)
            .take((MAX_HEAD + 1 - before) as u64)
            .read_until(b'\n', &mut head)
            .await?;
        if read == 0 {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(bad("the request head ended early"))
            };
        }
        if head.len() > MAX_HEAD {
            return Err(bad("the request head is too large"));
        }
        let line = &head[before..];
        if (line == b"\r\n" || line == b"\n") && before > 0 {
            break;
        }
        if (line == b"\r\n" || line == b"\n") && before == 0 {
            head.clear();
        }
    }
    let head = String::from_utf8(head).map_err(|_| bad("the request head is not UTF-8"))?;
    let mut lines = head.lines();
    let mut request_line = lines.next().unwrap_or("").split_whitespace();
    let (Some(method), Some(path), Some(version)) = (
        request_line.next(),
        request_line.next(),
        request_line.next(),
    ) else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad("only HTTP/1.x is spoken here"));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header line"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut request = RecordedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: Vec::new(),
    };
    if request.header("transfer-encoding").is_some() {
        return Err(bad(
            "chunked request bodies are not supported; send Content-Length",
        ));
    }
    let length = match request.header("content-length") {
        Some(v) => v.parse::<usize>().map_err(|_| bad("bad Content-Length"))?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err(bad("the request body is too large"));
    }
    request.body = vec![0; length];
    stream.read_exact(&mut request.body).await?;
    Ok(Some(request))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Waits out a pause.
async fn wait(pause: &Pause) {
    match pause {
        Pause::For(duration) => tokio::time::sleep(*duration).await,
        Pause::Until(gate) => gate.wait().await,
    }
}

/// The response head: the status line, `content_type` (unless the
/// transport replaces it), the `extra` lines, then `headers`.
fn head(
    status: u16,
    content_type: &str,
    extra: &str,
    headers: &[(String, String)],
    transport: &Transport,
) -> String {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    match &transport.content_type {
        None => head.push_str(&format!("content-type: {content_type}\r\n")),
        Some(Some(replaced)) => head.push_str(&format!("content-type: {replaced}\r\n")),
        Some(None) => {}
    }
    head.push_str(extra);
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Writes `bytes` of a body with a length, trickled if the transport says
/// so.
async fn write_body<W: AsyncWrite + Unpin>(
    stream: &mut W,
    bytes: &[u8],
    transport: &Transport,
) -> io::Result<()> {
    match transport.trickle {
        None => stream.write_all(bytes).await?,
        Some((size, every)) => {
            for piece in bytes.chunks(size) {
                tokio::time::sleep(every).await;
                stream.write_all(piece).await?;
                stream.flush().await?;
            }
        }
    }
    stream.flush().await
}

/// Writes a JSON error response with `body`; `Ok(true)` when the
/// connection stays open.
async fn write_status(
    stream: &mut TcpStream,
    status: u16,
    body: &str,
    headers: &[(String, String)],
    transport: &Transport,
) -> io::Result<bool> {
    let length = format!("content-length: {}\r\n", body.len());
    let head = head(status, "application/json", &length, headers, transport);
    stream.write_all(head.as_bytes()).await?;
    write_body(stream, body.as_bytes(), transport).await?;
    Ok(true)
}

/// Writes the answer to one request; `Ok(true)` when the connection stays open.
/// Calls `hung_up` if the client closes the connection mid-stream.
async fn answer(
    stream: &mut TcpStream,
    dialect: &dyn Dialect,
    reply: &Reply,
    request: &Value,
    id: &str,
    hung_up: impl FnOnce(),
) -> io::Result<bool> {
    let transport = &reply.transport;
    if let Some(pause) = &transport.before_headers {
        wait(pause).await;
    }
    if let Answer::Status { status, message } = &reply.answer {
        let body = dialect.error_body(*status, message);
        return write_status(stream, *status, &body, &reply.headers, transport).await;
    }
    let raw = matches!(reply.answer, Answer::Raw(_));
    if !raw && (transport.whole || !dialect.streams(request)) {
        return whole(stream, dialect, reply, request, id).await;
    }
    let head = head(
        200,
        "text/event-stream; charset=utf-8",
        "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n",
        &reply.headers,
        transport,
    );
    stream.write_all(head.as_bytes()).await?;
    stream.flush().await?;
    let (mut reader, mut writer) = stream.split();
    tokio::select! {
        result = stream_events(&mut writer, dialect, reply, request, id) => result,
        () = closed(&mut reader) => {
            hung_up();
            Ok(false)
        }
    }
}

/// Resolves when the peer closes the connection (or resets it). Data from
/// the peer (a pipelined request) is left unread, and is not a hang-up.
async fn closed(reader: &mut tokio::net::tcp::ReadHalf<'_>) {
    let mut byte = [0u8; 1];
    match reader.peek(&mut byte).await {
        Ok(0) | Err(_) => {}
        Ok(_) => std::future::pending().await,
    }
}

/// Sends the events of a streamed answer, then the end of the chunked body;
/// `Ok(true)` when the connection stays open.
async fn stream_events<W: AsyncWrite + Unpin>(
    stream: &mut W,
    dialect: &dyn Dialect,
    reply: &Reply,
    request: &Value,
    id: &str,
) -> io::Result<bool> {
    // With `split_every(n)`, the events are written as one byte stream cut
    // into n-byte writes (a pause or a drop flushes what is pending).
    let split = reply
        .split
        .filter(|_| !matches!(reply.answer, Answer::Raw(_)));
    let trickle = reply.transport.trickle;
    let mut pending: Vec<u8> = Vec::new();
    if let Some(pause) = &reply.transport.before_body {
        wait(pause).await;
    }
    for action in actions(dialect, reply, request, id) {
        match action {
            Action::Send(bytes) => {
                if !reply.delay.is_zero() {
                    tokio::time::sleep(reply.delay).await;
                }
                match split {
                    None => write_chunk(stream, &bytes, trickle).await?,
                    Some(size) => {
                        pending.extend_from_slice(&bytes);
                        while pending.len() >= size {
                            write_chunk(stream, &pending[..size], trickle).await?;
                            pending.drain(..size);
                        }
                    }
                }
            }
            Action::Pause(pause) => {
                write_chunk(stream, &std::mem::take(&mut pending), trickle).await?;
                wait(&pause).await;
            }
            Action::Drop => {
                write_chunk(stream, &std::mem::take(&mut pending), trickle).await?;
                stream.shutdown().await?;
                return Ok(false);
            }
            Action::BadChunk => {
                write_chunk(stream, &std::mem::take(&mut pending), trickle).await?;
                stream.write_all(b"zz\r\nnot a chunk\r\n").await?;
                stream.flush().await?;
                stream.shutdown().await?;
                return Ok(false);
            }
        }
    }
    write_chunk(stream, &pending, trickle).await?;
    stream.write_all(b"0\r\n\r\n").await?;
    stream.flush().await?;
    Ok(true)
}

/// Writes one piece of a chunked body (nothing for an empty piece, which
/// would end the body); trickled, each `size` bytes its own chunk `every`
/// apart.
async fn write_chunk<W: AsyncWrite + Unpin>(
    stream: &mut W,
    bytes: &[u8],
    trickle: Option<(usize, Duration)>,
) -> io::Result<()> {
    let (size, every) = trickle.unwrap_or((bytes.len().max(1), Duration::ZERO));
    for piece in bytes.chunks(size) {
        if !every.is_zero() {
            tokio::time::sleep(every).await;
        }
        let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
        framed.extend_from_slice(piece);
        framed.extend_from_slice(b"\r\n");
        stream.write_all(&framed).await?;
        stream.flush().await?;
    }
    Ok(())
}

/// A whole (non-streamed) answer, for a request without `stream`.
async fn whole(
    stream: &mut TcpStream,
    dialect: &dyn Dialect,
    reply: &Reply,
    request: &Value,
    id: &str,
) -> io::Result<bool> {
    let body = whole_body(dialect, reply, request, id);
    let length = format!("content-length: {}\r\n", body.len());
    let head = head(
        200,
        "application/json",
        &length,
        &reply.headers,
        &reply.transport,
    );
    stream.write_all(head.as_bytes()).await?;
    write_body(stream, body.as_bytes(), &reply.transport).await?;
    Ok(true)
}
