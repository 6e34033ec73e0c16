//! Case folding for case-insensitive title search, and the search key: case and accents
//! folded, for suggestions that forgive both (`zurich` finds `Zürich`).
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

/// The search key of `s`: its case folding ([`fold`]), decomposed (NFD) with the combining
/// marks dropped (`é` → `e`), the few Latin letters that do not decompose mapped to their base
/// letters (`ø` → `o`, `æ` → `ae`, `ł` → `l`, ...), underscores read as spaces and runs of
/// spaces collapsed to one. Hangul syllables stay whole. Like [`fold`], it works character by
/// character, so the key of a prefix is a prefix of the key.
pub fn search_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    search_key_into(s, &mut out);
    out
}

/// Appends the search key of `s` to `out` (see [`search_key`]).
pub fn search_key_into(s: &str, out: &mut String) {
    use unicode_normalization::char::{decompose_canonical, is_combining_mark};
    let mut space = out.ends_with(' ');
    let mut push = |c: char, out: &mut String| {
        if c == ' ' || c == '_' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    };
    if s.is_ascii() {
        for b in s.bytes() {
            push(char::from(b.to_ascii_lowercase()), out);
        }
        return;
    }
    for c in s.chars().default_case_fold() {
        if ('\u{ac00}'..='\u{d7a3}').contains(&c) {
            push(c, out);
            continue;
        }
        decompose_canonical(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            match d {
                'ø' => push('o', out),
                'æ' => {
                    push('a', out);
                    push('e', out);
                }
                'œ' => {
                    push('o', out);
                    push('e', out);
                }
                'ł' => push('l', out),
                'đ' | 'ð' => push('d', out),
                'þ' => {
                    push('t', out);
                    push('h', out);
                }
                'ı' => push('i', out),
                'ħ' => push('h', out),
                'ŧ' => push('t', out),
                _ => push(d, out),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{fold, search_key};

    #[test]
    fn search_keys_forgive_case_and_accents() {
        assert_eq!(search_key("Zürich"), "zurich");
        assert_eq!(search_key("ZURICH"), "zurich");
        assert_eq!(search_key("Ærøskøbing Łódź"), "aeroskobing lodz");
        assert_eq!(search_key("Straße"), "strasse");
        assert_eq!(search_key("Crème_brûlée"), "creme brulee");
        assert_eq!(search_key("a  b__c"), "a b c");
        assert_eq!(search_key("한국어"), "한국어");
        assert_eq!(search_key("東京"), "東京");
        assert_eq!(search_key("Ελλάδα"), "ελλαδα");
        let title = "İstanbul Ǆ STRAßE Zürich  Ø";
        for (i, _) in title.char_indices() {
            assert!(search_key(title).starts_with(&search_key(&title[..i])), "{i}");
        }
    }

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
