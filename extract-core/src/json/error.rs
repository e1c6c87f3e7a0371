//! TEMPORARY stand-in until the real lexer lands from the `lexer` branch.
#![allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stub at byte {offset}")]
pub struct SyntaxError {
    pub offset: u64,
}
pub enum SyntaxErrorKind {}
pub enum Expected {}
