//! From a finished partial to the value: `check` (missing fields and
//! constraints, every problem at its path), `convert` (moves the partial
//! into the value), `validate` (custom validators) and `into_partial`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::body::Body;
use crate::ast::{Field, Style};
use crate::attr;
use crate::toolkit::{as_extract, partial_member, Gen};

fn f_binding(i: usize) -> Ident {
    format_ident!("__f{}", i)
}

fn v_binding(i: usize) -> Ident {
    format_ident!("__v{}", i)
}

/// `Path { member: __f0, … }`: binds the partial's fields, each by its read
/// index.
pub fn partial_pattern(body: &Body, path: &TokenStream) -> TokenStream {
    let members = body.members();
    let bindings = body.fields.iter().map(|f| f_binding(f.read_index()));
    quote!(#path { #(#members: #bindings),* })
}

/// `Path { member: __v0, …, .. }`: binds the value's read fields.
pub fn value_pattern(body: &Body, path: &TokenStream) -> TokenStream {
    let members = body.fields.iter().map(|f| &f.member);
    let bindings = body.fields.iter().map(|f| v_binding(f.read_index()));
    quote!(#path { #(#members: #bindings,)* .. })
}

/// Entering and leaving a field's path segment: its key, its position in a
/// tuple, nothing for a newtype variant (its path is the variant's).
fn enter(body: &Body, f: &Field) -> (TokenStream, TokenStream) {
    match body.style {
        Style::Struct => {
            let name = &f.attrs.name.de;
            (
                quote!(checker.enter_field(#name);),
                quote!(checker.leave();),
            )
        }
        Style::Newtype => (TokenStream::new(), TokenStream::new()),
        Style::Tuple | Style::Unit => {
            let i = f.read_index();
            (quote!(checker.enter_index(#i);), quote!(checker.leave();))
        }
    }
}

/// The constraint checks of `f` on `v` (a reference to its partial): each
/// constraint's check, `__private::check::{key}`, called by the kind of its
/// value, on the attribute's span (a value it does not apply to is an
/// error there).
pub fn constraint_checks(gen: &Gen, f: &Field) -> TokenStream {
    let x = &gen.x;
    let mut out = TokenStream::new();
    for (constraint, sp) in &f.attrs.constraints.0 {
        let check = format_ident!("{}", constraint.key);
        out.extend(match &sp.value {
            attr::Value::Count(n) => {
                let n = Literal::u64_unsuffixed(*n);
                quote_spanned!(sp.span=> #x::check::#check(v, #n, checker);)
            }
            attr::Value::Number(text, value) => {
                let abs = Literal::f64_suffixed(value.abs());
                let value = if *value < 0.0 {
                    quote!(-#abs)
                } else {
                    quote!(#abs)
                };
                quote_spanned!(sp.span=> #x::check::#check(v, #value, #text, checker);)
            }
            attr::Value::Regex(source) => quote_spanned! {sp.span=>
                {
                    static PATTERN: #x::check::Pattern = #x::check::Pattern::new(#source);
                    #x::check::#check(v, &PATTERN, checker);
                }
            },
            _ => unreachable!("a constraint's value is a count, a number or a regex"),
        });
    }
    out
}

/// The checks of a body's fields, with `__f{i}: &Option<Partial>` bound.
pub fn check_fields(body: &Body) -> TokenStream {
    let gen = body.gen;
    let x = &gen.x;
    let checks = body.fields.iter().map(|f| {
        let binding = f_binding(f.read_index());
        let (enter, leave) = enter(body, f);
        let value_e = as_extract(x, f.option.unwrap_or(f.ty));
        let constraints = constraint_checks(gen, f);
        let missing = if f.option.is_some() || f.has_default(&gen.cont.attrs) {
            TokenStream::new()
        } else {
            let e = as_extract(x, f.ty);
            let message = match body.style {
                Style::Struct => "missing required field",
                Style::Newtype => "missing value",
                _ => "missing element",
            };
            quote! {
                if #e::missing().is_none() {
                    checker.report(#message);
                }
            }
        };
        quote! {
            #enter
            match #binding {
                #x::Some(v) => {
                    #constraints
                    #value_e::check(v, checker);
                }
                #x::None => { #missing }
            }
            #leave
        }
    });
    quote!(#(#checks)*)
}

/// True when a missing field of the body reads the container's default.
pub fn needs_container_default(body: &Body) -> bool {
    body.variant.is_none() && body.gen.cont.attrs.default.is_some()
}

/// The value of a field that is not in the JSON.
fn absent(gen: &Gen, f: &Field, container_default: bool) -> Option<TokenStream> {
    let x = &gen.x;
    let member = &f.member;
    match &f.attrs.default {
        attr::DefaultValue::Path(path) => Some(quote!(#path())),
        attr::DefaultValue::Trait => Some(quote!(#x::Default::default())),
        attr::DefaultValue::None if container_default => Some(quote!(__default.#member)),
        attr::DefaultValue::None => None,
    }
}

/// `member: value,` for a skipped field: its default.
pub fn skipped_field(gen: &Gen, f: &Field, container_default: bool) -> TokenStream {
    let x = &gen.x;
    let member = &f.member;
    let value = absent(gen, f, container_default).unwrap_or_else(|| quote!(#x::Default::default()));
    quote!(#member: #value,)
}

/// The value's field initializers (`member: expr,`), with `__f{i}:
/// Option<Partial>` bound; `?` returns `None` from the enclosing function.
pub fn convert_fields(body: &Body) -> TokenStream {
    let gen = body.gen;
    let x = &gen.x;
    let container_default = needs_container_default(body);
    let inits = body.all.iter().map(|f| {
        if f.is_skipped() {
            return skipped_field(gen, f, container_default);
        }
        let member = &f.member;
        let binding = f_binding(f.read_index());
        let value = match f.option {
            Some(inner) => {
                let none = absent(gen, f, container_default).unwrap_or_else(|| quote!(#x::None));
                let e = as_extract(x, inner);
                quote! {
                    match #binding {
                        #x::Some(v) => #x::Some(#e::convert(v)?),
                        #x::None => #none,
                    }
                }
            }
            None => {
                let e = as_extract(x, f.ty);
                let missing =
                    absent(gen, f, container_default).unwrap_or_else(|| quote!(#e::missing()?));
                quote! {
                    match #binding {
                        #x::Some(v) => #e::convert(v)?,
                        #x::None => #missing,
                    }
                }
            }
        };
        quote!(#member: #value,)
    });
    quote!(#(#inits)*)
}

/// The custom validators of a body's fields, with `__v{i}: &FieldType`.
pub fn validate_fields(body: &Body) -> TokenStream {
    let gen = body.gen;
    let x = &gen.x;
    let checks = body.fields.iter().map(|f| {
        let binding = v_binding(f.read_index());
        let (enter, leave) = enter(body, f);
        let e = as_extract(x, f.ty);
        let custom = f.attrs.validate.as_ref().map(|path| {
            let span = syn::spanned::Spanned::span(path);
            let arg = Ident::new(&binding.to_string(), span);
            quote_spanned!(span=> #x::check::report_invalid(#path(#arg), checker);)
        });
        quote! {
            #enter
            #e::validate(#binding, checker);
            #custom
            #leave
        }
    });
    quote!(#(#checks)*)
}

/// The partial's field initializers (`member: expr,`), with `__v{i}:
/// FieldType` bound.
pub fn into_partial_fields(body: &Body) -> TokenStream {
    let x = &body.gen.x;
    let inits = body.fields.iter().map(|f| {
        let binding = v_binding(f.read_index());
        let member = partial_member(body.style, f);
        match f.option {
            Some(inner) => {
                let e = as_extract(x, inner);
                quote!(#member: #x::Option::map(#binding, #e::into_partial),)
            }
            None => {
                let e = as_extract(x, f.ty);
                quote!(#member: #x::Some(#e::into_partial(#binding)),)
            }
        }
    });
    quote!(#(#inits)*)
}

/// The container's validator, if any.
pub fn container_validate(gen: &Gen) -> TokenStream {
    let x = &gen.x;
    match &gen.cont.attrs.validate {
        Some(path) => quote_spanned! {syn::spanned::Spanned::span(path)=>
            #x::check::report_invalid(#path(self), checker);
        },
        None => TokenStream::new(),
    }
}

/// `Extract::check` of a struct.
pub fn struct_check(gen: &Gen, body: &Body) -> TokenStream {
    let ident = &gen.partial_ident;
    let pattern = partial_pattern(body, &quote!(#ident));
    let checks = check_fields(body);
    quote! {
        let #pattern = partial;
        #checks
    }
}

/// `Extract::convert` of a struct.
pub fn struct_convert(gen: &Gen, body: &Body) -> TokenStream {
    let x = &gen.x;
    let ident = &gen.partial_ident;
    let pattern = partial_pattern(body, &quote!(#ident));
    let inits = convert_fields(body);
    let default = needs_container_default(body)
        .then(|| quote!(let __default: Self = #x::Default::default();));
    quote! {
        let #pattern = partial;
        #default
        #x::Some(Self { #inits })
    }
}

/// `Extract::validate` of a struct.
pub fn struct_validate(gen: &Gen, body: &Body) -> TokenStream {
    let pattern = value_pattern(body, &quote!(Self));
    let fields = validate_fields(body);
    let container = container_validate(gen);
    quote! {
        let #pattern = self;
        #fields
        #container
    }
}

/// `Extract::into_partial` of a struct.
pub fn struct_into_partial(gen: &Gen, body: &Body) -> TokenStream {
    let ident = &gen.partial_ident;
    let pattern = value_pattern(body, &quote!(Self));
    let inits = into_partial_fields(body);
    quote! {
        let #pattern = self;
        #ident { #inits }
    }
}
