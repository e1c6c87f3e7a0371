//! The builders of a body of fields (a struct, or one variant of an enum):
//! a `Fields` state machine that dispatches keys (or array positions) to
//! the fields' builders, and an `Object` wrapper that checks the opening
//! bracket, makes the value appear, and holds it back until its
//! `stream_required` fields have arrived.
//!
//! Generated shape, for `struct User { name: String, age: u32 }`:
//!
//! ```text
//! enum __ExtractActive { None, Unknown(Skip), F0(<String as Extract>::Builder), F1(...) }
//! struct __ExtractFields { active, skip: Option<Skip>, done: Bits<1> }
//! struct __ExtractBuilder { started: bool, fields: __ExtractFields }
//! ```

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use super::{decl, field_builder_ty, field_partial_ty, partial_member, Gen};
use crate::ast::{Field, Style, Variant};
use crate::attr::Tagging;

/// A body of fields and where its partial lives.
pub struct Body<'a> {
    /// The generation context.
    pub gen: &'a Gen<'a>,
    /// `Struct` (keys) or `Tuple` (positions).
    pub style: Style,
    /// Every field, skipped ones included.
    pub all: &'a [Field<'a>],
    /// The fields read from JSON, in order; a field's index here is its bit.
    pub fields: Vec<&'a Field<'a>>,
    /// The variant, for a variant's body.
    pub variant: Option<&'a Variant<'a>>,
    /// Prefix of the generated items' names.
    prefix: String,
}

