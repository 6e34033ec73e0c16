//! The first pass over a page's wikitext: the spans that are not line-structured (comments,
//! `<nowiki>`, `<pre>`, `<ref>`s, templates, and tags whose content is not wikitext) are cut out
//! and replaced by strip markers (as MediaWiki does), so the block pass can work line by line.
//!
//! Linear in the input: template braces are paired with one stack pass, and the search for a
//! closing tag remembers where it failed, so unclosed tags cost one scan, not one per opening.

use std::borrow::Cow;

use super::Piece;

/// Marks a strip marker: `MARK`, the piece's number in decimal, `END`. Both are private-use
/// characters, removed from the input first so that no page can forge a marker.
pub const MARK: char = '\u{E000}';
/// Ends a strip marker.
pub const END: char = '\u{E001}';

/// Finds the next case-insensitive `needle` (ASCII) at or after a position, remembering where a
/// search found nothing so later searches past that point cost nothing.
struct Finder {
    needle: &'static str,
    none_from: usize,
}

impl Finder {
    fn new(needle: &'static str) -> Finder {
        Finder { needle, none_from: usize::MAX }
    }

    fn find(&mut self, text: &str, from: usize) -> Option<usize> {
        if from >= self.none_from {
            return None;
        }
        let hay = &text.as_bytes()[from..];
        let n = self.needle.as_bytes();
        let found = hay.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n)).map(|i| i + from);
        if found.is_none() {
            self.none_from = from;
        }
        found
    }
}

/// Tags whose content is kept as literal text (`nowiki`), preformatted (`pre`), or dropped with
/// a marker (media and extensions that need software Folio does not run).
const LITERAL: &[&str] = &[
    "nowiki",
    "pre",
    "math",
    "chem",
    "syntaxhighlight",
    "source",
    "score",
    "timeline",
    "gallery",
    "imagemap",
    "graph",
    "mapframe",
    "templatedata",
    "hiero",
];

/// Cuts `text` into line-structured wikitext with markers, and the pieces they stand for.
pub fn strip(text: &str, pieces: &mut Vec<Piece>) -> String {
    // The page's own private-use markers would be read as ours: drop them (rarely any).
    let text: Cow<'_, str> = if text.contains([MARK, END]) {
        Cow::Owned(text.chars().filter(|&c| c != MARK && c != END).collect())
    } else {
        Cow::Borrowed(text)
    };
    let text = &*text;
    let pairs = pair_braces(text);
    let mut out = String::with_capacity(text.len());
    let mut closers: Vec<Finder> = LITERAL.iter().map(|t| Finder::new(closing(t))).collect();
    let mut comment_end = Finder::new("-->");
    let mut ref_end = Finder::new("</ref>");
    let mut i = 0;
    let b = text.as_bytes();
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("<!--") {
            i = comment_end.find(text, i + 4).map_or(b.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("{{")
            && let Some(&end) = pairs.get(&i)
        {
            push_marker(&mut out, pieces, Piece::Template(text[i + 2..end].to_string()));
            i = end + 2;
            continue;
        }
        if rest.starts_with('<')
            && let Some((name, attrs, open_end, self_closed)) = open_tag(rest)
        {
            let is = |t: &str| name.eq_ignore_ascii_case(t);
            if is("ref") || is("references") {
                let ref_name = attr(attrs, "name");
                if self_closed {
                    if is("ref") {
                        push_marker(&mut out, pieces, Piece::Ref { name: ref_name, body: None });
                    }
                    i += open_end;
                    continue;
                }
                let body_start = i + open_end;
                let (body_end, after) = match ref_end.find(text, body_start) {
                    Some(e) => (e, e + "</ref>".len()),
                    None => (b.len(), b.len()),
                };
                if is("ref") {
                    let body = text[body_start..body_end].to_string();
                    push_marker(&mut out, pieces, Piece::Ref { name: ref_name, body: Some(body) });
                    i = after;
                } else {
                    // <references>...</references>: the list is written at the end anyway.
                    i = body_start;
                }
                continue;
            }
            if let Some(k) = LITERAL.iter().position(|t| is(t)) {
                let tag = LITERAL[k];
                if self_closed {
                    i += open_end;
                    continue;
                }
                let body_start = i + open_end;
                let finder = &mut closers[k];
                let close = closing(tag);
                let (body_end, after) = match finder.find(text, body_start) {
                    Some(e) => (e, e + close.len()),
                    None => (b.len(), b.len()),
                };
                let body = text[body_start..body_end].to_string();
                let piece = match tag {
                    "nowiki" => Piece::Literal(body),
                    "pre" | "syntaxhighlight" | "source" => Piece::Pre(body),
                    "math" | "chem" | "hiero" => Piece::Code(body),
                    _ => Piece::Omitted(tag),
                };
                push_marker(&mut out, pieces, piece);
                i = after;
                continue;
            }
        }
        // Nothing else starts before the next `<` or `{`: copy up to it at once.
        let next = memchr::memchr2(b'<', b'{', &b[i + 1..]).map_or(b.len(), |k| i + 1 + k);
        out.push_str(&text[i..next]);
        i = next;
    }
    out
}

