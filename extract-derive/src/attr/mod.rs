//! Typed `#[extract(...)]` and `#[serde(...)]` attributes.
//!
//! `extract` keys are ours, listed in one table (`keys`): unknown or
//! repeated ones are errors on the key's span. `serde` keys are serde's: the ones that change what JSON is read
//! (renames, defaults, tagging, skipping) are honoured, the ones we can't
//! follow (`flatten`, `with`, `untagged`…) are errors saying so, and the
//! rest (serialization-only, bounds…) are left to serde.

mod keys;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, LitStr};

use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use crate::doc::get_doc;
use keys::{key_span, lit_str, Parsed, Place};
pub use keys::{Constraint, Value};

/// A value with the span of the attribute that gave it.
#[derive(Clone)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

/// A JSON name, for reading (de) and writing (ser).
#[derive(Clone, Debug)]
pub struct Name {
    /// The name serde writes (the partial's JSON name).
    pub ser: String,
    /// The name serde reads (the schema's and the parser's name).
    pub de: String,
    /// `#[serde(alias = "...")]`: more names it is read from.
    pub aliases: Vec<String>,
}

impl Name {
    /// The name of a variant or field called `ident`, on each side: its
    /// `rename`, else its rule (`rename_all`) applied by `apply`, else
    /// `ident`.
    fn resolve(
        ident: &str,
        rename: Pair<String>,
        rules: Pair<RenameRule>,
        apply: fn(RenameRule, &str) -> String,
        aliases: Vec<String>,
    ) -> Self {
        let side = |rename: Option<String>, rule: Option<RenameRule>| {
            rename.unwrap_or_else(|| rule.map_or_else(|| ident.to_owned(), |r| apply(r, ident)))
        };
        Name {
            ser: side(rename.ser, rules.ser),
            de: side(rename.de, rules.de),
            aliases,
        }
    }

    /// Every name it is read from: `de`, then the aliases.
    pub fn read_names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.de).chain(&self.aliases)
    }

    /// The names a path may give it: `de`, and `ser` when it differs.
    pub fn path_names(&self) -> Vec<&String> {
        let mut names = vec![&self.de];
        if self.ser != self.de {
            names.push(&self.ser);
        }
        names
    }
}

/// The two sides of a serde `rename` / `rename_all`.
#[derive(Clone, Copy)]
pub struct Pair<T> {
    ser: Option<T>,
    de: Option<T>,
}

impl<T> std::default::Default for Pair<T> {
    fn default() -> Self {
        Self {
            ser: None,
            de: None,
        }
    }
}

/// `#[serde(default)]` / `#[serde(default = "path")]`.
#[derive(Clone)]
pub enum DefaultValue {
    /// No default: a missing value is an error.
    None,
    /// `Default::default()`.
    Trait,
    /// A function returning the value.
    Path(syn::ExprPath),
}

impl DefaultValue {
    /// True when a missing value takes a default.
    pub fn is_some(&self) -> bool {
        !matches!(self, DefaultValue::None)
    }
}

/// The attributes of the struct or enum.
pub struct Container {
    /// `#[extract(crate = "...")]`
    pub krate: Option<syn::Path>,
    /// `#[extract(partial = "Name")]`
    pub partial: Option<syn::Ident>,
    /// The description (`#[extract(description)]` or doc comments).
    pub description: Option<String>,
    /// `#[extract(validate = path)]`
    pub validate: Option<syn::Path>,
    /// The schema name (serde `rename`, else the ident).
    pub name: Name,
    rename_all: Pair<RenameRule>,
    rename_all_fields: Pair<RenameRule>,
    /// `#[serde(deny_unknown_fields)]`
    pub deny_unknown_fields: bool,
    /// `#[serde(tag = "...")]`
    pub tag: Option<Sp<String>>,
    /// `#[serde(content = "...")]`
    pub content: Option<Sp<String>>,
    /// `#[serde(default)]` on the container.
    pub default: DefaultValue,
    /// `#[serde(transparent)]`
    pub transparent: Option<Span>,
}

