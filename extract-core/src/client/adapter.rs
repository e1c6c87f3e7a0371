//! From the pieces of a completion to the JSON text a parser reads.
//!
//! Each mode puts its JSON somewhere else ([`Route`]); this module picks it
//! out as it streams, without buffering more than a few bytes:
//! * `content` as is (`Json`, `JsonSchema`);
//! * `content` inside the first ```` ``` ```` fence (`MdJson`): prose before
//!   the fence, the info string (`json`), the closing fence and whatever
//!   follows are dropped; an answer that starts with `{` or `[` is read bare
//!   (the parser then ignores whatever follows the value);
//! * the arguments of the first tool call (`Tools`, `ToolsStrict`); when
//!   the server ignored `tool_choice` (Ollama and others do) and the model
//!   answered in `content` instead, that content is read as `MdJson` would
//!   read it: streamed when it starts with JSON or a code fence, else
//!   looked for in a code fence once the answer has ended without a tool
//!   call. The first place JSON came from is the answer: tool calls that
//!   follow JSON content are kept in the completion but not parsed;
//! * every tool call as one element of a JSON array (`ParallelTools` for a
//!   list): `[` + arguments₀ + `,` + arguments₁ + … + `]`, so the item parser
//!   hands out each call's value the moment its closing brace arrives.
//!
//! Tool arguments that are empty (some servers send `""` for a call without
//! parameters) are read as `{}`.

use super::assembler::Piece;
use super::mode::Mode;
use crate::work::{self, Layer};
use crate::Error;

/// Where the JSON of an answer is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `content`, as is.
    Content,
    /// `content`, inside a Markdown code fence.
    Fenced,
    /// The arguments of the first tool call.
    FirstTool,
    /// Each tool call is one element of an array.
    EachTool,
}

impl Route {
    /// The route of `mode`, for a single value or a list.
    pub fn of(mode: Mode, list: bool) -> Route {
        match mode {
            Mode::Json | Mode::JsonSchema => Route::Content,
            Mode::MdJson => Route::Fenced,
            Mode::ParallelTools if list => Route::EachTool,
            Mode::Tools | Mode::ToolsStrict | Mode::ParallelTools => Route::FirstTool,
        }
    }
}

/// In the first-tool route, what became of the answer text (`content`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spill {
    /// Nothing but whitespace has arrived, and no tool call.
    Watching,
    /// The text started with JSON or a fence: it is the answer.
    Streaming,
    /// A tool call came first, or the text started with prose.
    Ignored,
}

/// Picks the JSON text out of the pieces of one answer. See the module docs.
#[derive(Debug)]
pub(crate) struct Adapter {
    route: Route,
    fence: Fence,
    spill: Spill,
    /// Tool calls seen so far.
    calls: usize,
    /// The current (last) tool call had non-whitespace arguments.
    call_has_text: bool,
    /// Non-whitespace JSON text was passed on.
    fed_any: bool,
}

impl Adapter {
    pub fn new(route: Route) -> Self {
        Adapter {
            route,
            fence: Fence::default(),
            spill: Spill::Watching,
            calls: 0,
            call_has_text: false,
            fed_any: false,
        }
    }

    /// Where the JSON is read from.
    pub fn route(&self) -> Route {
        self.route
    }

    /// True once some non-whitespace JSON text was passed on.
    pub fn fed_any(&self) -> bool {
        self.fed_any
    }

    /// How many tool calls were seen.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// The JSON is read from the answer text (`content`), not from a tool
    /// call's arguments.
    pub fn reads_content(&self) -> bool {
        match self.route {
            Route::Content | Route::Fenced => true,
            Route::FirstTool => self.spill == Spill::Streaming || self.calls == 0,
            Route::EachTool => false,
        }
    }

