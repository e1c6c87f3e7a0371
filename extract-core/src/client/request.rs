//! [`ChatRequest`]: the request builder and its `create…` methods, the same
//! for every provider.

use super::adapter::Route;
use super::assembler::Completion;
use super::config::Client;
use super::engine::{Engine, Prepared, Step};
use super::input::Part;
use super::message::Message;
use super::mode::{instruct, Mode};
use super::output::{Collector, ItemCollector, ResponseModel, ValueCollector};
use super::providers::Params;
use super::stream::{ItemStream, PartialStream};
use super::usage::Usage;
use crate::{Error, Extract, Iterable};
use serde_json::{Map, Value};
use std::sync::Arc;

/// A request, built step by step, then sent by one of the `create…`
/// methods. The same for every [`Provider`](super::Provider): each writes
/// it in its own wire form. Cheap to clone: build once, send several times.
///
/// ```no_run
/// # async fn run(client: extract_core::client::Client) -> Result<(), extract_core::Error> {
/// use extract_core::client::Mode;
///
/// let request = client
///     .chat()
///     .model("gpt-4o-mini")
///     .mode(Mode::ToolsStrict)
///     .system("You extract data exactly as written.")
///     .user("Jason is 25 and lives in Paris.")
///     .temperature(0.0)
///     .max_retries(2);
/// let person: std::collections::BTreeMap<String, serde_json::Value> = request.create::<std::collections::BTreeMap<String, serde_json::Value>>().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until one of the `create…` methods is awaited"]
pub struct ChatRequest {
    client: Client,
    model: Option<String>,
    messages: Vec<Message>,
    mode: Mode,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    seed: Option<i64>,
    extra: Map<String, Value>,
    max_retries: u32,
}

/// A value with the raw completion it came from and the token usage of the
/// whole call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Extraction<O> {
    /// The extracted value.
    pub value: O,
    /// The completion of the successful attempt, as the server sent it.
    pub completion: Completion,
    /// Token usage summed over every attempt that reported it (re-asks
    /// included); `None` when the server reported none.
    pub usage: Option<Usage>,
    /// How many requests were sent (1 when the first one succeeded).
    pub attempts: u32,
}

impl ChatRequest {
    pub(crate) fn new(client: Client) -> Self {
        ChatRequest {
            client,
            model: None,
            messages: Vec::new(),
            mode: Mode::default(),
            temperature: None,
            max_tokens: None,
            seed: None,
            extra: Map::new(),
            max_retries: 0,
        }
    }

    /// The model (required).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Appends a system message.
    pub fn system(self, content: impl Into<String>) -> Self {
        self.message(Message::system(content))
    }

    /// Appends a user message.
    pub fn user(self, content: impl Into<String>) -> Self {
        self.message(Message::user(content))
    }

