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

use crate::ast::{Field, Style, Variant};
use crate::attr::{Name, Tagging};
use crate::toolkit::{decl, field_builder_ty, field_partial_ty, partial_member, Gen};

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
            .map(|f| partial_member(self.style, f))
            .collect()
    }

    /// A slot for field `f`'s value in the partial held by `slot`.
    fn field_slot(&self, f: &Field) -> TokenStream {
        let x = &self.gen.x;
        let target = self.gen.partial_ty();
        let member = &partial_member(self.style, f);
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

    /// Clears field `f` in the partial held by `slot` (a repeated key).
    fn reset(&self, f: &Field) -> TokenStream {
        let x = &self.gen.x;
        let member = &partial_member(self.style, f);
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

    /// Every generated item of the body.
    pub fn items(&self) -> TokenStream {
        let plans: Vec<FieldPlan> = self.fields.iter().map(|f| self.plan(f)).collect();
        let fields = self.fields_items(&plans);
        let object = self.object_items();
        quote!(#fields #object)
    }

    /// Decides, once per field, what its builder's state holds and how the
    /// body reaches it: by key or by position, whole or atomic.
    fn plan(&self, f: &'a Field<'a>) -> FieldPlan<'a> {
        let gen = self.gen;
        let x = &gen.x;
        let i = f.read_index();
        let state = format_ident!("F{}", i);
        let active = self.name("Active");
        let builder = field_builder_ty(gen, f);
        let partial = field_partial_ty(x, f);
        let slot = self.field_slot(f);
        let (key, step, after_end) = match self.style {
            Style::Struct => {
                let name = &f.attrs.name.de;
                (
                    Key::Named(&f.attrs.name),
                    quote!(#x::build::field_step(step, #name, #i, &mut self.done)),
                    quote!(self.active = #active::None;),
                )
            }
            _ => (
                Key::Position(i),
                quote!(#x::build::element_step(step, #i, &mut self.done)),
                quote!(self.active = #active::None; self.index += 1;),
            ),
        };
        let finish = quote! {
            let (step, ended) = #step;
            if ended { #after_end }
            step
        };
        let (payload, fresh, feed, delegate) = if f.attrs.atomic.is_some() {
            (
                quote!((#builder, #x::Option<#partial>)),
                quote!(#active::#state(#x::Default::default(), #x::None)),
                quote! {
                    #active::#state(b, held) => {
                        let step = #x::feed_child(b, &mut self.skip, held, event);
                        if let #x::ChildStep::Ended { valid: true, .. } = &step {
                            if let #x::Some(v) = #x::Option::take(held) {
                                #x::Slot::set(&mut #slot, v);
                            }
                        }
                        #finish
                    }
                },
                // An atomic field is complete only once it has ended.
                quote!(false),
            )
        } else {
            (
                quote!((#builder)),
                quote!(#active::#state(#x::Default::default())),
                quote! {
                    #active::#state(b) => {
                        let step = #x::feed_child(b, &mut self.skip, &mut #slot, event);
                        #finish
                    }
                },
                quote! {
                    match &self.active {
                        #active::#state(b, ..) => #x::Builder::<#partial>::is_complete_at(b, rest),
                        _ => false,
                    }
                },
            )
        };
        FieldPlan {
            field: f,
            index: i,
            state,
            partial,
            key,
            payload,
            fresh,
            feed,
            delegate,
        }
    }

    fn fields_items(&self, plans: &[FieldPlan]) -> TokenStream {
        let gen = self.gen;
        let x = &gen.x;
        let (decl, where_clause) = decl(&gen.generics);
        let (impl_generics, ty_generics, _) = gen.generics.split_for_impl();
        let fields_ident = self.name("Fields");
        let active = self.name("Active");
        let words = self.words();
        let marker_variant = gen.marker_variant();

        let states = plans.iter().map(|p| {
            let (state, payload) = (&p.state, &p.payload);
            quote!(#state #payload)
        });
        let feed_arms: Vec<&TokenStream> = plans.iter().map(|p| &p.feed).collect();
        let path_arms = plans.iter().map(|p| {
            let (state, partial) = (&p.state, &p.partial);
            let segment = match p.key {
                Key::Named(name) => {
                    let name = &name.de;
                    quote!(#x::Segment::Key(#x::String::from(#name)))
                }
                Key::Position(i) => quote!(#x::Segment::Index(#i)),
            };
            quote! {
                #active::#state(b, ..) => {
                    out.push(#segment);
                    #x::Builder::<#partial>::active_path(b, out);
                }
            }
        });
        let complete_arms = plans.iter().map(|p| {
            let pattern = match p.key {
                Key::Named(name) => {
                    let names = name.path_names();
                    quote!(#(#names)|*)
                }
                Key::Position(i) => {
                    let lit = Literal::usize_unsuffixed(i);
                    quote!(#lit)
                }
            };
            let (i, delegate) = (p.index, &p.delegate);
            quote!(#pattern => self.done.get(#i) || #delegate,)
        });

        let (event_fn, index_field, index_init, complete_head) = if self.is_named() {
            (
                self.named_event(&active, plans, &feed_arms),
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
                self.tuple_event(&active, plans, &feed_arms),
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
                #(#states,)*
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

    fn named_event(
        &self,
        active: &Ident,
        plans: &[FieldPlan],
        feed_arms: &[&TokenStream],
    ) -> TokenStream {
        let x = &self.gen.x;
        let target = self.gen.partial_ty();
        let deny = self.gen.cont.attrs.deny_unknown_fields;
        let key_arms = plans.iter().map(|p| {
            let names = p.field.attrs.name.read_names();
            let reset = self.reset(p.field);
            let (i, init) = (p.index, &p.fresh);
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

    fn tuple_event(
        &self,
        active: &Ident,
        plans: &[FieldPlan],
        feed_arms: &[&TokenStream],
    ) -> TokenStream {
        let x = &self.gen.x;
        let target = self.gen.partial_ty();
        let n = self.fields.len();
        let start_arms = plans.iter().map(|p| {
            let lit = Literal::usize_unsuffixed(p.index);
            let fresh = &p.fresh;
            quote!(#lit => #fresh,)
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

/// How the body tells a field apart.
#[derive(Clone, Copy)]
enum Key<'a> {
    /// By key (a struct's field): its names.
    Named(&'a Name),
    /// By position (a tuple's element).
    Position(usize),
}

/// One read field as the builder handles it, decided once by
/// [`Body::plan`]: the arms of `Fields`' methods are assembled from it.
struct FieldPlan<'a> {
    /// The field.
    field: &'a Field<'a>,
    /// Its read index: its completion bit, its element in a tuple.
    index: usize,
    /// `F{index}`: its state in `Active`.
    state: Ident,
    /// The partial its builder builds.
    partial: TokenStream,
    /// How it is told apart.
    key: Key<'a>,
    /// The state's payload: its builder, and for an atomic field the value
    /// held until the field ends.
    payload: TokenStream,
    /// The state when the field starts.
    fresh: TokenStream,
    /// `event`'s arm for the field's state: feed its builder, write the
    /// value, step on.
    feed: TokenStream,
    /// Whether a path below the field is complete while it is written.
    delegate: TokenStream,
}
