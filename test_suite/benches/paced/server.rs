//! The paced server: a process of its own (so its CPU is not counted as
//! the client's) that answers every request with the same event stream,
//! one SSE event per `write` and a pause after each, as a model streams.
//!
//! Plain HTTP/1.1 on `std::net`, keep-alive, chunked, one thread per
//! connection. The path's first segment names the answer's size:
//! `POST /{size}/v1/chat/completions`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::support;

/// Each answer's event stream, each event already framed as one HTTP chunk.
type Answers = HashMap<usize, Vec<Vec<u8>>>;

/// Serves until the bench (its parent) closes our stdin.
pub fn run(sizes: &[usize], pace: Pace, gap: Duration) {
    let answers: Arc<Answers> = Arc::new(
        sizes
            .iter()
            .map(|&size| (size, framed_events(size)))
            .collect(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("a bound address").port();
    println!("{port}");
    std::io::stdout().flush().expect("stdout");
    // The parent gone, nothing is left to serve.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    for connection in listener.incoming() {
        let Ok(connection) = connection else { continue };
        let answers = Arc::clone(&answers);
        std::thread::spawn(move || serve(connection, &answers, pace, gap));
    }
}

/// The events of the `size` answer, each as one chunk of a chunked body.
fn framed_events(size: usize) -> Vec<Vec<u8>> {
    let doc = support::records_document(size);
    let body = support::tool_call_events(&doc, 4);
    support::split_events(&body)
        .into_iter()
        .map(|event| {
            let mut chunk = format!("{:x}\r\n", event.len()).into_bytes();
            chunk.extend_from_slice(event);
            chunk.extend_from_slice(b"\r\n");
            chunk
        })
        .collect()
}

/// Answers the requests of one keep-alive connection.
fn serve(
    connection: TcpStream,
    answers: &Answers,
    pace: Pace,
    gap: Duration,
) -> std::io::Result<()> {
    connection.set_nodelay(true)?;
    let mut reader = BufReader::new(connection.try_clone()?);
    let mut writer = connection;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let size: usize = line
            .split_whitespace()
            .nth(1)
            .and_then(|path| path.trim_start_matches('/').split('/').next())
            .and_then(|size| size.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink())?;
        let Some(events) = answers.get(&size) else {
            writer.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")?;
            continue;
        };
        writer.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
        )?;
        for event in events {
            writer.write_all(event)?;
            pace.pause(gap);
        }
        writer.write_all(b"0\r\n\r\n")?;
    }
}

/// How the server waits between two events.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// Sleeps, so the machine is idle between events as it is between a
    /// model's tokens, and the client pays for waking up each time. A
    /// sleep of a few µs lasts ~60 µs on a virtual machine (timer
    /// latency): the 1 MB answer takes 15 s.
    Sleep,
    /// Spins, yielding the core to any thread that wants it: the pace is
    /// the gap, but the spinning takes a core from the client (on two
    /// cores, the multi-thread runtime's workers compete with it).
    Spin,
}

impl Pace {
    fn pause(self, gap: Duration) {
        match self {
            Pace::Sleep => std::thread::sleep(gap),
            Pace::Spin => {
                let until = Instant::now() + gap;
                while Instant::now() < until {
                    std::thread::yield_now();
                }
            }
        }
    }
}