    /// Appends a user message of several parts: text, images, documents,
    /// audio (see [`Part`]).
    ///
    /// ```no_run
    /// # async fn run(client: extract_core::client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use extract_core::client::Part;
    ///
    /// let total: f64 = client
    ///     .chat()
    ///     .model("gpt-4o-mini")
    ///     .user_parts([Part::text("The receipt's total?"), Part::image_file("receipt.jpg")?])
    ///     .create::<f64>()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn user_parts(self, parts: impl IntoIterator<Item = Part>) -> Self {
        self.message(Message::user_parts(parts))
    }

    /// Appends an assistant message (e.g. a few-shot example).
    pub fn assistant(self, content: impl Into<String>) -> Self {
        self.message(Message::assistant(content))
    }

    /// Appends any message.
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// Appends messages.
    pub fn messages(mut self, messages: impl IntoIterator<Item = Message>) -> Self {
        self.messages.extend(messages);
        self
    }

    /// How the schema is sent and where the answer is read (default
    /// [`Mode::Tools`]).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sampling temperature.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// The answer's token limit (`max_tokens`, `max_output_tokens`: the
    /// provider's name for it). A cut answer fails with
    /// [`Error::Truncated`]. (Newer OpenAI chat models take
    /// `max_completion_tokens`: pass it with [`extra`](Self::extra).
    /// Anthropic requires a limit: 4096 when none is set.)
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sampling seed (not for Anthropic or the Responses API, which have
    /// none: an [`Error::Config`] there).
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Any other body field (`top_p`, `reasoning_effort`, `user`, …), sent as
    /// is. Set last, it overrides what the builder and the mode set;
    /// `Value::Null` removes a field (e.g. `stream_options` for a server
    /// that rejects it).
    pub fn extra(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Re-asks allowed when the answer does not parse or fails validation
    /// (default 0): the model's answer and the errors are sent back and it
    /// answers again. Transient HTTP failures are retried separately, per the
    /// client's [`Backoff`](super::Backoff).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sends the request and returns the complete, validated value: a `T`,
    /// or a `Vec<T>` for `create::<Iterable<T>>()`.
    ///
    /// The answer is streamed and parsed as it arrives (so a bad answer is
    /// caught, and re-asked, before it ends), but only the final value is
    /// returned.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; after several attempts, [`Error::RetriesExhausted`].
    pub async fn create<R: ResponseModel>(self) -> Result<R::Output, Error> {
        Ok(self.create_with_completion::<R>().await?.value)
    }

    /// Like [`create`](Self::create), with the raw completion and the token
    /// usage summed over all attempts.
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create).
    pub async fn create_with_completion<R: ResponseModel>(
        self,
    ) -> Result<Extraction<R::Output>, Error> {
        let engine: Engine<dyn Collector<Output = R::Output>> =
            self.engine(R::spec(), R::LIST, R::collector, std::any::type_name::<R>())?;
        drive(engine).await.0
    }

    /// Sends the request and streams typed partial snapshots of a `T`.
    ///
    /// Resolves once the server starts answering (HTTP errors, after their
    /// retries, are returned here); see [`PartialStream`] for what the
    /// stream yields and how to get the final `T`.
    ///
    /// # Errors
    ///
    /// Configuration, HTTP and transport errors of the first response.
    pub async fn create_partial<T: Extract>(self) -> Result<PartialStream<T>, Error> {
        let make: fn(Mode) -> Box<ValueCollector<T>> = |mode| Box::new(ValueCollector::new(mode));
        let engine = self.engine(
            <T as ResponseModel>::spec(),
            false,
            make,
            std::any::type_name::<T>(),
        )?;
        PartialStream::start(engine).await
    }

    /// Sends the request for a list of `T` and streams each item the moment
    /// its closing brace arrives (in `ParallelTools`, each tool call is one
    /// item; in the other modes the items come from the one-array
    /// [`Iterable`] wrapper). See [`ItemStream`].
    ///
    /// # Errors
    ///
    /// Configuration, HTTP and transport errors of the first response.
    pub async fn create_iterable<T: Extract>(self) -> Result<ItemStream<T>, Error> {
        let make: fn(Mode) -> Box<ItemCollector<T>> =
            |mode| Box::new(ItemCollector::tracking(mode));
        let engine = self.engine(
            <Iterable<T> as ResponseModel>::spec(),
            true,
            make,
            std::any::type_name::<T>(),
        )?;
        ItemStream::start(engine).await
    }

    /// The engine of one call, for a spec.
    fn engine<C: ?Sized + Collector>(
        self,
        spec: super::mode::Spec,
        list: bool,
        make: fn(Mode) -> Box<C>,
        type_name: &str,
    ) -> Result<Engine<C>, Error> {
        let template = self.prepare(spec, list, type_name)?;
        Ok(Engine::new(
            template.prepared,
            template.messages,
            make,
            template.span,
        ))
    }

    /// The request body (without the conversation) and the messages, for
    /// a spec: everything checked before anything is sent.
    pub(crate) fn prepare(
        self,
        spec: super::mode::Spec,
        list: bool,
        type_name: &str,
    ) -> Result<Template, Error> {
        let Some(model) = self.model.clone() else {
            return Err(Error::Config {
                message: "no model was set on the request (call `.model(…)`)".to_owned(),
            });
        };
        let provider = self.client.provider();
        let protocol = self.client.protocol();
        let config = |why: String| Error::Config {
            message: format!("{provider}: {why}"),
        };
        protocol.supports(self.mode, list).map_err(|why| {
            config(format!(
                "mode {} is not available: {why}",
                self.mode.as_str()
            ))
        })?;
        for message in &self.messages {
            for part in message.parts() {
                protocol.accepts(message, part).map_err(config)?;
            }
        }
        let target = spec.target(self.mode);
        let params = Params {
            model: &model,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            seed: self.seed,
        };
        let mut body = protocol.body(params, self.mode, target)?;
        let mut messages = self.messages;
        instruct(self.mode, target, &mut messages);
        for (key, value) in self.extra {
            if value.is_null() {
                body.remove(&key);
            } else {
                body.insert(key, value);
            }
        }
        let span = tracing::info_span!(
            "extract.chat",
            provider = provider.as_str(),
            model = %model,
            mode = self.mode.as_str(),
            schema = %target.name,
            output = type_name,
        );
        let prepared = Prepared {
            client: self.client,
            body,
            mode: self.mode,
            route: Route::of(self.mode, list),
            max_reasks: self.max_retries,
        };
        Ok(Template {
            prepared: Arc::new(prepared),
            messages,
            span,
        })
    }

    /// The client the request goes to.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
}

/// A request ready to send, but for the conversation's own messages: what
/// many calls of one template share.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub prepared: Arc<Prepared>,
    /// The template's messages (the mode's instructions included).
    pub messages: Vec<Message>,
    pub span: tracing::Span,
}

/// Drives one call to its end: the extraction or the error, and the usage
/// of every attempt (known even when the call failed).
pub(crate) async fn drive<O>(
    mut engine: Engine<dyn Collector<Output = O>>,
) -> (Result<Extraction<O>, Error>, Option<Usage>) {
    loop {
        match futures::future::poll_fn(|cx| engine.poll_step(cx)).await {
            Some(Ok(Step::Finished(value))) => {
                let extraction = Extraction {
                    value,
                    completion: engine.take_completion().unwrap_or_default(),
                    usage: engine.usage(),
                    attempts: engine.attempts(),
                };
                return (Ok(extraction), engine.usage());
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return (Err(error), engine.usage()),
            None => {
                let error = Error::Config {
                    message: "the request was already finished".to_owned(),
                };
                return (Err(error), engine.usage());
            }
        }
    }
}
