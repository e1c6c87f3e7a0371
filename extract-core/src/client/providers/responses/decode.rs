//! Reading a Responses event stream into [`Delta`]s.
//!
//! Each event is named twice, by its `event:` line and by the `type` of its
//! data; the `event:` line is read first, so an event the decoder has no
//! use for is skipped without parsing its data (a server that sends no
//! `event:` line, or a generic one, gets its `type` read instead).
//!
//! | event | delta |
//! | --- | --- |
//! | `response.created`, `.queued`, `.in_progress` | `Meta` |
//! | `response.output_text.delta` | `Text` |
//! | `response.refusal.delta` | `Refusal` |
//! | `response.output_item.added` of a `function_call` | `ToolStarted` |
//! | `response.function_call_arguments.delta` | `ToolArguments` |
//! | `response.output_item.done` of a `function_call` | `ToolIdentity` |
//! | `response.completed` | `Usage`, `Finish` (`completed`), `Done` |
//! | `response.incomplete` | `Usage`, `Finish` (`incomplete:<reason>`: `max_output_tokens` is [`Stop::Length`], `content_filter` [`Stop::ContentFilter`]), `Done` |
//! | `error`, `response.failed` | [`Error::Provider`] |
//!
//! Everything else is skipped: reasoning items and their text or summaries
//! (never part of the answer), content parts, annotations, built-in tools'
//! progress, event types added later.
//!
//! Argument fragments go to their call by `output_index` (by `item_id`,
//! then "the last call", for servers that omit it), through maps, so a
//! response of many calls stays linear. A `.done` event repeats the whole
//! text of a part: it is used only when no fragment of that part came (a
//! server that sends no deltas).

use super::wire::{ErrorEvent, Head, ItemEvent, Output, PartEvent, ResponseEvent, Tagged};
use crate::client::providers::{protocol_error, unreadable, Decode, Delta, ErrorBody, Stop};
use crate::client::sse::SseEvent;
use crate::client::usage::Usage;
use crate::Error;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;

type Out<'o> = dyn FnMut(Delta<'_>) -> Result<(), Error> + 'o;

/// The decoder of one Responses stream.
#[derive(Debug, Default)]
pub(crate) struct ResponsesDecoder {
    /// The call at each `output_index`.
    by_index: HashMap<u64, usize>,
    /// The call of each function-call item id.
    by_item: HashMap<String, usize>,
    /// Per call, in order: whether argument text came for it.
    streamed: Vec<bool>,
    /// Answer text came in fragments.
    text_streamed: bool,
    /// Refusal text came in fragments.
    refusal_streamed: bool,
}

impl Decode for ResponsesDecoder {
    fn event(&mut self, event: SseEvent<'_>, out: &mut Out<'_>) -> Result<(), Error> {
        let data = event.data.trim();
        if data == "[DONE]" {
            return out(Delta::Done);
        }
        let tagged: Tagged<'_>;
        let kind = if event.event == "error" || event.event.starts_with("response.") {
            event.event
        } else {
            tagged = parse(data)?;
            match tagged.kind.as_deref() {
                Some(kind) => kind,
                None => return Ok(()),
            }
        };
        self.dispatch(kind, data, out)
    }

    fn whole(&mut self, body: &[u8], out: &mut Out<'_>) -> Result<(), Error> {
        let not_a_response = |e: serde_json::Error| {
            protocol_error(format!(
                "the JSON body is not a Responses `response` object: {e}"
            ))
        };
        let head: Head<'_> = serde_json::from_slice(body).map_err(not_a_response)?;
        match head.status.as_deref() {
            Some("failed") => return Err(failed(head)),
            _ if head.error.is_some() => return Err(failed(head)),
            Some(status @ ("queued" | "in_progress")) => {
                return Err(protocol_error(format!(
                    "the response is still {status}: a background response has no answer yet"
                )))
            }
            _ => {}
        }
        let output: Output<'_> = serde_json::from_slice(body).map_err(not_a_response)?;
        meta(&head, out)?;
        let mut calls = 0;
        for item in &output.output {
            match item.kind.as_deref() {
                Some("message") => {
                    for part in item.content.iter().flatten() {
                        match part.kind.as_deref() {
                            Some("refusal") => out(Delta::Refusal(str_of(&part.refusal)))?,
                            _ => out(Delta::Text(str_of(&part.text)))?,
                        }
                    }
                }
                Some("function_call") => {
                    let call = calls;
                    calls += 1;
                    out(Delta::ToolStarted {
                        call,
                        id: item.call_id.as_deref(),
                        name: item.name.as_deref(),
                    })?;
                    let text = str_of(&item.arguments);
                    out(Delta::ToolArguments { call, text })?;
                }
                _ => {}
            }
        }
        self.end(&head, false, out)
    }
}

