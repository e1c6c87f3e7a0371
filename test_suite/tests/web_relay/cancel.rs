//! When the HTTP client goes away, the request to the model goes too.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::support::site;

/// Reads from `tcp` until `needle` has arrived (or 10 s pass).
fn read_until(tcp: &mut TcpStream, needle: &str) -> String {
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains(needle) {
        match tcp.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&received).into_owned()
}

#[test]
fn a_client_hanging_up_cancels_the_upstream_request_within_a_second() {
    // About 300 events 30 ms apart: the answer would take 9 s.
    let site = site(Duration::from_millis(30));
    let mut tcp = TcpStream::connect(site.addr).expect("the site listens");
    let text = "Meeting notes.";
    write!(
        tcp,
        "POST /extract HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{text}",
        text.len()
    )
    .expect("the request is sent");
    let head = read_until(&mut tcp, "\"/users/1\"");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("event: patch"), "{head}");
    assert_eq!(site.replay.requests().len(), 1);
    assert!(
        site.replay.hangups().is_empty(),
        "the upstream is still streaming"
    );

    drop(tcp); // the client goes away mid-answer
    let after = site.wait_for_hangup(Duration::from_secs(1));
    assert!(
        after.is_some(),
        "the replay server did not see the upstream connection close within 1 s"
    );
    eprintln!("upstream connection closed {after:?} after the client hung up");
    assert_eq!(site.replay.requests().len(), 1, "no retry after a cancel");
}