    /// Takes one piece of the answer; passes its JSON text, if any, to `feed`.
    pub fn piece(
        &mut self,
        piece: Piece<'_>,
        feed: &mut impl FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut feed = |text: &str| {
            work::add(Layer::AdapterRouted, text.len());
            // Once some JSON text has passed, there is nothing more to look for.
            if !self.fed_any && !text.trim_ascii_start().is_empty() {
                self.fed_any = true;
            }
            feed(text)
        };
        match (self.route, piece) {
            (Route::Content, Piece::Content(text)) => feed(text),
            (Route::Fenced, Piece::Content(text)) => self.fence.push(text, &mut feed),
            (Route::FirstTool, Piece::Content(text)) => {
                if self.spill == Spill::Watching {
                    self.spill = match text.trim_ascii_start().as_bytes().first() {
                        None => Spill::Watching,
                        Some(b'{' | b'[' | b'`') => Spill::Streaming,
                        Some(_) => Spill::Ignored,
                    };
                }
                if self.spill == Spill::Streaming {
                    self.fence.push(text, &mut feed)?;
                }
                Ok(())
            }
            (Route::FirstTool | Route::EachTool, Piece::ToolStarted { call }) => {
                self.calls = call + 1;
                if self.spill == Spill::Watching {
                    self.spill = Spill::Ignored;
                }
                if self.route == Route::EachTool {
                    if call == 0 {
                        feed("[")?;
                    } else {
                        if !self.call_has_text {
                            feed("{}")?;
                        }
                        feed(",")?;
                    }
                }
                self.call_has_text = false;
                Ok(())
            }
            (Route::FirstTool, Piece::ToolArguments { call: 0, text })
                if self.spill != Spill::Streaming =>
            {
                feed(text)
            }
            (Route::EachTool, Piece::ToolArguments { call, text }) => {
                if call + 1 != self.calls {
                    return Err(Error::Protocol {
                        message: format!(
                            "arguments for tool call {call} arrived after tool call {} started",
                            self.calls.saturating_sub(1)
                        ),
                        received: Box::default(),
                    });
                }
                if !self.call_has_text {
                    self.call_has_text = !text.trim_ascii().is_empty();
                }
                feed(text)
            }
            _ => Ok(()),
        }
    }

    /// The answer ended: closes what the route opened. `content` is all
    /// the answer text, for a first-tool answer that held no tool call.
    pub fn finish(
        &mut self,
        content: &str,
        feed: &mut impl FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut fed = false;
        let mut feed = |text: &str| {
            fed |= !text.trim_ascii_start().is_empty();
            feed(text)
        };
        let result = match self.route {
            Route::Content => Ok(()),
            Route::Fenced => self.fence.finish(&mut feed),
            Route::FirstTool if self.spill == Spill::Streaming => self.fence.finish(&mut feed),
            Route::FirstTool if self.calls > 0 && !self.fed_any => feed("{}"),
            Route::FirstTool if self.calls == 0 => {
                // Prose first and no tool call: the JSON, if any, is in a
                // code fence further on.
                let mut fence = Fence {
                    state: FenceState::Seeking {
                        ticks: 0,
                        leading: false,
                    },
                    ..Fence::default()
                };
                fence
                    .push(content, &mut feed)
                    .and_then(|()| fence.finish(&mut feed))
            }
            Route::FirstTool => Ok(()),
            Route::EachTool if self.calls == 0 => feed("[]"),
            Route::EachTool => {
                if self.call_has_text {
                    feed("]")
                } else {
                    feed("{}]")
                }
            }
        };
        self.fed_any |= fed;
        result
    }

    /// For `Fenced`: was a fence (or bare JSON) found?
    pub fn found_fence(&self) -> bool {
        !matches!(self.fence.state, FenceState::Seeking { .. })
    }
}

/// Where the fence scanner stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FenceState {
    /// Before the opening fence; `ticks` backticks in a row seen; `leading`
    /// while only whitespace has been seen.
    Seeking { ticks: u8, leading: bool },
    /// After the opening backticks, skipping the info string (`json`).
    Info,
    /// Inside the code block (or bare JSON): text is passed on.
    Body,
    /// After the closing fence: everything is dropped.
    Closed,
}

/// Finds the JSON inside the first Markdown code fence of a text stream.
///
/// The closing fence is three backticks at the start of a line (after
/// optional spaces). JSON never holds a raw line feed inside a string, so a
/// line that starts with backticks can only be the fence: nothing else needs
/// lexing. Whitespace and backticks at the start of a line are held back
/// until the line proves not to be the fence.
#[derive(Debug)]
struct Fence {
    state: FenceState,
    line_start: bool,
    ticks: u8,
    /// Held-back start of a line (spaces, tabs, up to two backticks).
    held: String,
}

impl Default for Fence {
    fn default() -> Self {
        Fence {
            state: FenceState::Seeking {
                ticks: 0,
                leading: true,
            },
            line_start: false,
            ticks: 0,
            held: String::new(),
        }
    }
}

