//! What an internal link `[[target|label]]` points at: a page (with an optional section), a
//! category, a file, or another language's wiki. The one place that decides it, for the
//! renderer (which draws links) and for ingest (which counts a page's incoming links).

use std::borrow::Cow;

use crate::normalize_title;

/// What the target of a `[[...]]` link means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// A link to a page.
    Page {
        /// The page's normalized title (empty for a link to a section of the same page).
        title: String,
        /// The section after `#` (trimmed, possibly empty).
        section: Cow<'a, str>,
    },
    /// `[[Category:Name]]`: puts the page in a category (no link is drawn); the name normalized.
    Category(String),
    /// `[[File:x.jpg|...]]` or `[[Image:...]]`: an embedded file; the name after the prefix.
    File(Cow<'a, str>),
    /// `[[fr:Paris]]`: the same subject on another language's wiki (no link is drawn).
    Language,
    /// `[[]]` or `[[|label]]`: links nowhere (MediaWiki shows it as written).
    Empty,
}

/// Namespaces and interwiki prefixes whose links are not language links although their prefix
/// looks like a language code.
const NOT_LANGUAGES: &[&str] = &[
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

/// The meaning of a link's target: the part of `[[...]]` before the first `|`, with its HTML
/// entities still in it (they are decoded here). A leading `:` makes a category or file link an
/// ordinary link to that page.
pub fn target(raw: &str) -> Target<'_> {
    let raw = raw.trim();
    let (colon, raw) = match raw.strip_prefix(':') {
        Some(t) => (true, t.trim()),
        None => (false, raw),
    };
    let decoded: Cow<'_, str> = if raw.contains('&') {
        crate::unescape(raw.as_bytes()).unwrap_or(Cow::Borrowed(raw))
    } else {
        Cow::Borrowed(raw)
    };
    if decoded.is_empty() {
        return Target::Empty;
    }
    if !colon && let Some((prefix, rest)) = decoded.split_once(':') {
        match prefix_kind(prefix.as_bytes()) {
            Prefix::Category => return Target::Category(normalize_title(rest)),
            Prefix::File => return Target::File(owned_or_borrowed(&decoded, rest.trim())),
            Prefix::Language => return Target::Language,
            Prefix::Page => {}
        }
    }
    let (page, section) = match decoded.split_once('#') {
        Some((p, s)) => (p, owned_or_borrowed(&decoded, s.trim())),
        None => (&*decoded, Cow::Borrowed("")),
    };
    Target::Page { title: normalize_title(page), section }
}

/// `part` (a slice of `whole`) borrowed from the input when `whole` is, else owned.
fn owned_or_borrowed<'a>(whole: &Cow<'a, str>, part: &str) -> Cow<'a, str> {
    match whole {
        Cow::Borrowed(w) => {
            // `part` lies inside `w`: find it by address to keep the input's lifetime.
            let start = part.as_ptr() as usize - w.as_ptr() as usize;
            Cow::Borrowed(&w[start..start + part.len()])
        }
        Cow::Owned(_) => Cow::Owned(part.to_string()),
    }
}

/// What the part of a link target before its first `:` makes of the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `Category:`: the page is put in a category.
    Category,
    /// `File:` or `Image:`: a file is embedded.
    File,
    /// A language code (`fr:`, `zh-yue:`): a link to another language's wiki.
    Language,
    /// Anything else (`Talk:`, `Star Wars: Episode I`): a link to a page.
    Page,
}

/// What `prefix` (the UTF-8 bytes of a target before its first `:`, spaces allowed around it)
/// makes of a link without a leading colon. Bytes, so that the ingest's link counts can ask
/// about a dump's bytes without validating them first.
pub fn prefix_kind(prefix: &[u8]) -> Prefix {
    // Every name that means something here is ASCII: compared without allocating. The spaces
    // around it are trimmed as `str::trim` trims them: ASCII's here, Unicode's (a no-break
    // space, ...) in the rare prefix that starts or ends with a byte above ASCII.
    let ns = trim_ascii_spaces(prefix);
    match (ns.first(), ns.last()) {
        (Some(a), Some(b)) if !a.is_ascii() || !b.is_ascii() => match std::str::from_utf8(ns) {
            Ok(text) if text.trim().len() < text.len() => prefix_kind(text.trim().as_bytes()),
            _ => Prefix::Page,
        },
        _ => name_kind(ns),
    }
}

