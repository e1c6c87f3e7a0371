//! Work counters: how many bytes each layer of the streaming pipeline looks
//! at, so that tests can check that no layer scans what it has already seen.
//! A re-scan of a growing buffer (a line carried across reads, a key cut by
//! many chunks) is a quadratic cost that timings on small inputs hide.
//!
//! The counters exist only in `cfg(test)` builds, one set per thread. In any
//! other build [`add`] is an empty inline function: benchmarks and users pay
//! nothing. The tests that read them are in `tests/no_rescan.rs`.

/// What is counted, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    not(feature = "openai"),
    allow(dead_code, reason = "the SSE and chat layers are built with `openai`")
)]
pub(crate) enum Layer {
    /// SSE decoder: bytes searched for a line end.
    SseScan,
    /// SSE decoder: bytes of complete lines parsed (field split, UTF-8
    /// check, copy into the event's data).
    SseLine,
    /// SSE decoder: bytes copied into the carry buffer (a line cut by the
    /// end of a read).
    SseCarryIn,
    /// SSE decoder: carried bytes read back, as part of a completed line.
    SseCarryOut,
    /// Delta assembler: text of the deltas appended to the completion.
    Assembled,
    /// Adapter: text passed on to the parser.
    AdapterRouted,
    /// Adapter: text the fence scanner looked at (and held back).
    AdapterScan,
    /// Lexer: bytes of the chunks its state machine steps over.
    LexerStep,
    /// Lexer: bytes looked at by its inner loops (string runs, digits).
    LexerScan,
    /// Lexer: bytes checked for UTF-8 (each chunk's pre-check, and the
    /// checks of runs outside it).
    LexerUtf8,
    /// Lexer: bytes copied into its token buffer.
    LexerBufIn,
    /// Lexer: buffered bytes read back out (handed to the sink).
    LexerBufOut,
}

impl Layer {
    #[cfg(test)]
    pub(crate) const ALL: [Layer; 12] = [
        Layer::SseScan,
        Layer::SseLine,
        Layer::SseCarryIn,
        Layer::SseCarryOut,
        Layer::Assembled,
        Layer::AdapterRouted,
        Layer::AdapterScan,
        Layer::LexerStep,
        Layer::LexerScan,
        Layer::LexerUtf8,
        Layer::LexerBufIn,
        Layer::LexerBufOut,
    ];
}

/// Counts `bytes` of work in `layer` (nothing outside tests).
#[cfg(not(test))]
#[inline(always)]
pub(crate) fn add(_layer: Layer, _bytes: usize) {}

#[cfg(test)]
pub(crate) use counting::{add, take, Counts};

#[cfg(test)]
mod counting {
    use super::Layer;
    use std::cell::Cell;

    thread_local! {
        static COUNTS: [Cell<u64>; Layer::ALL.len()] = const {
            [const { Cell::new(0) }; Layer::ALL.len()]
        };
    }

    /// Counts `bytes` of work in `layer`, on this thread.
    pub(crate) fn add(layer: Layer, bytes: usize) {
        COUNTS.with(|counts| {
            let count = &counts[layer as usize];
            count.set(count.get() + bytes as u64);
        });
    }

    /// The work counted on this thread, in bytes per layer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub(crate) struct Counts([u64; Layer::ALL.len()]);

    impl Counts {
        pub(crate) fn get(&self, layer: Layer) -> u64 {
            self.0[layer as usize]
        }
    }

    /// Takes the work counted on this thread so far, starting again from
    /// zero.
    pub(crate) fn take() -> Counts {
        COUNTS.with(|counts| Counts(std::array::from_fn(|i| counts[i].take())))
    }
}
