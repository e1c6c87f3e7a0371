//! The incremental JSON push lexer.
//!
//! [`Lexer`] is fed chunks of bytes split at any position (inside a string, an
//! escape, a number, a literal or a multi-byte UTF-8 character) and reports each
//! JSON token to a [`Sink`] as an [`Event`] the moment it is known. It never
//! scans a consumed byte twice: only a token that straddles two chunks is
//! buffered, everything else is lent to the sink straight from the chunk.
//!
//! ```
//! use extract_core::json::{Event, Lexer, Sink, SyntaxError};
//!
//! #[derive(Default)]
//! struct Collect(Vec<String>);
//! impl Sink for Collect {
//!     type Error = SyntaxError;
//!     fn event(&mut self, event: Event<'_>) -> Result<(), SyntaxError> {
//!         self.0.push(format!("{event:?}"));
//!         Ok(())
//!     }
//! }
//!
//! let mut lexer = Lexer::new();
//! let mut sink = Collect::default();
//! lexer.feed(br#"{"name": "Ja"#, &mut sink)?;
//! lexer.feed(br#"son", "age": 1"#, &mut sink)?;
//! lexer.feed(b"0}", &mut sink)?;
//! lexer.finish(&mut sink)?;
//! assert_eq!(sink.0.len(), 7); // {, "name", "Ja", "son", "age", 10, }
//! # Ok::<(), SyntaxError>(())
//! ```

mod error;
mod event;
mod lexer;

pub use error::{Expected, SyntaxError, SyntaxErrorKind};
pub use event::{Event, Sink};
pub use lexer::{Lexer, LexerOptions};

#[cfg(test)]
mod tests;
