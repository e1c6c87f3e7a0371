//! The `#[extract(...)]` keys, in one table: where each goes and what value
//! it takes. The table drives the parsing, the "unknown attribute" message
//! and (checked by a test) the attribute tables of the `extract` docs.
//!
//! A constraint is one row of [`CONSTRAINTS`]: its key, its JSON Schema
//! keyword, its value, the key it may not exceed. Its check is the runtime
//! function of the same name, `__private::check::{key}`, whose trait bound
//! says which values it applies to; the schema keyword and the call are
//! written from the row by the generators (`expand/schema.rs`,
//! `expand/complete.rs`), by the kind of its value.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitStr, UnOp};

use super::Sp;
use crate::ctxt::Ctxt;

/// Where an attribute sits.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Place {
    /// On the struct or enum.
    Container,
    /// On an enum's variant.
    Variant,
    /// On a field.
    Field,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Place::Container => "a container",
            Place::Variant => "a variant",
            Place::Field => "a field",
        }
    }
}

/// What a key takes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Nothing: `atomic`.
    Flag,
    /// A string: `description = "..."`.
    Str,
    /// A path, bare or quoted: `validate = check_age`.
    Path,
    /// An identifier, quoted: `partial = "UserSoFar"`.
    Ident,
    /// A non-negative integer: `min_items = 2`.
    Count,
    /// A number: `minimum = -1.5`.
    Number,
    /// A number greater than 0: `multiple_of = 0.5`.
    Positive,
    /// A regular expression, checked here: `pattern = "^[a-z]+$"`.
    Regex,
}

/// A key that is not a constraint.
pub struct Key {
    /// The key.
    pub name: &'static str,
    /// Where it goes.
    pub places: &'static [Place],
    /// What it takes.
    pub kind: Kind,
}

/// A constraint on a field's value: in the schema, and checked when the
/// value is complete.
pub struct Constraint {
    /// The attribute's key, and the name of its check in
    /// `__private::check`.
    pub key: &'static str,
    /// Its JSON Schema keyword.
    pub keyword: &'static str,
    /// What it takes: [`Kind::Count`], [`Kind::Number`], [`Kind::Positive`]
    /// or [`Kind::Regex`].
    pub kind: Kind,
    /// The key whose value this one's may not exceed.
    pub at_most: Option<&'static str>,
}

use Kind::{Count, Flag, Ident, Number, Path, Positive, Regex, Str};
use Place::{Container, Field, Variant};

/// Every key but the constraints (which go on fields), in the order the
/// "unknown attribute" message lists them.
const KEYS: &[Key] = &[
    Key {
        name: "crate",
        places: &[Container],
        kind: Path,
    },
    Key {
        name: "partial",
        places: &[Container],
        kind: Ident,
    },
    Key {
        name: "description",
        places: &[Container, Variant, Field],
        kind: Str,
    },
    Key {
        name: "validate",
        places: &[Container, Field],
        kind: Path,
    },
    Key {
        name: "atomic",
        places: &[Field],
        kind: Flag,
    },
    Key {
        name: "stream_required",
        places: &[Field],
        kind: Flag,
    },
];

/// Every constraint, in the order their keywords are written and their
/// checks run.
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint {
        key: "min_items",
        keyword: "minItems",
        kind: Count,
        at_most: Some("max_items"),
    },
    Constraint {
        key: "max_items",
        keyword: "maxItems",
        kind: Count,
        at_most: None,
    },
    Constraint {
        key: "min_length",
        keyword: "minLength",
        kind: Count,
        at_most: Some("max_length"),
    },
    Constraint {
        key: "max_length",
        keyword: "maxLength",
        kind: Count,
        at_most: None,
    },
    Constraint {
        key: "minimum",
        keyword: "minimum",
        kind: Number,
        at_most: Some("maximum"),
    },
    Constraint {
        key: "maximum",
        keyword: "maximum",
        kind: Number,
        at_most: None,
    },
    Constraint {
        key: "multiple_of",
        keyword: "multipleOf",
        kind: Positive,
        at_most: None,
    },
    Constraint {
        key: "pattern",
        keyword: "pattern",
        kind: Regex,
        at_most: None,
    },
];

/// Every key allowed on `place`, with what it takes, in table order.
pub fn keys(place: Place) -> impl Iterator<Item = (&'static str, Kind)> {
    let constraints = CONSTRAINTS
        .iter()
        .filter(move |_| place == Field)
        .map(|c| (c.key, c.kind));
    KEYS.iter()
        .filter(move |k| k.places.contains(&place))
        .map(|k| (k.name, k.kind))
        .chain(constraints)
}

/// A parsed value.
#[derive(Clone)]
pub enum Value {
    /// [`Kind::Flag`].
    Flag,
    /// [`Kind::Str`].
    Str(String),
    /// [`Kind::Path`].
    Path(syn::Path),
    /// [`Kind::Ident`].
    Ident(syn::Ident),
    /// [`Kind::Count`].
    Count(u64),
    /// [`Kind::Number`]: as written, and as a number.
    Number(String, f64),
    /// [`Kind::Regex`]: its source.
    Regex(String),
}

