//! `Extract::schema_name` and `Extract::schema`: named types register their
//! definition under `$defs` and are referred to by `$ref`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::body::Body;
use crate::ast::Field;
use crate::attr;
use crate::toolkit::Gen;

/// `schema_name()`: the serde name, with the type arguments' names for a
/// generic type (`Page_User`).
pub fn schema_name(gen: &Gen) -> TokenStream {
    let x = &gen.x;
    let name = &gen.cont.attrs.name.de;
    if gen.is_generic() {
        let params = &gen.type_params;
        quote!(#x::schema::generic_name(#name, &[#(<#params as #x::Extract>::schema_name()),*]))
    } else {
        quote!(#x::String::from(#name))
    }
}

/// The schema keywords of a field's constraints, by the kind of each
/// one's value.
pub fn keywords(gen: &Gen, f: &Field) -> TokenStream {
    let x = &gen.x;
    let keywords = f.attrs.constraints.0.iter().map(|(constraint, sp)| {
        let keyword = constraint.keyword;
        match &sp.value {
            attr::Value::Count(n) => {
                let n = Literal::u64_unsuffixed(*n);
                quote!(#x::schema::Keyword::Count(#keyword, #n))
            }
            attr::Value::Number(text, _) => quote!(#x::schema::Keyword::Number(#keyword, #text)),
            attr::Value::Regex(source) => quote!(#x::schema::Keyword::Text(#keyword, #source)),
            _ => unreachable!("a constraint's value is a count, a number or a regex"),
        }
    });
    quote!(&[#(#keywords),*])
}

/// The schema of a body: an object of its fields, or a tuple array
/// (`generator` in scope).
pub fn body_schema(body: &Body) -> TokenStream {
    let gen = body.gen;
    let x = &gen.x;
    let description = gen.opt_str(body.description());
    if body.is_named() {
        let deny = gen.cont.attrs.deny_unknown_fields;
        let fields = body.fields.iter().map(|f| {
            let ty = f.ty;
            let name = &f.attrs.name.de;
            let field_description = gen.opt_str(f.attrs.description.as_deref());
            let has_default = f.has_default(&gen.cont.attrs);
            let keywords = keywords(gen, f);
            let span = syn::spanned::Spanned::span(ty);
            let field = quote::quote_spanned!(span=> field::<#ty>);
            quote! {
                properties.#field(generator, #name, #field_description, #has_default, #keywords);
            }
        });
        quote! {
            let mut properties = #x::schema::Properties::new();
            #(#fields)*
            properties.into_object(#description, #deny)
        }
    } else {
        let items = body.fields.iter().map(|f| {
            let ty = f.ty;
            let field_description = gen.opt_str(f.attrs.description.as_deref());
            let keywords = keywords(gen, f);
            let span = syn::spanned::Spanned::span(ty);
            let call = quote::quote_spanned!(span=> #x::schema::field_schema::<#ty>);
            quote!(#call(generator, #field_description, #keywords))
        });
        quote!(#x::schema::tuple_schema(#description, #x::Vec::from([#(#items),*])))
    }
}

/// `schema()` of a named type whose definition is `definition`
/// (`generator` in scope inside it).
pub fn named(gen: &Gen, definition: &TokenStream) -> TokenStream {
    let x = &gen.x;
    quote! {
        #x::schema::named_schema::<Self>(
            generator,
            &<Self as #x::Extract>::schema_name(),
            |generator: &mut #x::SchemaGenerator| -> #x::serde_json::Value { #definition },
        )
    }
}

/// `schema()` of a struct.
pub fn struct_schema(gen: &Gen, body: &Body) -> TokenStream {
    named(gen, &body_schema(body))
}
