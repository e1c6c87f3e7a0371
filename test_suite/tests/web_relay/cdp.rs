//! A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe`.
//!
//! Chromium reads protocol messages from file descriptor 3 and writes its
//! answers to descriptor 4, each a JSON object ended by a NUL byte. A
//! `sh -c 'exec chromium … 3<&0 4>&1'` hands it our stdin and stdout as
//! those descriptors, so no websocket, no driver binary, no port and no
//! `unsafe` is needed: a child process and two pipes.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The flags the machines' Chromium needs to start headless, as root, on a
/// closed network, without calling home.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
];

/// Where a Chromium may be: `$CHROMIUM` first, then the usual names.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let candidates = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
        "/usr/bin/google-chrome-stable",
    ];
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// A running headless Chromium.
pub struct Browser {
    child: Child,
    input: ChildStdin,
    output: Receiver<Value>,
    next_id: u64,
    profile: PathBuf,
    /// Console messages and uncaught exceptions seen so far (for failures).
    pub log: Vec<String>,
}

impl Browser {
    /// Starts `chromium` with a fresh profile under `scratch`.
    pub fn launch(chromium: &Path, scratch: &Path) -> Result<Browser, String> {
        let profile = scratch.join(format!("chromium-profile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
        let mut command = format!("exec '{}'", chromium.display());
        for flag in FLAGS {
            command.push(' ');
            command.push_str(flag);
        }
        command.push_str(&format!(" '--user-data-dir={}'", profile.display()));
        command.push_str(" 3<&0 4>&1 </dev/null >/dev/null");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromium.display()))?;
        let input = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut message = Vec::new();
            while matches!(reader.read_until(0, &mut message), Ok(n) if n > 0) {
                if message.last() == Some(&0) {
                    message.pop();
                }
                if let Ok(value) = serde_json::from_slice(&message) {
                    if tx.send(value).is_err() {
                        break;
                    }
                }
                message.clear();
            }
        });
        let mut browser = Browser {
            child,
            input,
            output,
            next_id: 0,
            profile,
            log: Vec::new(),
        };
        browser
            .call(None, "Browser.getVersion", json!({}))
            .map_err(|e| format!("Chromium did not answer on the pipe: {e}"))?;
        Ok(browser)
    }

    /// Sends a command (to a page when `session` is set) and waits for its
    /// answer, keeping console output seen meanwhile in [`log`](Self::log).
    pub fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).map_err(|e| e.to_string())?;
        bytes.push(0);
        self.input
            .write_all(&bytes)
            .and_then(|()| self.input.flush())
            .map_err(|e| format!("{method}: the browser is gone ({e})"))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let answer = match self.output.recv_timeout(left) {
                Ok(answer) => answer,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("{method}: no answer in 30 s"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("{method}: the browser is gone"))
                }
            };
            if answer["id"] == json!(id) {
                if let Some(error) = answer.get("error") {
                    return Err(format!("{method}: {error}"));
                }
                return Ok(answer["result"].clone());
            }
            self.note(&answer);
        }
    }

    fn note(&mut self, event: &Value) {
        match event["method"].as_str() {
            Some("Runtime.consoleAPICalled") => {
                let args: Vec<String> = event["params"]["args"]
                    .as_array()
                    .map(|args| args.iter().map(|a| a["value"].to_string()).collect())
                    .unwrap_or_default();
                self.log.push(format!("console: {}", args.join(" ")));
            }
            Some("Runtime.exceptionThrown") => {
                self.log.push(format!(
                    "exception: {}",
                    event["params"]["exceptionDetails"]
                ));
            }
            _ => {}
        }
    }

    /// Opens a tab and attaches to it.
    pub fn new_page(&mut self) -> Result<Page<'_>, String> {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}))?;
        let target = target["targetId"].as_str().ok_or("no targetId")?.to_owned();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        )?;
        let session = attached["sessionId"]
            .as_str()
            .ok_or("no sessionId")?
            .to_owned();
        let mut page = Page {
            browser: self,
            session,
            target,
        };
        page.call("Runtime.enable", json!({}))?;
        page.call("Page.enable", json!({}))?;
        Ok(page)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call(None, "Browser.close", json!({}));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// One tab.
pub struct Page<'b> {
    browser: &'b mut Browser,
    session: String,
    target: String,
}

impl Page<'_> {
    /// Sends a command to this tab.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        self.browser.call(Some(&session), method, params)
    }

    /// Sets the viewport size.
    pub fn resize(&mut self, width: u32, height: u32) -> Result<(), String> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )
        .map(drop)
    }

    /// Runs `source` in every document this tab loads, before its scripts.
    pub fn on_new_document(&mut self, source: &str) -> Result<(), String> {
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": source}),
        )
        .map(drop)
    }

    /// Loads `url` and waits until `document.readyState` is `complete`.
    pub fn navigate(&mut self, url: &str) -> Result<(), String> {
        self.call("Page.navigate", json!({"url": url}))?;
        self.wait_for(
            "document.readyState === 'complete'",
            Duration::from_secs(10),
        )
        .map(drop)
    }

    /// Evaluates `expression` (awaiting a promise) and returns its value.
    pub fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        )?;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(format!("{expression}: {exception}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Polls `expression` until it is truthy; returns its value.
    pub fn wait_for(&mut self, expression: &str, timeout: Duration) -> Result<Value, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(expression)?;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(format!("timed out waiting for {expression}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Scrolls the element matching `selector` into view and clicks its
    /// centre with real mouse events.
    pub fn click(&mut self, selector: &str) -> Result<(), String> {
        let expression = format!(
            "(() => {{ const e = document.querySelector({}); e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            json!(selector)
        );
        let point = self.eval(&expression)?;
        let (x, y) = (point[0].clone(), point[1].clone());
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            )?;
        }
        Ok(())
    }

    /// A PNG of the viewport.
    pub fn screenshot(&mut self) -> Result<Vec<u8>, String> {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}))?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        base64_decode(data).ok_or_else(|| "bad base64".to_owned())
    }

    /// Closes the tab (as a person closing it would: its connections go).
    pub fn close(self) -> Result<(), String> {
        let target = self.target.clone();
        self.browser
            .call(None, "Target.closeTarget", json!({"targetId": target}))
            .map(drop)
    }

    /// Console messages and exceptions seen so far.
    pub fn log(&self) -> &[String] {
        &self.browser.log
    }
}

/// Decodes standard base64 (the screenshot's encoding).
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}