/// The bytes `char::is_whitespace` calls white among ASCII's: tab to carriage return, space.
fn trim_ascii_spaces(mut b: &[u8]) -> &[u8] {
    let white = |c: &u8| matches!(c, b'\t'..=b'\r' | b' ');
    while let [first, rest @ ..] = b
        && white(first)
    {
        b = rest;
    }
    while let [rest @ .., last] = b
        && white(last)
    {
        b = rest;
    }
    b
}

/// The kind of a trimmed prefix.
fn name_kind(ns: &[u8]) -> Prefix {
    let is = |name: &str| ns.eq_ignore_ascii_case(name.as_bytes());
    if is("category") {
        Prefix::Category
    } else if is("file") || is("image") {
        Prefix::File
    } else if is_language(ns) && !NOT_LANGUAGES.iter().any(|n| is(n)) {
        Prefix::Language
    } else {
        Prefix::Page
    }
}

/// A language code, in any case: 2 or 3 letters, then optionally `-` and letters.
fn is_language(ns: &[u8]) -> bool {
    let letters = ns.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    (2..=3).contains(&letters)
        && match ns.get(letters..) {
            Some([b'-', variant @ ..]) => variant.iter().all(u8::is_ascii_alphabetic),
            Some(rest) => rest.is_empty(),
            None => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(title: &str, section: &str) -> Target<'static> {
        Target::Page { title: title.into(), section: Cow::Owned(section.into()) }
    }

    #[test]
    fn reads_targets_as_mediawiki_does() {
        assert_eq!(target("albert_einstein"), page("Albert einstein", ""));
        assert_eq!(target(" Paris #History "), page("Paris", "History"));
        assert_eq!(target("#Notes"), page("", "Notes"));
        assert_eq!(target("AT&amp;T"), page("AT&T", ""));
        assert_eq!(target("Category:Physics stubs"), Target::Category("Physics stubs".into()));
        assert_eq!(target(":Category:Physics"), page("Category:Physics", ""));
        assert_eq!(target("File:Einstein 1921.jpg"), Target::File(Cow::Borrowed("Einstein 1921.jpg")));
        assert_eq!(target("image:x.png"), Target::File(Cow::Borrowed("x.png")));
        assert_eq!(target("fr:Paris"), Target::Language);
        assert_eq!(target("zh-yue:巴黎"), Target::Language);
        assert_eq!(target("wikt:word"), page("Wikt:word", ""));
        assert_eq!(target("Help:Contents"), page("Help:Contents", ""));
        assert_eq!(target(""), Target::Empty);
        assert_eq!(target(" : "), Target::Empty);
    }

    /// [`prefix_kind`] as its definition reads on text: `str::trim`, then the names.
    fn obvious_kind(prefix: &str) -> Prefix {
        let ns = prefix.trim();
        let is = |name: &str| ns.eq_ignore_ascii_case(name);
        let (lang, variant) = ns.split_once('-').unwrap_or((ns, ""));
        let language = (2..=3).contains(&lang.len())
            && lang.bytes().all(|b| b.is_ascii_alphabetic())
            && variant.bytes().all(|b| b.is_ascii_alphabetic());
        if is("category") {
            Prefix::Category
        } else if is("file") || is("image") {
            Prefix::File
        } else if language && !NOT_LANGUAGES.iter().any(|n| is(n)) {
            Prefix::Language
        } else {
            Prefix::Page
        }
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #[test]
        fn prefix_kind_reads_bytes_as_the_text_would_be_read(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[a-zA-Z\\- \t\u{b}\u{a0}\u{3000}é]{0,4}").unwrap(),
                    proptest::sample::select(vec!["Category", "file", "IMAGE", "fr", "zh-yue", "talk", "wp", "en-", "-"])
                        .prop_map(str::to_string),
                ],
                0..4,
            )
        ) {
            let prefix = parts.concat();
            proptest::prop_assert_eq!(prefix_kind(prefix.as_bytes()), obvious_kind(&prefix), "{:?}", prefix);
        }
    }
}
