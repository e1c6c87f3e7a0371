//! Where the examples send their requests: the real API when
//! `OPENAI_API_KEY` is set (`OPENAI_BASE_URL` and `OPENAI_MODEL` respected),
//! else the built-in replay server on 127.0.0.1, over the very same HTTP
//! code path.

use extract::openai::Client;
use extract::testing::ReplayServer;

/// A client, the model to ask, and the replay server behind the client
/// when there is no key (kept alive as long as this is).
pub struct Backend {
    /// Where requests go.
    pub client: Client,
    /// `OPENAI_MODEL`, or `gpt-4o-mini`.
    pub model: String,
    /// The replay server, when the client talks to it: kept alive here.
    _replay: Option<ReplayServer>,
}

/// The real API when `OPENAI_API_KEY` is set; else a replay server that
/// `answers` gives its replies to.
pub async fn connect(
    answers: impl FnOnce(&ReplayServer),
) -> Result<Backend, Box<dyn std::error::Error>> {
    let model = std::env::var("OPENAI_MODEL").unwrap_or_else(|_| "gpt-4o-mini".to_owned());
    if std::env::var_os("OPENAI_API_KEY").is_some() {
        let client = Client::from_env()?;
        return Ok(Backend {
            client,
            model,
            _replay: None,
        });
    }
    let replay = ReplayServer::start([]).await?;
    answers(&replay);
    eprintln!(
        "OPENAI_API_KEY is not set: answering from the built-in replay server at {}",
        replay.base_url()
    );
    Ok(Backend {
        client: replay.client(),
        model,
        _replay: Some(replay),
    })
}
