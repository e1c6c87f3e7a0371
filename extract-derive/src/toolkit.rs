//! What every generator shares: the generation context ([`Gen`]: names,
//! paths, generics), the types a field's builder and partial have, the
//! member of the partial that holds a field, and the shape of the
//! `Extract` impl. Below the generators: it imports none of them, and
//! `fallback` uses it too.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_quote, Generics, Ident};

use crate::ast::{Container, Field, Style};

/// What every generator needs: names, paths and generics.
pub struct Gen<'a> {
    /// The input.
    pub cont: &'a Container<'a>,
    /// `::extract::__private`, for code outside the `const _` block.
    pub xfull: TokenStream,
    /// The alias of `__private` inside the `const _` block.
    pub x: TokenStream,
    /// The partial type's name.
    pub partial_ident: Ident,
    /// The generics with an `Extract` bound on every type parameter (for
    /// code inside the block).
    pub generics: Generics,
    /// The same with the full path to `Extract` (for the partial type).
    pub generics_full: Generics,
    /// The type parameters, for the builder's marker.
    pub type_params: Vec<Ident>,
}

impl<'a> Gen<'a> {
    /// The context of the derive of `cont`, reaching the runtime at `krate`.
    pub fn new(cont: &'a Container<'a>, krate: syn::Path) -> Self {
        let xfull = quote!(#krate::__private);
        let x = quote!(__x);
        let partial_ident = cont
            .attrs
            .partial
            .clone()
            .unwrap_or_else(|| format_ident!("Partial{}", cont.ident));
        let type_params: Vec<Ident> = cont
            .generics
            .type_params()
            .map(|p| p.ident.clone())
            .collect();
        Gen {
            cont,
            generics: bounded(cont.generics, &quote!(__x::Extract)),
            generics_full: bounded(cont.generics, &quote!(#xfull::Extract)),
            xfull,
            x,
            partial_ident,
            type_params,
        }
    }

    /// True when the type has type parameters.
    pub fn is_generic(&self) -> bool {
        !self.type_params.is_empty()
    }

    /// `PartialUser<T>`.
    pub fn partial_ty(&self) -> TokenStream {
        let ident = &self.partial_ident;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        quote!(#ident #ty_generics)
    }

    /// `User<T>`.
    pub fn self_ty(&self) -> TokenStream {
        let ident = self.cont.ident;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        quote!(#ident #ty_generics)
    }

    /// `__Marker(PhantomData<…>),`: an enum variant using every type
    /// parameter (builder types must use them all, whatever the fields are).
    pub fn marker_variant(&self) -> Option<TokenStream> {
        let x = &self.x;
        let params = &self.type_params;
        self.is_generic()
            .then(|| quote!(__Marker(#x::PhantomData<fn() -> (#(#params,)*)>),))
    }

    /// `Some("text")` or `None`.
    pub fn opt_str(&self, s: Option<&str>) -> TokenStream {
        let x = &self.x;
        match s {
            Some(s) => quote!(#x::Some(#s)),
            None => quote!(#x::None),
        }
    }
}

/// The parameters (`<T: Bound, …>`, empty without any) and the where
/// clause of a type declared with `generics`.
pub fn decl(generics: &Generics) -> (TokenStream, Option<&syn::WhereClause>) {
    let params = &generics.params;
    let decl = if params.is_empty() {
        TokenStream::new()
    } else {
        quote!(<#params>)
    };
    (decl, generics.where_clause.as_ref())
}

/// `generics` with `where T: bound` for each type parameter.
pub fn bounded(generics: &Generics, bound: &TokenStream) -> Generics {
    let mut generics = generics.clone();
    let params: Vec<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    let where_clause = generics.make_where_clause();
    for param in params {
        where_clause.predicates.push(parse_quote!(#param: #bound));
    }
    generics
}

/// `tokens` re-spanned on `ty` (for the errors of a type that does not
/// implement `Extract`).
fn spanned(ty: &syn::Type, tokens: TokenStream) -> TokenStream {
    let span = syn::spanned::Spanned::span(ty);
    tokens
        .into_iter()
        .map(|mut tt| {
            if !matches!(tt, proc_macro2::TokenTree::Group(_)) {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `<ty as Extract>`, spanned on the type: when the type does not
/// implement `Extract`, every error lands on the field's type.
pub fn as_extract(x: &TokenStream, ty: &syn::Type) -> TokenStream {
    let span = syn::spanned::Spanned::span(ty);
    quote::quote_spanned!(span=> <#ty as #x::Extract>)
}

/// The type the field's builder builds into: `<U as Extract>::Partial` for
/// `Option<U>` (the field's `Option` is the partial's), else `<T as
/// Extract>::Partial`.
pub fn field_partial_ty(x: &TokenStream, field: &Field) -> TokenStream {
    let e = as_extract(x, field.option.unwrap_or(field.ty));
    quote!(#e::Partial)
}

/// The builder of a field's value: `null` leaves an `Option` field, or a
/// field with a default, empty (strict schemas make both nullable).
pub fn field_builder_ty(gen: &Gen, field: &Field) -> TokenStream {
    let x = &gen.x;
    match field.option {
        Some(inner) => spanned(inner, quote!(#x::NullableBuilder<#inner>)),
        None if field.has_default(&gen.cont.attrs) => {
            let ty = field.ty;
            spanned(ty, quote!(#x::NullableBuilder<#ty>))
        }
        None => {
            let e = as_extract(x, field.ty);
            quote!(#e::Builder)
        }
    }
}

/// The member of the partial holding a read field: the field's name, or
/// its [read index](Field::read_index) in a tuple (skipped fields are not
/// in the partial, nor in the JSON array).
pub fn partial_member(style: Style, field: &Field) -> syn::Member {
    match style {
        Style::Struct => field.member.clone(),
        _ => syn::Member::Unnamed(field.read_index().into()),
    }
}

/// The bodies of the `Extract` methods of one derived type.
pub struct ExtractImpl {
    /// The partial type.
    pub partial_ty: TokenStream,
    /// The builder type.
    pub builder_ty: TokenStream,
    /// Body of `schema_name`.
    pub schema_name: TokenStream,
    /// Body of `schema`.
    pub schema: TokenStream,
    /// Body of `check`.
    pub check: TokenStream,
    /// Body of `convert`.
    pub convert: TokenStream,
    /// Body of `validate`.
    pub validate: TokenStream,
    /// Body of `into_partial`.
    pub into_partial: TokenStream,
}

/// `impl Extract for Self` from its method bodies: one shape for structs,
/// enums and transparent structs alike.
pub fn extract_impl(gen: &Gen, parts: ExtractImpl) -> TokenStream {
    let x = &gen.x;
    let self_ty = gen.self_ty();
    let (impl_generics, _, where_clause) = gen.generics.split_for_impl();
    let ExtractImpl {
        partial_ty,
        builder_ty,
        schema_name,
        schema,
        check,
        convert,
        validate,
        into_partial,
    } = parts;
    quote! {
        #[automatically_derived]
        impl #impl_generics #x::Extract for #self_ty #where_clause {
            type Partial = #partial_ty;
            type Builder = #builder_ty;

            #[inline]

            fn schema_name() -> #x::String {
                #schema_name
            }

            #[inline]

            fn schema(generator: &mut #x::SchemaGenerator) -> #x::serde_json::Value {
                #schema
            }

            #[inline]

            fn check(partial: &#partial_ty, checker: &mut #x::Checker) {
                #check
            }

            #[inline]

            fn convert(partial: #partial_ty) -> #x::Option<Self> {
                #convert
            }

            #[inline]

            fn validate(&self, checker: &mut #x::Checker) {
                #validate
            }

            #[inline]

            fn into_partial(self) -> #partial_ty {
                #into_partial
            }
        }
    }
}
