//! [`Client`] and [`ClientBuilder`]: where requests go and how.

use super::attempt::SizeLimits;
use super::deadline::Timeouts;
use super::limit::{Limits, RateLimit};
use super::providers::{Protocol, Provider};
use super::request::ChatRequest;
use super::retry::Backoff;
use crate::Error;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The OpenAI API, used when no base URL is given (for the OpenAI
/// providers; [`Provider::default_base_url`] gives each provider's).
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// Default bound on the bytes of one response's event stream: 256 MiB.
///
/// A streamed body is mostly envelope: OpenAI sends each delta of a few
/// characters as an event of about 265 bytes, so an answer of 1 MB in
/// 4-character deltas is an event stream of about 63 MB. This bound lets an
/// answer of about 4 MB through at that pace (more in larger deltas); it
/// bounds the time a response can take to read, not memory (events are
/// read and dropped; what is kept is the answer, which
/// [`DEFAULT_MAX_ANSWER_BYTES`] bounds). Change it with
/// [`ClientBuilder::max_stream_bytes`].
pub const DEFAULT_MAX_STREAM_BYTES: usize = 256 << 20;

/// Default bound on the bytes of one answer's text: 32 MiB.
///
/// The answer is the text the response assembles and keeps: its content,
/// refusal and tool-call arguments, where the mode reads its JSON (about
/// 8 million tokens: far more than any model writes in one answer). Change
/// it with [`ClientBuilder::max_answer_bytes`].
///
/// **Cost of an answer that reaches the bound.** Peak memory stays within
/// about three times the bound: the answer's text (kept as the
/// [`Completion`](super::Completion)'s), the parser's partial, and that
/// partial as JSON in the error (the text itself moves into the error, it
/// is not copied), plus the one event being read: an event, held until it
/// ends, may not hold more than the bound and 64 KiB of envelope either (nor
/// may a body that is not streamed). A 100 MB string streamed to
/// `create_partial` stops at the 32 MiB bound with a peak RSS of about
/// 100 MiB, and the CPU time is linear in the bytes received.
pub const DEFAULT_MAX_ANSWER_BYTES: usize = 32 << 20;

/// The single bound on a response before it was split in two.
#[deprecated(
    since = "0.1.0",
    note = "two bounds now: `DEFAULT_MAX_STREAM_BYTES` (the event stream) and `DEFAULT_MAX_ANSWER_BYTES` (the answer's text)"
)]
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = DEFAULT_MAX_STREAM_BYTES;

/// Which bound on a response's size an [`Error::TooLarge`] went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SizeLimit {
    /// The bytes of the response's body, the event stream
    /// ([`ClientBuilder::max_stream_bytes`]).
    EventStream,
    /// The bytes of the answer's text: content, refusal and tool-call
    /// arguments; and of one event, or a body that is not streamed, beyond
    /// 64 KiB of envelope ([`ClientBuilder::max_answer_bytes`]).
    Answer,
}

impl SizeLimit {
    /// The setting that changes the bound (`max_stream_bytes`,
    /// `max_answer_bytes`).
    #[must_use]
    pub fn setting(self) -> &'static str {
        match self {
            SizeLimit::EventStream => "max_stream_bytes",
            SizeLimit::Answer => "max_answer_bytes",
        }
    }
}

impl fmt::Display for SizeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SizeLimit::EventStream => "event stream",
            SizeLimit::Answer => "answer",
        })
    }
}

