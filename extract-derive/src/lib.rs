//! Implementation detail of [`extract`](https://docs.rs/extract):
//! `#[derive(Extract)]`. Use it through the `extract` crate, which
//! re-exports the derive next to the trait of the same name.
//!
//! The derive reads the input into an IR (`ast`, `attr`), checks it
//! (`check`), and generates the partial type, the schema, the incremental
//! builders and the validation (`expand/*`, one file per output, over the
//! shared `toolkit`). Every error is collected and reported at once, with
//! stand-in impls so one mistake doesn't cascade (`fallback`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod doc;
mod expand;
mod fallback;
mod toolkit;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `extract::Extract`: a JSON Schema, a `Partial<T>` type and an
/// incremental deserializer for a struct or enum. See the `extract` crate
/// for the attributes.
#[proc_macro_derive(Extract, attributes(extract, serde))]
pub fn derive_extract(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