/// How an enum writes its variant, from serde's `tag` and `content`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tagging<'a> {
    /// serde's default: `"Unit"` or `{"Variant": content}`.
    External,
    /// `#[serde(tag = "t")]`: `{"t": "Variant", ...fields}`.
    Internal {
        /// The tag's key.
        tag: &'a str,
    },
    /// `#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": content}`.
    Adjacent {
        /// The tag's key.
        tag: &'a str,
        /// The content's key.
        content: &'a str,
    },
}

impl Container {
    /// How the enum's variant is written (`content` without `tag` is an
    /// error reported by `check`; it reads as external here).
    pub fn tagging(&self) -> Tagging<'_> {
        match (&self.tag, &self.content) {
            (None, _) => Tagging::External,
            (Some(tag), None) => Tagging::Internal { tag: &tag.value },
            (Some(tag), Some(content)) => Tagging::Adjacent {
                tag: &tag.value,
                content: &content.value,
            },
        }
    }
}

/// A field's constraints, in the order of [`CONSTRAINTS`].
#[derive(Default, Clone)]
pub struct Constraints(pub Vec<(&'static Constraint, Sp<Value>)>);

impl Constraints {
    /// True when no constraint is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The constraint of key `key`, if set.
    pub fn get(&self, key: &str) -> Option<&Sp<Value>> {
        self.0.iter().find(|(c, _)| c.key == key).map(|(_, v)| v)
    }
}

/// The attributes of a field.
pub struct Field {
    /// The JSON name.
    pub name: Name,
    /// The description.
    pub description: Option<String>,
    /// `#[serde(skip)]` / `#[serde(skip_deserializing)]`
    pub skip: Option<Span>,
    /// `#[serde(default)]`
    pub default: DefaultValue,
    /// `#[extract(atomic)]`
    pub atomic: Option<Span>,
    /// `#[extract(stream_required)]`
    pub stream_required: Option<Span>,
    /// `#[extract(validate = path)]`
    pub validate: Option<syn::Path>,
    /// Constraints.
    pub constraints: Constraints,
}

/// The attributes of an enum variant.
pub struct Variant {
    /// The JSON name.
    pub name: Name,
    /// The description.
    pub description: Option<String>,
    /// `#[serde(skip)]` / `#[serde(skip_deserializing)]`
    pub skip: bool,
    /// `#[serde(other)]`
    pub other: Option<Span>,
    rename_all: Pair<RenameRule>,
}

/// `default` or `default = "path"`.
fn default_value(meta: &ParseNestedMeta) -> syn::Result<DefaultValue> {
    Ok(if meta.input.peek(syn::Token![=]) {
        DefaultValue::Path(lit_str(meta)?.parse()?)
    } else {
        DefaultValue::Trait
    })
}

/// Consumes the value of a key we leave to serde.
pub(super) fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// `rename = "x"` or `rename(serialize = "x", deserialize = "y")`.
fn pair_value<T: Clone>(
    meta: &ParseNestedMeta,
    parse: impl Fn(&LitStr) -> syn::Result<T>,
) -> syn::Result<Pair<T>> {
    if meta.input.peek(syn::Token![=]) {
        let value = parse(&lit_str(meta)?)?;
        return Ok(Pair {
            ser: Some(value.clone()),
            de: Some(value),
        });
    }
    let mut pair = Pair::default();
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            pair.ser = Some(parse(&lit_str(&inner)?)?);
        } else if inner.path.is_ident("deserialize") {
            pair.de = Some(parse(&lit_str(&inner)?)?);
        } else {
            return Err(inner.error("expected `serialize` or `deserialize`"));
        }
        Ok(())
    })?;
    Ok(pair)
}

fn rule(s: &LitStr) -> syn::Result<RenameRule> {
    RenameRule::from_str(&s.value()).map_err(|m| syn::Error::new(s.span(), m))
}

