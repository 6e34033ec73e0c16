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

/// A code point HTML does not allow in a document: C0 and C1 controls other than whitespace,
/// NUL, noncharacters. Each becomes U+FFFD, as a browser would show it.
fn is_disallowed(c: char) -> bool {
    let u = c as u32;
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        || (0xfdd0..=0xfdef).contains(&u)
        || u & 0xfffe == 0xfffe
}

/// `s` with every code point HTML does not allow replaced by U+FFFD.
fn allowed(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_disallowed) {
        Cow::Owned(s.chars().map(|c| if is_disallowed(c) { '\u{fffd}' } else { c }).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// What a byte is to [`Html::escaped`]: copied as it is, the first byte of a code point that
/// may not be allowed (every such code point starts with one of these; C2 also starts U+00A0,
/// common in text, so each is decoded before anything is decided), or an entity's index.
const PLAIN: u8 = 0;
const SUSPECT: u8 = 1;
const ENTITY: u8 = 2;
const ENTITIES: [&str; 5] = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];

const fn table(apostrophe: bool) -> [u8; 256] {
    let mut t = [PLAIN; 256];
    let mut b = 0;
    while b < 256 {
        let suspect =
            (b < 0x20 && !matches!(b as u8, b'\t' | b'\n' | b'\r' | 0x0c)) || matches!(b, 0x7f | 0xc2 | 0xef | 0xf0..);
        if suspect {
            t[b] = SUSPECT;
        }
        b += 1;
    }
    t[b'&' as usize] = ENTITY;
    t[b'<' as usize] = ENTITY + 1;
    t[b'>' as usize] = ENTITY + 2;
    t[b'"' as usize] = ENTITY + 3;
    if apostrophe {
        t[b'\'' as usize] = ENTITY + 4;
    }
    t
}

static TEXT: [u8; 256] = table(false);
static ATTRIBUTE: [u8; 256] = table(true);

impl Html {
    /// A writer for about `bytes` of output.
    pub fn with_capacity(bytes: usize) -> Html {
        Html { out: String::with_capacity(bytes), open: Vec::new() }
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) {
        self.escaped(s, Escape::Text);
    }

    /// `s` escaped for `mode`, in one pass over its bytes: runs of ordinary bytes are copied
    /// at once; a byte that may start a code point HTML does not allow sends the whole string
    /// through [`allowed`] first (rare: real text has almost none).
    fn escaped(&mut self, s: &str, mode: Escape) {
        let table = match mode {
            Escape::Text => &TEXT,
            Escape::Attribute => &ATTRIBUTE,
        };
        let b = s.as_bytes();
        let (mut run, mut i) = (0, 0);
        while i < b.len() {
            match table[usize::from(b[i])] {
                PLAIN => i += 1,
                SUSPECT => match s[i..].chars().next() {
                    Some(c) if is_disallowed(c) => {
                        self.out.push_str(&s[run..i]);
                        let _ = write!(self.out, "{}", escape(&allowed(&s[i..]), mode));
                        return;
                    }
                    Some(c) => i += c.len_utf8(),
                    None => break,
                },
                entity => {
                    self.out.push_str(&s[run..i]);
                    self.out.push_str(ENTITIES[usize::from(entity - ENTITY)]);
                    i += 1;
                    run = i;
                }
            }
        }
        self.out.push_str(&s[run..]);
    }

    /// Opens `tag` with `attrs` (names are trusted constants; values are escaped).
    pub fn open(&mut self, tag: &'static str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.escaped(value, Escape::Attribute);
            self.out.push('"');
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious writer: replace what HTML does not allow, then escape.
    fn reference(s: &str, mode: Escape) -> String {
        escape(&allowed(s), mode).to_string()
    }

    proptest::proptest! {
        #[test]
        fn writes_text_and_attributes_as_the_obvious_writer_does(s in "(\\PC|[\\x00-\\x1f\\x7f-\\u{9f}\\u{fdd0}\\u{fffe}\\u{1fffe}&<>\"'\u{a0}])*") {
            let mut html = Html::default();
            html.text(&s);
            proptest::prop_assert_eq!(html.finish(), reference(&s, Escape::Text));
            let mut html = Html::default();
            html.open("a", &[("title", &s)]);
            proptest::prop_assert_eq!(html.finish(), format!("<a title=\"{}\"></a>", reference(&s, Escape::Attribute)));
        }
    }

    #[test]
    fn replaces_what_html_does_not_allow_and_escapes_the_rest() {
        let mut html = Html::default();
        html.text("a\u{1}<b>\u{a0}&\u{fdd0}'\"");
        assert_eq!(html.finish(), "a\u{fffd}&lt;b&gt;\u{a0}&amp;\u{fffd}'&quot;");
    }
}
