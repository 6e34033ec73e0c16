//! Case folding for case-insensitive title search.
//!
//! Folio folds with Unicode default case folding (full folding, `CaseFolding.txt` status C and F):
//! `Straße` and `STRASSE` both fold to `strasse`, `ΣΊΣΥΦΟΣ` and `σίσυφος` agree. Folding works
//! code point by code point, so folding a prefix of a title gives a prefix of the folded title,
//! which is what lets a case-insensitive prefix search be one binary search over titles sorted
//! by their folded form.

use caseless::Caseless;

/// The case-folded form of `s`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Appends the case-folded form of `s` to `out`.
pub fn fold_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        // Fast path: ASCII folds to ASCII lowercase, byte for byte.
        out.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.extend(s.chars().default_case_fold());
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_like_unicode_case_folding() {
        assert_eq!(fold("AT&T Corp"), "at&t corp");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), "strasse");
        assert_eq!(fold("ΣΊΣΥΦΟΣ"), fold("σίσυφος"));
        assert_eq!(fold("Ǆemal"), fold("ǆemal"));
        assert_eq!(fold("東京"), "東京");
    }

    #[test]
    fn folding_a_prefix_gives_a_prefix() {
        let title = "İstanbul Ǆ STRAßE";
        for (i, _) in title.char_indices() {
            assert!(fold(title).starts_with(&fold(&title[..i])));
        }
    }
}
