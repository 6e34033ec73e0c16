//! Links: internal ones resolved against the index (red when the page is missing), categories
//! collected, files as caption placeholders, language links dropped, external links kept.

use super::Renderer;
use super::html::Html;
use crate::normalize_title;

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

/// Namespaces whose links are not language links.
const NAMESPACES: &[&str] = &[
    "talk",
    "user",
    "wikipedia",
    "wp",
    "project",
    "portal",
    "help",
    "template",
    "draft",
    "special",
    "media",
    "module",
    "mediawiki",
    "book",
    "timedtext",
    "wiktionary",
    "wikt",
    "w",
    "meta",
    "commons",
    "s",
    "q",
    "n",
    "b",
    "v",
    "d",
    "mw",
    "species",
    "wikisource",
    "wikiquote",
    "wikinews",
    "wikibooks",
    "wikiversity",
    "wikidata",
    "user talk",
    "wikipedia talk",
    "template talk",
    "category talk",
    "file talk",
    "help talk",
    "portal talk",
];

pub fn link(r: &mut Renderer<'_>, inner: &str, trail: &str, out: &mut Html) {
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t.trim(), Some(l)),
        None => (inner.trim(), None),
    };
    let (colon, target) = match target.strip_prefix(':') {
        Some(t) => (true, t.trim()),
        None => (false, target),
    };
    let target = crate::unescape(target.as_bytes()).map(|s| s.into_owned()).unwrap_or_else(|_| target.to_string());
    if target.is_empty() {
        // `[[]]` and `[[|label]]` link nowhere: MediaWiki shows them as written.
        out.text("[[");
        out.text(inner);
        out.text("]]");
        out.text(trail);
        return;
    }
    let ns = target.split_once(':').map(|(n, _)| n.trim().to_lowercase());
    if !colon && let Some(ns) = ns.as_deref() {
        if ns == "category" {
            let name = normalize_title(target.split_once(':').map_or("", |(_, n)| n));
            if !name.is_empty() && !r.categories.contains(&name) {
                r.categories.push(name);
            }
            return;
        }
        if ns == "file" || ns == "image" {
            media(r, &target, label, out);
            return;
        }
        if is_language(ns) && !NAMESPACES.contains(&ns) {
            return;
        }
    }
    if r.in_link > 0 {
        match label {
            Some(l) if !l.trim().is_empty() => r.nested(l, out),
            _ => out.text(&target),
        }
        out.text(trail);
        return;
    }
    let (page, section) = target.split_once('#').unwrap_or((&target, ""));
    let title = normalize_title(page);
    let anchor = section.trim().replace(' ', "_");
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
        _ => out.text(&target),
    }
    r.in_link -= 1;
    out.text(trail);
    out.close("a");
}

fn is_language(ns: &str) -> bool {
    let (lang, variant) = ns.split_once('-').unwrap_or((ns, ""));
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && variant.bytes().all(|b| b.is_ascii_lowercase())
}

/// `[[File:x.jpg|thumb|Caption]]`: a placeholder with the file's name and its caption.
fn media(r: &mut Renderer<'_>, target: &str, label: Option<&str>, out: &mut Html) {
    let name = target.split_once(':').map_or(target, |(_, n)| n).trim();
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