impl Fence {
    fn push(
        &mut self,
        text: &str,
        feed: &mut impl FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.state != FenceState::Closed {
            // Each byte is looked at here or in `body`.
            work::add(Layer::AdapterScan, text.len());
        }
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                FenceState::Seeking { ticks, leading } => {
                    let b = bytes[i];
                    self.state = if leading && b.is_ascii_whitespace() {
                        FenceState::Seeking {
                            ticks: 0,
                            leading: true,
                        }
                    } else if leading && (b == b'{' || b == b'[') {
                        return self.body(&text[i..], feed);
                    } else if b == b'`' && ticks == 2 {
                        FenceState::Info
                    } else if b == b'`' {
                        FenceState::Seeking {
                            ticks: ticks + 1,
                            leading: false,
                        }
                    } else {
                        FenceState::Seeking {
                            ticks: 0,
                            leading: false,
                        }
                    };
                    i += 1;
                }
                FenceState::Info => {
                    let b = bytes[i];
                    if b == b'{' || b == b'[' {
                        return self.body(&text[i..], feed);
                    }
                    i += 1;
                    if b == b'\n' {
                        return self.body(&text[i..], feed);
                    }
                }
                FenceState::Body => return self.body(&text[i..], feed),
                FenceState::Closed => return Ok(()),
            }
        }
        Ok(())
    }

    /// Passes `text` on up to a closing fence.
    fn body(
        &mut self,
        text: &str,
        feed: &mut impl FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.state = FenceState::Body;
        let bytes = text.as_bytes();
        // `text[start..]` is not yet passed on; it begins at a line start
        // while `self.line_start`.
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if self.line_start {
                match b {
                    b'`' => {
                        self.ticks += 1;
                        if self.ticks == 3 {
                            self.state = FenceState::Closed;
                            self.held.clear();
                            return Ok(());
                        }
                        continue;
                    }
                    b' ' | b'\t' if self.ticks == 0 => continue,
                    _ => {
                        self.line_start = false;
                        if !self.held.is_empty() {
                            let held = std::mem::take(&mut self.held);
                            feed(&held)?;
                        }
                    }
                }
            }
            if b == b'\n' {
                feed(&text[start..=i])?;
                start = i + 1;
                self.line_start = true;
                self.ticks = 0;
            }
        }
        if self.line_start {
            work::add(Layer::AdapterScan, text.len() - start);
            self.held.push_str(&text[start..]);
        } else if start < text.len() {
            feed(&text[start..])?;
        }
        Ok(())
    }

    fn finish(&mut self, feed: &mut impl FnMut(&str) -> Result<(), Error>) -> Result<(), Error> {
        if self.state == FenceState::Body && !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            feed(&held)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs content `pieces` through the `Fenced` route.
    fn fenced(pieces: &[&str]) -> (String, bool) {
        let mut adapter = Adapter::new(Route::Fenced);
        let mut out = String::new();
        let mut feed = |t: &str| -> Result<(), Error> {
            out.push_str(t);
            Ok(())
        };
        for piece in pieces {
            adapter.piece(Piece::Content(piece), &mut feed).unwrap();
        }
        adapter.finish(&pieces.concat(), &mut feed).unwrap();
        let found = adapter.found_fence();
        (out, found)
    }

    /// Every split of `text` in two gives the same output as the whole.
    fn fenced_all_splits(text: &str) -> String {
        let (whole, _) = fenced(&[text]);
        for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
            assert_eq!(
                fenced(&[&text[..at], &text[at..]]).0,
                whole,
                "split at {at}"
            );
        }
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let pieces: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(fenced(&pieces).0, whole, "char by char");
        whole
    }

    #[test]
    fn fence_with_prose_around() {
        let text = "Sure! Here it is:\n```json\n{\"a\": [1,\n  2]}\n```\nAnything else?";
        assert_eq!(fenced_all_splits(text), "{\"a\": [1,\n  2]}\n");
    }

    #[test]
    fn bare_json_and_inline_fence() {
        assert_eq!(fenced_all_splits("  {\"a\": \"`x`\"}"), "{\"a\": \"`x`\"}");
        assert_eq!(fenced_all_splits("Result: ```{\"a\":1}```"), "{\"a\":1}```");
        assert_eq!(fenced_all_splits("```\n[1]\n  ```"), "[1]\n");
        assert_eq!(fenced_all_splits("```JSON\n{}\n"), "{}\n");
    }

    #[test]
    fn no_fence_is_reported() {
        let (out, found) = fenced(&["I cannot find ", "any data."]);
        assert_eq!((out.as_str(), found), ("", false));
    }

    #[test]
    fn each_tool_call_is_an_array_element() {
        let mut adapter = Adapter::new(Route::EachTool);
        let mut out = String::new();
        let mut feed = |t: &str| -> Result<(), Error> {
            out.push_str(t);
            Ok(())
        };
        let pieces = [
            Piece::ToolStarted { call: 0 },
            Piece::ToolArguments {
                call: 0,
                text: "{\"a\"",
            },
            Piece::ToolArguments {
                call: 0,
                text: ":1}",
            },
            Piece::ToolStarted { call: 1 },
            Piece::ToolStarted { call: 2 },
            Piece::ToolArguments {
                call: 2,
                text: "{}",
            },
        ];
        for piece in pieces {
            adapter.piece(piece, &mut feed).unwrap();
        }
        adapter.finish("", &mut feed).unwrap();
        assert_eq!(out, "[{\"a\":1},{},{}]");
        let err = adapter
            .piece(Piece::ToolArguments { call: 0, text: "x" }, &mut |_| Ok(()))
            .unwrap_err();
        assert!(matches!(err, Error::Protocol { .. }));
    }

    #[test]
    fn first_tool_only_and_empty_arguments() {
        let mut adapter = Adapter::new(Route::FirstTool);
        let mut out = String::new();
        let mut feed = |t: &str| -> Result<(), Error> {
            out.push_str(t);
            Ok(())
        };
        adapter
            .piece(Piece::ToolStarted { call: 0 }, &mut feed)
            .unwrap();
        adapter.piece(Piece::Content("ignored"), &mut feed).unwrap();
        adapter
            .piece(Piece::ToolStarted { call: 1 }, &mut feed)
            .unwrap();
        adapter
            .piece(
                Piece::ToolArguments {
                    call: 1,
                    text: "[1]",
                },
                &mut feed,
            )
            .unwrap();
        adapter.finish("ignored", &mut feed).unwrap();
        assert_eq!(out, "{}");
    }

    /// Runs `pieces` through the `FirstTool` route; the JSON text passed on.
    fn first_tool(pieces: &[Piece<'_>]) -> (String, bool) {
        let mut adapter = Adapter::new(Route::FirstTool);
        let mut out = String::new();
        let mut feed = |t: &str| -> Result<(), Error> {
            out.push_str(t);
            Ok(())
        };
        let mut content = String::new();
        for &piece in pieces {
            if let Piece::Content(text) = piece {
                content.push_str(text);
            }
            adapter.piece(piece, &mut feed).unwrap();
        }
        adapter.finish(&content, &mut feed).unwrap();
        (out, adapter.reads_content())
    }

    /// A server that ignored `tool_choice` answered in `content`: JSON
    /// there (bare, or fenced after prose) is the answer.
    #[test]
    fn first_tool_reads_json_content_when_no_tool_was_called() {
        let streamed = first_tool(&[Piece::Content(" {\"a\""), Piece::Content(": 1}")]);
        assert_eq!(streamed, ("{\"a\": 1}".to_owned(), true));
        let fenced = first_tool(&[Piece::Content("```json\n[1]\n```\nDone.")]);
        assert_eq!(fenced, ("[1]\n".to_owned(), true));
        let after_prose = first_tool(&[
            Piece::Content("Here you go:\n"),
            Piece::Content("```json\n{\"b\":2}\n```"),
        ]);
        assert_eq!(after_prose, ("{\"b\":2}\n".to_owned(), true));
        let prose = first_tool(&[Piece::Content("I cannot help with that.")]);
        assert_eq!(prose, (String::new(), true));
    }

    /// Prose before a tool call is not the answer; JSON content that came
    /// first stays the answer even when a tool call follows.
    #[test]
    fn the_first_source_of_json_wins() {
        let call = [
            Piece::Content("Let me call the tool. ```json\n{\"x\":0}\n```"),
            Piece::ToolStarted { call: 0 },
            Piece::ToolArguments {
                call: 0,
                text: "{\"a\":1}",
            },
        ];
        assert_eq!(first_tool(&call), ("{\"a\":1}".to_owned(), false));
        let content_first = [
            Piece::Content("{\"a\":2}"),
            Piece::ToolStarted { call: 0 },
            Piece::ToolArguments {
                call: 0,
                text: "{\"a\":1}",
            },
        ];
        assert_eq!(first_tool(&content_first), ("{\"a\":2}".to_owned(), true));
    }

    proptest::proptest! {
        /// The fence scanner's output never depends on where the text was
        /// cut, whatever the text (backticks, newlines, braces, spaces).
        #[test]
        fn fence_output_ignores_the_splits(
            text in "[`\n {}\\[\\]a\"]{0,40}",
            cuts in proptest::collection::vec(0usize..40, 0..6),
        ) {
            let (whole, found) = fenced(&[&text]);
            let mut points: Vec<usize> = cuts.into_iter().filter(|&c| c <= text.len()).collect();
            points.sort_unstable();
            let mut pieces = Vec::new();
            let mut start = 0;
            for point in points {
                pieces.push(&text[start..point]);
                start = point;
            }
            pieces.push(&text[start..]);
            proptest::prop_assert_eq!(fenced(&pieces), (whole, found));
        }
    }
}
