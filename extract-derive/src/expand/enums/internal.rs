//! The builder of an internally tagged enum (`#[serde(tag = "type")]`):
//! `{"type": "Variant", ...fields}`. Until the tag arrives, the fields'
//! events are buffered; they are replayed into the variant's builder then.

use proc_macro2::TokenStream;
use quote::quote;

use super::{
    begin_method, builder, content_arms, content_builder, tag_arms, tag_states, unknown_tag,
    Machine, Read,
};
use crate::ast::Style;
use crate::expand::schema::body_schema;
use crate::toolkit::Gen;

/// The builder of an internally tagged enum whose tag's key is `tag`.
pub fn internal_builder(gen: &Gen, read: &[Read], tag: &str) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let states = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let state = r.state();
            let (b, _) = content_builder(gen, r);
            quote!(#state(#b),)
        });
    let begin_arms = read.iter().map(|r| {
        let state = r.state();
        let names = r.names();
        let ident = r.variant.ident;
        match r.variant.style {
            Style::Unit => quote! {
                #(#names)|* => {
                    #x::Slot::set(slot, #partial::#ident);
                    self.state = __ExtractState::Rest(0);
                    #x::Step::More
                }
            },
            Style::Newtype => {
                let project = newtype_slot(gen, r);
                quote! {
                    #(#names)|* => {
                        #x::Slot::set(slot, #partial::#ident(#x::Default::default()));
                        let mut b = #x::Default::default();
                        let step = #x::build::replay(&mut b, &mut self.skip, &mut #project, events);
                        self.state = __ExtractState::#state(b);
                        step
                    }
                }
            }
            Style::Struct | Style::Tuple => quote! {
                #(#names)|* => {
                    let mut b = #x::Default::default();
                    let step = #x::build::replay(&mut b, &mut self.skip, slot, events);
                    self.state = __ExtractState::#state(b);
                    step
                }
            },
        }
    });
    let begin_fallback = unknown_tag(gen, read, tag, |_| {
        quote! {
            self.state = __ExtractState::Rest(0);
            #x::Step::More
        }
    });
    let feed_arms = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let state = r.state();
            let slot = if r.variant.style == Style::Newtype {
                newtype_slot(gen, r)
            } else {
                quote!(*slot)
            };
            quote! {
                __ExtractState::#state(b) => {
                    let step = #x::feed_child(b, &mut self.skip, &mut #slot, event);
                    Self::content_step(step)
                }
            }
        });
    let begin = begin_method(
        gen,
        &quote! {
            match name {
                #(#begin_arms)*
                #begin_fallback
            }
        },
    );
    let tag_states = tag_states(gen);
    let tag_arms = tag_arms(gen, read, tag, None);
    builder(
        gen,
        Machine {
            states: quote! {
                #tag_states
                #(#states)*
                Rest(u32),
            },
            methods: quote! {
                #begin

                #[inline]
                fn content_step(step: #x::ChildStep) -> #x::Step {
                    match step {
                        #x::ChildStep::Continue(#x::None) => #x::Step::More,
                        #x::ChildStep::Continue(#x::Some(issue)) => #x::Step::MoreWith(issue),
                        #x::ChildStep::Ended { valid: true, issue: #x::None } => #x::Step::Done,
                        #x::ChildStep::Ended { issue, .. } => #x::Step::Invalid(issue.unwrap_or_else(
                            || #x::StreamIssue::new("invalid value"),
                        )),
                    }
                }
            },
            event_arms: quote! {
                #tag_arms
                #(#feed_arms)*
                __ExtractState::Rest(depth) => {
                    if #x::build::object_rest(depth, event) {
                        #x::Step::Done
                    } else {
                        #x::Step::More
                    }
                }
            },
            ended: quote!(__ExtractState::Rest(_)),
            path_arms: path_arms(gen, read),
        },
    )
}

/// The slot a newtype variant's content is written through (`slot` is the
/// enum's): the variant holds the content's partial itself.
fn newtype_slot(gen: &Gen, r: &Read) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let target = gen.partial_ty();
    let ident = r.variant.ident;
    quote!(#x::ProjectSlot::new(
        slot,
        |p: &mut #target| match p {
            #partial::#ident(v) => #x::Some(v),
            _ => #x::None,
        },
        |p: &mut #target, v| *p = #partial::#ident(v),
    ))
}

/// `active_path` and `is_complete_at` arms for the variants being built:
/// the variant's fields are the object's own.
fn path_arms(gen: &Gen, read: &[Read]) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let x = &gen.x;
    content_arms(gen, read, |_, state, p| {
        (
            quote!(__ExtractState::#state(b) => #x::Builder::<#p>::active_path(b, out),),
            quote!(__ExtractState::#state(b) => #x::Builder::<#p>::is_complete_at(b, path),),
        )
    })
}

/// The schema of an internally tagged enum: any of the variants' objects,
/// each with the tag.
pub fn internal_schema(gen: &Gen, read: &[Read], tag: &str) -> TokenStream {
    let x = &gen.x;
    let variants = read.iter().map(|r| {
        let name = &r.variant.attrs.name.de;
        let vdesc = gen.opt_str(r.variant.attrs.description.as_deref());
        let content = match r.variant.style {
            Style::Unit => quote!(#x::None),
            Style::Newtype => {
                let ty = r.variant.fields[0].ty;
                quote!(#x::Some(<#ty as #x::Extract>::schema(generator)))
            }
            Style::Struct | Style::Tuple => {
                let body = body_schema(&r.body);
                quote!(#x::Some({ #body }))
            }
        };
        quote! {{
            let content = #content;
            #x::schema::internal_variant(generator, #tag, #name, #vdesc, content)
        }}
    });
    let description = gen.opt_str(gen.cont.attrs.description.as_deref());
    quote!(#x::schema::any_of(#description, #x::Vec::from([#(#variants),*])))
}
