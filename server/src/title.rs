//! Titles as they come in URLs, normalized as MediaWiki normalizes them, and as they go out.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// MediaWiki's title normalization: underscores are spaces, runs of spaces collapse to one,
/// leading and trailing spaces go, and the first letter is upper-cased (`albert_Einstein` →
/// `Albert Einstein`). The path is already percent-decoded.
pub fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw.split(['_', ' ']).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    upper_first(&out)
}

/// Like [`normalize`] but keeps a trailing space (a prefix such as `List_of_` means "List of ").
pub fn normalize_prefix(raw: &str) -> String {
    let spaced = raw.replace('_', " ");
    let trailing = spaced.ends_with(' ') && !spaced.trim().is_empty();
    let mut out = normalize(&spaced);
    if trailing {
        out.push(' ');
    }
    out
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Characters escaped when a title goes into a header or a URL path.
const PATH: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'?').add(b'<').add(b'>').add(b'`').add(b'{').add(b'}');

/// `title` as a URL path segment (and a header-safe string: only ASCII comes out).
pub fn encode_title(title: &str) -> String {
    utf8_percent_encode(&title.replace(' ', "_"), PATH).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_mediawiki() {
        assert_eq!(normalize("albert_Einstein"), "Albert Einstein");
        assert_eq!(normalize("__a__b  c_"), "A b c");
        assert_eq!(normalize("ǆemal"), "Ǆemal");
        assert_eq!(normalize("AC/DC"), "AC/DC");
        assert_eq!(normalize("東京"), "東京");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize_prefix("list_of_"), "List of ");
        assert_eq!(normalize_prefix("ana"), "Ana");
    }
}
