//! From a finished partial to the enum's value: `check`, `convert`,
//! `validate` and `into_partial`, one arm per variant.

use proc_macro2::TokenStream;
use quote::quote;

use super::Read;
use crate::ast::{Style, Variant};
use crate::attr::Tagging;
use crate::expand::complete::{
    check_fields, container_validate, convert_fields, into_partial_fields, partial_pattern,
    validate_fields, value_pattern,
};
use crate::expand::partial::is_internal_newtype;
use crate::toolkit::Gen;

/// `{ checks }` run at the variant's path: an externally tagged variant's
/// content is under its name, an adjacently tagged one's under the content
/// key; an internally tagged variant's fields are the object's own, and a
/// unit variant has no content.
fn in_variant(gen: &Gen, r: &Read, checks: &TokenStream) -> TokenStream {
    let key = match gen.cont.attrs.tagging() {
        _ if r.variant.style == Style::Unit => None,
        Tagging::External => Some(r.variant.attrs.name.de.as_str()),
        Tagging::Internal { .. } => None,
        Tagging::Adjacent { content, .. } => Some(content),
    };
    match key {
        Some(key) => quote!({
            checker.enter_field(#key);
            #checks
            checker.leave();
        }),
        None => quote!({ #checks }),
    }
}

/// `match partial { … }` with one arm per variant: `newtype(r, ty)` for an
/// internally tagged newtype variant (its partial holds the content's
/// partial, `content`, directly), else `arm(r, pattern)` with the pattern
/// that binds the variant's fields.
fn match_partial(
    gen: &Gen,
    read: &[Read],
    newtype: impl Fn(&Read, &syn::Type) -> TokenStream,
    arm: impl Fn(&Read, TokenStream) -> TokenStream,
) -> TokenStream {
    let partial = &gen.partial_ident;
    let arms = read.iter().map(|r| {
        let ident = r.variant.ident;
        if is_internal_newtype(gen, r.variant) {
            let body = newtype(r, r.variant.fields[0].ty);
            return quote!(#partial::#ident(content) => #body,);
        }
        arm(r, partial_pattern(&r.body, &quote!(#partial::#ident)))
    });
    quote! {
        match partial {
            #(#arms)*
        }
    }
}

pub fn check(gen: &Gen, read: &[Read]) -> TokenStream {
    let x = &gen.x;
    match_partial(
        gen,
        read,
        |_, ty| quote!(<#ty as #x::Extract>::check(content, checker)),
        |r, pattern| {
            let checks = in_variant(gen, r, &check_fields(&r.body));
            quote!(#pattern => #checks)
        },
    )
}

pub fn convert(gen: &Gen, read: &[Read]) -> TokenStream {
    let x = &gen.x;
    match_partial(
        gen,
        read,
        |r, ty| {
            let ident = r.variant.ident;
            quote!(#x::Some(Self::#ident(<#ty as #x::Extract>::convert(content)?)))
        },
        |r, pattern| {
            let ident = r.variant.ident;
            let inits = convert_fields(&r.body);
            quote!(#pattern => #x::Some(Self::#ident { #inits }),)
        },
    )
}

pub fn validate(gen: &Gen, read: &[Read]) -> TokenStream {
    let arms = read.iter().map(|r| {
        let ident = r.variant.ident;
        let pattern = value_pattern(&r.body, &quote!(Self::#ident));
        let fields = in_variant(gen, r, &validate_fields(&r.body));
        quote!(#pattern => #fields)
    });
    let container = container_validate(gen);
    quote! {
        match self {
            #(#arms)*
            _ => {}
        }
        #container
    }
}

pub fn into_partial(gen: &Gen, variants: &[Variant], read: &[Read]) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let arms = read.iter().map(|r| {
        let ident = r.variant.ident;
        let pattern = value_pattern(&r.body, &quote!(Self::#ident));
        if is_internal_newtype(gen, r.variant) {
            let ty = r.variant.fields[0].ty;
            return quote! {
                #pattern => #partial::#ident(<#ty as #x::Extract>::into_partial(__v0)),
            };
        }
        let inits = into_partial_fields(&r.body);
        quote!(#pattern => #partial::#ident { #inits },)
    });
    let skipped = variants
        .iter()
        .any(|v| v.attrs.skip)
        .then(|| quote!(_ => #x::Default::default(),));
    quote! {
        match self {
            #(#arms)*
            #skipped
        }
    }
}
