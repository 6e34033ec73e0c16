//! The HTML writer of the renderer: text is always escaped, and every element opened is closed
//! (in order) by the time the output is taken, whatever the wikitext did.

use std::borrow::Cow;
use std::fmt::Write;

use crate::entities::{Escape, escape};

/// An HTML fragment being written, with the stack of elements still open.
#[derive(Default)]
pub struct Html {
    out: String,
    open: Vec<&'static str>,
}

/// Elements that have no end tag.
fn is_void(tag: &str) -> bool {
    matches!(tag, "br" | "hr" | "wbr")
}

/// `s` without the code points HTML does not allow in a document (C0 and C1 controls other than
/// whitespace, NUL, noncharacters): each becomes U+FFFD, as a browser would show it.
fn allowed(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        let u = c as u32;
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
            || (0xfdd0..=0xfdef).contains(&u)
            || u & 0xfffe == 0xfffe
    };
    // Every such code point starts with one of these bytes (C2 also starts U+00A0, common in
    // text, so each candidate is decoded before anything is copied).
    let suspect =
        |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || matches!(b, 0x7f | 0xc2 | 0xef | 0xf0..);
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(k) = b[i..].iter().position(suspect) {
        i += k;
        match s[i..].chars().next() {
            Some(c) if bad(c) => return Cow::Owned(s.chars().map(|c| if bad(c) { '\u{fffd}' } else { c }).collect()),
            Some(c) => i += c.len_utf8(),
            None => break,
        }
    }
    Cow::Borrowed(s)
}

impl Html {
    /// A writer for about `bytes` of output.
    pub fn with_capacity(bytes: usize) -> Html {
        Html { out: String::with_capacity(bytes), open: Vec::new() }
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) {
        let _ = write!(self.out, "{}", escape(&allowed(s), Escape::Text));
    }

    /// Opens `tag` with `attrs` (names are trusted constants; values are escaped).
    pub fn open(&mut self, tag: &'static str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            let _ = write!(self.out, " {name}=\"{}\"", escape(&allowed(value), Escape::Attribute));
        }
        self.out.push('>');
        if !is_void(tag) {
            self.open.push(tag);
        }
    }

    /// Closes the innermost open `tag` and every element opened inside it; nothing when `tag`
    /// is not open.
    pub fn close(&mut self, tag: &str) {
        if let Some(i) = self.open.iter().rposition(|t| *t == tag) {
            while self.open.len() > i {
                self.pop();
            }
        }
    }

    /// Closes the innermost open `tag` if it was opened above `floor` (the first `floor`
    /// elements are not the caller's to close).
    pub fn close_above(&mut self, tag: &str, floor: usize) {
        if let Some(i) = self.open.iter().rposition(|t| *t == tag).filter(|&i| i >= floor) {
            while self.open.len() > i {
                self.pop();
            }
        }
    }

    /// Closes elements until only `depth` remain open.
    pub fn close_to(&mut self, depth: usize) {
        while self.open.len() > depth {
            self.pop();
        }
    }

    /// How many elements are open.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// True when `tag` is open somewhere.
    pub fn is_open(&self, tag: &str) -> bool {
        self.open.contains(&tag)
    }

    fn pop(&mut self) {
        if let Some(tag) = self.open.pop() {
            let _ = write!(self.out, "</{tag}>");
        }
    }

    /// Raw markup that the renderer wrote itself (never page text).
    pub fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// Everything written, every element closed.
    pub fn finish(mut self) -> String {
        self.close_to(0);
        self.out
    }
}
