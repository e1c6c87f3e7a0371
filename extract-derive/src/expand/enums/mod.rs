//! Enums: externally tagged (serde's default: `"Unit"` or
//! `{"Variant": content}`) and internally tagged (`#[serde(tag = "type")]`:
//! `{"type": "Variant", ...fields}`), as a state machine around the
//! variants' builders. The value appears once its variant is known; for an
//! internally tagged enum whose tag comes after other fields, those fields'
//! events are buffered and replayed when the tag arrives.
//!
//! Each style's builder is in its file (`external`, `internal`), the step
//! from the partial to the value in `complete`; this file drives them and
//! holds what they share.

mod complete;
mod external;
mod internal;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::body::Body;
use super::partial::is_internal_newtype;
use super::schema::{named, schema_name};
use super::{as_extract, decl, field_builder_ty, field_partial_ty, Gen};
use crate::ast::{Style, Variant};

/// A variant that is read, with its index among all variants and its body.
struct Read<'a> {
    index: usize,
    variant: &'a Variant<'a>,
    body: Body<'a>,
}

impl Read<'_> {
    fn state(&self) -> syn::Ident {
        format_ident!("V{}", self.index)
    }

    fn names(&self) -> impl Iterator<Item = &String> {
        self.variant.attrs.name.read_names()
    }
}

/// The `Extract` impl and builder of an enum.
pub fn expand(gen: &Gen, variants: &[Variant]) -> TokenStream {
    let read: Vec<Read> = variants
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.attrs.skip)
        .map(|(index, variant)| Read {
            index,
            variant,
            body: Body::for_variant(gen, variant, index),
        })
        .collect();
    let (builder, schema) = if gen.cont.attrs.tag.is_some() {
        (
            internal::internal_builder(gen, &read),
            internal::internal_schema(gen, &read),
        )
    } else {
        (
            external::external_builder(gen, &read),
            external::external_schema(gen, &read),
        )
    };
    let bodies = read
        .iter()
        .filter(|r| matches!(r.variant.style, Style::Struct | Style::Tuple))
        .map(|r| r.body.items());
    let (_, ty_generics, _) = gen.generics.split_for_impl();
    let impl_extract = super::extract_impl(
        gen,
        super::ExtractImpl {
            partial_ty: gen.partial_ty(),
            builder_ty: quote!(__ExtractBuilder #ty_generics),
            schema_name: schema_name(gen),
            schema: named(gen, &schema),
            check: complete::check(gen, &read),
            convert: complete::convert(gen, &read),
            validate: complete::validate(gen, &read),
            into_partial: complete::into_partial(gen, variants, &read),
        },
    );
    quote! {
        #(#bodies)*
        #builder

        #impl_extract
    }
}

/// What the builders of the two tagging styles don't share; [`builder`]
/// writes the rest.
struct Machine {
    /// The variants of `__ExtractState` (before the marker).
    states: TokenStream,
    /// The builder's own methods.
    methods: TokenStream,
    /// The arms of `event`'s `match &mut self.state`.
    event_arms: TokenStream,
    /// The states in which the whole value has been received.
    ended: TokenStream,
    /// `active_path` and `is_complete_at` arms for the variants being built.
    path_arms: (Vec<TokenStream>, Vec<TokenStream>),
}

/// The enum builder: its `__ExtractState`, the struct holding it with its
/// `Default`, and its `Builder` impl around the style's [`Machine`].
fn builder(gen: &Gen, machine: Machine) -> TokenStream {
    let x = &gen.x;
    let target = gen.partial_ty();
    let (decl, where_clause) = decl(&gen.generics);
    let (impl_generics, ty_generics, _) = gen.generics.split_for_impl();
    let marker = gen.marker_variant();
    let Machine {
        states,
        methods,
        event_arms,
        ended,
        path_arms: (path_arms, complete_arms),
    } = machine;
    quote! {
        pub enum __ExtractState #decl #where_clause {
            #states
            #marker
        }

        pub struct __ExtractBuilder #decl #where_clause {
            state: __ExtractState #ty_generics,
            skip: #x::Option<#x::Skip>,
            issue: #x::Option<#x::Box<#x::StreamIssue>>,
        }

        impl #impl_generics #x::Default for __ExtractBuilder #ty_generics #where_clause {
            #[inline]
            fn default() -> Self {
                Self {
                    state: __ExtractState::Start,
                    skip: #x::None,
                    issue: #x::None,
                }
            }
        }

        impl #impl_generics __ExtractBuilder #ty_generics #where_clause {
            #methods
        }

        impl #impl_generics #x::Builder<#target> for __ExtractBuilder #ty_generics #where_clause {
            fn event<S: #x::Slot<#target>>(
                &mut self,
                slot: &mut S,
                event: &#x::Event<'_>,
            ) -> #x::Step {
                match &mut self.state {
                    #event_arms
                    _ => #x::Step::More,
                }
            }

            #[inline]

            fn active_path(&self, out: &mut #x::Vec<#x::Segment>) {
                match &self.state {
                    #(#path_arms)*
                    _ => {}
                }
            }

            #[inline]

            fn is_complete_at(&self, path: &[#x::Segment]) -> bool {
                match &self.state {
                    #ended => true,
                    #(#complete_arms)*
                    _ => false,
                }
            }
        }
    }
}

/// The builder type of a variant's content, and the partial it builds.
fn content_builder(gen: &Gen, r: &Read) -> (TokenStream, TokenStream) {
    let x = &gen.x;
    match r.variant.style {
        Style::Struct | Style::Tuple => (r.body.object_ty(), gen.partial_ty()),
        Style::Newtype if is_internal_newtype(gen, r.variant) => {
            let ty = r.variant.fields[0].ty;
            (
                quote!(<#ty as #x::Extract>::Builder),
                quote!(<#ty as #x::Extract>::Partial),
            )
        }
        Style::Newtype => {
            // The content's own builder (`OptionBuilder` for `Option<U>`:
            // `null` is a complete content), writing through a `WrapSlot`.
            let f = &r.variant.fields[0];
            match f.option {
                Some(_) => {
                    let e = as_extract(x, f.ty);
                    (quote!(#e::Builder), quote!(#e::Partial))
                }
                None => (field_builder_ty(gen, f), field_partial_ty(x, f)),
            }
        }
        Style::Unit => (TokenStream::new(), TokenStream::new()),
    }
}

/// One pair of arms (say, `active_path`'s and `is_complete_at`'s) per
/// variant with content, from `arms(variant, its state, the partial type
/// its content's builder builds)`.
fn content_arms(
    gen: &Gen,
    read: &[Read],
    arms: impl Fn(&Read, &syn::Ident, &TokenStream) -> (TokenStream, TokenStream),
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    read.iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let (_, p) = content_builder(gen, r);
            arms(r, &r.state(), &p)
        })
        .unzip()
}

/// The longest name a variant is read from, plus one: longer strings can't
/// match and are not buffered further.
fn max_name(read: &[Read]) -> usize {
    read.iter()
        .flat_map(Read::names)
        .map(|n| n.len())
        .max()
        .unwrap_or(0)
        + 1
}

/// The names the variants are read as (aliases aside): for messages and
/// schemas.
fn de_names<'r>(read: impl IntoIterator<Item = &'r Read<'r>>) -> Vec<&'r String> {
    read.into_iter().map(|r| &r.variant.attrs.name.de).collect()
}
