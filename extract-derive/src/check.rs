//! Checks across attributes and shapes, once everything is parsed: each
//! problem is recorded on the span at fault, all of them reported together.

use std::collections::HashSet;

use syn::{GenericArgument, GenericParam, PathArguments, Type};

use crate::ast::{Container, Data, Field, Style, Variant};
use crate::attr::{Constraints, Tagging, Value};
use crate::ctxt::Ctxt;

/// Runs every check on `cont`.
pub fn check(cx: &Ctxt, cont: &Container) {
    check_generics(cx, cont);
    match &cont.data {
        Data::Struct(style, fields) => check_struct(cx, cont, *style, fields),
        Data::Enum(variants) => check_enum(cx, cont, variants),
    }
}

fn check_generics(cx: &Ctxt, cont: &Container) {
    for param in &cont.generics.params {
        match param {
            GenericParam::Lifetime(lt) => cx.error_spanned_by(
                lt,
                "`#[derive(Extract)]` needs owned data: remove the lifetime and use owned \
                 types (`String`, `Vec<T>`, `Box<T>`)",
            ),
            GenericParam::Const(c) => {
                cx.error_spanned_by(c, "`#[derive(Extract)]` does not support const generics")
            }
            GenericParam::Type(_) => {}
        }
    }
}

fn check_struct(cx: &Ctxt, cont: &Container, style: Style, fields: &[Field]) {
    let attrs = &cont.attrs;
    if style == Style::Unit {
        cx.error_spanned_by(
            cont.ident,
            "a unit struct holds no data to extract: give it fields",
        );
    }
    if let Some(tag) = &attrs.tag {
        cx.error_at(
            tag.span,
            "`#[serde(tag = \"...\")]` is only supported on enums",
        );
    }
    if cont.is_transparent() {
        let read: Vec<&Field> = fields.iter().filter(|f| !f.is_skipped()).collect();
        if read.len() != 1 {
            cx.error_spanned_by(
                cont.ident,
                "`#[serde(transparent)]` needs exactly one field that is not skipped",
            );
        }
        if let Some(partial) = &attrs.partial {
            cx.error_spanned_by(
                partial,
                "a newtype or transparent struct has no partial type of its own: its \
                 partial is its field's; remove `partial = ...`",
            );
        }
        for field in fields {
            if let Some(span) = field.attrs.atomic {
                cx.error_at(
                    span,
                    "`atomic` has no effect on the field of a newtype or transparent struct: \
                     mark the field that holds this type `#[extract(atomic)]` instead",
                );
            }
        }
    }
    check_fields(cx, style, fields);
}

fn check_enum(cx: &Ctxt, cont: &Container, variants: &[Variant]) {
    let attrs = &cont.attrs;
    if variants.iter().all(|v| v.attrs.skip) {
        cx.error_spanned_by(
            cont.ident,
            "an enum without variants (or with all of them skipped) has no value to extract",
        );
    }
    if let (Some(content), None) = (&attrs.content, &attrs.tag) {
        cx.error_at(content.span, "`#[serde(content = \"...\")]` needs `tag`");
    }
    let mut others = 0;
    let mut names = HashSet::new();
    for variant in variants {
        if variant.attrs.skip {
            continue;
        }
        if let Some(span) = variant.attrs.other {
            others += 1;
            if variant.style != Style::Unit {
                cx.error_at(span, "`#[serde(other)]` goes on a unit variant");
            }
            if others > 1 {
                cx.error_at(span, "only one variant can be `#[serde(other)]`");
            }
        }
        if matches!(attrs.tagging(), Tagging::Internal { .. }) && variant.style == Style::Tuple {
            cx.error_spanned_by(
                variant.ident,
                "an internally tagged enum (`#[serde(tag = \"...\")]`) can't have tuple \
                 variants: use named fields",
            );
        }
        for name in variant.attrs.name.read_names() {
            if !names.insert(name) {
                cx.error_spanned_by(
                    variant.ident,
                    format!("two variants are read from the name \"{name}\""),
                );
            }
        }
        check_fields(cx, variant.style, &variant.fields);
    }
}