fn closing(tag: &str) -> &'static str {
    match tag {
        "nowiki" => "</nowiki>",
        "pre" => "</pre>",
        "math" => "</math>",
        "chem" => "</chem>",
        "syntaxhighlight" => "</syntaxhighlight>",
        "source" => "</source>",
        "score" => "</score>",
        "timeline" => "</timeline>",
        "gallery" => "</gallery>",
        "imagemap" => "</imagemap>",
        "graph" => "</graph>",
        "mapframe" => "</mapframe>",
        "templatedata" => "</templatedata>",
        _ => "</hiero>",
    }
}

/// Appends the marker of a new piece.
pub fn push_marker(out: &mut String, pieces: &mut Vec<Piece>, piece: Piece) {
    out.push(MARK);
    out.push_str(&pieces.len().to_string());
    out.push(END);
    pieces.push(piece);
}

/// `<name attrs>` or `<name attrs/>` at the start of `s`: (name, attrs, length, self-closed).
pub fn open_tag(s: &str) -> Option<(&str, &str, usize, bool)> {
    let b = s.as_bytes();
    let name_len = b[1..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    if name_len == 0 {
        return None;
    }
    let name = &s[1..1 + name_len];
    let close = s[1 + name_len..].find(['>', '<', '\n'])? + 1 + name_len;
    if b[close] != b'>' {
        return None;
    }
    let inner = &s[1 + name_len..close];
    if !inner.is_empty() && !inner.starts_with([' ', '\t', '/']) {
        return None;
    }
    let self_closed = inner.trim_end().ends_with('/');
    Some((name, inner.trim().trim_end_matches('/'), close + 1, self_closed))
}

/// The value of attribute `name` in `attrs` (quoted or not).
pub fn attr(attrs: &str, name: &str) -> Option<String> {
    let lower = attrs.to_ascii_lowercase();
    let mut from = 0;
    while let Some(k) = lower[from..].find(name) {
        let at = from + k;
        from = at + name.len();
        let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = attrs[at + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let v = rest[1..].trim_start();
        let value = match v.chars().next() {
            Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
            _ => v.split([' ', '\t', '/']).next().unwrap_or(""),
        };
        return Some(value.trim().to_string());
    }
    None
}

/// Pairs every `{{` with its `}}` (one pass, a stack): start offset → offset of the closing
/// braces. Unpaired braces stay text.
fn pair_braces(text: &str) -> std::collections::HashMap<usize, usize> {
    let b = text.as_bytes();
    let mut pairs = std::collections::HashMap::new();
    let mut stack = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'{' && b[i + 1] == b'{' {
            stack.push(i);
            i += 2;
        } else if b[i] == b'}' && b[i + 1] == b'}' {
            if let Some(open) = stack.pop() {
                pairs.insert(open, i);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    pairs
}
