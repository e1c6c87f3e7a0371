//! Enums: externally tagged (serde's default: `"Unit"` or
//! `{"Variant": content}`) and internally tagged (`#[serde(tag = "type")]`:
//! `{"type": "Variant", ...fields}`), as a state machine around the
//! variants' builders. The value appears once its variant is known; for an
//! internally tagged enum whose tag comes after other fields, those fields'
//! events are buffered and replayed when the tag arrives.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::body::Body;
use super::complete::{
    check_fields, container_validate, convert_fields, into_partial_fields, partial_pattern,
    validate_fields, value_pattern,
};
use super::partial::is_internal_newtype;
use super::schema::{body_schema, keywords, named, schema_name};
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
    let internal = gen.cont.attrs.tag.is_some();
    let builder = if internal {
        internal_builder(gen, &read)
    } else {
        external_builder(gen, &read)
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
            schema: named(gen, &schema(gen, &read, internal)),
            check: check(gen, &read, internal),
            convert: convert(gen, &read),
            validate: validate(gen, &read, internal),
            into_partial: into_partial(gen, variants, &read),
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
fn content_builder(gen: &Gen, r: &Read, internal: bool) -> (TokenStream, TokenStream) {
    let x = &gen.x;
    match r.variant.style {
        Style::Struct | Style::Tuple => (r.body.object_ty(), gen.partial_ty()),
        Style::Newtype if internal => {
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

/// The slot a newtype variant's content is written through (`slot` is the
/// enum's).
fn newtype_slot(gen: &Gen, r: &Read, internal: bool) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let target = gen.partial_ty();
    let ident = r.variant.ident;
    if internal {
        quote!(#x::ProjectSlot::new(
            slot,
            |p: &mut #target| match p {
                #partial::#ident(v) => #x::Some(v),
                _ => #x::None,
            },
            |p: &mut #target, v| *p = #partial::#ident(v),
        ))
    } else if r.variant.fields[0].option.is_some() {
        quote!(#x::WrapSlot::new(
            slot,
            |p: &mut #target| match p {
                #partial::#ident(v) => #x::Some(v),
                _ => #x::None,
            },
            #partial::#ident,
        ))
    } else {
        quote!(#x::WrapSlot::new(
            slot,
            |p: &mut #target| match p {
                #partial::#ident(v) => #x::Option::as_mut(v),
                _ => #x::None,
            },
            |v| #partial::#ident(#x::Some(v)),
        ))
    }
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

fn all_names(read: &[Read]) -> Vec<String> {
    read.iter()
        .map(|r| r.variant.attrs.name.de.clone())
        .collect()
}

fn external_builder(gen: &Gen, read: &[Read]) -> TokenStream {
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

/// `active_path` and `is_complete_at` arms for the variants being built.
fn path_arms(gen: &Gen, read: &[Read], internal: bool) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let x = &gen.x;
    let mut paths = Vec::new();
    let mut completes = Vec::new();
    for r in read {
        if r.variant.style == Style::Unit {
            continue;
        }
        let state = r.state();
        let (_, p) = content_builder(gen, r, internal);
        if internal {
            paths.push(quote! {
                __ExtractState::#state(b) => #x::Builder::<#p>::active_path(b, out),
            });
            completes.push(quote! {
                __ExtractState::#state(b) => #x::Builder::<#p>::is_complete_at(b, path),
            });
        } else {
            let de = &r.variant.attrs.name.de;
            let names = r.variant.attrs.name.path_names();
            paths.push(quote! {
                __ExtractState::#state(b) => {
                    out.push(#x::Segment::Key(#x::String::from(#de)));
                    #x::Builder::<#p>::active_path(b, out);
                }
            });
            completes.push(quote! {
                __ExtractState::#state(b) => match path.split_first() {
                    #x::Some((#x::Segment::Key(key), rest)) if #(key == #names)||* => {
                        #x::Builder::<#p>::is_complete_at(b, rest)
                    }
                    _ => false,
                },
            });
        }
    }
    (paths, completes)
}

