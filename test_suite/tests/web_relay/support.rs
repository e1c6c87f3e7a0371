//! A running `web_relay` site: the replay server standing in for OpenAI,
//! and the example's axum router on a free loopback port.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use extract::testing::{ReplayServer, Reply};

use crate::app;

/// The site and the runtime it runs on (tests drive it from their own
/// thread, blocking, the way a browser would).
pub struct Site {
    /// The stand-in for OpenAI: it records requests and hang-ups.
    pub replay: ReplayServer,
    /// Where the example listens.
    pub addr: SocketAddr,
    /// Dropped last: the servers' tasks run on it.
    _runtime: tokio::runtime::Runtime,
}

/// Starts the site; the replay server streams the conference answer one
/// 4-character event every `delay`.
pub fn site(delay: Duration) -> Site {
    site_with(app::conference::replay_reply(delay))
}

/// Starts the site; the replay server answers every request with `reply`.
pub fn site_with(reply: Reply) -> Site {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (replay, addr) = runtime.block_on(async {
        let replay = ReplayServer::start([]).await.expect("a loopback port");
        replay.repeat(reply);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        let router = app::router(app::App::new(replay.client(), "replay"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (replay, addr)
    });
    Site {
        replay,
        addr,
        _runtime: runtime,
    }
}

impl Site {
    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// How long until the replay server saw a client hang up, if it did
    /// within `timeout`.
    pub fn wait_for_hangup(&self, timeout: Duration) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() <= timeout {
            if !self.replay.hangups().is_empty() {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        None
    }
}
