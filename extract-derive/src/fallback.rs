//! On error: the `compile_error!`s, plus a stand-in `Extract` impl (and
//! partial type name) so that code using the type does not fail with a
//! cascade of unrelated errors (thiserror's `fallback.rs`). The stand-in is
//! never run: the crate does not compile.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{DeriveInput, GenericParam};

use crate::ctxt::Ctxt;
use crate::toolkit::bounded;

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
    let generics = bounded(&input.generics, &quote!(#x::Extract));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let partial_alias = generics.type_params().next().is_none().then(|| {
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
