//! A dropped connection, in a real Chromium: the page talks to the site
//! through a small TCP proxy that cuts the extraction's connection a few
//! kB into the answer. The page resumes the stream by itself and ends
//! complete, equal to the final value, with a single request to the model;
//! meanwhile it showed a spinner on the field being written and a mark on
//! the finished ones.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::app::conference::ANSWER;
use crate::browser::{chromium_or_skip, launch, lock, DONE, SHOWN};
use crate::support::site;

/// Counts the marks on every painted frame: spinners and checks.
const MARKS: &str = r##"
window.__marks = { writing: 0, complete: 0, both: 0 };
(function sample() {
  const writing = document.querySelectorAll("dd.writing, td.writing").length;
  const complete = document.querySelectorAll("dd.complete, td.complete").length;
  if (writing) window.__marks.writing++;
  if (complete) window.__marks.complete++;
  if (writing && complete) window.__marks.both++;
  requestAnimationFrame(sample);
})();
"##;

/// A loopback proxy in front of `upstream`. The first connection that
/// sends a new extraction (`POST /extract?` without `stream=`) is cut once
/// `cut_after` bytes of its answer went through.
struct Proxy {
    addr: SocketAddr,
    cuts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(upstream: SocketAddr, cut_after: usize) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        let cuts = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (cuts2, stop2) = (cuts.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                relay_connection(client, server, cut_after, cuts2.clone());
            }
        });
        Proxy { addr, cuts, stop }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

/// Pumps one connection both ways on two threads.
fn relay_connection(
    client: TcpStream,
    server: TcpStream,
    cut_after: usize,
    cuts: Arc<AtomicUsize>,
) {
    let armed = Arc::new(AtomicBool::new(false));
    let (mut from_client, mut to_server) =
        (client.try_clone().unwrap(), server.try_clone().unwrap());
    let watch = armed.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        while let Ok(n) = from_client.read(&mut buffer) {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&buffer[..n]);
            if text.contains("POST /extract?") && !text.contains("stream=") {
                watch.store(true, Ordering::SeqCst);
            }
            if to_server.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (server, client);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        let mut since_armed = 0;
        while let Ok(n) = from_server.read(&mut buffer) {
            if n == 0 {
                break;
            }
            if armed.load(Ordering::SeqCst) && cuts.load(Ordering::SeqCst) == 0 {
                since_armed += n;
                if since_armed > cut_after {
                    // Part of this read goes through, then the line drops.
                    let keep = n - (since_armed - cut_after).min(n);
                    let _ = to_client.write_all(&buffer[..keep]);
                    cuts.fetch_add(1, Ordering::SeqCst);
                    let _ = to_client.shutdown(Shutdown::Both);
                    let _ = from_server.shutdown(Shutdown::Both);
                    return;
                }
            }
            if to_client.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to_client.shutdown(Shutdown::Write);
    });
}

#[test]
fn a_page_whose_connection_drops_mid_stream_resumes_and_ends_complete() {
    let Some(chromium) =
        chromium_or_skip("a_page_whose_connection_drops_mid_stream_resumes_and_ends_complete")
    else {
        return;
    };
    let _one = lock();
    let site = site(Duration::from_millis(8));
    let proxy = Proxy::start(site.addr, 6000);
    let mut browser = launch(&chromium);
    let mut page = browser.new_page().expect("a tab");
    page.on_new_document(MARKS).expect("the recorder");
    page.navigate(&proxy.url("/")).expect("the page loads");
    page.click("#extract").expect("a click");
    page.wait_for(DONE, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}\n{:?}\nconsole: {:?}", page.eval(SHOWN), page.log()));

    assert_eq!(
        proxy.cuts.load(Ordering::SeqCst),
        1,
        "the connection was cut"
    );
    let result = page.eval("window.lastResult").expect("the result");
    let answer: Value = serde_json::from_str(ANSWER).expect("JSON");
    assert_eq!(result["reconnects"], 1, "{result}");
    assert_eq!(result["value"], answer, "the final value");
    assert_eq!(result["state"], answer, "the state the patches built");
    assert_eq!(site.replay.requests().len(), 1, "resumed, not asked again");
    let shown = page.eval(SHOWN).expect("the page's content");
    assert_eq!(shown["fields"]["budget"], "$50,000");
    let rows = shown["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 10, "{shown}");
    assert_eq!(
        rows[9],
        serde_json::json!(["Daniel Kim", "danielk@email.com", "@DataDrivenDude"])
    );
    let status = shown["status"].as_str().unwrap_or_default();
    assert!(status.contains("resumed 1x"), "{status}");

    // The marks: a spinner while a field was written, checks on finished
    // ones (both at once mid-stream), and at the end every field checked.
    let marks = page.eval("window.__marks").expect("the marks");
    assert!(marks["both"].as_u64() > Some(5), "{marks}");
    let end = page
        .eval(
            "({ writing: document.querySelectorAll('dd.writing, td.writing').length, \
               complete: document.querySelectorAll('dd.complete, td.complete').length })",
        )
        .expect("the final marks");
    assert_eq!(end["writing"], 0, "{end}");
    assert_eq!(end["complete"], 4 + 10 * 3, "{end}");
    let exceptions: Vec<&String> = page
        .log()
        .iter()
        .filter(|l| l.starts_with("exception"))
        .collect();
    assert!(exceptions.is_empty(), "{exceptions:?}");
}
