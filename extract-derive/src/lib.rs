//! placeholder
use proc_macro::TokenStream;
#[proc_macro_derive(Extract, attributes(extract))]
pub fn derive_extract(_i: TokenStream) -> TokenStream {
    TokenStream::new()
}