fn internal_builder(gen: &Gen, read: &[Read]) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let target = gen.partial_ty();
    let tag = &gen
        .cont
        .attrs
        .tag
        .as_ref()
        .expect("internally tagged")
        .value;
    let missing_tag = format!("missing field `{tag}` (the variant)");
    let max = max_name(read);
    let every_name = all_names(read);
    let states = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let state = r.state();
            let (b, _) = content_builder(gen, r, true);
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
                let project = newtype_slot(gen, r, true);
                quote! {
                    #(#names)|* => {
                        #x::Slot::set(slot, #partial::#ident(#x::Default::default()));
                        let mut b = #x::Default::default();
                        let step = #x::replay(&mut b, &mut self.skip, &mut #project, buffer);
                        self.state = __ExtractState::#state(b);
                        step
                    }
                }
            }
            Style::Struct | Style::Tuple => quote! {
                #(#names)|* => {
                    let mut b = #x::Default::default();
                    let step = #x::replay(&mut b, &mut self.skip, slot, buffer);
                    self.state = __ExtractState::#state(b);
                    step
                }
            },
        }
    });
    let other = read.iter().find(|r| r.variant.attrs.other.is_some());
    let begin_fallback = match other {
        Some(r) => {
            let ident = r.variant.ident;
            quote! {
                _ => {
                    #x::Slot::set(slot, #partial::#ident);
                    self.state = __ExtractState::Rest(0);
                    #x::Step::More
                }
            }
        }
        None => quote! {
            _ => {
                self.issue = #x::Some(
                    #x::StreamIssue::new(#x::unknown_variant(name, &[#(#every_name),*])).in_key(#tag),
                );
                self.state = __ExtractState::Bad(0);
                #x::Step::More
            }
        },
    };
    let feed_arms = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let state = r.state();
            let slot = if r.variant.style == Style::Newtype {
                newtype_slot(gen, r, true)
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
    builder(
        gen,
        Machine {
            states: quote! {
                Start,
                Seek(u32, #x::EventBuffer),
                Tag(#x::String, #x::EventBuffer),
                #(#states)*
                Rest(u32),
                Bad(u32),
            },
            methods: quote! {
                fn begin<S: #x::Slot<#target>>(
                    &mut self,
                    slot: &mut S,
                    name: &str,
                    buffer: #x::Vec<#x::OwnedEvent>,
                ) -> #x::Step {
                    match name {
                        #(#begin_arms)*
                        #begin_fallback
                    }
                }

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
                __ExtractState::Start => {
                    if !#x::matches!(event, #x::Event::ObjectStart) {
                        return #x::Step::Reject(#x::StreamIssue::expected("an object", event));
                    }
                    self.state = __ExtractState::Seek(0, #x::Default::default());
                    #x::Step::More
                }
                __ExtractState::Seek(depth, buffer) => {
                    if *depth == 0 {
                        match *event {
                            #x::Event::Key(#tag) => {
                                let buffer = #x::mem::take(buffer);
                                self.state = __ExtractState::Tag(#x::String::new(), buffer);
                                return #x::Step::More;
                            }
                            #x::Event::ObjectEnd => {
                                return #x::Step::Invalid(#x::StreamIssue::new(#missing_tag));
                            }
                            _ => {}
                        }
                    }
                    #x::object_rest(depth, event);
                    buffer.push(event);
                    #x::Step::More
                }
                __ExtractState::Tag(name, buffer) => match *event {
                    #x::Event::Str { text, last, .. } => {
                        if name.len() <= #max {
                            name.push_str(text);
                        }
                        if !last {
                            return #x::Step::More;
                        }
                        let name = #x::mem::take(name);
                        let buffer = buffer.take();
                        self.begin(slot, &name, buffer)
                    }
                    _ => {
                        self.issue = #x::Some(
                            #x::StreamIssue::expected("the variant's name (a string)", event)
                                .in_key(#tag),
                        );
                        let mut depth = 0;
                        #x::object_rest(&mut depth, event);
                        self.state = __ExtractState::Bad(depth);
                        #x::Step::More
                    }
                },
                #(#feed_arms)*
                __ExtractState::Rest(depth) => {
                    if #x::object_rest(depth, event) {
                        #x::Step::Done
                    } else {
                        #x::Step::More
                    }
                }
                __ExtractState::Bad(depth) => {
                    if #x::object_rest(depth, event) {
                        #x::Step::Invalid(self.issue.take().unwrap_or_else(
                            || #x::StreamIssue::new("invalid value"),
                        ))
                    } else {
                        #x::Step::More
                    }
                }
            },
            ended: quote!(__ExtractState::Rest(_)),
            path_arms: path_arms(gen, read, true),
        },
    )
}

