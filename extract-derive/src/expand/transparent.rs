//! Newtype structs and `#[serde(transparent)]` structs: the value is its
//! one read field's, so the partial and the builder are that field's too.
//! The schema is a named definition (inline for `transparent`) carrying
//! the type's description and the field's constraints.

use proc_macro2::TokenStream;
use quote::quote;

use super::schema;
use crate::ast::{Data, Field};
use crate::toolkit::{extract_impl, ExtractImpl, Gen};

/// The `Extract` impl of a newtype or transparent struct.
pub fn expand(gen: &Gen) -> TokenStream {
    let x = &gen.x;
    let Data::Struct(_, fields) = &gen.cont.data else {
        unreachable!("only structs are transparent")
    };
    let field: &Field = fields
        .iter()
        .find(|f| !f.is_skipped())
        .expect("checked: one read field");
    let ty = field.ty;
    let member = &field.member;
    let schema_name = schema::schema_name(gen);
    let keywords = schema::keywords(gen, field);
    let description = gen
        .cont
        .attrs
        .description
        .as_deref()
        .or(field.attrs.description.as_deref());
    let description = gen.opt_str(description);
    let definition = quote!(#x::schema::field_schema::<#ty>(generator, #description, #keywords));
    let schema = if gen.cont.attrs.transparent.is_some() {
        definition
    } else {
        schema::named(gen, &definition)
    };
    let constraints = super::complete::constraint_checks(gen, field);
    let check_constraints = if constraints.is_empty() {
        TokenStream::new()
    } else if field.option.is_some() {
        quote!(if let #x::Some(v) = partial { #constraints })
    } else {
        quote!(let v = partial; #constraints)
    };
    // Skipped fields take their own default, never the container's.
    let others = fields
        .iter()
        .filter(|f| f.is_skipped())
        .map(|f| super::complete::skipped_field(gen, f, false));
    let field_validator = field
        .attrs
        .validate
        .as_ref()
        .map(|path| quote!(#x::check::report_invalid(#path(&self.#member), checker);));
    let container_validator = super::complete::container_validate(gen);
    let e = quote!(<#ty as #x::Extract>);
    extract_impl(
        gen,
        ExtractImpl {
            partial_ty: quote!(#e::Partial),
            builder_ty: quote!(#e::Builder),
            schema_name,
            schema,
            check: quote! {
                #e::check(partial, checker);
                #check_constraints
            },
            convert: quote! {
                #x::Some(Self {
                    #member: #e::convert(partial)?,
                    #(#others)*
                })
            },
            validate: quote! {
                #e::validate(&self.#member, checker);
                #field_validator
                #container_validator
            },
            into_partial: quote!(#e::into_partial(self.#member)),
        },
    )
}
