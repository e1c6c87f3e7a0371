//! The cost of an answer that exceeds the size limit: a 100 MB string
//! streamed to `create_partial` from the replay server (in a child process,
//! so only the client is measured), until the default 32 MiB limit fails
//! it with `TooLarge`. Prints the client's CPU time (user + system), its
//! peak resident memory and the outcome.
//!
//! ```sh
//! cargo run --release -p extract-test-suite --example oversized -- [fragment] [lend|clone] [megabytes]
//! ```
//!
//! `fragment` is the characters per event (`0`: the whole string in one
//! event, one 100 MB line); `lend` reads the snapshots with
//! `next_snapshot` (lent), `clone` with the `Stream` (a clone each).
//! Linux only (it reads `/proc/self`).

use extract::testing::{ReplayServer, Reply};
use extract::Extract;
use futures::StreamExt;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Extract, Debug)]
struct Document {
    text: String,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if args.first().map(String::as_str) == Some("serve") {
        let fragment: usize = args[1].parse().unwrap();
        let megabytes: usize = args[2].parse().unwrap();
        return runtime.block_on(serve(fragment, megabytes));
    }
    let fragment = args.first().map_or("4096", String::as_str).to_owned();
    let lend = args.get(1).map_or("lend", String::as_str) == "lend";
    let megabytes = args.get(2).map_or("100", String::as_str).to_owned();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", &fragment, &megabytes])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base_url = line.trim().to_owned();
    let (cpu_before, _) = usage();
    let started = Instant::now();
    let outcome = runtime.block_on(read(&base_url, lend));
    let wall = started.elapsed();
    let (cpu_after, peak_kib) = usage();
    child.kill().ok();
    child.wait().ok();
    println!(
        "fragment {fragment}, {} snapshots: {outcome}\n  cpu {:.2} s, wall {:.2} s, peak RSS {} MiB",
        if lend { "lent" } else { "cloned" },
        cpu_after - cpu_before,
        wall.as_secs_f64(),
        peak_kib / 1024
    );
}

async fn serve(fragment: usize, megabytes: usize) {
    let text = "x".repeat(megabytes * 1_000_000);
    let reply = Reply::json(format!("{{\"text\":\"{text}\"}}"));
    let reply = if fragment == 0 {
        reply.fragment(usize::MAX)
    } else {
        reply.fragment(fragment)
    };
    drop(text);
    let server = ReplayServer::start([reply]).await.unwrap();
    println!("{}", server.base_url());
    std::io::stdout().flush().unwrap();
    std::future::pending::<()>().await;
}

async fn read(base_url: &str, lend: bool) -> String {
    let client = extract::Client::builder()
        .base_url(base_url)
        .backoff(extract::openai::Backoff::none())
        .build()
        .unwrap();
    let request = client.chat().model("m").user("x");
    let mut stream = request.create_partial::<Document>().await.unwrap();
    let mut snapshots = 0usize;
    let mut longest = 0usize;
    let error = loop {
        let next = if lend {
            match stream.next_snapshot().await {
                Some(Ok(snapshot)) => Some(Ok(snapshot.text.as_ref().map_or(0, String::len))),
                Some(Err(e)) => Some(Err(e)),
                None => None,
            }
        } else {
            match stream.next().await {
                Some(Ok(snapshot)) => Some(Ok(snapshot.text.as_ref().map_or(0, String::len))),
                Some(Err(e)) => Some(Err(e)),
                None => None,
            }
        };
        match next {
            Some(Ok(len)) => {
                snapshots += 1;
                longest = longest.max(len);
            }
            Some(Err(e)) => break Some(e),
            None => break None,
        }
    };
    let kept = error
        .as_ref()
        .and_then(|e| e.raw_text())
        .map_or(0, str::len);
    match error {
        Some(e) => format!(
            "{snapshots} snapshots (longest {longest} bytes), then {}; raw text kept {kept} bytes",
            e.to_string().chars().take(60).collect::<String>()
        ),
        None => format!("{snapshots} snapshots, no error"),
    }
}

/// This process's CPU seconds (user + system) and peak RSS in KiB.
fn usage() -> (f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks / 100.0, peak)
}
