//! A batch result's body read into the output: the same path as a live
//! answer that came whole (the provider's `Decode::whole`, the assembler,
//! the adapter, the collector and its validation).

use crate::client::assembler::Completion;
use crate::client::attempt::{Attempt, Framing};
use crate::client::engine::Prepared;
use crate::client::mode::Mode;
use crate::client::output::Collector;
use crate::Error;

/// Reads the whole response `body` as `prepared`'s request wants it.
pub(crate) fn decode<O>(
    prepared: &Prepared,
    make: fn(Mode) -> Box<dyn Collector<Output = O>>,
    body: &[u8],
) -> (Result<O, Error>, Completion) {
    let client = &prepared.client;
    let mut attempt = Attempt::new(
        Framing::Whole,
        prepared.route,
        client.protocol().decoder(),
        make(prepared.mode),
        client.sizes(),
    );
    attempt.read(body);
    attempt.finish()
}
