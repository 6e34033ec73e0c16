//! The inline pass: links, external links, bold and italic, entities, allowed HTML tags and the
//! strip markers of one block's text. Whatever it opens it closes before it returns.

use super::html::Html;
use super::links::{external, link};
use super::strip::{END, MARK, open_tag};
use super::{Piece, Renderer, templates};

/// HTML tags a page may use inline; written without their attributes.
const INLINE_TAGS: &[(&str, &str)] = &[
    ("b", "b"),
    ("i", "i"),
    ("u", "u"),
    ("s", "s"),
    ("strike", "s"),
    ("del", "del"),
    ("ins", "ins"),
    ("sub", "sub"),
    ("sup", "sup"),
    ("small", "small"),
    ("big", "big"),
    ("code", "code"),
    ("tt", "code"),
    ("var", "var"),
    ("kbd", "kbd"),
    ("samp", "samp"),
    ("span", "span"),
    ("abbr", "abbr"),
    ("cite", "cite"),
    ("q", "q"),
    ("em", "em"),
    ("strong", "strong"),
    ("mark", "mark"),
    ("dfn", "dfn"),
    ("bdi", "bdi"),
    ("font", "span"),
    ("center", "span"),
    ("div", "span"),
    ("blockquote", "q"),
    ("p", "span"),
];