/// A client for one [`Provider`]: OpenAI chat completions (the default, and
/// any compatible server — Ollama, vLLM, llama.cpp's `llama-server`,
/// OpenRouter, Groq, … — chosen by base URL), and the others the provider
/// list names.
///
/// Cheap to clone (one `Arc`); clones share the connection pool.
/// The API key is kept in a header marked sensitive: it never appears in
/// `Debug` output, logs or errors.
///
/// ```no_run
/// # async fn run() -> Result<(), extract_core::Error> {
/// use extract_core::client::{Client, Mode};
///
/// let client = Client::from_env()?;
/// let names: Vec<String> = client
///     .chat()
///     .model("gpt-4o-mini")
///     .mode(Mode::Tools)
///     .user("List three primary colours.")
///     .create::<Vec<String>>()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    pub provider: Provider,
    pub base_url: String,
    /// An API key was configured (it is in `headers`, marked sensitive).
    pub has_key: bool,
    /// Authorization and the caller's extra headers, sent with each request.
    pub headers: HeaderMap,
    pub timeouts: Timeouts,
    pub sizes: SizeLimits,
    pub backoff: Backoff,
    /// The rate limiter of each model.
    pub limits: Limits,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let headers: Vec<&str> = inner.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Client")
            .field("provider", &inner.provider)
            .field("base_url", &inner.base_url)
            .field("api_key", &inner.has_key.then_some("<redacted>"))
            .field("headers", &headers)
            .field("timeouts", &inner.timeouts)
            .field("max_stream_bytes", &inner.sizes.stream)
            .field("max_answer_bytes", &inner.sizes.answer)
            .field("backoff", &inner.backoff)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client configured from the environment:
    ///
    /// * `OPENAI_API_KEY` (required),
    /// * `OPENAI_BASE_URL` (default [`DEFAULT_BASE_URL`]),
    /// * `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID` (optional; sent as the
    ///   `OpenAI-Organization` and `OpenAI-Project` headers).
    ///
    /// Empty variables count as unset.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `OPENAI_API_KEY` is missing or a value cannot
    /// be sent as a header.
    pub fn from_env() -> Result<Client, Error> {
        Client::from_env_for(Provider::ChatCompletions)
    }

    /// A client for Anthropic's Messages API configured from the
    /// environment: `ANTHROPIC_API_KEY` (required) and `ANTHROPIC_BASE_URL`
    /// (default `https://api.anthropic.com`; with or without `/v1`, as the
    /// Anthropic SDKs take it). Empty variables count as unset.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), extract_core::Error> {
    /// use extract_core::client::{Client, Mode};
    ///
    /// let client = Client::anthropic_from_env()?;
    /// let colours: Vec<String> = client
    ///     .chat()
    ///     .model("claude-haiku-4-5")
    ///     .mode(Mode::ToolsStrict)
    ///     .user("List three primary colours.")
    ///     .create::<Vec<String>>()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `ANTHROPIC_API_KEY` is missing or a value
    /// cannot be sent as a header.
    pub fn anthropic_from_env() -> Result<Client, Error> {
        Client::from_env_for(Provider::Anthropic)
    }

    /// A client for `provider` configured from the environment: its key
    /// and base URL variables ([`Provider::env_vars`], e.g.
    /// `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL`), and for the OpenAI
    /// providers `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`.
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env).
    pub fn from_env_for(provider: Provider) -> Result<Client, Error> {
        Client::from_vars(provider, |name| std::env::var(name).ok())
    }

    /// [`from_env_for`](Self::from_env_for) with the variables read by `get`.
    fn from_vars(
        provider: Provider,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Client, Error> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let (key_var, url_var) = provider.env_vars();
        let Some(key) = var(key_var) else {
            return Err(Error::Config {
                message: format!("{key_var} is not set"),
            });
        };
        let mut builder = Client::builder().provider(provider).api_key(key);
        if let Some(url) = var(url_var) {
            builder = builder.base_url(url);
        }
        if key_var == "OPENAI_API_KEY" {
            if let Some(org) = var("OPENAI_ORG_ID") {
                builder = builder.header("OpenAI-Organization", org);
            }
            if let Some(project) = var("OPENAI_PROJECT_ID") {
                builder = builder.header("OpenAI-Project", project);
            }
        }
        builder.build()
    }

    /// A builder with no key, chat completions, the OpenAI base URL and the
    /// default limits.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Starts a chat request.
    pub fn chat(&self) -> ChatRequest {
        ChatRequest::new(self.clone())
    }

    /// The base URL requests go to (`…/v1`, no trailing slash).
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The provider this client speaks to.
    #[must_use]
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The transient-failure retry policy.
    #[must_use]
    pub fn backoff(&self) -> Backoff {
        self.inner.backoff
    }

    /// The deadlines of each call.
    #[must_use]
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// The bound on a response's event stream, in bytes.
    #[must_use]
    pub fn max_stream_bytes(&self) -> usize {
        self.inner.sizes.stream
    }

    /// The bound on an answer's text, in bytes.
    #[must_use]
    pub fn max_answer_bytes(&self) -> usize {
        self.inner.sizes.answer
    }

    /// The bound on a response's event stream, in bytes.
    #[deprecated(
        since = "0.1.0",
        note = "two bounds now: `max_stream_bytes` (the event stream) and `max_answer_bytes` (the answer's text)"
    )]
    #[must_use]
    pub fn max_response_bytes(&self) -> usize {
        self.inner.sizes.stream
    }

    /// The bounds on a response's size.
    pub(crate) fn sizes(&self) -> SizeLimits {
        self.inner.sizes
    }

    /// How the provider speaks.
    pub(crate) fn protocol(&self) -> &'static dyn Protocol {
        self.inner.provider.protocol()
    }

    /// Where requests go: the base URL and the provider's path
    /// (`…/v1/chat/completions`). A path that starts with the API version
    /// (`/v1/messages`) does not repeat a base URL's own (`…/v1`).
    pub(crate) fn endpoint_url(&self) -> String {
        self.url(self.protocol().endpoint().path)
    }

    /// The URL of `path` (as [`endpoint_url`](Self::endpoint_url) joins
    /// the provider's path).
    pub(crate) fn url(&self, path: &str) -> String {
        let base = &self.inner.base_url;
        let path = match path.strip_prefix("/v1") {
            Some(rest) if rest.starts_with('/') && base.ends_with("/v1") => rest,
            _ => path,
        };
        format!("{base}{path}")
    }
}