/// The `#[extract(...)]` keys of one container, variant or field, each
/// parsed by its kind, in the order written. Unknown and repeated keys
/// are reported as they are met.
pub struct Parsed {
    values: Vec<(&'static str, Sp<Value>)>,
}

impl Parsed {
    /// Parses every `#[extract(...)]` of `attrs` found on `place`.
    pub fn new(cx: &Ctxt, attrs: &[syn::Attribute], place: Place) -> Self {
        let mut parsed = Parsed { values: Vec::new() };
        super::each(cx, attrs, "extract", |meta| {
            let Some((name, kind)) = keys(place).find(|(name, _)| meta.path.is_ident(name)) else {
                unknown_key(cx, meta, place);
                return super::skip_value(meta);
            };
            let span = key_span(meta);
            // A value of the wrong form is reported and the next key read:
            // the expression was consumed.
            let value = match parse_value(cx, meta, kind) {
                Ok(value) => value,
                Err(e) => {
                    cx.syn_error(e);
                    return Ok(());
                }
            };
            if parsed.values.iter().any(|(n, _)| *n == name) {
                cx.error_spanned_by(&meta.path, format!("duplicate extract attribute `{name}`"));
            } else {
                parsed.values.push((name, Sp { value, span }));
            }
            Ok(())
        });
        parsed
    }

    fn take(&mut self, name: &str) -> Option<Sp<Value>> {
        let i = self.values.iter().position(|(n, _)| *n == name)?;
        Some(self.values.remove(i).1)
    }

    /// The string of `name`.
    pub fn str(&mut self, name: &str) -> Option<String> {
        match self.take(name)?.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The path of `name`.
    pub fn path(&mut self, name: &str) -> Option<syn::Path> {
        match self.take(name)?.value {
            Value::Path(p) => Some(p),
            _ => None,
        }
    }

    /// The identifier of `name`.
    pub fn ident(&mut self, name: &str) -> Option<syn::Ident> {
        match self.take(name)?.value {
            Value::Ident(i) => Some(i),
            _ => None,
        }
    }

    /// Where the flag `name` was written, if it was.
    pub fn flag(&mut self, name: &str) -> Option<Span> {
        self.take(name).map(|sp| sp.span)
    }

    /// The constraints, in table order.
    pub fn constraints(&mut self) -> Vec<(&'static Constraint, Sp<Value>)> {
        CONSTRAINTS
            .iter()
            .filter_map(|c| self.take(c.key).map(|v| (c, v)))
            .collect()
    }
}

fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta, place: Place) {
    let key = meta.path.to_token_stream().to_string().replace(' ', "");
    let here: Vec<&str> = keys(place).map(|(k, _)| k).collect();
    let elsewhere = [Place::Container, Place::Variant, Place::Field]
        .into_iter()
        .find(|p| *p != place && keys(*p).any(|(k, _)| k == key));
    let message = match elsewhere {
        Some(other) => format!(
            "`{key}` is not allowed on {}; it goes on {}",
            place.name(),
            other.name()
        ),
        None => format!(
            "unknown extract attribute `{key}`; expected one of: {}",
            here.join(", ")
        ),
    };
    cx.error_spanned_by(&meta.path, message);
}

/// The value of a key of `kind`.
fn parse_value(cx: &Ctxt, meta: &ParseNestedMeta, kind: Kind) -> syn::Result<Value> {
    Ok(match kind {
        Kind::Flag => Value::Flag,
        Kind::Str => Value::Str(lit_str(meta)?.value()),
        Kind::Path => Value::Path(path_value(meta)?),
        Kind::Ident => Value::Ident(lit_str(meta)?.parse()?),
        Kind::Count => Value::Count(int_value(meta)?),
        Kind::Number => {
            let (text, value) = number_value(meta)?;
            Value::Number(text, value)
        }
        Kind::Positive => {
            let (text, value) = number_value(meta)?;
            if value <= 0.0 {
                return Err(meta.error(format!(
                    "expected a number greater than 0: `{} = 0.5`",
                    meta.path.to_token_stream()
                )));
            }
            Value::Number(text, value)
        }
        Kind::Regex => {
            let s = lit_str(meta)?;
            if let Err(e) = regex_lite::Regex::new(&s.value()) {
                cx.error_spanned_by(&s, format!("invalid `pattern`: {e}"));
            }
            Value::Regex(s.value())
        }
    })
}

/// A string: `key = "..."`.
pub fn lit_str(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
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
pub fn key_span(meta: &ParseNestedMeta) -> Span {
    meta.path
        .get_ident()
        .map_or_else(Span::call_site, syn::Ident::span)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the `extract` crate's docs list for `place`: the first
    /// column of its table (`key = ...` in backticks), or the variant line.
    fn documented(docs: &str, place: Place) -> Vec<String> {
        let heading = match place {
            Place::Container => "//! On the struct or enum, `#[extract(...)]`:",
            Place::Field => "//! On a field, `#[extract(...)]`:",
            Place::Variant => "//! On a variant: ",
        };
        let start = docs.find(heading).expect("the docs have the heading") + heading.len();
        let section = &docs[start..];
        let lines: Vec<&str> = match place {
            Place::Variant => section.lines().take(1).collect(),
            _ => section
                .lines()
                .skip(1)
                .skip_while(|l| !l.starts_with("//! |"))
                .take_while(|l| l.starts_with("//! |"))
                .skip(2)
                .map(|l| l.split('|').nth(1).unwrap_or_default())
                .collect(),
        };
        let mut keys = Vec::new();
        for line in lines {
            for code in line.split('`').skip(1).step_by(2) {
                let code = code.trim_start_matches("#[extract(");
                let key: String = code
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                keys.push(key);
            }
        }
        keys
    }

    /// The docs' attribute tables list exactly the keys of the table (in
    /// the order that reads best there): a key added here and not
    /// documented fails, and so does a documented key that is not here.
    #[test]
    fn the_docs_list_every_key() {
        let docs = include_str!("../../../src/lib.rs");
        for place in [Place::Container, Place::Field, Place::Variant] {
            let mut table: Vec<&str> = keys(place).map(|(k, _)| k).collect();
            let mut listed = documented(docs, place);
            table.sort_unstable();
            listed.sort_unstable();
            assert_eq!(listed, table, "the docs' keys on {}", place.name());
        }
    }
}
