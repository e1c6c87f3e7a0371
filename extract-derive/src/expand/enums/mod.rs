//! Enums: externally tagged (serde's default: `"Unit"` or
//! `{"Variant": content}`), internally tagged (`#[serde(tag = "type")]`:
//! `{"type": "Variant", ...fields}`) and adjacently tagged
//! (`#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": content}`),
//! as a state machine around the variants' builders. The value appears once
//! its variant is known; for a tagged enum whose tag comes after the
//! variant's fields (or its content), those events are buffered and
//! replayed when the tag arrives.
//!
//! Each style's builder is in its file (`external`, `internal`,
//! `adjacent`), the step from the partial to the value in `complete`; this
//! file drives them and holds what they share.

mod adjacent;
mod complete;
mod external;
mod internal;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::body::Body;
use super::partial::is_internal_newtype;
use super::schema::{body_schema, keywords, named, schema_name};
use crate::ast::{Style, Variant};
use crate::attr::Tagging;
use crate::toolkit::{
    as_extract, decl, extract_impl, field_builder_ty, field_partial_ty, ExtractImpl, Gen,
};

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
    let (builder, schema) = match gen.cont.attrs.tagging() {
        Tagging::External => (
            external::external_builder(gen, &read),
            external::external_schema(gen, &read),
        ),
        Tagging::Internal { tag } => (
            internal::internal_builder(gen, &read, tag),
            internal::internal_schema(gen, &read, tag),
        ),
        Tagging::Adjacent { tag, content } => (
            adjacent::adjacent_builder(gen, &read, Keys { tag, content }),
            adjacent::adjacent_schema(gen, &read, Keys { tag, content }),
        ),
    };
    let bodies = read
        .iter()
        .filter(|r| matches!(r.variant.style, Style::Struct | Style::Tuple))
        .map(|r| r.body.items());
    let (_, ty_generics, _) = gen.generics.split_for_impl();
    let impl_extract = extract_impl(
        gen,
        ExtractImpl {
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

/// The keys of an adjacently tagged enum's object.
#[derive(Clone, Copy)]
struct Keys<'a> {
    /// The tag's key (the variant's name is its value).
    tag: &'a str,
    /// The content's key.
    content: &'a str,
}

/// What the builders of the tagging styles don't share; [`builder`]
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

/// `active_path` and `is_complete_at` arms for the variants being built
/// when the content is under a key: `key(variant)` gives the key written
/// in paths and every key a path may give for it.
fn keyed_path_arms(
    gen: &Gen,
    read: &[Read],
    key: impl Fn(&Read) -> (String, Vec<String>),
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let x = &gen.x;
    content_arms(gen, read, |r, state, p| {
        let (written, names) = key(r);
        let path = quote! {
            __ExtractState::#state(b) => {
                out.push(#x::Segment::Key(#x::String::from(#written)));
                #x::Builder::<#p>::active_path(b, out);
            }
        };
        let complete = quote! {
            __ExtractState::#state(b) => match path.split_first() {
                #x::Some((#x::Segment::Key(key), rest)) if #(key == #names)||* => {
                    #x::Builder::<#p>::is_complete_at(b, rest)
                }
                _ => false,
            },
        };
        (path, complete)
    })
}