impl<'a> Body<'a> {
    /// The body of a struct.
    pub fn for_struct(gen: &'a Gen<'a>, style: Style, fields: &'a [Field<'a>]) -> Self {
        Body {
            gen,
            style,
            all: fields,
            fields: fields.iter().filter(|f| !f.is_skipped()).collect(),
            variant: None,
            prefix: "__Extract".to_owned(),
        }
    }

    /// The body of a struct or tuple variant.
    pub fn for_variant(gen: &'a Gen<'a>, variant: &'a Variant<'a>, index: usize) -> Self {
        Body {
            gen,
            style: variant.style,
            all: &variant.fields,
            fields: variant.fields.iter().filter(|f| !f.is_skipped()).collect(),
            variant: Some(variant),
            prefix: format!("__ExtractV{index}"),
        }
    }

    /// `PartialShape::Circle` when the body is a variant's.
    fn variant_path(&self) -> Option<TokenStream> {
        let partial = &self.gen.partial_ident;
        self.variant.map(|v| {
            let ident = v.ident;
            quote!(#partial::#ident)
        })
    }

    /// A key skipped silently: an internally tagged enum's tag (an
    /// adjacently tagged variant's fields are in an object of their own).
    fn tag(&self) -> Option<&str> {
        match self.gen.cont.attrs.tagging() {
            Tagging::Internal { tag } => self.variant.map(|_| tag),
            Tagging::External | Tagging::Adjacent { .. } => None,
        }
    }

    /// The description of the object: the struct's. A variant's goes on
    /// the variant's schema, around its content.
    pub fn description(&self) -> Option<&str> {
        match self.variant {
            None => self.gen.cont.attrs.description.as_deref(),
            Some(_) => None,
        }
    }

    fn name(&self, what: &str) -> Ident {
        format_ident!("{}{}", self.prefix, what)
    }

    /// The builder type of the whole body (`__ExtractBuilder<T>`).
    pub fn object_ty(&self) -> TokenStream {
        let ident = self.name("Builder");
        let (_, ty_generics, _) = self.gen.generics.split_for_impl();
        quote!(#ident #ty_generics)
    }

    /// True when the fields are read by key.
    pub fn is_named(&self) -> bool {
        self.style == Style::Struct
    }

    fn words(&self) -> usize {
        self.fields.len().div_ceil(64).max(1)
    }

    /// The value of the partial with nothing filled in yet.
    pub fn empty(&self) -> TokenStream {
        let x = &self.gen.x;
        match self.variant_path() {
            None => quote!(#x::Default::default()),
            Some(path) => {
                let members = self.members();
                quote!(#path { #(#members: #x::None),* })
            }
        }
    }

    /// The partial's members for the read fields.
    pub fn members(&self) -> Vec<syn::Member> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, f)| partial_member(self.style, i, f))
            .collect()
    }

    /// A slot for field `i`'s value in the partial held by `slot`.
    fn field_slot(&self, i: usize, f: &Field) -> TokenStream {
        let x = &self.gen.x;
        let target = self.gen.partial_ty();
        let member = &partial_member(self.style, i, f);
        match self.variant_path() {
            None => quote!(#x::FieldSlot::new(slot, |p: &mut #target| &mut p.#member)),
            Some(path) => quote!(#x::ProjectSlot::new(
                slot,
                |p: &mut #target| match p {
                    #path { #member: f, .. } => #x::Option::as_mut(f),
                    _ => #x::None,
                },
                |p: &mut #target, v| {
                    if let #path { #member: f, .. } = p {
                        *f = #x::Some(v);
                    }
                },
            )),
        }
    }

    /// Clears field `i` in the partial held by `slot` (a repeated key).
    fn reset(&self, i: usize, f: &Field) -> TokenStream {
        let x = &self.gen.x;
        let member = &partial_member(self.style, i, f);
        match self.variant_path() {
            None => quote! {
                if let #x::Some(p) = #x::Slot::get(slot) {
                    p.#member = #x::None;
                }
            },
            Some(path) => quote! {
                if let #x::Some(#path { #member: f, .. }) = #x::Slot::get(slot) {
                    *f = #x::None;
                }
            },
        }
    }

    /// `Active::F{i}` with a fresh builder (and, for an atomic field, no
    /// value held yet): field `i` starts.
    fn start(&self, active: &Ident, i: usize, f: &Field) -> TokenStream {
        let x = &self.gen.x;
        let v = field_variant(i);
        if f.attrs.atomic.is_some() {
            quote!(#active::#v(#x::Default::default(), #x::None))
        } else {
            quote!(#active::#v(#x::Default::default()))
        }
    }

    /// Every generated item of the body.
    pub fn items(&self) -> TokenStream {
        let fields = self.fields_items();
        let object = self.object_items();
        quote!(#fields #object)
    }

    fn fields_items(&self) -> TokenStream {
        let gen = self.gen;
        let x = &gen.x;
        let (decl, where_clause) = decl(&gen.generics);
        let (impl_generics, ty_generics, _) = gen.generics.split_for_impl();
        let fields_ident = self.name("Fields");
        let active = self.name("Active");
        let words = self.words();
        let marker_variant = gen.marker_variant();

        let variants = self.fields.iter().enumerate().map(|(i, f)| {
            let v = field_variant(i);
            let b = field_builder_ty(gen, f);
            if f.attrs.atomic.is_some() {
                let p = field_partial_ty(x, f);
                quote!(#v(#b, #x::Option<#p>))
            } else {
                quote!(#v(#b))
            }
        });

        let feed_arms = self.fields.iter().enumerate().map(|(i, f)| {
            let v = field_variant(i);
            let slot = self.field_slot(i, f);
            let step_fn = if self.is_named() {
                let name = &f.attrs.name.de;
                quote!(#x::build::field_step(step, #name, #i, &mut self.done))
            } else {
                quote!(#x::build::element_step(step, #i, &mut self.done))
            };
            let after_end = if self.is_named() {
                quote!(self.active = #active::None;)
            } else {
                quote!(self.active = #active::None; self.index += 1;)
            };
            let finish = quote! {
                let (step, ended) = #step_fn;
                if ended { #after_end }
                step
            };
            if f.attrs.atomic.is_some() {
                quote! {
                    #active::#v(b, held) => {
                        let step = #x::feed_child(b, &mut self.skip, held, event);
                        if let #x::ChildStep::Ended { valid: true, .. } = &step {
                            if let #x::Some(v) = #x::Option::take(held) {
                                #x::Slot::set(&mut #slot, v);
                            }
                        }
                        #finish
                    }
                }
            } else {
                quote! {
                    #active::#v(b) => {
                        let step = #x::feed_child(b, &mut self.skip, &mut #slot, event);
                        #finish
                    }
                }
            }
        });

        let path_arms = self.fields.iter().enumerate().map(|(i, f)| {
            let v = field_variant(i);
            let p = field_partial_ty(x, f);
            let segment = if self.is_named() {
                let name = &f.attrs.name.de;
                quote!(#x::Segment::Key(#x::String::from(#name)))
            } else {
                quote!(#x::Segment::Index(#i))
            };
            quote! {
                #active::#v(b, ..) => {
                    out.push(#segment);
                    #x::Builder::<#p>::active_path(b, out);
                }
            }
        });

        let complete_arms = self.fields.iter().enumerate().map(|(i, f)| {
            let v = field_variant(i);
            let p = field_partial_ty(x, f);
            let pattern = if self.is_named() {
                let names = f.attrs.name.path_names();
                quote!(#(#names)|*)
            } else {
                let lit = Literal::usize_unsuffixed(i);
                quote!(#lit)
            };
            let delegate = if f.attrs.atomic.is_some() {
                quote!(false)
            } else {
                quote! {
                    match &self.active {
                        #active::#v(b, ..) => #x::Builder::<#p>::is_complete_at(b, rest),
                        _ => false,
                    }
                }
            };
            quote!(#pattern => self.done.get(#i) || #delegate,)
        });

        let (event_fn, index_field, index_init, complete_head) = if self.is_named() {
            (
                self.named_event(&active, &feed_arms.collect::<Vec<_>>()),
                TokenStream::new(),
                TokenStream::new(),
                quote! {
                    let #x::Some((#x::Segment::Key(key), rest)) = path.split_first() else {
                        return false;
                    };
                    match key.as_str()
                },
            )
        } else {
            (
                self.tuple_event(&active, &feed_arms.collect::<Vec<_>>()),
                quote!(index: usize,),
                quote!(index: 0,),
                quote! {
                    let #x::Some((#x::Segment::Index(index), rest)) = path.split_first() else {
                        return false;
                    };
                    match *index
                },
            )
        };

        quote! {
            pub enum #active #decl #where_clause {
                None,
                Unknown(#x::Skip),
                #(#variants,)*
                #marker_variant
            }

            pub struct #fields_ident #decl #where_clause {
                active: #active #ty_generics,
                skip: #x::Option<#x::Skip>,
                done: #x::build::Bits<#words>,
                #index_field
            }

            impl #impl_generics #x::Default for #fields_ident #ty_generics #where_clause {
                #[inline]
                fn default() -> Self {
                    Self {
                        active: #active::None,
                        skip: #x::None,
                        done: #x::Default::default(),
                        #index_init
                    }
                }
            }

            impl #impl_generics #fields_ident #ty_generics #where_clause {
                #event_fn

                #[inline]

                fn active_path(&self, out: &mut #x::Vec<#x::Segment>) {
                    match &self.active {
                        #(#path_arms)*
                        _ => {}
                    }
                }

                #[inline]

                fn is_complete_at(&self, path: &[#x::Segment]) -> bool {
                    #complete_head {
                        #(#complete_arms)*
                        _ => false,
                    }
                }
            }
        }
    }

    fn named_event(&self, active: &Ident, feed_arms: &[TokenStream]) -> TokenStream {
        let x = &self.gen.x;
        let target = self.gen.partial_ty();
        let deny = self.gen.cont.attrs.deny_unknown_fields;
        let key_arms = self.fields.iter().enumerate().map(|(i, f)| {
            let names = f.attrs.name.read_names();
            let reset = self.reset(i, f);
            let init = self.start(active, i, f);
            quote! {
                #(#names)|* => {
                    if self.done.take(#i) {
                        #reset
                    }
                    #init
                }
            }
        });
        let tag_arm = self
            .tag()
            .map(|tag| quote!(#tag => #active::Unknown(#x::Default::default()),));
        let (issue_decl, unknown_arm, result) = if deny {
            let mut expected: Vec<String> = self
                .fields
                .iter()
                .map(|f| f.attrs.name.de.clone())
                .collect();
            if let Some(tag) = self.tag() {
                expected.insert(0, tag.to_owned());
            }
            (
                quote!(let mut issue = #x::None;),
                quote! {
                    _ => {
                        issue = #x::Some(#x::build::unknown_field(key, &[#(#expected),*]));
                        #active::Unknown(#x::Default::default())
                    }
                },
                quote! {
                    match issue {
                        #x::Some(issue) => #x::Step::MoreWith(issue),
                        #x::None => #x::Step::More,
                    }
                },
            )
        } else {
            (
                TokenStream::new(),
                quote!(_ => #active::Unknown(#x::Default::default()),),
                quote!(#x::Step::More),
            )
        };
        quote! {
            #[inline]
            fn event<S: #x::Slot<#target>>(
                &mut self,
                slot: &mut S,
                event: &#x::Event<'_>,
            ) -> #x::Step {
                match &mut self.active {
                    #active::None => match *event {
                        #x::Event::Key(key) => {
                            #issue_decl
                            self.active = match key {
                                #(#key_arms)*
                                #tag_arm
                                #unknown_arm
                            };
                            #result
                        }
                        #x::Event::ObjectEnd => #x::Step::Done,
                        _ => #x::Step::More,
                    },
                    #active::Unknown(skip) => {
                        if skip.event(event) {
                            self.active = #active::None;
                        }
                        #x::Step::More
                    }
                    #(#feed_arms)*
                    _ => #x::Step::More,
                }
            }
        }
    }

    fn tuple_event(&self, active: &Ident, feed_arms: &[TokenStream]) -> TokenStream {
        let x = &self.gen.x;
        let target = self.gen.partial_ty();
        let n = self.fields.len();
        let start_arms = self.fields.iter().enumerate().map(|(i, f)| {
            let lit = Literal::usize_unsuffixed(i);
            let start = self.start(active, i, f);
            quote!(#lit => #start,)
        });
        let message = format!(
            "expected {n} element{}, found more",
            if n == 1 { "" } else { "s" }
        );
        quote! {
            #[inline]
            fn event<S: #x::Slot<#target>>(
                &mut self,
                slot: &mut S,
                event: &#x::Event<'_>,
            ) -> #x::Step {
                let mut extra = false;
                if let #active::None = self.active {
                    if let #x::Event::ArrayEnd = event {
                        return #x::Step::Done;
                    }
                    self.active = match self.index {
                        #(#start_arms)*
                        _ => {
                            extra = self.index == #n;
                            #active::Unknown(#x::Default::default())
                        }
                    };
                }
                let step = match &mut self.active {
                    #active::Unknown(skip) => {
                        if skip.event(event) {
                            self.active = #active::None;
                            self.index += 1;
                        }
                        #x::Step::More
                    }
                    #(#feed_arms)*
                    _ => #x::Step::More,
                };
                if extra {
                    #x::Step::MoreWith(#x::StreamIssue::new(#message))
                } else {
                    step
                }
            }
        }
    }

    /// The mask of the `stream_required` fields, if any.
    fn hold_mask(&self) -> Option<TokenStream> {
        let mut words = vec![0_u64; self.words()];
        let mut any = false;
        for (i, f) in self.fields.iter().enumerate() {
            if f.attrs.stream_required.is_some() {
                words[i / 64] |= 1 << (i % 64);
                any = true;
            }
        }
        any.then(|| {
            let words = words.iter().map(|w| Literal::u64_unsuffixed(*w));
            quote!([#(#words),*])
        })
    }

    fn object_items(&self) -> TokenStream {
        let gen = self.gen;
        let x = &gen.x;
        let (decl, where_clause) = decl(&gen.generics);
        let (impl_generics, ty_generics, _) = gen.generics.split_for_impl();
        let object = self.name("Builder");
        let fields_ident = self.name("Fields");
        let target = self.gen.partial_ty();
        let empty = self.empty();
        let (open, expected) = if self.is_named() {
            (quote!(#x::Event::ObjectStart), "an object")
        } else {
            (quote!(#x::Event::ArrayStart), "an array")
        };
        let (pending_field, pending_init, appear, feed) = match self.hold_mask() {
            None => (
                TokenStream::new(),
                TokenStream::new(),
                quote!(#x::Slot::set(slot, #empty);),
                quote!(self.fields.event(slot, event)),
            ),
            Some(mask) => (
                quote!(pending: #x::Option<#target>,),
                quote!(pending: #x::None,),
                quote!(self.pending = #x::Some(#empty);),
                quote! {
                    if self.pending.is_none() {
                        return self.fields.event(slot, event);
                    }
                    let step = self.fields.event(&mut self.pending, event);
                    if #x::matches!(step, #x::Step::Done) || self.fields.done.contains(&#mask) {
                        if let #x::Some(partial) = self.pending.take() {
                            #x::Slot::set(slot, partial);
                        }
                    }
                    step
                },
            ),
        };
        quote! {
            pub struct #object #decl #where_clause {
                started: bool,
                fields: #fields_ident #ty_generics,
                #pending_field
            }

            impl #impl_generics #x::Default for #object #ty_generics #where_clause {
                #[inline]
                fn default() -> Self {
                    Self {
                        started: false,
                        fields: #x::Default::default(),
                        #pending_init
                    }
                }
            }

            impl #impl_generics #x::Builder<#target> for #object #ty_generics #where_clause {
                #[inline]
                fn event<S: #x::Slot<#target>>(
                    &mut self,
                    slot: &mut S,
                    event: &#x::Event<'_>,
                ) -> #x::Step {
                    if !self.started {
                        if !#x::matches!(event, #open) {
                            return #x::Step::Reject(#x::StreamIssue::expected(#expected, event));
                        }
                        self.started = true;
                        #appear
                        return #x::Step::More;
                    }
                    #feed
                }

                #[inline]

                fn active_path(&self, out: &mut #x::Vec<#x::Segment>) {
                    self.fields.active_path(out);
                }

                #[inline]

                fn is_complete_at(&self, path: &[#x::Segment]) -> bool {
                    self.fields.is_complete_at(path)
                }
            }
        }
    }
}

/// The `Active` variant of the `i`-th read field.
fn field_variant(i: usize) -> Ident {
    format_ident!("F{}", i)
}
