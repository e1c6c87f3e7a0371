//! Typed `#[extract(...)]` and `#[serde(...)]` attributes.
//!
//! `extract` keys are ours: unknown or repeated ones are errors on the key's
//! span. `serde` keys are serde's: the ones that change what JSON is read
//! (renames, defaults, tagging, skipping) are honoured, the ones we can't
//! follow (`flatten`, `with`, `untagged`…) are errors saying so, and the
//! rest (serialization-only, bounds…) are left to serde.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Lit, LitStr, UnOp};

use crate::case::RenameRule;
use crate::ctxt::Ctxt;
use crate::doc::get_doc;

/// Where an attribute sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Container,
    Variant,
    Field,
}

/// Every `extract` key and where it belongs, for "unknown attribute" errors.
const EXTRACT_KEYS: &[(&str, Place)] = &[
    ("crate", Place::Container),
    ("partial", Place::Container),
    ("description", Place::Container),
    ("validate", Place::Container),
    ("description", Place::Variant),
    ("description", Place::Field),
    ("validate", Place::Field),
    ("atomic", Place::Field),
    ("stream_required", Place::Field),
    ("min_items", Place::Field),
    ("max_items", Place::Field),
    ("min_length", Place::Field),
    ("max_length", Place::Field),
    ("minimum", Place::Field),
    ("maximum", Place::Field),
    ("pattern", Place::Field),
];

fn place_name(place: Place) -> &'static str {
    match place {
        Place::Container => "a container",
        Place::Variant => "a variant",
        Place::Field => "a field",
    }
}

fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta, place: Place) {
    let key = meta.path.to_token_stream().to_string().replace(' ', "");
    let here: Vec<&str> = EXTRACT_KEYS
        .iter()
        .filter(|(_, p)| *p == place)
        .map(|(k, _)| *k)
        .collect();
    let elsewhere: Vec<Place> = EXTRACT_KEYS
        .iter()
        .filter(|(k, p)| *k == key && *p != place)
        .map(|(_, p)| *p)
        .collect();
    let message = if let Some(other) = elsewhere.first() {
        format!(
            "`{key}` is not allowed on {}; it goes on {}",
            place_name(place),
            place_name(*other)
        )
    } else {
        format!(
            "unknown extract attribute `{key}`; expected one of: {}",
            here.join(", ")
        )
    };
    cx.error_spanned_by(&meta.path, message);
}

/// A value set at most once, remembering the tokens that set it.
pub struct Attr<T> {
    name: &'static str,
    value: Option<T>,
}

impl<T> Attr<T> {
    fn none(name: &'static str) -> Self {
        Self { name, value: None }
    }

    fn set<A: ToTokens>(&mut self, cx: &Ctxt, tokens: A, value: T) {
        if self.value.is_some() {
            cx.error_spanned_by(
                tokens,
                format!("duplicate extract attribute `{}`", self.name),
            );
        } else {
            self.value = Some(value);
        }
    }

    fn get(self) -> Option<T> {
        self.value
    }
}

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

/// A field's constraints.
#[derive(Default, Clone)]
pub struct Constraints {
    /// `min_items = n`
    pub min_items: Option<Sp<u64>>,
    /// `max_items = n`
    pub max_items: Option<Sp<u64>>,
    /// `min_length = n`
    pub min_length: Option<Sp<u64>>,
    /// `max_length = n`
    pub max_length: Option<Sp<u64>>,
    /// `minimum = x`, as written and as a number.
    pub minimum: Option<Sp<(String, f64)>>,
    /// `maximum = x`
    pub maximum: Option<Sp<(String, f64)>>,
    /// `pattern = "regex"`
    pub pattern: Option<Sp<String>>,
}

impl Constraints {
    /// True when no constraint is set.
    pub fn is_empty(&self) -> bool {
        self.min_items.is_none()
            && self.max_items.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.minimum.is_none()
            && self.maximum.is_none()
            && self.pattern.is_none()
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

fn lit_str(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "expected a string: `{} = \"...\"`",
                meta.path.to_token_stream()
            ),
        )),
    }
}

/// A path written bare (`validate = check_age`) or quoted.
fn path_value(meta: &ParseNestedMeta) -> syn::Result<syn::Path> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s.parse(),
        Expr::Path(p) if p.qself.is_none() => Ok(p.path),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "expected a path: `{} = path::to::function`",
                meta.path.to_token_stream()
            ),
        )),
    }
}

fn int_value(meta: &ParseNestedMeta) -> syn::Result<u64> {
    let expr: Expr = meta.value()?.parse()?;
    match &expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse(),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!(
                "expected a non-negative integer: `{} = 5`",
                meta.path.to_token_stream()
            ),
        )),
    }
}

