//! MediaWiki's title conventions: how a title typed by a person or found in a URL becomes the
//! title of a page ([`normalize_title`], [`normalize_prefix`]), and how a title is written in a
//! URL path ([`title_to_url`]).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// MediaWiki's title normalization: underscores are spaces, runs of spaces collapse to one,
/// leading and trailing spaces go, and the first letter is upper-cased (`albert_Einstein` →
/// `Albert Einstein`). The input is already percent-decoded.
pub fn normalize_title(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    // Words are runs of bytes between separators (both ASCII, so every cut falls between
    // characters): one pass over the bytes, each word copied whole.
    let mut word = None;
    for (i, &b) in raw.as_bytes().iter().enumerate() {
        match (b == b'_' || b == b' ', word) {
            (true, Some(start)) => {
                push_word(&mut out, &raw[start..i]);
                word = None;
            }
            (false, None) => word = Some(i),
            _ => {}
        }
    }
    if let Some(start) = word {
        push_word(&mut out, &raw[start..]);
    }
    upper_first(&mut out);
    out
}

/// Appends `word` to a title being normalized, after a space if it is not the first.
fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// Like [`normalize_title`] but keeps a trailing space (a prefix such as `List_of_` means
/// "List of ").
pub fn normalize_prefix(raw: &str) -> String {
    let spaced = raw.replace('_', " ");
    let trailing = spaced.ends_with(' ') && !spaced.trim().is_empty();
    let mut out = normalize_title(&spaced);
    if trailing {
        out.push(' ');
    }
    out
}

/// Upper-cases the first letter of `s` in place (no new string when it is ASCII, as most are).
fn upper_first(s: &mut String) {
    let Some(c) = s.chars().next() else { return };
    if c.is_ascii() {
        s[..1].make_ascii_uppercase();
    } else {
        let upper: String = c.to_uppercase().collect();
        s.replace_range(..c.len_utf8(), &upper);
    }
}

/// Characters escaped when a title goes into a URL path (or a header).
const PATH: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'?').add(b'<').add(b'>').add(b'`').add(b'{').add(b'}');

/// `title` as a URL path segment, MediaWiki-style (`Albert_Einstein`): spaces become
/// underscores, reserved characters are percent-encoded, and only visible ASCII comes out, so the
/// result is also a valid header value.
pub fn title_to_url(title: &str) -> String {
    utf8_percent_encode(&title.replace(' ', "_"), PATH).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_mediawiki() {
        assert_eq!(normalize_title("albert_Einstein"), "Albert Einstein");
        assert_eq!(normalize_title("__a__b  c_"), "A b c");
        assert_eq!(normalize_title("ǆemal"), "Ǆemal");
        assert_eq!(normalize_title("AC/DC"), "AC/DC");
        assert_eq!(normalize_title("東京"), "東京");
        assert_eq!(normalize_title(""), "");
        assert_eq!(normalize_prefix("list_of_"), "List of ");
        assert_eq!(normalize_prefix("ana"), "Ana");
        assert_eq!(title_to_url("Say \"hi\"? 50%"), "Say_%22hi%22%3F_50%25");
        assert_eq!(normalize_title("ßtraße"), "SStraße", "a letter whose capital is two");
        // Against the definition: words split at `_` and ` `, joined by one space.
        for raw in ["a", "_", "  ", "a_", "_a", "a__b", "é_ü ß", "x y_z__", "日本_語 "] {
            let mut want: String = raw.split(['_', ' ']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
            upper_first(&mut want);
            assert_eq!(normalize_title(raw), want, "{raw:?}");
        }
        assert_eq!(normalize_title("éire_x"), "Éire x");
    }

    proptest::proptest! {
        /// The first letter upper-cased in place is the whole title's first character mapped
        /// through `char::to_uppercase`, whatever the letters.
        #[test]
        fn upper_first_is_to_uppercase_of_the_first_char(s in "[a-zA-Zßéǆ東_ ]{0,6}") {
            let mut got = s.clone();
            upper_first(&mut got);
            let mut chars = s.chars();
            let want: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