/// Configures a [`Client`]. Every setting is optional.
///
/// **Redirects.** The HTTP client built here follows a redirect only within
/// the base URL's origin (same scheme, host and port; at most 10 in a row),
/// where the key is sent anyway. A redirect to another origin is not
/// followed: the call fails with the [`Error::Http`] of the 3xx response,
/// naming where it pointed. So no credential — `Authorization`, `api-key`
/// (Azure), `x-api-key` (Anthropic), or any header marked
/// [secret](Self::secret_header) — is ever sent to a server other than the
/// one configured. (reqwest's own policy, like httpx's under the official
/// OpenAI and Anthropic Python SDKs, strips only `Authorization` and
/// cookies on a cross-origin redirect and would send the other key headers
/// on; curl follows no redirect unless asked.) A client passed with
/// [`http_client`](Self::http_client) keeps its own policy: build it with
/// [`same_origin_redirects`] (or `Policy::none()`) to keep this guarantee.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    provider: Provider,
    api_key: Option<String>,
    base_url: Option<String>,
    headers: Vec<(String, String, bool)>,
    timeouts: Timeouts,
    http: Option<reqwest::Client>,
    max_stream_bytes: Option<usize>,
    max_answer_bytes: Option<usize>,
    backoff: Option<Backoff>,
    rate_limit: RateLimit,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("provider", &self.provider)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _, _)| k).collect::<Vec<_>>(),
            )
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The provider (default [`Provider::ChatCompletions`]): how requests
    /// are written and answers read, where they go by default
    /// ([`Provider::default_base_url`]) and how the key is sent.
    pub fn provider(mut self, provider: Provider) -> Self {
        self.provider = provider;
        self
    }

    /// The API key, sent as the provider wants it (`Authorization: Bearer
    /// <key>` for OpenAI, `x-api-key` for Anthropic), marked sensitive.
    /// Local servers usually need none.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL, e.g. `http://localhost:11434/v1` for Ollama. Requests go
    /// to `<base>` and the provider's path (`/chat/completions`, …).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// A header sent with every request (repeatable). A header whose name
    /// says it holds a credential (`Authorization`, or a name containing
    /// `key`, `token`, `secret`, `auth` or `cookie`) is treated as
    /// [secret](Self::secret_header).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into(), false));
        self
    }

    /// A header sent with every request, marked secret whatever its name:
    /// never shown in `Debug` output, logs or errors, and (like every
    /// header) never sent to another origin (see [Redirects](Self)).
    pub fn secret_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into(), true));
        self
    }

    /// The deadlines of each call (default [`Timeouts::default`]: every
    /// phase bounded).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// A bound on each attempt, from sending to the last byte: the
    /// [`attempt`](Timeouts::attempt) bound of the [`Timeouts`] (default 10
    /// minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = Some(timeout);
        self
    }

    /// A bound on connecting: the [`connect`](Timeouts::connect) bound
    /// (default 10 s; only for the client built here, not for one passed to
    /// [`http_client`](Self::http_client)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = Some(timeout);
        self
    }

    /// A bound on the silence between two reads of a response, so a
    /// stalled stream fails instead of hanging: the
    /// [`idle`](Timeouts::idle) bound (default 120 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.idle = Some(timeout);
        self
    }

    /// Uses the caller's own `reqwest::Client` (proxies, TLS roots, pools…).
    /// Its connect bound and its redirect policy are then the caller's
    /// business: build it with `.redirect(same_origin_redirects())` so that
    /// no credential follows a redirect to another origin (reqwest's
    /// default strips only `Authorization` and cookies). The other
    /// [`Timeouts`] apply as with the client built here.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The largest event stream accepted, in bytes of the response's body
    /// (default [`DEFAULT_MAX_STREAM_BYTES`], which lets an answer of about
    /// 4 MB through in 4-character deltas); a longer one fails with
    /// [`Error::TooLarge`] naming [`SizeLimit::EventStream`]. It bounds the
    /// time a response takes to read; memory is the answer's bound.
    pub fn max_stream_bytes(mut self, limit: usize) -> Self {
        self.max_stream_bytes = Some(limit);
        self
    }

    /// The largest answer accepted, in bytes of its text: the content,
    /// refusal and tool-call arguments the response assembles, where the
    /// mode reads its JSON (default [`DEFAULT_MAX_ANSWER_BYTES`]). A larger
    /// one fails with [`Error::TooLarge`] naming [`SizeLimit::Answer`], and
    /// so does an event (or a body that is not streamed) holding more than
    /// the bound and 64 KiB. Peak memory stays within about three times
    /// this bound (see [`DEFAULT_MAX_ANSWER_BYTES`]).
    pub fn max_answer_bytes(mut self, limit: usize) -> Self {
        self.max_answer_bytes = Some(limit);
        self
    }

    /// The largest event stream accepted, in bytes.
    #[deprecated(
        since = "0.1.0",
        note = "two bounds now: `max_stream_bytes` (the event stream) and `max_answer_bytes` (the answer's text)"
    )]
    pub fn max_response_bytes(self, limit: usize) -> Self {
        self.max_stream_bytes(limit)
    }

    /// The retry policy for transient failures (default [`Backoff::default`]).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    /// Caps on the rate of requests and tokens, per model (none by
    /// default). Whatever the caps, every request of the client (and its
    /// clones) goes through one limiter per model, which also follows the
    /// limits the server reports and slows every request down together
    /// after a 429 (see [`RateLimit`]).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a key or header that cannot be sent, or when
    /// the HTTP client cannot be built.
    pub fn build(self) -> Result<Client, Error> {
        let mut headers = HeaderMap::new();
        let protocol = self.provider.protocol();
        let key = self.api_key.filter(|k| !k.is_empty());
        for (name, value) in protocol.auth_headers(key.as_deref())? {
            headers.insert(name, value);
        }
        for (name, value, secret) in self.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::Config {
                message: format!("`{name}` is not a valid header name"),
            })?;
            let mut value = HeaderValue::from_str(&value).map_err(|_| Error::Config {
                message: format!("the value of header `{name}` cannot be sent"),
            })?;
            if secret || header == AUTHORIZATION || looks_secret(header.as_str()) {
                value.set_sensitive(true);
            }
            headers.append(header, value);
        }
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut http = reqwest::Client::builder().redirect(same_origin_redirects());
                if let Some(connect) = self.timeouts.connect {
                    http = http.connect_timeout(connect);
                }
                http.build().map_err(|e| Error::Config {
                    message: format!("cannot build the HTTP client: {e}"),
                })?
            }
        };
        let base_url = self
            .base_url
            .unwrap_or_else(|| protocol.endpoint().default_base_url.to_owned());
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::Config {
                message: format!("the base URL `{base_url}` must start with http:// or https://"),
            });
        }
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                provider: self.provider,
                base_url,
                has_key: key.is_some(),
                headers,
                timeouts: self.timeouts,
                sizes: SizeLimits {
                    stream: self.max_stream_bytes.unwrap_or(DEFAULT_MAX_STREAM_BYTES),
                    answer: self.max_answer_bytes.unwrap_or(DEFAULT_MAX_ANSWER_BYTES),
                },
                backoff: self.backoff.unwrap_or_default(),
                limits: Limits::new(self.rate_limit),
            }),
        })
    }
}