impl ResponsesDecoder {
    /// Hands out what an event of type `kind` says.
    fn dispatch(&mut self, kind: &str, data: &str, out: &mut Out<'_>) -> Result<(), Error> {
        match kind {
            "response.output_text.delta" => {
                let event: PartEvent<'_> = parse(data)?;
                let text = str_of(&event.delta);
                self.text_streamed |= !text.is_empty();
                out(Delta::Text(text))
            }
            "response.refusal.delta" => {
                let event: PartEvent<'_> = parse(data)?;
                let text = str_of(&event.delta);
                self.refusal_streamed |= !text.is_empty();
                out(Delta::Refusal(text))
            }
            "response.function_call_arguments.delta" => {
                let event: PartEvent<'_> = parse(data)?;
                let call = self.call_of(event.output_index, event.item_id.as_deref(), out)?;
                let text = str_of(&event.delta);
                self.streamed[call] |= !text.is_empty();
                out(Delta::ToolArguments { call, text })
            }
            "response.output_text.done" if !self.text_streamed => {
                let event: PartEvent<'_> = parse(data)?;
                out(Delta::Text(str_of(&event.text)))
            }
            "response.refusal.done" if !self.refusal_streamed => {
                let event: PartEvent<'_> = parse(data)?;
                out(Delta::Refusal(str_of(&event.refusal)))
            }
            "response.function_call_arguments.done" => {
                let event: PartEvent<'_> = parse(data)?;
                let call = self.call_of(event.output_index, event.item_id.as_deref(), out)?;
                self.whole_arguments(call, &event.arguments, out)
            }
            "response.output_item.added" | "response.output_item.done" => {
                let event: ItemEvent<'_> = parse(data)?;
                self.item(&event, kind.ends_with("added"), out)
            }
            "response.created" | "response.queued" | "response.in_progress" => {
                let event: ResponseEvent<'_> = parse(data)?;
                meta(&event.response.unwrap_or_default(), out)
            }
            "response.completed" | "response.incomplete" => {
                let event: ResponseEvent<'_> = parse(data)?;
                let head = event.response.unwrap_or_default();
                self.end(&head, kind == "response.incomplete", out)
            }
            "response.failed" => {
                let event: ResponseEvent<'_> = parse(data)?;
                Err(failed(event.response.unwrap_or_default()))
            }
            "error" => Err(event_error(data)),
            _ => Ok(()),
        }
    }

    /// An output item begins (`added`) or is complete: a function call
    /// starts, or gets its id and name, and its whole arguments when none
    /// came in fragments. Other items say nothing the answer needs.
    fn item(&mut self, event: &ItemEvent<'_>, added: bool, out: &mut Out<'_>) -> Result<(), Error> {
        let Some(item) = event.item.as_ref() else {
            return Ok(());
        };
        if item.kind.as_deref() != Some("function_call") {
            return Ok(());
        }
        let (id, name) = (item.call_id.as_deref(), item.name.as_deref());
        let call = match self.find(event.output_index, item.id.as_deref()) {
            Some(call) => {
                out(Delta::ToolIdentity { call, id, name })?;
                call
            }
            None => self.start(event.output_index, item.id.as_deref(), id, name, out)?,
        };
        if added {
            // Arguments sent with the item are its first fragment.
            let text = str_of(&item.arguments);
            self.streamed[call] |= !text.is_empty();
            out(Delta::ToolArguments { call, text })
        } else {
            self.whole_arguments(call, &item.arguments, out)
        }
    }

    /// The whole arguments of call `call` from a `.done` event: used only
    /// when none came in fragments.
    fn whole_arguments(
        &mut self,
        call: usize,
        arguments: &Option<Cow<'_, str>>,
        out: &mut Out<'_>,
    ) -> Result<(), Error> {
        if self.streamed[call] {
            return Ok(());
        }
        let text = str_of(arguments);
        self.streamed[call] = !text.is_empty();
        out(Delta::ToolArguments { call, text })
    }

