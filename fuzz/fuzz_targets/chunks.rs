//! How the targets cut an input into reads: the sizes cycle through the
//! layout's size bytes; a 0 gives an empty read and makes the next read a
//! byte longer, so the cutting always moves on.

// Each target uses its own subset of these helpers.
#![allow(dead_code)]

/// The offsets at which `len` bytes are cut, for these sizes (none: whole).
pub fn cuts(sizes: &[u8], len: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    if sizes.is_empty() {
        return cuts;
    }
    let mut at = 0;
    for &size in sizes.iter().cycle() {
        if at >= len {
            break;
        }
        at = (at + usize::from(size)).min(len);
        cuts.push(at);
        if size == 0 {
            at += 1;
        }
    }
    cuts
}

/// `input` cut into pieces at these sizes (empty pieces included), covering
/// every byte in order.
pub fn pieces<'a>(input: &'a [u8], sizes: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut from = 0;
    for cut in cuts(sizes, input.len()) {
        pieces.push(&input[from..cut]);
        from = cut;
    }
    pieces.push(&input[from..]);
    pieces
}
