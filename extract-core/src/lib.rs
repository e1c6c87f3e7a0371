#![doc = "Runtime of `extract`: the incremental JSON push lexer, the `Extract` trait and its std impls, `StreamParser`/`ItemParser`, and the chat-completions client."]

pub mod json;
