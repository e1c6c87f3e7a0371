//! The page in a real headless Chromium: it renders the extraction while it
//! streams (the users table had 3 rows before it had 10, fields appear one
//! by one, a number only when complete), ends complete, and closing the
//! tab or pressing Stop cancels the request upstream.
//!
//! Skips, loudly, only when no Chromium is installed, unless
//! `EXTRACT_REQUIRE_BROWSER` is set (CI sets it once it has installed one),
//! in which case a missing browser fails the test.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::app;
use crate::cdp::{find_chromium, Browser};
use crate::support::{site, site_with, Site};

/// One browser at a time: the machines have two cores.
pub static ONE_BROWSER: Mutex<()> = Mutex::new(());

/// Runs in the page before its own scripts: on every animation frame (what
/// is painted), records the table's row count, which fields show a value,
/// the budget's text and the status, whenever one of them changed.
pub const RECORDER: &str = r##"
window.__renders = [];
(function sample() {
  const text = (id) => { const e = document.getElementById(id); return e ? e.textContent : ""; };
  const rows = document.querySelectorAll("#users tbody tr").length;
  const filled = ["date", "location", "budget", "deadline"].filter((f) => text("field-" + f) !== "").join(",");
  const budget = text("field-budget");
  const status = document.getElementById("status");
  const state = status ? status.dataset.state : "";
  const last = window.__renders[window.__renders.length - 1];
  if (!last || last.rows !== rows || last.filled !== filled || last.budget !== budget || last.state !== state) {
    window.__renders.push({ rows, filled, budget, state, t: Math.round(performance.now()) });
  }
  requestAnimationFrame(sample);
})();
"##;

/// One painted state, as the recorder saw it.
#[derive(Debug, Deserialize)]
struct Render {
    rows: usize,
    filled: String,
    budget: String,
    state: String,
}

/// The Chromium to use, or `None` after saying loudly why the test is
/// skipped.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(path) = find_chromium() {
        return Some(path);
    }
    assert!(
        std::env::var_os("EXTRACT_REQUIRE_BROWSER").is_none(),
        "EXTRACT_REQUIRE_BROWSER is set but no Chromium was found (set CHROMIUM=/path/to/chromium)"
    );
    eprintln!(
        "\n==== SKIPPED: {test} ====\n\
         No Chromium found (looked at $CHROMIUM, /usr/bin/chromium, chromium-browser, google-chrome).\n\
         The page was NOT tested in a browser. Install one: apt-get install -y chromium\n"
    );
    None
}

pub fn launch(chromium: &std::path::Path) -> Browser {
    Browser::launch(chromium, std::path::Path::new(env!("CARGO_TARGET_TMPDIR")))
        .unwrap_or_else(|e| panic!("cannot start Chromium: {e}"))
}

pub fn lock() -> std::sync::MutexGuard<'static, ()> {
    ONE_BROWSER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub const DONE: &str = "document.getElementById('status').dataset.state === 'done'";

/// What the page shows: the fields and every row's cells.
pub const SHOWN: &str = r##"({
  fields: Object.fromEntries(["date", "location", "budget", "deadline"].map((f) => [f, document.getElementById("field-" + f).textContent])),
  rows: [...document.querySelectorAll("#users tbody tr")].map((r) => [...r.cells].map((c) => c.textContent)),
  status: document.getElementById("status").textContent,
})"##;

