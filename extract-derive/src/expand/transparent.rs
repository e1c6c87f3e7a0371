//! Newtype structs and `#[serde(transparent)]` structs: the value is its
//! one read field's, so the partial and the builder are that field's too.
//! The schema is a named definition (inline for `transparent`) carrying
//! the type's description and the field's constraints.

use proc_macro2::TokenStream;
use quote::quote;

use super::{schema, Gen};
use crate::ast::{Data, Field};

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
    let self_ty = gen.self_ty();
    let (impl_generics, _, where_clause) = gen.generics.split_for_impl();
    let schema_name = schema::schema_name(gen);
    let keywords = schema::keywords(gen, field);
    let description = gen
        .cont
        .attrs
        .description
        .as_deref()
        .or(field.attrs.description.as_deref());
    let description = gen.opt_str(description);
    let definition = quote!(#x::field_schema::<#ty>(generator, #description, #keywords));
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
    let others = fields.iter().filter(|f| f.is_skipped()).map(|f| {
        let member = &f.member;
        let value = match &f.attrs.default {
            crate::attr::DefaultValue::Path(path) => quote!(#path()),
            _ => quote!(#x::Default::default()),
        };
        quote!(#member: #value,)
    });
    let field_validator = field
        .attrs
        .validate
        .as_ref()
        .map(|path| quote!(#x::report_invalid(#path(&self.#member), checker);));
    let container_validator = super::complete::container_validate(gen);
    quote! {
        #[automatically_derived]
        impl #impl_generics #x::Extract for #self_ty #where_clause {
            type Partial = <#ty as #x::Extract>::Partial;
            type Builder = <#ty as #x::Extract>::Builder;

            #[inline]

            fn schema_name() -> #x::String {
                #schema_name
            }

            #[inline]

            fn schema(generator: &mut #x::SchemaGenerator) -> #x::serde_json::Value {
                #schema
            }

            #[inline]

            fn check(partial: &Self::Partial, checker: &mut #x::Checker) {
                <#ty as #x::Extract>::check(partial, checker);
                #check_constraints
            }

            #[inline]

            fn convert(partial: Self::Partial) -> #x::Option<Self> {
                #x::Some(Self {
                    #member: <#ty as #x::Extract>::convert(partial)?,
                    #(#others)*
                })
            }

            #[inline]

            fn validate(&self, checker: &mut #x::Checker) {
                <#ty as #x::Extract>::validate(&self.#member, checker);
                #field_validator
                #container_validator
            }

            #[inline]

            fn into_partial(self) -> Self::Partial {
                <#ty as #x::Extract>::into_partial(self.#member)
            }
        }
    }
}
