//! Links: internal ones resolved against the index (red when the page is missing), categories
//! collected, files as caption placeholders, language links dropped, external links kept.

use super::Renderer;
use super::html::Html;
use crate::wikilink::{self, Target};

pub fn external(r: &mut Renderer<'_>, url: &str, label: &str, out: &mut Html) {
    let url = crate::unescape(url.as_bytes()).map(|s| s.into_owned()).unwrap_or_else(|_| url.to_string());
    if r.in_link > 0 {
        // Inside another link's label: its text only (an anchor cannot hold another).
        if label.is_empty() {
            out.text(&url);
        } else {
            r.nested(label, out);
        }
        return;
    }
    let href = if url.starts_with("//") { format!("https:{url}") } else { url.clone() };
    out.open("a", &[("href", &href), ("class", "external"), ("rel", "nofollow noopener")]);
    if label.is_empty() {
        out.text(&url);
    } else {
        // Links inside the label are shown as their text: an anchor cannot hold another.
        r.in_link += 1;
        r.nested(label, out);
        r.in_link -= 1;
    }
    out.close("a");
}

pub fn link(r: &mut Renderer<'_>, inner: &str, trail: &str, out: &mut Html) {
    let (raw, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(l)),
        None => (inner, None),
    };
    let (title, section) = match wikilink::target(raw) {
        Target::Empty => {
            // `[[]]` and `[[|label]]` link nowhere: MediaWiki shows them as written.
            out.text("[[");
            out.text(inner);
            out.text("]]");
            out.text(trail);
            return;
        }
        Target::Category(name) => {
            if !name.is_empty() && !r.categories.contains(&name) {
                r.categories.push(name);
            }
            return;
        }
        Target::File(name) => {
            media(r, &name, label, out);
            return;
        }
        Target::Language => return,
        Target::Page { title, section } => (title, section),
    };
    // Shown as typed (entities decoded) when the link has no label of its own.
    let typed = raw.trim().strip_prefix(':').unwrap_or(raw.trim()).trim();
    let typed = crate::unescape(typed.as_bytes()).unwrap_or(std::borrow::Cow::Borrowed(typed));
    if r.in_link > 0 {
        match label {
            Some(l) if !l.trim().is_empty() => r.nested(l, out),
            _ => out.text(&typed),
        }
        out.text(trail);
        return;
    }
    let anchor = section.replace(' ', "_");
    let (href, class) = if title.is_empty() {
        (format!("#{anchor}"), "")
    } else {
        let mut href = r.links.href(&title);
        if !anchor.is_empty() {
            href.push('#');
            href.push_str(&anchor);
        }
        (href, if r.links.exists(&title) { "" } else { "new" })
    };
    let mut attrs = vec![("href", href.as_str())];
    if !class.is_empty() {
        attrs.push(("class", class));
        attrs.push(("title", "the page does not exist in this dataset"));
    }
    out.open("a", &attrs);
    r.in_link += 1;
    match label {
        Some(l) if !l.trim().is_empty() => r.nested(l, out),
        _ => out.text(&typed),
    }
    r.in_link -= 1;
    out.text(trail);
    out.close("a");
}

/// `[[File:x.jpg|thumb|Caption]]`: a placeholder with the file's name and its caption.
fn media(r: &mut Renderer<'_>, name: &str, label: Option<&str>, out: &mut Html) {
    let caption = label.and_then(|l| {
        super::templates::split_top(l).into_iter().rev().find(|part| {
            let p = part.trim();
            let option = matches!(
                p,
                "thumb"
                    | "thumbnail"
                    | "frame"
                    | "frameless"
                    | "border"
                    | "right"
                    | "left"
                    | "center"
                    | "none"
                    | "upright"
            ) || p.ends_with("px")
                || p.contains('=') && !p.contains("[[");
            !p.is_empty() && !option
        })
    });
    out.open("span", &[("class", "media"), ("title", &format!("File:{name} (media is not part of the dump)"))]);
    out.text("[");
    out.text(name);
    if let Some(c) = caption {
        out.text(": ");
        r.nested(c, out);
    }
    out.text("]");
    out.close("span");
}
