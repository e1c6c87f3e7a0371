//! The derive's view of the input: a [`Container`] of [`Variant`]s and
//! [`Field`]s with their parsed attributes, each keeping its `original` syn
//! node for error spans.

use syn::{GenericArgument, Ident, PathArguments, Type};

use crate::attr;
use crate::ctxt::Ctxt;

/// The struct or enum being derived.
pub struct Container<'a> {
    /// The type's name.
    pub ident: &'a Ident,
    /// Its attributes.
    pub attrs: attr::Container,
    /// Its shape.
    pub data: Data<'a>,
    /// Its generics.
    pub generics: &'a syn::Generics,
    /// The input, for spans.
    pub original: &'a syn::DeriveInput,
}

/// A struct's or enum's body.
pub enum Data<'a> {
    /// An enum's variants (skipped ones included).
    Enum(Vec<Variant<'a>>),
    /// A struct's fields (skipped ones included).
    Struct(Style, Vec<Field<'a>>),
}

/// The shape of a struct or variant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Style {
    /// `{ a: A, b: B }`
    Struct,
    /// `(A, B)`
    Tuple,
    /// `(A)`
    Newtype,
    /// no fields
    Unit,
}

/// An enum variant.
pub struct Variant<'a> {
    /// The variant's name.
    pub ident: &'a Ident,
    /// Its attributes.
    pub attrs: attr::Variant,
    /// Its shape.
    pub style: Style,
    /// Its fields.
    pub fields: Vec<Field<'a>>,
    /// The variant, for spans.
    pub original: &'a syn::Variant,
}

/// A field of a struct or variant.
pub struct Field<'a> {
    /// `self.name` or `self.0`.
    pub member: syn::Member,
    /// Its attributes.
    pub attrs: attr::Field,
    /// Its type.
    pub ty: &'a Type,
    /// `U` when the type is written `Option<U>`: the partial then holds
    /// `Option<Partial<U>>`, not a double `Option`.
    pub option: Option<&'a Type>,
    /// Its position among the fields read from JSON (`None` when skipped):
    /// its completion bit in the builder, and in a tuple its element in the
    /// JSON array and in the partial.
    read: Option<usize>,
    /// The field, for spans.
    pub original: &'a syn::Field,
}

impl<'a> Container<'a> {
    /// Reads the input; `None` (with the error recorded) for a union.
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, input);
        let data = match &input.data {
            syn::Data::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .map(|v| {
                        let vattrs = attr::Variant::from_ast(cx, v, &attrs);
                        let rules = attr::FieldRules::of_variant(&attrs, &vattrs);
                        let (style, fields) = fields_from_ast(cx, &v.fields, rules);
                        Variant {
                            ident: &v.ident,
                            attrs: vattrs,
                            style,
                            fields,
                            original: v,
                        }
                    })
                    .collect(),
            ),
            syn::Data::Struct(data) => {
                let rules = attr::FieldRules::of_struct(&attrs);
                let (style, fields) = fields_from_ast(cx, &data.fields, rules);
                Data::Struct(style, fields)
            }
            syn::Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Extract)]` does not support unions: use a struct, or an enum \
                     with `#[serde(tag = \"...\")]` for one of several shapes",
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            attrs,
            data,
            generics: &input.generics,
            original: input,
        })
    }

    /// True for a struct whose value is its one field's (a newtype struct,
    /// or `#[serde(transparent)]`).
    pub fn is_transparent(&self) -> bool {
        match &self.data {
            Data::Struct(Style::Newtype, _) => true,
            Data::Struct(_, _) => self.attrs.transparent.is_some(),
            Data::Enum(_) => false,
        }
    }
}

fn fields_from_ast<'a>(
    cx: &Ctxt,
    fields: &'a syn::Fields,
    rules: attr::FieldRules,
) -> (Style, Vec<Field<'a>>) {
    let style = match fields {
        syn::Fields::Named(_) => Style::Struct,
        syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => Style::Newtype,
        syn::Fields::Unnamed(_) => Style::Tuple,
        syn::Fields::Unit => Style::Unit,
    };
    let mut read = 0;
    let fields = fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let attrs = attr::Field::from_ast(cx, i, field, rules);
            let read_index = attrs.skip.is_none().then(|| {
                read += 1;
                read - 1
            });
            Field {
                member: match &field.ident {
                    Some(ident) => syn::Member::Named(ident.clone()),
                    None => syn::Member::Unnamed(i.into()),
                },
                attrs,
                ty: &field.ty,
                option: option_inner(&field.ty),
                read: read_index,
                original: field,
            }
        })
        .collect();
    (style, fields)
}

impl Field<'_> {
    /// True for a field that is not read (`#[serde(skip)]`).
    pub fn is_skipped(&self) -> bool {
        self.read.is_none()
    }

    /// The field's position among the read fields: its completion bit, and
    /// in a tuple its element. Only asked of a read field.
    pub fn read_index(&self) -> usize {
        self.read.expect("only a read field has a read index")
    }

    /// True when a missing value takes a default instead of being an error.
    pub fn has_default(&self, container: &attr::Container) -> bool {
        self.attrs.default.is_some() || container.default.is_some()
    }
}

/// `U` for a type written `Option<U>` (or `std::option::Option<U>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
    let last = segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let prefix: Vec<String> = segments[..segments.len() - 1]
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let prefix_ok = match prefix.as_slice() {
        [] => true,
        [krate, module] => (krate == "std" || krate == "core") && module == "option",
        _ => false,
    };
    if !prefix_ok {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    if args.args.len() != 1 {
        return None;
    }
    match args.args.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}