fn schema(gen: &Gen, read: &[Read], internal: bool) -> TokenStream {
    let x = &gen.x;
    let mut description = gen.cont.attrs.description.clone();
    let all_units = read.iter().all(|r| r.variant.style == Style::Unit);
    if internal {
        let tag = &gen
            .cont
            .attrs
            .tag
            .as_ref()
            .expect("internally tagged")
            .value;
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
                #x::internal_variant(generator, #tag, #name, #vdesc, content)
            }}
        });
        let description = gen.opt_str(description.as_deref());
        return quote!(#x::any_of(#description, #x::Vec::from([#(#variants),*])));
    }
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
        let names = all_names(read);
        let description = gen.opt_str(description.as_deref());
        return quote!(#x::string_enum(#description, &[#(#names),*]));
    }
    let unit_names: Vec<String> = read
        .iter()
        .filter(|r| r.variant.style == Style::Unit)
        .map(|r| r.variant.attrs.name.de.clone())
        .collect();
    let units =
        (!unit_names.is_empty()).then(|| quote!(#x::string_enum(#x::None, &[#(#unit_names),*]),));
    let variants = read
        .iter()
        .filter(|r| r.variant.style != Style::Unit)
        .map(|r| {
            let name = &r.variant.attrs.name.de;
            let vdesc = gen.opt_str(r.variant.attrs.description.as_deref());
            let content = match r.variant.style {
                Style::Newtype => {
                    let f = &r.variant.fields[0];
                    let ty = f.ty;
                    let kw = keywords(gen, f);
                    let fdesc = gen.opt_str(f.attrs.description.as_deref());
                    quote!(#x::field_schema::<#ty>(generator, #fdesc, #kw))
                }
                _ => {
                    let body = body_schema(&r.body);
                    quote!({ #body })
                }
            };
            quote! {{
                let content = #content;
                #x::external_variant(#name, #vdesc, content)
            }}
        });
    let description = gen.opt_str(description.as_deref());
    quote!(#x::any_of(#description, #x::Vec::from([#units #(#variants),*])))
}

/// `{ checks }` run at the variant's path: an externally tagged variant's
/// content is under its name; an internally tagged variant's fields are the
/// object's own, and a unit variant has no content.
fn in_variant(r: &Read, internal: bool, checks: &TokenStream) -> TokenStream {
    if internal || r.variant.style == Style::Unit {
        quote!({ #checks })
    } else {
        let name = &r.variant.attrs.name.de;
        quote!({
            checker.enter_field(#name);
            #checks
            checker.leave();
        })
    }
}

fn check(gen: &Gen, read: &[Read], internal: bool) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let arms = read.iter().map(|r| {
        let ident = r.variant.ident;
        let path = quote!(#partial::#ident);
        if is_internal_newtype(gen, r.variant) {
            let ty = r.variant.fields[0].ty;
            return quote!(#path(content) => <#ty as #x::Extract>::check(content, checker),);
        }
        let pattern = partial_pattern(&r.body, &path);
        let checks = in_variant(r, internal, &check_fields(&r.body));
        quote!(#pattern => #checks)
    });
    quote! {
        match partial {
            #(#arms)*
        }
    }
}

fn convert(gen: &Gen, read: &[Read]) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let arms = read.iter().map(|r| {
        let ident = r.variant.ident;
        let path = quote!(#partial::#ident);
        if is_internal_newtype(gen, r.variant) {
            let ty = r.variant.fields[0].ty;
            return quote! {
                #path(content) => #x::Some(Self::#ident(<#ty as #x::Extract>::convert(content)?)),
            };
        }
        let pattern = partial_pattern(&r.body, &path);
        let inits = convert_fields(&r.body);
        quote!(#pattern => #x::Some(Self::#ident { #inits }),)
    });
    quote! {
        match partial {
            #(#arms)*
        }
    }
}

fn validate(gen: &Gen, read: &[Read], internal: bool) -> TokenStream {
    let arms = read.iter().map(|r| {
        let ident = r.variant.ident;
        let pattern = value_pattern(&r.body, &quote!(Self::#ident));
        let fields = in_variant(r, internal, &validate_fields(&r.body));
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

fn into_partial(gen: &Gen, variants: &[Variant], read: &[Read]) -> TokenStream {
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
