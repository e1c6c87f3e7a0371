//! Generation: one file per output (partial type, schema, builders,
//! completion), driven from here.

mod body;
mod complete;
mod enums;
mod partial;
mod schema;
mod transparent;

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse_quote;

use crate::ast::{Container, Data, Field, Style};
use crate::ctxt::Ctxt;
use crate::toolkit::{extract_impl, ExtractImpl, Gen};
use crate::{check, fallback};

/// Expands `#[derive(Extract)]` on `input`: the generated code, or the
/// errors with stub impls.
pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    let krate = cont
        .as_ref()
        .and_then(|c| c.attrs.krate.clone())
        .unwrap_or_else(|| parse_quote!(::extract));
    match cont {
        Some(cont) if !cx.has_errors() => expand(&Gen::new(&cont, krate)),
        _ => fallback::expand(cx, input, &krate),
    }
}

fn expand(gen: &Gen) -> TokenStream {
    let cont = gen.cont;
    let xfull = &gen.xfull;
    let (partial_def, body) = if cont.is_transparent() {
        (TokenStream::new(), transparent::expand(gen))
    } else {
        let partial_def = partial::definition(gen);
        let impls = partial::impls(gen);
        let body = match &cont.data {
            Data::Struct(style, fields) => expand_struct(gen, *style, fields),
            Data::Enum(variants) => enums::expand(gen, variants),
        };
        (partial_def, quote!(#impls #body))
    };
    quote! {
        #partial_def

        #[doc(hidden)]
        #[allow(
            non_camel_case_types,
            non_snake_case,
            unused_variables,
            unreachable_patterns,
            clippy::all,
            clippy::pedantic
        )]
        const _: () = {
            use #xfull as __x;
            #body
        };
    }
}

fn expand_struct(gen: &Gen, style: Style, fields: &[Field]) -> TokenStream {
    let b = body::Body::for_struct(gen, style, fields);
    let items = b.items();
    let impl_extract = extract_impl(
        gen,
        ExtractImpl {
            partial_ty: gen.partial_ty(),
            builder_ty: b.object_ty(),
            schema_name: schema::schema_name(gen),
            schema: schema::struct_schema(gen, &b),
            check: complete::struct_check(gen, &b),
            convert: complete::struct_convert(gen, &b),
            validate: complete::struct_validate(gen, &b),
            into_partial: complete::struct_into_partial(gen, &b),
        },
    );
    quote! {
        #items

        #impl_extract
    }
}
