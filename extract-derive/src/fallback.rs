//! On error: the `compile_error!`s, plus a stand-in `Extract` impl (and
//! partial type name) so that code using the type does not fail with a
//! cascade of unrelated errors (thiserror's `fallback.rs`). The stand-in is
//! never run: the crate does not compile.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, DeriveInput, GenericParam};

use crate::ctxt::Ctxt;

/// The errors and the stand-in impl.
pub fn expand(cx: Ctxt, input: &DeriveInput, krate: &syn::Path) -> TokenStream {
    let errors = cx.into_compile_errors();
    // A type with lifetimes or const parameters can't get a stand-in that
    // compiles: `Extract` needs `'static`.
    if input
        .generics
        .params
        .iter()
        .any(|p| !matches!(p, GenericParam::Type(_)))
    {
        return errors;
    }
    let x = quote!(#krate::__private);
    let ident = &input.ident;
    let mut generics = input.generics.clone();
    let params: Vec<syn::Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    let where_clause = generics.make_where_clause();
    for param in &params {
        where_clause
            .predicates
            .push(parse_quote!(#param: #x::Extract));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let partial_alias = params.is_empty().then(|| {
        let vis = &input.vis;
        let partial = format_ident!("Partial{}", ident);
        quote! {
            #[allow(dead_code)]
            #vis type #partial = #x::serde_json::Value;
        }
    });
    quote! {
        #errors
        #partial_alias
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #x::Extract for #ident #ty_generics #where_clause {
                type Partial = #x::serde_json::Value;
                type Builder = #x::ValueBuilder;

                fn schema_name() -> #x::String {
                    #x::String::new()
                }

                fn schema(_: &mut #x::SchemaGenerator) -> #x::serde_json::Value {
                    #x::serde_json::Value::Null
                }

                fn check(_: &#x::serde_json::Value, _: &mut #x::Checker) {}

                fn convert(_: #x::serde_json::Value) -> #x::Option<Self> {
                    #x::None
                }

                fn into_partial(self) -> #x::serde_json::Value {
                    #x::serde_json::Value::Null
                }
            }
        };
    }
}