/// Named entities beyond XML's five that articles use often.
const ENTITIES: &[(&str, &str)] = &[
    ("nbsp", "\u{a0}"),
    ("ndash", "–"),
    ("mdash", "—"),
    ("minus", "−"),
    ("hellip", "…"),
    ("times", "×"),
    ("middot", "·"),
    ("deg", "°"),
    ("copy", "©"),
    ("reg", "®"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("prime", "′"),
    ("Prime", "″"),
    ("thinsp", "\u{2009}"),
    ("ensp", "\u{2002}"),
    ("emsp", "\u{2003}"),
    ("zwj", "\u{200d}"),
    ("zwnj", "\u{200c}"),
    ("shy", "\u{ad}"),
    ("pound", "£"),
    ("euro", "€"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("sect", "§"),
    ("para", "¶"),
    ("plusmn", "±"),
    ("frac12", "½"),
    ("frac14", "¼"),
    ("frac34", "¾"),
    ("bull", "•"),
    ("dagger", "†"),
    ("larr", "←"),
    ("rarr", "→"),
    ("harr", "↔"),
    ("micro", "µ"),
];

const SCHEMES: &[&str] = &["https://", "http://", "ftp://", "mailto:", "//"];

/// Renders `text` (one block's text, with markers) into `out`.
/// Bytes that may start markup: links, quotes, entities, tags, `__WORDS__`, bare URLs, markers.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"['&<_h\xEE";
    let mut i = 0;
    while i < bytes.len() {
        t[bytes[i] as usize] = true;
        i += 1;
    }
    t
};

pub fn inline(r: &mut Renderer<'_>, text: &str, out: &mut Html) {
    let start = out.depth();
    let links = Links::of(text);
    let b = text.as_bytes();
    let mut i = 0;
    let mut run = 0;
    let mut no_bracket_after = usize::MAX;
    while i < b.len() {
        let c = b[i];
        if !SPECIAL[c as usize] {
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let flush = |out: &mut Html, run: usize, i: usize| out.text(&text[run..i]);
        if rest.starts_with(MARK) {
            let Some(end) = rest.find(END) else {
                i += MARK.len_utf8();
                continue;
            };
            flush(out, run, i);
            if let Ok(n) = rest[MARK.len_utf8()..end].parse::<usize>() {
                piece(r, n, out);
            }
            i += end + END.len_utf8();
            run = i;
        } else if rest.starts_with("[[")
            && let Some(close) = links.close(i)
        {
            flush(out, run, i);
            let trail = text[close + 2..].bytes().take_while(u8::is_ascii_alphabetic).count();
            link(r, &text[i + 2..close], &text[close + 2..close + 2 + trail], out);
            i = close + 2 + trail;
            run = i;
        } else if c == b'[' && i < no_bracket_after && SCHEMES.iter().any(|s| rest[1..].starts_with(s)) {
            // The label ends at the first `]` that does not close an internal link in it.
            let mut k = i + 1;
            let close = loop {
                match b.get(k) {
                    None => break None,
                    Some(b']') => break Some(k),
                    Some(b'[') if let Some(end) = links.close(k) => k = end + 2,
                    Some(_) => k += 1,
                }
            };
            match close {
                Some(close) => {
                    flush(out, run, i);
                    let inner = &text[i + 1..close];
                    let (url, label) = inner.split_once([' ', '\t']).unwrap_or((inner, ""));
                    external(r, url, label.trim(), out);
                    i = close + 1;
                    run = i;
                }
                None => {
                    no_bracket_after = i;
                    i += 1;
                }
            }
        } else if c == b'h' && (rest.starts_with("https://") || rest.starts_with("http://")) && word_start(b, i) {
            flush(out, run, i);
            let len = rest.find(|ch: char| ch.is_whitespace() || "<>[]\"{}|".contains(ch)).unwrap_or(rest.len());
            let url = rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
            external(r, url, "", out);
            i += url.len();
            run = i;
        } else if c == b'\'' && rest.starts_with("''") {
            flush(out, run, i);
            let n = rest.bytes().take_while(|&q| q == b'\'').count();
            let (text_quotes, toggles) = match n {
                2 => (0, "i"),
                3 => (0, "b"),
                4 => (1, "b"),
                5 => (0, "bi"),
                _ => (n - 5, "bi"),
            };
            out.text(&"'".repeat(text_quotes));
            for t in toggles.chars() {
                let tag = if t == 'b' { "b" } else { "i" };
                if out.is_open(tag) {
                    out.close_above(tag, start);
                } else {
                    out.open(tag, &[]);
                }
            }
            i += n;
            run = i;
        } else if c == b'&' {
            flush(out, run, i);
            i += entity(rest, out);
            run = i;
        } else if c == b'<' {
            flush(out, run, i);
            i += tag(rest, start, out);
            run = i;
        } else if c == b'_' && rest.starts_with("__") {
            let word = rest[2..].bytes().take_while(u8::is_ascii_uppercase).count();
            if word > 0 && rest[2 + word..].starts_with("__") {
                flush(out, run, i);
                i += word + 4;
                run = i;
            } else {
                i += 1;
            }
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out.text(&text[run..]);
    out.close_to(start);
}

fn word_start(b: &[u8], i: usize) -> bool {
    i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'/'
}

/// Every `[[` paired with its `]]` (one stack pass): (offset of the opening, offset of its
/// closing), sorted by opening. Unpaired brackets stay text.
struct Links(Vec<(usize, usize)>);

impl Links {
    fn of(text: &str) -> Links {
        let b = text.as_bytes();
        let mut pairs = Vec::new();
        let mut stack = Vec::new();
        let mut i = 0;
        while let Some(k) = memchr::memchr2(b'[', b']', &b[i..]) {
            i += k;
            if b.get(i + 1) == Some(&b[i]) {
                if b[i] == b'[' {
                    stack.push(i);
                } else if let Some(open) = stack.pop() {
                    pairs.push((open, i));
                }
                i += 2;
            } else {
                i += 1;
            }
        }
        pairs.sort_unstable();
        Links(pairs)
    }

    /// Where the `]]` of the `[[` at `open` is.
    fn close(&self, open: usize) -> Option<usize> {
        self.0.binary_search_by_key(&open, |p| p.0).ok().map(|k| self.0[k].1)
    }
}

/// The text of `wikitext` without markup (for headings' anchors and the table of contents).
pub fn plain(r: &mut Renderer<'_>, wikitext: &str) -> String {
    let mut h = Html::default();
    inline(r, wikitext.trim(), &mut h);
    let html = h.finish();
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    crate::unescape(out.as_bytes()).map(|s| s.into_owned()).unwrap_or(out).trim().to_string()
}

fn piece(r: &mut Renderer<'_>, n: usize, out: &mut Html) {
    let Some(p) = r.pieces.get(n).cloned() else { return };
    match p {
        Piece::Literal(t) => out.text(&crate::unescape(t.as_bytes()).map(|s| s.into_owned()).unwrap_or(t)),
        Piece::Pre(t) | Piece::Code(t) => {
            out.open("code", &[]);
            out.text(&t);
            out.close("code");
        }
        Piece::Omitted(tag) => {
            out.open("span", &[("class", "omitted"), ("title", &format!("<{tag}> is not shown offline"))]);
            out.text(&format!("[{tag}]"));
            out.close("span");
        }
        Piece::Ref { name, body } => reference(r, name, body, out),
        Piece::Template(call) => templates::template(r, &call, out),
    }
}

fn reference(r: &mut Renderer<'_>, name: Option<String>, body: Option<String>, out: &mut Html) {
    let known = name.as_ref().and_then(|n| r.refs.iter().position(|(m, _)| m.as_ref() == Some(n)));
    let rendered = body.map(|b| {
        let mut h = Html::default();
        r.nested(&b, &mut h);
        h.finish()
    });
    let number = match known {
        Some(k) => {
            if r.refs[k].1.is_empty()
                && let Some(html) = rendered
            {
                r.refs[k].1 = html;
            }
            k + 1
        }
        None => {
            r.refs.push((name, rendered.unwrap_or_default()));
            r.refs.len()
        }
    };
    out.open("sup", &[("class", "reference")]);
    // Inside a link's label the number is text: an anchor cannot hold another.
    if r.in_link == 0 {
        out.open("a", &[("href", &format!("#cite-note-{number}"))]);
    }
    out.text(&format!("[{number}]"));
    out.close("sup");
}

/// An entity at the start of `s` (which starts with `&`): written as its character; a lone `&`
/// as text. Returns the bytes consumed.
fn entity(s: &str, out: &mut Html) -> usize {
    if let Some(end) = s[1..].find(';').map(|e| e + 1).filter(|&e| e <= 32) {
        let body = &s[1..end];
        if let Ok(c) = crate::unescape(&s.as_bytes()[..=end])
            && c.chars().count() == 1
        {
            out.text(&c);
            return end + 1;
        }
        if let Some((_, c)) = ENTITIES.iter().find(|(n, _)| *n == body) {
            out.text(c);
            return end + 1;
        }
    }
    out.text("&");
    1
}

/// An HTML tag at the start of `s`: an allowed one is written (without attributes), `<br>` as a
/// break, anything else as text. Returns the bytes consumed.
fn tag(s: &str, floor: usize, out: &mut Html) -> usize {
    if let Some(rest) = s.strip_prefix("</") {
        let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        let name = rest[..name_len].to_ascii_lowercase();
        if let Some(after) = rest[name_len..].find('>').filter(|&k| rest[name_len..name_len + k].trim().is_empty())
            && let Some((_, html)) = INLINE_TAGS.iter().find(|(t, _)| *t == name)
        {
            out.close_above(html, floor);
            return 2 + name_len + after + 1;
        }
    } else if let Some((name, _, len, self_closed)) = open_tag(s) {
        let name = name.to_ascii_lowercase();
        if name == "br" || name == "wbr" {
            out.open(if name == "br" { "br" } else { "wbr" }, &[]);
            return len;
        }
        if let Some((_, html)) = INLINE_TAGS.iter().find(|(t, _)| *t == name) {
            if !self_closed {
                out.open(html, &[]);
            }
            return len;
        }
    }
    out.text("<");
    1
}
