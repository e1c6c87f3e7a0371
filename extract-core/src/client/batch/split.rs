//! How requests are split into batches: each batch holds at most the
//! provider's number of requests and bytes.
//!
//! | provider | requests per batch | bytes per batch | source |
//! | --- | ---: | ---: | --- |
//! | OpenAI | 50,000 | 200 MB (the input file) | API reference, `POST /v1/batches`: "The file can contain up to 50,000 requests, and can be up to 200 MB in size." |
//! | Anthropic | 100,000 | 256 MB (the request) | Message Batches guide, "Batch limitations": "limited to either 100,000 Message requests or 256 MB in size, whichever is reached first" |
//!
//! A megabyte is taken as 10^6 bytes and a few kilobytes are kept back for
//! the envelope (the multipart head, `{"requests":[…]}`), so a batch is
//! never refused for its size by a provider that counts otherwise.

/// How much one batch may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub requests: usize,
    pub bytes: usize,
}

/// Room kept for the payload's envelope.
const ENVELOPE: usize = 4096;

impl Limits {
    pub const OPENAI: Limits = Limits {
        requests: 50_000,
        bytes: 200_000_000 - ENVELOPE,
    };
    pub const ANTHROPIC: Limits = Limits {
        requests: 100_000,
        bytes: 256_000_000 - ENVELOPE,
    };
}

/// Where a line goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Into the batch being filled.
    Here,
    /// The batch is full: close it, and the line starts the next one.
    Next,
    /// The line alone is larger than a batch may be.
    TooLarge,
}

/// Fills batches one line at a time.
#[derive(Debug)]
pub(crate) struct Splitter {
    limits: Limits,
    requests: usize,
    bytes: usize,
}

impl Splitter {
    pub fn new(limits: Limits) -> Splitter {
        Splitter {
            limits,
            requests: 0,
            bytes: 0,
        }
    }

    /// Places a line of `bytes` bytes (its separator included).
    pub fn place(&mut self, bytes: usize) -> Place {
        if bytes > self.limits.bytes {
            return Place::TooLarge;
        }
        let fits = self.requests < self.limits.requests && self.bytes + bytes <= self.limits.bytes;
        let place = if fits || self.requests == 0 {
            Place::Here
        } else {
            self.requests = 0;
            self.bytes = 0;
            Place::Next
        };
        self.requests += 1;
        self.bytes += bytes;
        place
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes of the batches a run of lines is split into.
    fn split(limits: Limits, lines: impl Iterator<Item = usize>) -> Vec<(usize, usize)> {
        let mut splitter = Splitter::new(limits);
        let mut batches: Vec<(usize, usize)> = Vec::new();
        for bytes in lines {
            match splitter.place(bytes) {
                Place::Here if !batches.is_empty() => {
                    let last = batches.last_mut().unwrap();
                    last.0 += 1;
                    last.1 += bytes;
                }
                Place::Here | Place::Next => batches.push((1, bytes)),
                Place::TooLarge => panic!("a line too large"),
            }
        }
        batches
    }

    /// The case: 120,000 requests.
    #[test]
    fn one_hundred_twenty_thousand_requests_by_count() {
        let small = std::iter::repeat_n(600, 120_000);
        assert_eq!(
            split(Limits::OPENAI, small.clone()),
            [
                (50_000, 30_000_000),
                (50_000, 30_000_000),
                (20_000, 12_000_000)
            ]
        );
        assert_eq!(
            split(Limits::ANTHROPIC, small),
            [(100_000, 60_000_000), (20_000, 12_000_000)]
        );
    }

    /// 120,000 requests of 5 KB: 600 MB, so the bytes decide.
    #[test]
    fn one_hundred_twenty_thousand_requests_by_bytes() {
        let large = std::iter::repeat_n(5_000, 120_000);
        let openai = split(Limits::OPENAI, large.clone());
        // 39,999 lines of 5,000 bytes fit under 200 MB less the envelope.
        assert_eq!(openai.len(), 4);
        assert!(openai
            .iter()
            .all(|&(n, bytes)| n <= 50_000 && bytes <= Limits::OPENAI.bytes));
        assert_eq!(openai[0].0, 39_999);
        assert_eq!(openai.iter().map(|b| b.0).sum::<usize>(), 120_000);
        let anthropic = split(Limits::ANTHROPIC, large);
        assert_eq!(anthropic[0].0, 51_199);
        assert_eq!(anthropic.len(), 3);
    }

    #[test]
    fn a_line_larger_than_a_batch_is_refused() {
        let mut splitter = Splitter::new(Limits {
            requests: 10,
            bytes: 100,
        });
        assert_eq!(splitter.place(101), Place::TooLarge);
        assert_eq!(splitter.place(100), Place::Here);
        assert_eq!(splitter.place(1), Place::Next);
    }
}