    /// The call an argument event is for, started if it is new.
    fn call_of(
        &mut self,
        output_index: Option<u64>,
        item_id: Option<&str>,
        out: &mut Out<'_>,
    ) -> Result<usize, Error> {
        if let Some(call) = self.find(output_index, item_id) {
            return Ok(call);
        }
        match (output_index, item_id, self.streamed.len()) {
            (None, None, calls) if calls > 0 => Ok(calls - 1),
            _ => self.start(output_index, item_id, None, None, out),
        }
    }

    /// The call at `output_index`, else of `item_id`, if one started.
    fn find(&self, output_index: Option<u64>, item_id: Option<&str>) -> Option<usize> {
        let by_index = output_index.and_then(|i| self.by_index.get(&i));
        let by_item = || item_id.and_then(|id| self.by_item.get(id));
        by_index.or_else(by_item).copied()
    }

    /// Starts the next call.
    fn start(
        &mut self,
        output_index: Option<u64>,
        item_id: Option<&str>,
        id: Option<&str>,
        name: Option<&str>,
        out: &mut Out<'_>,
    ) -> Result<usize, Error> {
        let call = self.streamed.len();
        self.streamed.push(false);
        if let Some(index) = output_index {
            self.by_index.insert(index, call);
        }
        if let Some(item_id) = item_id.filter(|i| !i.is_empty()) {
            self.by_item.insert(item_id.to_owned(), call);
        }
        out(Delta::ToolStarted { call, id, name })?;
        Ok(call)
    }

    /// The response is over: its usage, why it ended, the end.
    fn end(&mut self, head: &Head<'_>, incomplete: bool, out: &mut Out<'_>) -> Result<(), Error> {
        meta(head, out)?;
        if let Some(usage) = head.usage {
            out(Delta::Usage(Usage::from(usage)))?;
        }
        let why = head
            .incomplete_details
            .as_ref()
            .and_then(|d| d.reason.as_deref());
        let incomplete =
            incomplete || why.is_some() || head.status.as_deref() == Some("incomplete");
        if incomplete {
            let why = why.unwrap_or("unknown");
            let stop = match why {
                "content_filter" => Stop::ContentFilter,
                // `max_output_tokens`, and any other cut: the answer
                // stopped short, with a partial.
                _ => Stop::Length,
            };
            out(Delta::Finish {
                reason: &format!("incomplete:{why}"),
                stop,
            })?;
        } else {
            out(Delta::Finish {
                reason: head.status.as_deref().unwrap_or("completed"),
                stop: Stop::Complete,
            })?;
        }
        out(Delta::Done)
    }
}

/// Parses an event's data as `T`.
fn parse<'a, T: Deserialize<'a>>(data: &'a str) -> Result<T, Error> {
    serde_json::from_str(data).map_err(|e| unreadable("a Responses event", &e, data))
}

/// The text of an optional string field (empty when absent).
fn str_of<'a>(field: &'a Option<Cow<'_, str>>) -> &'a str {
    field.as_deref().unwrap_or("")
}

/// The response's id, model and creation time.
fn meta(head: &Head<'_>, out: &mut Out<'_>) -> Result<(), Error> {
    out(Delta::Meta {
        id: head.id.as_deref(),
        model: head.model.as_deref(),
        created: head.created_at,
        fingerprint: None,
    })
}

/// A failed response as [`Error::Provider`], with its `error` object.
fn failed(head: Head<'_>) -> Error {
    let status = head.status.as_deref().unwrap_or("failed").to_owned();
    match head.error {
        Some(error) if error.message.is_some() || error.code.is_some() => error.into_error(),
        _ => ErrorBody::default().into_provider_error(&format!("the response {status}")),
    }
}

