//! A page's excerpt: the first sentence of its text, markup removed, as a suggestion shows it.
//!
//! Bounded work whatever the page: at most [`LEAD_SCAN_BYTES`] of its text are read to step over
//! what comes before the prose (templates such as infoboxes, comments, files, tables), and at
//! most [`EXCERPT_SCAN_BYTES`] from there are rendered, by the reader's own renderer (so the
//! excerpt reads as the article does); the first paragraph's text is then cut after its first
//! sentence.

use crate::error::Result;
use crate::render::render;
use crate::render::text::{TextOnly, html_text};
use crate::{Index, unescape};

/// Bytes of wikitext rendered for an excerpt at most, from the start of the lead (less when
/// the first paragraph ends sooner).
pub const EXCERPT_SCAN_BYTES: usize = 2048;
/// Bytes of wikitext read at most to find where the lead starts.
pub const LEAD_SCAN_BYTES: usize = 64 * 1024;
/// Characters an excerpt holds at most.
const MAX_CHARS: usize = 300;

impl Index {
    /// The first sentence of the text of the page in `row` (empty when it has no prose).
    pub fn excerpt(&self, row: u32) -> Result<String> {
        let xml = self.row_bytes(row)?;
        Ok(excerpt_of_xml(&xml))
    }
}

/// The excerpt of one page's XML.
pub fn excerpt_of_xml(xml: &[u8]) -> String {
    let Ok(body) = crate::article::raw_text(xml) else { return String::new() };
    let text = match unescape(entity_safe(body, LEAD_SCAN_BYTES)) {
        Ok(t) => t,
        Err(_) => return String::new(),
    };
    let lead = &text[lead_start(&text)..];
    let window = cut(lead, EXCERPT_SCAN_BYTES);
    let html = render(window, &TextOnly).html;
    first_sentence(&first_paragraph_text(&html))
}

/// `bytes` cut to at most `max`, never inside an entity or a UTF-8 sequence.
fn entity_safe(bytes: &[u8], max: usize) -> &[u8] {
    if bytes.len() <= max {
        return bytes;
    }
    let mut end = max;
    while end > 0 && (bytes[end] & 0xc0) == 0x80 {
        end -= 1;
    }
    // An '&' in the last dozen bytes whose ';' is past the cut: cut before it.
    if let Some(amp) = memchr::memrchr(b'&', &bytes[end.saturating_sub(12)..end]) {
        let amp = end.saturating_sub(12) + amp;
        if memchr::memchr(b';', &bytes[amp..end]).is_none() {
            end = amp;
        }
    }
    &bytes[..end]
}

/// Where the prose starts: past leading templates, comments, tables, files, magic words and
/// blank lines.
fn lead_start(text: &str) -> usize {
    let b = text.as_bytes();
    let mut at = 0;
    loop {
        while at < b.len() && b[at].is_ascii_whitespace() {
            at += 1;
        }
        let rest = &b[at..];
        let skipped = if rest.starts_with(b"{{") {
            // A template that does not close within the bytes read hides the lead: no excerpt.
            Some(balanced(rest, b"{{", b"}}").unwrap_or(rest.len()))
        } else if rest.starts_with(b"{|") {
            memchr::memmem::find(rest, b"\n|}").map(|k| k + 3)
        } else if rest.starts_with(b"<!--") {
            memchr::memmem::find(rest, b"-->").map(|k| k + 3)
        } else if rest.starts_with(b"[[") && is_file_link(rest) {
            balanced(rest, b"[[", b"]]")
        } else if rest.starts_with(b"__") || rest.starts_with(b"<div") || rest.starts_with(b"</div") {
            Some(memchr::memchr(b'\n', rest).unwrap_or(rest.len()))
        } else {
            None
        };
        match skipped {
            Some(n) if n > 0 => at += n,
            _ => return text.floor_char_boundary(at),
        }
    }
}

