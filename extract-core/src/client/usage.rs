//! [`Usage`]: the tokens a request cost, in one shape for every provider.

use serde::Serialize;

/// Token usage reported by the server, whatever the provider calls it.
///
/// | field | chat completions | Responses | Anthropic |
/// | --- | --- | --- | --- |
/// | `prompt_tokens` | `prompt_tokens` | `input_tokens` | `input_tokens` + cache reads and writes |
/// | `completion_tokens` | `completion_tokens` | `output_tokens` | `output_tokens` |
/// | `total_tokens` | `total_tokens` | `total_tokens` | their sum |
/// | `reasoning_tokens` | `completion_tokens_details.reasoning_tokens` | `output_tokens_details.reasoning_tokens` | `output_tokens_details.thinking_tokens` (when sent; thinking is in `output_tokens`) |
/// | `cached_tokens` | `prompt_tokens_details.cached_tokens` | `input_tokens_details.cached_tokens` | `cache_read_input_tokens` |
///
/// Sums over attempts saturate at `u64::MAX` instead of overflowing: the
/// numbers come from the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Usage {
    /// Tokens in the prompt (the input).
    pub prompt_tokens: u64,
    /// Tokens generated (the output, reasoning included).
    pub completion_tokens: u64,
    /// Their sum, as reported by the server.
    pub total_tokens: u64,
    /// Of the generated tokens, those spent reasoning (0 when not reported).
    pub reasoning_tokens: u64,
    /// Of the prompt tokens, those read from the provider's cache (0 when
    /// not reported).
    pub cached_tokens: u64,
}

impl Usage {
    /// Usage of `prompt` input and `completion` output tokens, their sum as
    /// the total.
    #[must_use]
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens.saturating_add(completion_tokens),
            reasoning_tokens: 0,
            cached_tokens: 0,
        }
    }

    /// The same usage with `reasoning` reasoning tokens.
    #[must_use]
    pub fn with_reasoning_tokens(mut self, reasoning: u64) -> Self {
        self.reasoning_tokens = reasoning;
        self
    }

    /// The same usage with `cached` prompt tokens read from the cache.
    #[must_use]
    pub fn with_cached_tokens(mut self, cached: u64) -> Self {
        self.cached_tokens = cached;
        self
    }

    /// The same usage with the server's own total.
    #[must_use]
    pub fn with_total_tokens(mut self, total: u64) -> Self {
        self.total_tokens = total;
        self
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, rhs: Usage) {
        self.prompt_tokens = self.prompt_tokens.saturating_add(rhs.prompt_tokens);
        self.completion_tokens = self.completion_tokens.saturating_add(rhs.completion_tokens);
        self.total_tokens = self.total_tokens.saturating_add(rhs.total_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(rhs.reasoning_tokens);
        self.cached_tokens = self.cached_tokens.saturating_add(rhs.cached_tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::Usage;

    #[test]
    fn sums_saturate() {
        let mut total = Usage::new(u64::MAX, 1);
        total += Usage::new(u64::MAX, u64::MAX).with_reasoning_tokens(u64::MAX);
        assert_eq!(total.prompt_tokens, u64::MAX);
        assert_eq!(total.completion_tokens, u64::MAX);
        assert_eq!(total.total_tokens, u64::MAX);
        assert_eq!(total.reasoning_tokens, u64::MAX);
    }
}