fn unsupported_serde(cx: &Ctxt, meta: &ParseNestedMeta, why: &str) -> syn::Result<()> {
    let key = meta.path.to_token_stream().to_string();
    cx.error_spanned_by(
        &meta.path,
        format!("`#[serde({key})]` is not supported by `#[derive(Extract)]`: {why}"),
    );
    skip_value(meta)
}

pub(super) fn each<F>(cx: &Ctxt, attrs: &[Attribute], name: &str, mut f: F)
where
    F: FnMut(&ParseNestedMeta) -> syn::Result<()>,
{
    for attr in attrs {
        if !attr.path().is_ident(name) {
            continue;
        }
        if let syn::Meta::List(list) = &attr.meta {
            if list.tokens.is_empty() {
                continue;
            }
        }
        if let Err(e) = attr.parse_nested_meta(|meta| f(&meta)) {
            cx.syn_error(e);
        }
    }
}

fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or(s.clone(), str::to_owned)
}

impl Container {
    /// Parses the container's attributes.
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Self {
        let mut extract = Parsed::new(cx, &input.attrs, Place::Container);
        let mut rename = Pair::default();
        let mut rename_all = Pair::default();
        let mut rename_all_fields = Pair::default();
        let mut deny_unknown_fields = false;
        let mut tag = None;
        let mut content = None;
        let mut default = DefaultValue::None;
        let mut transparent = None;
        each(cx, &input.attrs, "serde", |meta| {
            let path = &meta.path;
            if path.is_ident("rename") {
                rename = pair_value(meta, |s| Ok(s.value()))?;
            } else if path.is_ident("rename_all") {
                rename_all = pair_value(meta, rule)?;
            } else if path.is_ident("rename_all_fields") {
                rename_all_fields = pair_value(meta, rule)?;
            } else if path.is_ident("deny_unknown_fields") {
                deny_unknown_fields = true;
            } else if path.is_ident("tag") {
                tag = Some(Sp {
                    value: lit_str(meta)?.value(),
                    span: key_span(meta),
                });
            } else if path.is_ident("content") {
                content = Some(Sp {
                    value: lit_str(meta)?.value(),
                    span: key_span(meta),
                });
            } else if path.is_ident("default") {
                default = default_value(meta)?;
            } else if path.is_ident("transparent") {
                transparent = Some(key_span(meta));
            } else if path.is_ident("untagged") {
                unsupported_serde(
                    cx,
                    meta,
                    "an untagged enum's variant is only known once the whole value has \
                     arrived, so it can't be streamed; use `#[serde(tag = \"type\")]`",
                )?;
            } else if path.is_ident("from") || path.is_ident("try_from") {
                unsupported_serde(
                    cx,
                    meta,
                    "derive `Extract` on the type you convert from and convert after extracting",
                )?;
            } else if path.is_ident("remote") {
                unsupported_serde(cx, meta, "derive `Extract` on a local type")?;
            } else {
                skip_value(meta)?;
            }
            Ok(())
        });

        let ident = unraw(&input.ident);
        let name = Name {
            ser: rename.ser.unwrap_or_else(|| ident.clone()),
            de: rename.de.unwrap_or(ident),
            aliases: Vec::new(),
        };
        Container {
            krate: extract.path("crate"),
            partial: extract.ident("partial"),
            description: extract.str("description").or_else(|| get_doc(&input.attrs)),
            validate: extract.path("validate"),
            name,
            rename_all,
            rename_all_fields,
            deny_unknown_fields,
            tag,
            content,
            default,
            transparent,
        }
    }
}