/// Length of the balanced `open` … `close` span at the start of `s`, if it closes.
fn balanced(s: &[u8], open: &[u8; 2], close: &[u8; 2]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i + 1 < s.len() {
        if s[i] == open[0] && s[i + 1] == open[1] {
            depth += 1;
            i += 2;
        } else if s[i] == close[0] && s[i + 1] == close[1] {
            depth = depth.saturating_sub(1);
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

fn is_file_link(s: &[u8]) -> bool {
    let prefix = |p: &[u8]| s.get(2..2 + p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    prefix(b"file:") || prefix(b"image:")
}

/// The first paragraph of `s`, at most `max` bytes of it: up to the first blank line, or else
/// the last line break within `max`, or else a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let head = &s[..s.floor_char_boundary(max)];
    if let Some(k) = head.find("\n\n") {
        return &head[..k];
    }
    if s.len() <= max {
        return s;
    }
    let end = head.rfind('\n').filter(|&k| k > 0).unwrap_or(head.len());
    &head[..end]
}

/// The text of the first `<p>` of rendered HTML ([`html_text`]: without references, template
/// markers and file placeholders), spaces collapsed.
fn first_paragraph_text(html: &str) -> String {
    let Some(p) = html.find("<p>") else { return String::new() };
    let end = html[p..].find("</p>").map_or(html.len(), |k| p + k);
    let mut out = String::new();
    html_text(&html[p + 3..end], &mut out);
    let mut text = String::with_capacity(out.len());
    for word in out.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    // Punctuation left alone by a removed template (a pronunciation, say): "( ; born" →
    // "(born", "word ." → "word.", "()" goes.
    let mut text = text.replace(" .", ".").replace(" ,", ",");
    for (from, to) in [("( ; ", "("), ("(; ", "("), ("( , ", "("), ("(, ", "("), ("( ", "("), (" )", ")")] {
        text = text.replace(from, to);
    }
    text.replace(" ()", "").replace("()", "").replace("  ", " ")
}

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "St", "Mr", "Mrs", "Ms", "Dr", "Jr", "Sr", "c", "ca", "approx", "No", "vs", "e.g", "i.e", "U.S", "Inc", "Ltd", "Co",
];

/// The first sentence of `text`: up to the first `.`, `!` or `?` followed by a space and a
/// capital letter, a digit or an opening quote (not after an initial or a common abbreviation),
/// at most [`MAX_CHARS`] characters (then cut at a word and marked with `…`).
fn first_sentence(text: &str) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if k >= MAX_CHARS {
            break;
        }
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next = chars.get(k + 1).map(|&(_, c)| c);
        let after = chars.get(k + 2).map(|&(_, c)| c);
        let ends = match (next, after) {
            (None, _) => true,
            (Some(' '), Some(a)) => a.is_uppercase() || a.is_ascii_digit() || matches!(a, '"' | '“' | '\'' | '('),
            _ => false,
        };
        let word = text[..i].rsplit([' ', '(']).next().unwrap_or("");
        let initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
        if ends && c == '.' && (initial || ABBREVIATIONS.contains(&word)) {
            continue;
        }
        if ends {
            return text[..i + c.len_utf8()].to_string();
        }
    }
    if chars.len() <= MAX_CHARS {
        return text.to_string();
    }
    let cut = &text[..chars[MAX_CHARS].0];
    let cut = cut.rfind(' ').map_or(cut, |k| &cut[..k]);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> String {
        let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        excerpt_of_xml(format!("<page><title>T</title><text bytes=\"1\">{escaped}</text></page>").as_bytes())
    }

    #[test]
    fn the_first_sentence_of_the_prose_without_markup() {
        let text = "{{Infobox person\n| name = {{nowrap|Albert Einstein}}\n| born = 1879}}\n<!-- c -->\n\
            [[File:Einstein.jpg|thumb|[[Albert]] in 1921]]\n\
            '''Albert Einstein''' (14 March 1879 – 18 April 1955) was a [[Germany|German]]-born \
            [[theoretical physicist]].<ref>A source.</ref>{{sfn|Pais|1982}} He developed relativity.\n\nMore.";
        assert_eq!(
            page(text),
            "Albert Einstein (14 March 1879 – 18 April 1955) was a German-born theoretical physicist."
        );
        assert_eq!(
            page("J. R. R. Tolkien wrote St. Mary's history. Then more."),
            "J. R. R. Tolkien wrote St. Mary's history."
        );
        assert_eq!(page("AT&T is a company"), "AT&T is a company");
        assert_eq!(
            page("The '''aardvark''' ({{IPAc-en|x|y}}; ''Orycteropus afer'') is a mammal. More."),
            "The aardvark (Orycteropus afer) is a mammal."
        );
        assert_eq!(page("{{unclosed"), "");
        assert_eq!(page(""), "");
        let long = "word ".repeat(200);
        let e = page(&long);
        assert!(e.ends_with('…') && e.chars().count() <= MAX_CHARS + 1, "{e}");
    }

    #[test]
    fn cuts_never_split_an_entity_or_a_character() {
        assert_eq!(entity_safe(b"ab&amp;cd", 5), b"ab");
        assert_eq!(entity_safe("aé".as_bytes(), 2), b"a");
        assert_eq!(entity_safe(b"abc", 10), b"abc");
    }
}
