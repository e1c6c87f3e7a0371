//! The builder of an externally tagged enum (serde's default): a unit
//! variant is its name, `"Unit"`; a variant with data is an object with one
//! key, `{"Variant": content}`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{
    builder, content_builder, content_schema, de_names, keyed_path_arms, max_name, wrap_slot,
    Machine, Read,
};
use crate::ast::Style;
use crate::toolkit::Gen;

/// The builder of an externally tagged enum.
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
    let every_name = de_names(read);

    let states = read.iter().map(|r| {
        let state = r.state();
        if r.variant.style == Style::Unit {
            quote!(#state,)
        } else {
            let (b, _) = content_builder(gen, r);
            quote!(#state(#b),)
        }
    });
    let start_str = if units.is_empty() {
        quote!(#x::Step::Reject(#x::StreamIssue::expected(#expected, event)))
    } else {
        // A name that arrives whole is matched where it lies: a name is
        // copied only when it comes in pieces.
        quote! {{
            if last {
                return self.unit(slot, text);
            }
            let mut name = #x::String::new();
            #x::build::push_name_piece(&mut name, text, #max);
            self.state = __ExtractState::Name(name);
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
                let project = wrap_slot(gen, r);
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
    // A data variant's name where a unit's is expected: the variant is
    // known, its data is missing.
    let data_arms = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let names = r.names();
            let name = &r.variant.attrs.name.de;
            let message = format!(
                "the variant `{name}` holds data: expected {{\"{name}\": …}}, found a string"
            );
            quote!(#(#names)|* => #x::Step::Invalid(#x::StreamIssue::new(#message)),)
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
            _ => #x::Step::Invalid(#x::StreamIssue::new(#x::build::unknown_variant(name, &[#(#every_name),*]))),
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
                        #(#data_arms)*
                        #unit_fallback
                    }
                }

                #[inline]
                fn variant_step(&mut self, step: #x::ChildStep, name: &str) -> #x::Step {
                    let (step, ended) = #x::build::keyed_step(step, name);
                    if ended.is_some() {
                        self.state = __ExtractState::Close;
                    }
                    step
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
                        #x::build::push_name_piece(name, text, #max);
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
                                    #x::build::unknown_variant(key, &[#(#every_name),*]),
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
            path_arms: keyed_path_arms(gen, read, |r| {
                let name = &r.variant.attrs.name;
                (
                    name.de.clone(),
                    name.path_names().into_iter().cloned().collect(),
                )
            }),
        },
    )
}

/// The schema of an externally tagged enum: a string enum when every
/// variant is a unit (their descriptions listed in the enum's), else any of
/// the unit names and the one-key objects.
pub fn external_schema(gen: &Gen, read: &[Read]) -> TokenStream {
    let x = &gen.x;
    let mut description = gen.cont.attrs.description.clone();
    let all_units = read.iter().all(|r| r.variant.style == Style::Unit);
    if all_units {
        let documented: Vec<String> =
            read.iter()
                .filter_map(|r| {
                    r.variant.attrs.description.as_ref().map(|d| {
                        format!("- `{}`: {}", r.variant.attrs.name.de, d.replace('\n', " "))
                    })
                })
                .collect();
        if !documented.is_empty() {
            let lines = documented.join("\n");
            description = Some(match description {
                Some(d) => format!("{d}\n\n{lines}"),
                None => lines,
            });
        }
        let names = de_names(read);
        let description = gen.opt_str(description.as_deref());
        return quote!(#x::schema::string_enum(#description, &[#(#names),*]));
    }
    let unit_names = de_names(read.iter().filter(|r| r.variant.style == Style::Unit));
    let units = (!unit_names.is_empty())
        .then(|| quote!(#x::schema::string_enum(#x::None, &[#(#unit_names),*]),));
    let variants = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let name = &r.variant.attrs.name.de;
            let vdesc = gen.opt_str(r.variant.attrs.description.as_deref());
            let content = content_schema(gen, r);
            quote! {{
                let content = #content;
                #x::schema::external_variant(#name, #vdesc, content)
            }}
        });
    let description = gen.opt_str(description.as_deref());
    quote!(#x::schema::any_of(#description, #x::Vec::from([#units #(#variants),*])))
}
