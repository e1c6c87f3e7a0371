//! Where the examples send their requests.
//!
//! The provider comes from `--provider <name>` on the command line or
//! `EXTRACT_PROVIDER` (`chat_completions`, the default; `responses`;
//! `anthropic`). With the provider's key set (`OPENAI_API_KEY`, or
//! `ANTHROPIC_API_KEY` for Anthropic) the examples ask the real API (the
//! base URL variable and `EXTRACT_MODEL` respected); without it, the
//! built-in replay server on 127.0.0.1 answers, in that provider's own
//! wire format, over the very same HTTP code path.

use extract::testing::ReplayServer;
use extract::{Client, Provider};

/// A client, the model to ask, and the replay server behind the client
/// when there is no key (kept alive as long as this is).
pub struct Backend {
    /// Where requests go.
    pub client: Client,
    /// `EXTRACT_MODEL`, or a small model of the provider.
    pub model: String,
    /// The replay server, when the client talks to it: kept alive here.
    _replay: Option<ReplayServer>,
}

/// The provider named by `--provider <name>` (or `--provider=<name>`), else
/// by `EXTRACT_PROVIDER`, else chat completions.
pub fn provider() -> Result<Provider, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut named = None;
    while let Some(arg) = args.next() {
        if arg == "--provider" {
            named = args.next();
        } else if let Some(name) = arg.strip_prefix("--provider=") {
            named = Some(name.to_owned());
        }
    }
    let Some(name) = named.or_else(|| std::env::var("EXTRACT_PROVIDER").ok()) else {
        return Ok(Provider::ChatCompletions);
    };
    Provider::from_name(&name).ok_or_else(|| {
        let known: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
        format!("unknown provider `{name}` (known: {})", known.join(", ")).into()
    })
}

/// The real API of the chosen provider when its key is set; else a replay
/// server that `answers` gives its replies to.
pub async fn connect(
    answers: impl FnOnce(&ReplayServer),
) -> Result<Backend, Box<dyn std::error::Error>> {
    let provider = provider()?;
    let model = std::env::var("EXTRACT_MODEL").unwrap_or_else(|_| {
        match provider {
            Provider::Anthropic => "claude-haiku-4-5",
            _ => "gpt-4o-mini",
        }
        .to_owned()
    });
    let (key_var, _) = provider.env_vars();
    if std::env::var_os(key_var).is_some() {
        let client = Client::from_env_for(provider)?;
        eprintln!("asking {provider} at {} ({model})", client.base_url());
        return Ok(Backend {
            client,
            model,
            _replay: None,
        });
    }
    let replay = ReplayServer::start([]).await?;
    answers(&replay);
    eprintln!(
        "{key_var} is not set: answering from the built-in replay server at {}, as {provider} would",
        replay.base_url()
    );
    Ok(Backend {
        client: replay.client_for(provider),
        model,
        _replay: Some(replay),
    })
}