/// The most elements a tuple struct or variant may have.
const MAX_TUPLE: usize = 12;

fn check_fields(cx: &Ctxt, style: Style, fields: &[Field]) {
    if style == Style::Tuple {
        // The first element past the limit.
        if let Some(f) = fields
            .iter()
            .find(|f| !f.is_skipped() && f.read_index() == MAX_TUPLE)
        {
            cx.error_spanned_by(
                &f.original.ty,
                format!(
                    "tuples of more than {MAX_TUPLE} elements are not supported: use named fields"
                ),
            );
        }
    }
    let mut names = HashSet::new();
    for field in fields {
        check_owned(cx, field.ty);
        let attrs = &field.attrs;
        if field.is_skipped() {
            let used = [
                (attrs.atomic.is_some(), "atomic"),
                (attrs.stream_required.is_some(), "stream_required"),
                (attrs.validate.is_some(), "validate"),
                (!attrs.constraints.is_empty(), "constraints"),
            ];
            for (set, what) in used {
                if set {
                    cx.error_spanned_by(
                        &field.original.ty,
                        format!(
                            "this field is skipped (`#[serde(skip)]`): `{what}` can't apply to it"
                        ),
                    );
                }
            }
            continue;
        }
        if let Some(span) = attrs.stream_required {
            if style != Style::Struct {
                cx.error_at(
                    span,
                    "`stream_required` goes on a named field (it holds its struct back until \
                     the field has arrived)",
                );
            }
        }
        check_bounds(cx, &attrs.constraints);
        if style == Style::Struct {
            for name in attrs.name.read_names() {
                if !names.insert(name) {
                    cx.error_spanned_by(
                        &field.member,
                        format!("two fields are read from the JSON key \"{name}\""),
                    );
                }
            }
        }
    }
}

/// A constraint may not exceed the one it is paired with (`min_items` and
/// `max_items`).
fn check_bounds(cx: &Ctxt, constraints: &Constraints) {
    for (constraint, low) in &constraints.0 {
        let Some(key) = constraint.at_most else {
            continue;
        };
        let Some(high) = constraints.get(key) else {
            continue;
        };
        let greater = match (&low.value, &high.value) {
            (Value::Count(low), Value::Count(high)) => low > high,
            (Value::Number(_, low), Value::Number(_, high)) => low > high,
            _ => false,
        };
        if greater {
            cx.error_at(
                low.span,
                format!("`{}` is greater than `{key}`", constraint.key),
            );
        }
    }
}

/// Borrowed types can't be built from a stream.
fn check_owned(cx: &Ctxt, ty: &Type) {
    match ty {
        Type::Reference(r) => cx.error_spanned_by(
            r,
            "a borrowed field can't be extracted: use an owned type (`String` for `&str`, \
             `Vec<T>` for `&[T]`)",
        ),
        Type::Path(p) => {
            for segment in &p.path.segments {
                if let PathArguments::AngleBracketed(args) = &segment.arguments {
                    for arg in &args.args {
                        match arg {
                            GenericArgument::Type(t) => check_owned(cx, t),
                            GenericArgument::Lifetime(lt) => cx.error_spanned_by(
                                lt,
                                "a borrowed field can't be extracted: use an owned type",
                            ),
                            _ => {}
                        }
                    }
                }
            }
        }
        Type::Paren(p) => check_owned(cx, &p.elem),
        Type::Group(g) => check_owned(cx, &g.elem),
        Type::Array(a) => check_owned(cx, &a.elem),
        Type::Slice(s) => check_owned(cx, &s.elem),
        Type::Tuple(t) => t.elems.iter().for_each(|e| check_owned(cx, e)),
        _ => {}
    }
}