#[test]
fn the_page_renders_the_extraction_while_it_streams() {
    let Some(chromium) = chromium_or_skip("the_page_renders_the_extraction_while_it_streams")
    else {
        return;
    };
    let _one = lock();
    let site: Site = site(Duration::from_millis(8));
    let mut browser = launch(&chromium);
    let mut page = browser.new_page().expect("a tab");
    page.resize(1200, 820).expect("a viewport");
    page.on_new_document(RECORDER).expect("the recorder");
    page.navigate(&site.url("/")).expect("the page loads");
    page.click("#extract").expect("a click");
    page.wait_for(DONE, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}\nconsole: {:?}", page.log()));

    let renders: Vec<Render> =
        serde_json::from_value(page.eval("window.__renders").expect("the recording"))
            .expect("renders");
    let streaming: Vec<&Render> = renders.iter().filter(|r| r.state == "streaming").collect();
    let at = |rows: usize| streaming.iter().position(|r| r.rows == rows);
    let (three, ten) = (at(3), at(10));
    assert!(
        matches!((three, ten), (Some(a), Some(b)) if a < b),
        "the table had 3 rows ({three:?}) before 10 ({ten:?}): {renders:?}"
    );
    assert!(
        streaming.iter().any(|r| r.rows > 0 && r.filled.is_empty()),
        "users showed before any field: {renders:?}"
    );
    assert!(
        streaming.iter().any(|r| r.filled == "date,location"),
        "fields appeared one by one: {renders:?}"
    );
    assert!(
        renders
            .iter()
            .all(|r| r.budget.is_empty() || r.budget == "$50,000"),
        "the budget showed only when complete: {renders:?}"
    );
    let distinct_rows: std::collections::BTreeSet<usize> =
        streaming.iter().map(|r| r.rows).collect();
    assert!(
        distinct_rows.len() >= 8,
        "the table grew row by row: {distinct_rows:?}"
    );

    let shown = page.eval(SHOWN).expect("the page's content");
    assert_eq!(shown["fields"]["date"], "March 15th, 2024");
    assert_eq!(
        shown["fields"]["location"],
        "Grand Tech Arena, 4521 Innovation Drive"
    );
    assert_eq!(shown["fields"]["budget"], "$50,000");
    assert_eq!(shown["fields"]["deadline"], "February 20th");
    let rows = shown["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 10, "{shown}");
    assert_eq!(
        rows[0],
        serde_json::json!(["John Doe", "johndoe@email.com", "@TechGuru44"])
    );
    assert_eq!(
        rows[9],
        serde_json::json!(["Daniel Kim", "danielk@email.com", "@DataDrivenDude"])
    );
    assert!(
        shown["status"]
            .as_str()
            .is_some_and(|s| s.starts_with("Done")),
        "{shown}"
    );
    eprintln!(
        "{} painted states, {} while streaming",
        renders.len(),
        streaming.len()
    );

    // Again over the other wire format and encoding: NDJSON, whole snapshots.
    page.eval(
        "document.getElementById('format').value = 'ndjson'; \
         document.getElementById('encoding').value = 'snapshots'; window.__renders = []; true",
    )
    .expect("the options are set");
    page.click("#extract").expect("a click");
    page.wait_for(DONE, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("{e}\nconsole: {:?}", page.log()));
    let again = page.eval(SHOWN).expect("the page's content");
    assert_eq!(again["fields"], shown["fields"]);
    assert_eq!(again["rows"], shown["rows"]);
    let renders: Vec<Render> =
        serde_json::from_value(page.eval("window.__renders").expect("the recording"))
            .expect("renders");
    assert!(
        renders
            .iter()
            .any(|r| r.state == "streaming" && r.rows > 0 && r.rows < 10),
        "rendered while streaming: {renders:?}"
    );
    assert_eq!(site.replay.requests().len(), 2);
    let exceptions: Vec<&String> = page
        .log()
        .iter()
        .filter(|l| l.starts_with("exception"))
        .collect();
    assert!(exceptions.is_empty(), "{exceptions:?}");
}

/// Starts an extraction on a slow upstream and waits for two rows; with
/// `resumable`, through the hub (the page's client then cancels the stream
/// itself on Stop or when the page goes away; see `resume.rs` for a
/// dropped connection resumed).
fn start_slow_extraction(site: &Site, page: &mut crate::cdp::Page<'_>, resumable: bool) {
    page.navigate(&site.url("/")).expect("the page loads");
    page.eval(&format!(
        "document.getElementById('resumable').checked = {resumable}; true"
    ))
    .expect("the option is set");
    page.click("#extract").expect("a click");
    page.wait_for(
        "document.querySelectorAll('#users tbody tr').length >= 2",
        Duration::from_secs(30),
    )
    .unwrap_or_else(|e| {
        let shown = page.eval(SHOWN);
        panic!(
            "rows did not appear: {e}\n{shown:?}\nconsole: {:?}",
            page.log()
        )
    });
    assert_eq!(site.replay.requests().len(), 1);
    assert!(
        site.replay.hangups().is_empty(),
        "the upstream is still streaming"
    );
}

#[test]
fn closing_the_tab_cancels_the_upstream_request() {
    let Some(chromium) = chromium_or_skip("closing_the_tab_cancels_the_upstream_request") else {
        return;
    };
    let _one = lock();
    for resumable in [false, true] {
        let site = site(Duration::from_millis(40));
        let mut browser = launch(&chromium);
        let mut page = browser.new_page().expect("a tab");
        start_slow_extraction(&site, &mut page, resumable);
        page.close().expect("the tab closes");
        let after = site.wait_for_hangup(Duration::from_secs(1));
        assert!(
            after.is_some(),
            "the upstream connection was still open 1 s after the tab closed (resumable: {resumable})"
        );
        eprintln!("upstream closed {after:?} after the tab did (resumable: {resumable})");
    }
}

#[test]
fn the_stop_button_cancels_the_upstream_request_and_keeps_what_arrived() {
    let Some(chromium) =
        chromium_or_skip("the_stop_button_cancels_the_upstream_request_and_keeps_what_arrived")
    else {
        return;
    };
    let _one = lock();
    for resumable in [false, true] {
        let site = site(Duration::from_millis(40));
        let mut browser = launch(&chromium);
        let mut page = browser.new_page().expect("a tab");
        start_slow_extraction(&site, &mut page, resumable);
        page.click("#stop").expect("a click");
        let after = site.wait_for_hangup(Duration::from_secs(1));
        assert!(
            after.is_some(),
            "the upstream connection was still open 1 s after Stop (resumable: {resumable})"
        );
        let shown: Value = page.eval(SHOWN).expect("the page's content");
        assert!(
            shown["rows"].as_array().is_some_and(|r| r.len() >= 2),
            "rows kept: {shown}"
        );
        assert_eq!(shown["status"], "Stopped.");
    }
}

/// Takes `docs/web_relay.png`: the page mid-stream, seven users in and the
/// eighth being written, the conference fields still to come. The replay
/// server holds the answer at that point (a gate) while the shot is taken.
///
/// ```sh
/// cargo test -p extract-test-suite --test web_relay readme_screenshot -- --ignored
/// pngquant --quality=70-90 --speed 1 --force --output docs/web_relay.png docs/web_relay.png
/// ```
#[test]
#[ignore = "writes docs/web_relay.png; run it with --ignored"]
fn readme_screenshot() {
    let Some(chromium) = chromium_or_skip("readme_screenshot") else {
        return;
    };
    let _one = lock();
    let gate = extract::testing::Gate::new();
    let reply = app::conference::replay_reply(Duration::from_millis(8))
        .pause_after("Mike Br", extract::testing::Pause::Until(gate.clone()));
    let site = site_with(reply);
    let mut browser = launch(&chromium);
    let mut page = browser.new_page().expect("a tab");
    page.resize(1100, 640).expect("a viewport");
    page.navigate(&site.url("/")).expect("the page loads");
    page.click("#extract").expect("a click");
    page.wait_for(
        "document.querySelectorAll('#users tbody tr').length === 7 && \
         document.querySelector('#users tbody tr:last-child td').textContent === 'Mike Br'",
        Duration::from_secs(30),
    )
    .expect("the page reaches the paused state");
    // Let the last frame paint, and the caret leave the button.
    page.eval("document.activeElement.blur(); new Promise((r) => setTimeout(r, 150))")
        .expect("a pause");
    let png = page.screenshot().expect("a screenshot");
    gate.open();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/web_relay.png");
    std::fs::write(path, &png).expect("docs/web_relay.png is written");
    eprintln!("wrote {path} ({} bytes)", png.len());
}
