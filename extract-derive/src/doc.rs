//! Doc comments become schema descriptions (schemars' rules): each line loses
//! one leading space, lines are joined, blank lines at both ends are dropped.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The description written in the doc comments of `attrs`, if any.
pub fn get_doc(attrs: &[Attribute]) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    for attr in attrs {
        let Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        if !nv.path.is_ident("doc") {
            continue;
        }
        let Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) = &nv.value
        else {
            continue;
        };
        for line in text.value().split('\n') {
            let line = line.strip_prefix(' ').unwrap_or(line);
            lines.push(line.trim_end().to_owned());
        }
    }
    let first = lines.iter().position(|l| !l.trim().is_empty())?;
    let last = lines.iter().rposition(|l| !l.trim().is_empty())?;
    Some(lines[first..=last].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_one_space_joins_and_trims() {
        let attrs: Vec<Attribute> = vec![
            syn::parse_quote!(#[doc = ""]),
            syn::parse_quote!(#[doc = " A user."]),
            syn::parse_quote!(#[doc = "   - indented"]),
            syn::parse_quote!(#[doc = " "]),
        ];
        assert_eq!(get_doc(&attrs).as_deref(), Some("A user.\n  - indented"));
        assert_eq!(get_doc(&[]), None);
        let block: Vec<Attribute> = vec![syn::parse_quote!(#[doc = "\n Line one.\n Line two.\n"])];
        assert_eq!(get_doc(&block).as_deref(), Some("Line one.\nLine two."));
    }
}