/// A header name that says it carries a credential.
fn looks_secret(name: &str) -> bool {
    ["key", "token", "secret", "auth", "cookie"]
        .iter()
        .any(|word| name.contains(word))
}

/// The redirect policy of the client [`ClientBuilder`] builds: a redirect is
/// followed only within the origin (scheme, host and port) of the request
/// it answers, at most 10 in a row; a redirect to another origin is not
/// followed (the 3xx response is returned). For a `reqwest::Client` of
/// your own passed to [`ClientBuilder::http_client`]:
///
/// ```
/// let http = reqwest::Client::builder()
///     .redirect(extract_core::client::same_origin_redirects())
///     .build()?;
/// let client = extract_core::Client::builder().http_client(http).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt.previous().first().is_some_and(|first| {
            let next = attempt.url();
            first.scheme() == next.scheme()
                && first.host_str() == next.host_str()
                && first.port_or_known_default() == next.port_or_known_default()
        });
        if same {
            reqwest::redirect::Policy::default().redirect(attempt)
        } else {
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_never_shown() {
        let client = Client::builder()
            .api_key("sk-secret-123")
            .base_url("http://localhost:8080/v1/")
            .header("X-Api-Key", "other-secret")
            .header("X-Session-Token", "token-secret")
            .secret_header("X-Custom", "custom-secret")
            .build()
            .unwrap();
        let shown = format!("{client:?} {:?}", client.inner.headers);
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(
            client.endpoint_url(),
            "http://localhost:8080/v1/chat/completions"
        );
        let builder = format!("{:?}", Client::builder().api_key("sk-secret-123"));
        assert!(!builder.contains("secret"), "{builder}");
    }

    #[test]
    fn environment_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let err = Client::from_vars(Provider::ChatCompletions, vars(&[("OPENAI_API_KEY", " ")]))
            .unwrap_err();
        assert!(err.to_string().contains("OPENAI_API_KEY"), "{err}");
        let client = Client::from_vars(
            Provider::ChatCompletions,
            vars(&[("OPENAI_API_KEY", "sk-1")]),
        )
        .unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        let client = Client::from_vars(
            Provider::ChatCompletions,
            vars(&[
                ("OPENAI_API_KEY", "sk-1"),
                ("OPENAI_BASE_URL", "http://localhost:11434/v1/"),
                ("OPENAI_ORG_ID", "org-9"),
                ("OPENAI_PROJECT_ID", "proj-3"),
            ]),
        )
        .unwrap();
        assert_eq!(client.base_url(), "http://localhost:11434/v1");
        let headers = &client.inner.headers;
        assert_eq!(headers["openai-organization"], "org-9");
        assert_eq!(headers["openai-project"], "proj-3");
        assert_eq!(headers["authorization"], "Bearer sk-1");
    }

    #[test]
    fn anthropic_from_the_environment_with_or_without_v1() {
        let client = Client::from_vars(Provider::Anthropic, |name| {
            (name == "ANTHROPIC_API_KEY").then(|| "sk-ant-1".to_owned())
        })
        .unwrap();
        assert_eq!(
            client.endpoint_url(),
            "https://api.anthropic.com/v1/messages"
        );
        let headers = &client.inner.headers;
        assert_eq!(headers["x-api-key"], "sk-ant-1");
        assert!(headers["x-api-key"].is_sensitive());
        assert_eq!(headers["anthropic-version"], "2023-06-01");
        assert!(!headers.contains_key("authorization"));
        let err = Client::from_vars(Provider::Anthropic, |_| None).unwrap_err();
        assert!(err.to_string().contains("ANTHROPIC_API_KEY"), "{err}");
        for base in ["http://proxy:4000", "http://proxy:4000/v1/"] {
            let client = Client::from_vars(Provider::Anthropic, |name| match name {
                "ANTHROPIC_API_KEY" => Some("k".to_owned()),
                "ANTHROPIC_BASE_URL" => Some(base.to_owned()),
                _ => None,
            })
            .unwrap();
            assert_eq!(client.endpoint_url(), "http://proxy:4000/v1/messages");
        }
    }

    #[test]
    fn bad_configuration_is_reported() {
        let err = Client::builder()
            .base_url("localhost:1")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        let err = Client::builder()
            .header("bad header", "x")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("bad header"), "{err}");
    }
}