impl Variant {
    /// Parses a variant's attributes.
    pub fn from_ast(cx: &Ctxt, variant: &syn::Variant, container: &Container) -> Self {
        let mut extract = Parsed::new(cx, &variant.attrs, Place::Variant);
        let mut rename = Pair::default();
        let mut aliases = Vec::new();
        let mut rename_all = Pair::default();
        let mut skip = false;
        let mut other = None;
        each(cx, &variant.attrs, "serde", |meta| {
            let path = &meta.path;
            if path.is_ident("rename") {
                rename = pair_value(meta, |s| Ok(s.value()))?;
            } else if path.is_ident("alias") {
                aliases.push(lit_str(meta)?.value());
            } else if path.is_ident("rename_all") {
                rename_all = pair_value(meta, rule)?;
            } else if path.is_ident("skip") || path.is_ident("skip_deserializing") {
                skip = true;
            } else if path.is_ident("other") {
                other = Some(key_span(meta));
            } else if path.is_ident("untagged") {
                unsupported_serde(
                    cx,
                    meta,
                    "an untagged variant is only known once the whole value has arrived",
                )?;
            } else if path.is_ident("with") || path.is_ident("deserialize_with") {
                unsupported_serde(
                    cx,
                    meta,
                    "a custom deserializer can't be streamed; derive `Extract` on the variant's data",
                )?;
            } else {
                skip_value(meta)?;
            }
            Ok(())
        });
        let ident = unraw(&variant.ident);
        let name = Name::resolve(
            &ident,
            rename,
            container.rename_all,
            RenameRule::apply_to_variant,
            aliases,
        );
        Variant {
            name,
            description: extract
                .str("description")
                .or_else(|| get_doc(&variant.attrs)),
            skip,
            other,
            rename_all,
        }
    }
}

/// The renaming that applies to the fields of a struct or of one variant.
pub type FieldRules = Pair<RenameRule>;

impl FieldRules {
    /// The rules for the fields of the struct itself.
    pub fn of_struct(container: &Container) -> Self {
        container.rename_all
    }

    /// The rules for the fields of a variant: its own `rename_all`, else the
    /// enum's `rename_all_fields`.
    pub fn of_variant(container: &Container, variant: &Variant) -> Self {
        Self {
            ser: variant.rename_all.ser.or(container.rename_all_fields.ser),
            de: variant.rename_all.de.or(container.rename_all_fields.de),
        }
    }
}

impl Field {
    /// Parses a field's attributes; `index` names tuple fields.
    pub fn from_ast(cx: &Ctxt, index: usize, field: &syn::Field, rules: FieldRules) -> Self {
        let mut extract = Parsed::new(cx, &field.attrs, Place::Field);
        let mut rename = Pair::default();
        let mut aliases = Vec::new();
        let mut skip = None;
        let mut default = DefaultValue::None;
        each(cx, &field.attrs, "serde", |meta| {
            let path = &meta.path;
            if path.is_ident("rename") {
                rename = pair_value(meta, |s| Ok(s.value()))?;
            } else if path.is_ident("alias") {
                aliases.push(lit_str(meta)?.value());
            } else if path.is_ident("skip") || path.is_ident("skip_deserializing") {
                skip = Some(key_span(meta));
            } else if path.is_ident("default") {
                default = default_value(meta)?;
            } else if path.is_ident("flatten") {
                unsupported_serde(
                    cx,
                    meta,
                    "a flattened field's keys can't be told apart while streaming; \
                     make it a nested field instead",
                )?;
            } else if path.is_ident("with") || path.is_ident("deserialize_with") {
                unsupported_serde(
                    cx,
                    meta,
                    "a custom deserializer can't be streamed; use a type that implements \
                     `Extract`, or `#[extract(validate = ...)]` to check the value",
                )?;
            } else if path.is_ident("borrow") {
                unsupported_serde(cx, meta, "extracted values own their data")?;
            } else {
                skip_value(meta)?;
            }
            Ok(())
        });

        let ident = field
            .ident
            .as_ref()
            .map_or_else(|| index.to_string(), unraw);
        let name = Name::resolve(&ident, rename, rules, RenameRule::apply_to_field, aliases);
        Field {
            name,
            description: extract.str("description").or_else(|| get_doc(&field.attrs)),
            skip,
            default,
            atomic: extract.flag("atomic"),
            stream_required: extract.flag("stream_required"),
            validate: extract.path("validate"),
            constraints: Constraints(extract.constraints()),
        }
    }
}
