//! The builder of an externally tagged enum (serde's default): a unit
//! variant is its name, `"Unit"`; a variant with data is an object with one
//! key, `{"Variant": content}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{
    all_names, builder, content_builder, max_name, newtype_slot, path_arms, Machine, Read,
};
use crate::ast::Style;
use crate::expand::Gen;

pub fn external_builder(gen: &Gen, read: &[Read]) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let target = gen.partial_ty();
    let max = max_name(read);
    let units: Vec<&Read> = read
        .iter()
        .filter(|r| r.variant.style == Style::Unit)
        .collect();
    let has_data = units.len() < read.len();
    let expected = match (units.is_empty(), has_data) {
        (false, false) => "a string",
        (true, _) => "an object",
        (false, true) => "a string or an object",
    };
    let unit_names: Vec<String> = units
        .iter()
        .map(|r| r.variant.attrs.name.de.clone())
        .collect();
    let every_name = all_names(read);

    let states = read.iter().map(|r| {
        let state = r.state();
        if r.variant.style == Style::Unit {
            quote!(#state,)
        } else {
            let (b, _) = content_builder(gen, r, false);
            quote!(#state(#b),)
        }
    });
    let start_str = if units.is_empty() {
        quote!(#x::Step::Reject(#x::StreamIssue::expected(#expected, event)))
    } else {
        // A name that arrives whole is matched where it lies: a name is
        // copied only when it comes in pieces.
        quote! {{
            let name = if text.len() <= #max { text } else { "" };
            if last {
                return self.unit(slot, name);
            }
            self.state = __ExtractState::Name(#x::String::from(name));
            #x::Step::More
        }}
    };
    let key_arms = read.iter().map(|r| {
        let state = r.state();
        let names = r.names();
        match r.variant.style {
            Style::Unit => quote!(#(#names)|* => __ExtractState::#state,),
            Style::Newtype | Style::Struct | Style::Tuple => {
                quote!(#(#names)|* => __ExtractState::#state(#x::Default::default()),)
            }
        }
    });
    let feed_arms = read.iter().map(|r| {
        let state = r.state();
        let ident = r.variant.ident;
        let name = &r.variant.attrs.name.de;
        match r.variant.style {
            Style::Unit => quote! {
                __ExtractState::#state => {
                    if let #x::Event::Null = event {
                        #x::Slot::set(slot, #partial::#ident);
                        self.state = __ExtractState::Close;
                    } else {
                        self.issue = #x::Some(#x::StreamIssue::expected("null", event).in_key(#name));
                        self.state = match #x::Skip::start(event) {
                            #x::Some(skip) => __ExtractState::Unknown(skip),
                            #x::None => __ExtractState::Close,
                        };
                    }
                    #x::Step::More
                }
            },
            Style::Newtype => {
                let project = newtype_slot(gen, r, false);
                quote! {
                    __ExtractState::#state(b) => {
                        let step = #x::feed_child(b, &mut self.skip, &mut #project, event);
                        self.variant_step(step, #name)
                    }
                }
            }
            Style::Struct | Style::Tuple => quote! {
                __ExtractState::#state(b) => {
                    let step = #x::feed_child(b, &mut self.skip, slot, event);
                    self.variant_step(step, #name)
                }
            },
        }
    });
    let unit_arms = units.iter().map(|r| {
        let names = r.names();
        let ident = r.variant.ident;
        quote! {
            #(#names)|* => {
                #x::Slot::set(slot, #partial::#ident);
                #x::Step::Done
            }
        }
    });
    let unit_fallback = match units.iter().find(|r| r.variant.attrs.other.is_some()) {
        Some(r) => {
            let ident = r.variant.ident;
            quote! {
                _ => {
                    #x::Slot::set(slot, #partial::#ident);
                    #x::Step::Done
                }
            }
        }
        None => quote! {
            _ => #x::Step::Invalid(#x::StreamIssue::new(#x::unknown_variant(name, &[#(#unit_names),*]))),
        },
    };
    builder(
        gen,
        Machine {
            states: quote! {
                Start,
                Name(#x::String),
                Open,
                #(#states)*
                Unknown(#x::Skip),
                Close,
            },
            methods: quote! {
                fn unit<S: #x::Slot<#target>>(&mut self, slot: &mut S, name: &str) -> #x::Step {
                    match name {
                        #(#unit_arms)*
                        #unit_fallback
                    }
                }

                #[inline]
                fn variant_step(&mut self, step: #x::ChildStep, name: &str) -> #x::Step {
                    match step {
                        #x::ChildStep::Continue(#x::None) => #x::Step::More,
                        #x::ChildStep::Continue(#x::Some(issue)) => #x::Step::MoreWith(issue.in_key(name)),
                        #x::ChildStep::Ended { issue, .. } => {
                            self.state = __ExtractState::Close;
                            match issue {
                                #x::Some(issue) => #x::Step::MoreWith(issue.in_key(name)),
                                #x::None => #x::Step::More,
                            }
                        }
                    }
                }
            },
            event_arms: quote! {
                __ExtractState::Start => match *event {
                    #x::Event::Str { text, last, .. } => #start_str,
                    #x::Event::ObjectStart => {
                        self.state = __ExtractState::Open;
                        #x::Step::More
                    }
                    _ => #x::Step::Reject(#x::StreamIssue::expected(#expected, event)),
                },
                __ExtractState::Name(name) => {
                    if let #x::Event::Str { text, last, .. } = *event {
                        if name.len() <= #max {
                            name.push_str(text);
                        }
                        if last {
                            let name = #x::mem::take(name);
                            return self.unit(slot, &name);
                        }
                    }
                    #x::Step::More
                }
                __ExtractState::Open => match *event {
                    #x::Event::Key(key) => {
                        self.state = match key {
                            #(#key_arms)*
                            _ => {
                                self.issue = #x::Some(#x::StreamIssue::new(
                                    #x::unknown_variant(key, &[#(#every_name),*]),
                                ));
                                __ExtractState::Unknown(#x::Default::default())
                            }
                        };
                        #x::Step::More
                    }
                    #x::Event::ObjectEnd => #x::Step::Invalid(#x::StreamIssue::new(
                        "expected a variant, found an empty object",
                    )),
                    _ => #x::Step::More,
                },
                #(#feed_arms)*
                __ExtractState::Unknown(skip) => {
                    if skip.event(event) {
                        self.state = __ExtractState::Close;
                    }
                    #x::Step::More
                }
                __ExtractState::Close => match *event {
                    #x::Event::ObjectEnd => match self.issue.take() {
                        #x::Some(issue) => #x::Step::Invalid(issue),
                        #x::None => #x::Step::Done,
                    },
                    #x::Event::Key(_) => {
                        if self.issue.is_none() {
                            self.issue = #x::Some(#x::StreamIssue::new(
                                "expected an object with a single variant key",
                            ));
                        }
                        self.state = __ExtractState::Unknown(#x::Default::default());
                        #x::Step::More
                    }
                    _ => #x::Step::More,
                },
            },
            ended: quote!(__ExtractState::Close | __ExtractState::Unknown(_)),
            path_arms: path_arms(gen, read, false),
        },
    )
}