fn number_value(meta: &ParseNestedMeta) -> syn::Result<(String, f64)> {
    let expr: Expr = meta.value()?.parse()?;
    let (negative, lit) = match &expr {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let digits = match lit {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_digits().to_owned(),
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_digits().to_owned(),
        _ => {
            return Err(syn::Error::new_spanned(
                expr,
                format!(
                    "expected a number: `{} = 0` or `{} = -1.5`",
                    meta.path.to_token_stream(),
                    meta.path.to_token_stream()
                ),
            ))
        }
    };
    let text = if negative {
        format!("-{digits}")
    } else {
        digits
    };
    let value: f64 = text
        .parse()
        .map_err(|_| syn::Error::new_spanned(&expr, "expected a number"))?;
    Ok((text, value))
}

/// The span of the key being parsed, for errors found later.
fn key_span(meta: &ParseNestedMeta) -> Span {
    meta.path
        .get_ident()
        .map_or_else(Span::call_site, syn::Ident::span)
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
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
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

fn each<F>(cx: &Ctxt, attrs: &[Attribute], name: &str, mut f: F)
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
        let mut krate = Attr::none("crate");
        let mut partial = Attr::none("partial");
        let mut description = Attr::none("description");
        let mut validate = Attr::none("validate");
        each(cx, &input.attrs, "extract", |meta| {
            if meta.path.is_ident("crate") {
                krate.set(cx, &meta.path, path_value(meta)?);
            } else if meta.path.is_ident("partial") {
                let s = lit_str(meta)?;
                partial.set(cx, &meta.path, s.parse::<syn::Ident>()?);
            } else if meta.path.is_ident("description") {
                description.set(cx, &meta.path, lit_str(meta)?.value());
            } else if meta.path.is_ident("validate") {
                validate.set(cx, &meta.path, path_value(meta)?);
            } else {
                unknown_key(cx, meta, Place::Container);
                skip_value(meta)?;
            }
            Ok(())
        });

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
            krate: krate.get(),
            partial: partial.get(),
            description: description.get().or_else(|| get_doc(&input.attrs)),
            validate: validate.get(),
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
        let mut description = Attr::none("description");
        each(cx, &variant.attrs, "extract", |meta| {
            if meta.path.is_ident("description") {
                description.set(cx, &meta.path, lit_str(meta)?.value());
            } else {
                unknown_key(cx, meta, Place::Variant);
                skip_value(meta)?;
            }
            Ok(())
        });
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
            description: description.get().or_else(|| get_doc(&variant.attrs)),
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
        let mut description = Attr::none("description");
        let mut validate = Attr::none("validate");
        let mut atomic = Attr::none("atomic");
        let mut stream_required = Attr::none("stream_required");
        let mut min_items = Attr::none("min_items");
        let mut max_items = Attr::none("max_items");
        let mut min_length = Attr::none("min_length");
        let mut max_length = Attr::none("max_length");
        let mut minimum = Attr::none("minimum");
        let mut maximum = Attr::none("maximum");
        let mut pattern = Attr::none("pattern");
        each(cx, &field.attrs, "extract", |meta| {
            let path = &meta.path;
            let span = key_span(meta);
            let sp = |value| Sp { value, span };
            if path.is_ident("description") {
                description.set(cx, path, lit_str(meta)?.value());
            } else if path.is_ident("validate") {
                validate.set(cx, path, path_value(meta)?);
            } else if path.is_ident("atomic") {
                atomic.set(cx, path, span);
            } else if path.is_ident("stream_required") {
                stream_required.set(cx, path, span);
            } else if path.is_ident("min_items") {
                min_items.set(cx, path, sp(int_value(meta)?));
            } else if path.is_ident("max_items") {
                max_items.set(cx, path, sp(int_value(meta)?));
            } else if path.is_ident("min_length") {
                min_length.set(cx, path, sp(int_value(meta)?));
            } else if path.is_ident("max_length") {
                max_length.set(cx, path, sp(int_value(meta)?));
            } else if path.is_ident("minimum") {
                minimum.set(
                    cx,
                    path,
                    Sp {
                        value: number_value(meta)?,
                        span,
                    },
                );
            } else if path.is_ident("maximum") {
                maximum.set(
                    cx,
                    path,
                    Sp {
                        value: number_value(meta)?,
                        span,
                    },
                );
            } else if path.is_ident("pattern") {
                let s = lit_str(meta)?;
                if let Err(e) = regex_lite::Regex::new(&s.value()) {
                    cx.error_spanned_by(&s, format!("invalid `pattern`: {e}"));
                }
                pattern.set(
                    cx,
                    path,
                    Sp {
                        value: s.value(),
                        span,
                    },
                );
            } else {
                unknown_key(cx, meta, Place::Field);
                skip_value(meta)?;
            }
            Ok(())
        });

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
            description: description.get().or_else(|| get_doc(&field.attrs)),
            skip,
            default,
            atomic: atomic.get(),
            stream_required: stream_required.get(),
            validate: validate.get(),
            constraints: Constraints {
                min_items: min_items.get(),
                max_items: max_items.get(),
                min_length: min_length.get(),
                max_length: max_length.get(),
                minimum: minimum.get(),
                maximum: maximum.get(),
                pattern: pattern.get(),
            },
        }
    }
}
