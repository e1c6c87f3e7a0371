//! The builder of an adjacently tagged enum
//! (`#[serde(tag = "t", content = "c")]`): `{"t": "Variant", "c": content}`,
//! a unit variant `{"t": "Unit"}` (or with `"c": null`). The keys come in
//! either order, other keys are skipped. When the tag comes first, the
//! content streams into its variant's builder as it arrives; when the
//! content comes first, its events are buffered and replayed when the tag
//! arrives.
//!
//! Once the variant is known, the builder is `Known(variant, received)`
//! between the object's keys (`variant` is its index among all variants;
//! `received` says whether its content has arrived), or in the state of
//! the content it is reading.

use proc_macro2::TokenStream;
use quote::quote;

use super::{
    begin_method, builder, content_builder, content_schema, keyed_path_arms, tag_arms, tag_states,
    unknown_tag, wrap_slot, Keys, Machine, Read,
};
use crate::ast::Style;
use crate::toolkit::Gen;

/// The builder of an adjacently tagged enum.
pub fn adjacent_builder(gen: &Gen, read: &[Read], keys: Keys) -> TokenStream {
    let x = &gen.x;
    let Keys { tag, content } = keys;
    let missing_content = format!("missing field `{content}` (the variant's content)");
    let data: Vec<&Read> = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .collect();
    let states = data.iter().map(|r| {
        let state = r.state();
        let (b, _) = content_builder(gen, r);
        quote!(#state(#b),)
    });
    let open_arms = data.iter().map(|r| {
        let (state, index) = (r.state(), r.index);
        quote!(#index => __ExtractState::#state(#x::Default::default()),)
    });
    let feed_arms = data.iter().map(|r| feed_arm(gen, r));
    let tag_states = tag_states(gen);
    let tag_arms = tag_arms(gen, read, tag, Some(content));
    let begin = begin(gen, read, tag);
    let without_content = without_content(gen, read);
    let unknown_key = if gen.cont.attrs.deny_unknown_fields {
        quote! {
            if key == #tag {
                #x::Step::More
            } else {
                #x::Step::MoreWith(#x::build::unknown_field(key, &[#tag, #content]))
            }
        }
    } else {
        quote!(#x::Step::More)
    };
    builder(
        gen,
        Machine {
            states: quote! {
                #tag_states
                Known(usize, bool),
                Unknown(#x::Skip, usize, bool),
                UnitContent(usize),
                #(#states)*
            },
            methods: quote! {
                #begin

                #without_content

                /// The state reading the content of `variant`.
                fn open_content(variant: usize) -> __ExtractState {
                    match variant {
                        #(#open_arms)*
                        _ => __ExtractState::UnitContent(variant),
                    }
                }

                #[inline]
                fn content_step(&mut self, step: #x::ChildStep, variant: usize) -> #x::Step {
                    let (step, ended) = #x::build::keyed_step(step, #content);
                    if ended.is_some() {
                        self.state = __ExtractState::Known(variant, true);
                    }
                    step
                }
            },
            event_arms: quote! {
                #tag_arms
                __ExtractState::Known(variant, received) => match *event {
                    #x::Event::Key(#content) => {
                        self.state = Self::open_content(*variant);
                        #x::Step::More
                    }
                    #x::Event::Key(key) => {
                        self.state = __ExtractState::Unknown(#x::Default::default(), *variant, *received);
                        #unknown_key
                    }
                    #x::Event::ObjectEnd if *received => #x::Step::Done,
                    #x::Event::ObjectEnd => match Self::without_content(*variant) {
                        #x::Some(partial) => {
                            #x::Slot::set(slot, partial);
                            #x::Step::Done
                        }
                        #x::None => #x::Step::Invalid(#x::StreamIssue::new(#missing_content)),
                    },
                    _ => #x::Step::More,
                },
                __ExtractState::Unknown(skip, variant, received) => {
                    if skip.event(event) {
                        self.state = __ExtractState::Known(*variant, *received);
                    }
                    #x::Step::More
                }
                __ExtractState::UnitContent(variant) => {
                    let variant = *variant;
                    self.state = __ExtractState::Known(variant, true);
                    if #x::matches!(event, #x::Event::Null) {
                        return #x::Step::More;
                    }
                    if let #x::Some(skip) = #x::Skip::start(event) {
                        self.state = __ExtractState::Unknown(skip, variant, true);
                    }
                    #x::Step::MoreWith(#x::StreamIssue::expected("null", event).in_key(#content))
                }
                #(#feed_arms)*
            },
            ended: quote!(__ExtractState::Known(_, true) | __ExtractState::Unknown(_, _, true)),
            path_arms: keyed_path_arms(gen, read, |_| {
                (content.to_owned(), vec![content.to_owned()])
            }),
        },
    )
}

