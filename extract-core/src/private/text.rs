//! How names and values are quoted in the messages of the builders and
//! the checks.

use std::fmt::{self, Display};

/// A string quoted for a message, cut after [`SHOWN`] characters.
pub(crate) struct Shorten<'a>(pub(crate) &'a str);

/// How many characters of a name or text a message shows.
pub(crate) const SHOWN: usize = 80;

impl Display for Shorten<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(SHOWN) {
            Some((end, _)) => write!(f, "{:?}…", &self.0[..end]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// "nothing", "`a`" or "one of `a`, `b`".
pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_owned(),
        [one] => format!("`{one}`"),
        _ => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

/// "1 item", "2 items".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
