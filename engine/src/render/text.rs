//! An article's plain text: what the reader shows as prose, without markup. The full-text index
//! reads it, search snippets quote it, and excerpts take their first sentence from it; all three
//! see the article as the reader renders it, because the text is read off the renderer's own
//! HTML.
//!
//! Kept: paragraphs, headings, lists, link labels, the text of inline tags. Left out, as
//! CirrusSearch leaves them out of its `text` field: references, templates (infoboxes, markers,
//! hatnotes), tables, files, omitted extension content and the category list.

use super::{Links, render};

/// Every link exists and goes nowhere: plain text keeps only labels.
pub(crate) struct TextOnly;

impl Links for TextOnly {
    fn exists(&self, _: &str) -> bool {
        true
    }
    fn href(&self, _: &str) -> String {
        String::new()
    }
}

/// Classes of the elements whose content is not prose.
const SKIPPED_CLASSES: &[&str] = &[
    "reference",
    "references",
    "references-heading",
    "template",
    "templates",
    "media",
    "omitted",
    "infobox",
    "categories",
    "hatnote",
];

/// Elements whose content is not prose, whatever their class.
const SKIPPED_TAGS: &[&str] = &["table"];

/// Elements that end a line of text (so that words on both sides stay apart).
const BREAKS: &[&str] = &["p", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "div", "br", "pre", "ul", "ol", "dl"];

/// The plain text of `wikitext` (unescaped page text): prose only, one line per block, runs of
/// spaces collapsed.
pub fn plain_text(wikitext: &str) -> String {
    let html = render(wikitext, &TextOnly).html;
    let mut out = String::with_capacity(html.len() / 2);
    html_text(&html, &mut out);
    out.truncate(out.trim_end().len());
    out
}

/// Appends the prose of an HTML fragment written by the renderer to `out`: text outside the
/// skipped elements, entities decoded, a line break after each block, spaces collapsed.
pub fn html_text(html: &str, out: &mut String) {
    // Names of the open elements whose content is skipped (innermost last).
    let mut skip: Vec<&str> = Vec::new();
    let mut rest = html;
    let mut space = out.is_empty() || out.ends_with(char::is_whitespace);
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        if skip.is_empty() {
            push_text(&rest[..lt], out, &mut space);
        }
        let Some(gt) = rest[lt..].find('>').map(|k| lt + k) else { break };
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or("");
        if closing {
            if skip.last() == Some(&name) {
                skip.pop();
            }
        } else if !tag.ends_with('/') && (!skip.is_empty() || skipped(name, tag)) {
            skip.push(name);
        }
        if skip.is_empty() && BREAKS.contains(&name) && !out.is_empty() && !out.ends_with('\n') {
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('\n');
            space = true;
        }
    }
}

fn skipped(name: &str, tag: &str) -> bool {
    if SKIPPED_TAGS.contains(&name) {
        return true;
    }
    let Some(k) = tag.find("class=\"") else { return false };
    let classes = tag[k + 7..].split('"').next().unwrap_or("");
    classes.split(' ').any(|c| SKIPPED_CLASSES.contains(&c))
}

/// Appends escaped HTML text with its entities decoded and whitespace collapsed.
fn push_text(escaped: &str, out: &mut String, space: &mut bool) {
    let decoded = crate::unescape(escaped.as_bytes());
    let text = decoded.as_deref().unwrap_or(escaped);
    for c in text.chars() {
        if c.is_whitespace() {
            if !*space {
                out.push(' ');
                *space = true;
            }
        } else {
            out.push(c);
            *space = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_without_references_templates_tables_or_files() {
        let text = "{{Infobox person\n| name = Ada}}\n'''Ada Lovelace''' was a [[mathematician|mathemat]]ician\
            <ref>Source text.</ref> and [[writer]]s.{{citation needed}}\n\n== Early life ==\n\
            [[File:Ada.jpg|thumb|A caption]]\n* She met [http://example.org Babbage].\n\
            {|\n| cell text\n|}\nA &amp; B &lt;3 [[Category:Mathematicians]]";
        assert_eq!(
            plain_text(text),
            "Ada Lovelace was a mathematician and writers.\nEarly life\nShe met Babbage.\nA & B <3"
        );
    }

    #[test]
    fn script_stays_text() {
        assert_eq!(plain_text("<script>alert(1)</script> x"), "<script>alert(1)</script> x");
    }
}