/// The schema of a variant's content when it is a value of its own (not
/// the enum's object, as when internally tagged): a newtype's field with
/// its description and constraints, or the body's object or array.
fn content_schema(gen: &Gen, r: &Read) -> TokenStream {
    let x = &gen.x;
    match r.variant.style {
        Style::Newtype => {
            let f = &r.variant.fields[0];
            let ty = f.ty;
            let kw = keywords(gen, f);
            let fdesc = gen.opt_str(f.attrs.description.as_deref());
            quote!(#x::schema::field_schema::<#ty>(generator, #fdesc, #kw))
        }
        _ => {
            let body = body_schema(&r.body);
            quote!({ #body })
        }
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

/// The names the variants are read as (aliases aside): for messages and
/// schemas.
fn de_names<'r>(read: impl IntoIterator<Item = &'r Read<'r>>) -> Vec<&'r String> {
    read.into_iter().map(|r| &r.variant.attrs.name.de).collect()
}

/// The slot a newtype variant's content is written through when the
/// variant holds it as an `Option` (`slot` is the enum's): the variant's
/// field, the variant made when the content appears.
fn wrap_slot(gen: &Gen, r: &Read) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let target = gen.partial_ty();
    let ident = r.variant.ident;
    if r.variant.fields[0].option.is_some() {
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

/// The states a tagged enum's builder is in until its variant is known
/// (see [`tag_arms`]).
fn tag_states(gen: &Gen) -> TokenStream {
    let x = &gen.x;
    quote! {
        Start,
        Seek(#x::build::BeforeTag),
        Tag(#x::String, #x::build::BeforeTag),
        Bad(u32),
    }
}

/// The `event` arms of a tagged enum's builder until its variant is known,
/// and once it is known to be bad: the object opens, the events before the
/// tag are kept (the content's only when `content` is some), the tag's name
/// arrives in pieces and the builder's `begin(slot, name, kept events)`
/// takes it from there; a bad value is skipped to its `}`.
fn tag_arms(gen: &Gen, read: &[Read], tag: &str, content: Option<&str>) -> TokenStream {
    let x = &gen.x;
    let missing_tag = format!("missing field `{tag}` (the variant)");
    let max = max_name(read);
    let content = match content {
        Some(c) => quote!(#x::Some(#c)),
        None => quote!(#x::None),
    };
    quote! {
        __ExtractState::Start => {
            if !#x::matches!(event, #x::Event::ObjectStart) {
                return #x::Step::Reject(#x::StreamIssue::expected("an object", event));
            }
            self.state = __ExtractState::Seek(#x::Default::default());
            #x::Step::More
        }
        __ExtractState::Seek(before) => match before.event(event, #tag, #content) {
            #x::build::Sought::More => #x::Step::More,
            #x::build::Sought::Tag => {
                let before = #x::mem::take(before);
                self.state = __ExtractState::Tag(#x::String::new(), before);
                #x::Step::More
            }
            #x::build::Sought::End => #x::Step::Invalid(#x::StreamIssue::new(#missing_tag)),
        },
        __ExtractState::Tag(name, before) => match *event {
            #x::Event::Str { text, last, .. } => {
                #x::build::push_name_piece(name, text, #max);
                if !last {
                    return #x::Step::More;
                }
                let name = #x::mem::take(name);
                let events = before.take();
                self.begin(slot, &name, events)
            }
            _ => {
                self.issue = #x::Some(
                    #x::StreamIssue::expected("the variant's name (a string)", event)
                        .in_key(#tag),
                );
                let mut depth = 0;
                #x::build::object_rest(&mut depth, event);
                self.state = __ExtractState::Bad(depth);
                #x::Step::More
            }
        },
        __ExtractState::Bad(depth) => {
            if #x::build::object_rest(depth, event) {
                #x::Step::Invalid(self.issue.take().unwrap_or_else(
                    || #x::StreamIssue::new("invalid value"),
                ))
            } else {
                #x::Step::More
            }
        }
    }
}

/// `begin(slot, name, events)`, which [`tag_arms`] calls once the tag's
/// name has arrived (`events`: those kept before it), around `body`.
fn begin_method(gen: &Gen, body: &TokenStream) -> TokenStream {
    let x = &gen.x;
    let target = gen.partial_ty();
    quote! {
        fn begin<S: #x::Slot<#target>>(
            &mut self,
            slot: &mut S,
            name: &str,
            events: #x::Vec<#x::OwnedEvent>,
        ) -> #x::Step {
            #body
        }
    }
}

/// The arm of `begin` for a name no variant has: the `#[serde(other)]`
/// variant (a unit) if there is one, set and followed by `then(variant)`,
/// else an unknown variant, reported at the tag's key once the object ends.
fn unknown_tag(
    gen: &Gen,
    read: &[Read],
    tag: &str,
    then: impl FnOnce(&Read) -> TokenStream,
) -> TokenStream {
    let x = &gen.x;
    let partial = &gen.partial_ident;
    let every_name = de_names(read);
    match read.iter().find(|r| r.variant.attrs.other.is_some()) {
        Some(r) => {
            let ident = r.variant.ident;
            let then = then(r);
            quote! {
                _ => {
                    #x::Slot::set(slot, #partial::#ident);
                    #then
                }
            }
        }
        None => quote! {
            _ => {
                self.issue = #x::Some(
                    #x::StreamIssue::new(#x::build::unknown_variant(name, &[#(#every_name),*])).in_key(#tag),
                );
                self.state = __ExtractState::Bad(0);
                return #x::Step::More;
            }
        },
    }
}