/// The error of an `error` event (its data as the message when it is not
/// an error object).
fn event_error(data: &str) -> Error {
    match serde_json::from_str::<ErrorEvent>(data) {
        Ok(event) => {
            let error = event.into_api_error();
            if error.message.is_none() && error.code.is_none() {
                ErrorBody::default().into_provider_error(data)
            } else {
                error.into_error()
            }
        }
        Err(_) => ErrorBody::default().into_provider_error(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::assembler::{Assembler, Completion};

    /// Decodes `events` (`event:` name, data), then assembles them.
    fn run(events: &[(&str, &str)]) -> Result<(Completion, Option<Stop>), Error> {
        let mut decoder = ResponsesDecoder::default();
        let mut assembler = Assembler::default();
        let mut done = false;
        for &(event, data) in events {
            decoder.event(SseEvent { event, data }, &mut |delta| {
                done |= delta == Delta::Done;
                assembler.apply(delta, &mut |_| Ok::<(), Error>(()))
            })?;
        }
        assert!(
            done || assembler.stop().is_none(),
            "a finish comes with the end"
        );
        let stop = assembler.stop();
        Ok((assembler.take(), stop))
    }

    const COMPLETED: (&str, &str) = (
        "response.completed",
        r#"{"type":"response.completed","response":{"id":"resp_1","model":"m","created_at":7,"status":"completed",
        "usage":{"input_tokens":5,"input_tokens_details":{"cached_tokens":2},"output_tokens":9,
        "output_tokens_details":{"reasoning_tokens":4},"total_tokens":14}}}"#,
    );

    fn call_added(index: u64, id: &str, call_id: &str, name: &str) -> String {
        format!(
            r#"{{"type":"response.output_item.added","output_index":{index},"item":{{"type":"function_call","id":"{id}","call_id":"{call_id}","name":"{name}","arguments":"","status":"in_progress"}}}}"#
        )
    }

    fn args_delta(index: u64, id: &str, delta: &str) -> String {
        format!(
            r#"{{"type":"response.function_call_arguments.delta","output_index":{index},"item_id":"{id}","delta":{}}}"#,
            serde_json::to_string(delta).unwrap()
        )
    }

    #[test]
    fn text_usage_and_the_end() {
        let (c, stop) = run(&[
            ("response.created", r#"{"type":"response.created","response":{"id":"resp_1","model":"m","created_at":7,"status":"in_progress","output":[],"usage":null}}"#),
            ("response.output_text.delta", r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"{\"a\"","logprobs":[],"obfuscation":"x"}"#),
            ("response.output_text.delta", r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":":1}"}"#),
            ("response.output_text.done", r#"{"type":"response.output_text.done","item_id":"msg_1","output_index":0,"content_index":0,"text":"{\"a\":1}"}"#),
            COMPLETED,
        ])
        .unwrap();
        assert_eq!(c.content, r#"{"a":1}"#, "the .done text is not added again");
        assert_eq!(
            (c.id.as_deref(), c.model.as_deref(), c.created),
            (Some("resp_1"), Some("m"), Some(7))
        );
        assert_eq!(
            (c.finish_reason.as_deref(), stop),
            (Some("completed"), Some(Stop::Complete))
        );
        let usage = c.usage.unwrap();
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.total_tokens,
                usage.reasoning_tokens,
                usage.cached_tokens
            ),
            (5, 9, 14, 4, 2)
        );
    }

    #[test]
    fn interleaved_calls_go_by_output_index_and_reasoning_is_skipped() {
        let events = [
            ("response.output_item.added".to_owned(), r#"{"type":"response.output_item.added","output_index":0,"item":{"type":"reasoning","id":"rs_1","summary":[]}}"#.to_owned()),
            ("response.reasoning_summary_text.delta".to_owned(), r#"{"type":"response.reasoning_summary_text.delta","output_index":0,"delta":"thinking {"}"#.to_owned()),
            ("response.reasoning_text.delta".to_owned(), r#"{"type":"response.reasoning_text.delta","output_index":0,"delta":"more"}"#.to_owned()),
            ("response.output_item.added".to_owned(), call_added(1, "fc_a", "call_a", "f")),
            ("response.output_item.added".to_owned(), call_added(2, "fc_b", "call_b", "f")),
            ("response.function_call_arguments.delta".to_owned(), args_delta(2, "fc_b", "[")),
            ("response.function_call_arguments.delta".to_owned(), args_delta(1, "fc_a", "{")),
            ("response.function_call_arguments.delta".to_owned(), args_delta(2, "fc_b", "]")),
            ("response.function_call_arguments.delta".to_owned(), args_delta(1, "fc_a", "}")),
            ("response.function_call_arguments.done".to_owned(), r#"{"type":"response.function_call_arguments.done","output_index":1,"item_id":"fc_a","arguments":"{}"}"#.to_owned()),
            ("response.output_item.done".to_owned(), r#"{"type":"response.output_item.done","output_index":2,"item":{"type":"function_call","id":"fc_b","call_id":"call_b","name":"f","arguments":"[]"}}"#.to_owned()),
            (COMPLETED.0.to_owned(), COMPLETED.1.to_owned()),
        ];
        let events: Vec<(&str, &str)> = events
            .iter()
            .map(|(e, d)| (e.as_str(), d.as_str()))
            .collect();
        let (c, _) = run(&events).unwrap();
        assert_eq!(c.content, "", "reasoning never reaches the answer");
        let calls: Vec<(&str, &str, &str)> = c
            .tool_calls
            .iter()
            .map(|t| (t.id.as_str(), t.name.as_str(), t.arguments.as_str()))
            .collect();
        assert_eq!(calls, [("call_a", "f", "{}"), ("call_b", "f", "[]")]);
    }

    #[test]
    fn calls_without_output_index_go_by_item_id_then_the_last_call() {
        let (c, _) = run(&[
            ("response.output_item.added", r#"{"type":"response.output_item.added","item":{"type":"function_call","id":"fc_a","call_id":"call_a","name":"f"}}"#),
            ("response.output_item.added", r#"{"type":"response.output_item.added","item":{"type":"function_call","id":"fc_b","call_id":"call_b","name":"g"}}"#),
            ("response.function_call_arguments.delta", r#"{"type":"response.function_call_arguments.delta","item_id":"fc_a","delta":"{"}"#),
            ("response.function_call_arguments.delta", r#"{"type":"response.function_call_arguments.delta","delta":"[]"}"#),
            ("response.function_call_arguments.delta", r#"{"type":"response.function_call_arguments.delta","item_id":"fc_a","delta":"}"}"#),
            COMPLETED,
        ])
        .unwrap();
        let args: Vec<&str> = c.tool_calls.iter().map(|t| t.arguments.as_str()).collect();
        assert_eq!(args, ["{}", "[]"]);
    }

    #[test]
    fn done_events_give_what_no_delta_gave() {
        let (c, _) = run(&[
            ("response.output_item.added", &call_added(0, "fc_a", "call_a", "f")),
            ("response.function_call_arguments.done", r#"{"type":"response.function_call_arguments.done","output_index":0,"item_id":"fc_a","arguments":"{\"x\":1}"}"#),
            ("response.output_item.done", r#"{"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","id":"fc_a","call_id":"call_a","name":"f","arguments":"{\"x\":1}"}}"#),
            ("response.output_item.done", r#"{"type":"response.output_item.done","output_index":1,"item":{"type":"function_call","id":"fc_b","call_id":"call_b","name":"g","arguments":"[1]"}}"#),
            ("response.output_text.done", r#"{"type":"response.output_text.done","output_index":2,"text":"hi"}"#),
            ("response.refusal.done", r#"{"type":"response.refusal.done","output_index":2,"refusal":"no"}"#),
            COMPLETED,
        ])
        .unwrap();
        let calls: Vec<(&str, &str)> = c
            .tool_calls
            .iter()
            .map(|t| (t.name.as_str(), t.arguments.as_str()))
            .collect();
        assert_eq!(calls, [("f", "{\"x\":1}"), ("g", "[1]")]);
        assert_eq!((c.content.as_str(), c.refusal.as_str()), ("hi", "no"));
    }

    #[test]
    fn events_are_named_by_their_line_or_their_type() {
        let delta = r#"{"type":"response.output_text.delta","delta":"a"}"#;
        for name in ["", "message", "response.output_text.delta"] {
            let (c, stop) = run(&[(name, delta), ("", COMPLETED.1)]).unwrap();
            assert_eq!(
                (c.content.as_str(), stop),
                ("a", Some(Stop::Complete)),
                "{name:?}"
            );
        }
        let unknown = [
            ("response.future_thing.delta", "not even JSON"),
            ("", r#"{"type":"response.future_thing.delta","delta":7}"#),
            ("", r#"{"no_type":true}"#),
            ("ping", r#"{}"#),
        ];
        let (c, _) = run(&unknown).unwrap();
        assert!(c.content.is_empty() && c.tool_calls.is_empty());
        for (event, data) in [("response.output_text.delta", "{\"delta\":"), ("", "{")] {
            let err = run(&[(event, data)]).unwrap_err();
            assert!(matches!(err, Error::Protocol { .. }), "{err}");
        }
    }

    #[test]
    fn incomplete_responses_say_why() {
        let table = [
            (
                r#"{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}"#,
                "incomplete:max_output_tokens",
                Stop::Length,
            ),
            (
                r#"{"status":"incomplete","incomplete_details":{"reason":"content_filter"}}"#,
                "incomplete:content_filter",
                Stop::ContentFilter,
            ),
            (
                r#"{"status":"incomplete","incomplete_details":null}"#,
                "incomplete:unknown",
                Stop::Length,
            ),
        ];
        for (response, reason, expected) in table {
            let data = format!(r#"{{"type":"response.incomplete","response":{response}}}"#);
            let (c, stop) = run(&[("response.incomplete", &data)]).unwrap();
            assert_eq!(
                (c.finish_reason.as_deref(), stop),
                (Some(reason), Some(expected)),
                "{response}"
            );
        }
    }

    #[test]
    fn errors_and_failed_responses_are_provider_errors() {
        let table = [
            (
                "error",
                r#"{"type":"error","code":"server_error","message":"boom","param":null}"#,
                "boom",
                Some("server_error"),
            ),
            (
                "error",
                r#"{"type":"error","error":{"type":"insufficient_quota","code":"insufficient_quota","message":"quota"}}"#,
                "quota",
                Some("insufficient_quota"),
            ),
            ("error", "overloaded", "overloaded", None),
            (
                "response.failed",
                r#"{"type":"response.failed","response":{"status":"failed","error":{"code":"rate_limit_exceeded","message":"slow"}}}"#,
                "slow",
                Some("rate_limit_exceeded"),
            ),
            (
                "response.failed",
                r#"{"type":"response.failed","response":{"status":"failed","error":null}}"#,
                "the response failed",
                None,
            ),
        ];
        for (event, data, message, code) in table {
            let err = run(&[(event, data)]).unwrap_err();
            let Error::Provider {
                message: m,
                code: c,
                ..
            } = &err
            else {
                panic!("{data}: {err}")
            };
            assert_eq!((m.as_str(), c.as_deref()), (message, code), "{data}");
        }
    }

    fn whole(body: &str) -> Result<(Completion, Option<Stop>), Error> {
        let mut decoder = ResponsesDecoder::default();
        let mut assembler = Assembler::default();
        decoder.whole(body.as_bytes(), &mut |delta| {
            assembler.apply(delta, &mut |_| Ok::<(), Error>(()))
        })?;
        let stop = assembler.stop();
        Ok((assembler.take(), stop))
    }

    #[test]
    fn whole_responses() {
        let body = r#"{"id":"resp_1","object":"response","status":"completed","model":"m","output":[
            {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"hidden"}]},
            {"type":"message","role":"assistant","content":[{"type":"output_text","text":"{}","annotations":[]}]},
            {"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"{\"a\":1}"}],
            "usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}"#;
        let (c, stop) = whole(body).unwrap();
        assert_eq!((c.content.as_str(), stop), ("{}", Some(Stop::Complete)));
        assert_eq!(
            (
                c.tool_calls[0].id.as_str(),
                c.tool_calls[0].arguments.as_str()
            ),
            ("call_1", "{\"a\":1}")
        );
        assert_eq!(c.usage.map(|u| u.total_tokens), Some(3));
        let (_, stop) = whole(r#"{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[]}"#).unwrap();
        assert_eq!(stop, Some(Stop::Length));
        let refused = whole(
            r#"{"status":"completed","output":[{"type":"message","content":[{"type":"refusal","refusal":"no"}]}]}"#,
        );
        assert_eq!(refused.unwrap().0.refusal, "no");
        for (body, provider) in [
            (
                r#"{"status":"failed","error":{"code":"c","message":"m"}}"#,
                true,
            ),
            (
                r#"{"error":{"message":"bad key","type":"invalid_request_error"}}"#,
                true,
            ),
            (r#"{"status":"queued","output":[]}"#, false),
            ("[1]", false),
        ] {
            let err = whole(body).unwrap_err();
            assert_eq!(
                matches!(err, Error::Provider { .. }),
                provider,
                "{body}: {err}"
            );
        }
    }
}