/// `begin`: the variant named by the tag is known (a unit variant is set at
/// once); the content kept before the tag, if any, is replayed.
fn begin(gen: &Gen, read: &[Read], tag: &str) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let arms = read.iter().map(|r| {
        let names = r.names();
        let ident = r.variant.ident;
        let index = r.index;
        match r.variant.style {
            Style::Unit => quote! {
                #(#names)|* => {
                    #x::Slot::set(slot, #partial::#ident);
                    __ExtractState::Known(#index, true)
                }
            },
            Style::Newtype | Style::Struct | Style::Tuple => {
                quote!(#(#names)|* => __ExtractState::Known(#index, false),)
            }
        }
    });
    let fallback = unknown_tag(gen, read, tag, |r| {
        let index = r.index;
        quote!(__ExtractState::Known(#index, true))
    });
    begin_method(
        gen,
        &quote! {
            self.state = match name {
                #(#arms)*
                #fallback
            };
            // The events are the object's own: it can't reject them, so
            // there is nothing to skip.
            #x::build::replay_all(self, &mut #x::None, slot, events)
        },
    )
}

/// `without_content`: the value of a variant whose content never came, if
/// it has one (a newtype variant of an `Option`, as serde reads it: `None`).
fn without_content(gen: &Gen, read: &[Read]) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let target = gen.partial_ty();
    let arms = read
        .iter()
        .filter(|r| r.variant.style == Style::Newtype && r.variant.fields[0].option.is_some())
        .map(|r| {
            let ident = r.variant.ident;
            let index = r.index;
            quote!(#index => #x::Some(#partial::#ident(#x::Default::default())),)
        });
    quote! {
        /// The value of `variant` when its content is missing, if it has one.
        fn without_content(variant: usize) -> #x::Option<#target> {
            match variant {
                #(#arms)*
                _ => #x::None,
            }
        }
    }
}

/// The arm feeding a variant's content to its builder: a newtype's
/// content through the variant's field, a body's into the variant itself.
fn feed_arm(gen: &Gen, r: &Read) -> TokenStream {
    let x = &gen.x;
    let state = r.state();
    let index = r.index;
    let slot = match r.variant.style {
        Style::Newtype => wrap_slot(gen, r),
        _ => quote!(*slot),
    };
    quote! {
        __ExtractState::#state(b) => {
            let step = #x::feed_child(b, &mut self.skip, &mut #slot, event);
            self.content_step(step, #index)
        }
    }
}

/// The schema of an adjacently tagged enum: any of the variants' objects,
/// each with its tag and (unless a unit) its content, both required.
pub fn adjacent_schema(gen: &Gen, read: &[Read], keys: Keys) -> TokenStream {
    let x = &gen.x;
    let Keys { tag, content } = keys;
    let variants = read.iter().map(|r| {
        let name = &r.variant.attrs.name.de;
        let vdesc = gen.opt_str(r.variant.attrs.description.as_deref());
        let schema = match r.variant.style {
            Style::Unit => quote!(#x::None),
            _ => {
                let schema = content_schema(gen, r);
                quote!(#x::Some(#schema))
            }
        };
        quote! {{
            let content = #schema;
            #x::schema::adjacent_variant((#tag, #content), #name, #vdesc, content)
        }}
    });
    let description = gen.opt_str(gen.cont.attrs.description.as_deref());
    quote!(#x::schema::any_of(#description, #x::Vec::from([#(#variants),*])))
}
