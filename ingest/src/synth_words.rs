//! Vocabulary of the synthetic dump generator.

use std::sync::LazyLock;

/// Namespace numbers and their title prefixes, as in English Wikipedia.
pub const NAMESPACES: [(i32, &str); 5] =
    [(0, ""), (1, "Talk:"), (4, "Wikipedia:"), (10, "Template:"), (14, "Category:")];

/// Common title prefixes and their share of pages, per mille: the clusters a type-ahead search
/// meets (`List of ` holds about 1.6% of pages, some 16,000 titles in a million).
pub const PREFIXES: [(&str, u64); 6] = [
    ("List of ", 16),
    ("History of ", 10),
    ("Battle of ", 8),
    ("1990s in ", 5),
    ("Culture of ", 5),
    ("Geography of ", 4),
];

/// Words that exercise escaping, folding and non-Latin scripts. None contains a space, an
/// underscore (MediaWiki titles never do: `_` means a space) or a colon, none is all digits, and
/// no two are equal once their first letter is upper-cased.
const SPECIAL: &[&str] = &[
    "AT&T",
    "Q&A",
    "R&B",
    "don't",
    "rock'n'roll",
    "\"Weird\"",
    "Say\"hi\"",
    "a<b",
    "x>y",
    "<tag>",
    "&amp;",
    "Straße",
    "İstanbul",
    "ǆemal",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "naïve",
    "café",
    "Ångström",
    "Øresund",
    "Łódź",
    "Ελλάδα",
    "Москва",
    "Київ",
    "東京",
    "北京市",
    "서울",
    "日本語",
    "ひらがな",
    "カタカナ",
    "القاهرة",
    "עברית",
    "हिन्दी",
    "ภาษาไทย",
    "Tbilisi-ტფილისი",
    "😀",
    "🎉party",
    "Ǳ",
    "ﬁne",
    "K\u{212a}elvin",
    "e\u{301}clair",
    "%20",
    "50%",
    "a+b",
    "C#",
    "what?",
    "slash/dash",
    "hyphen-ated",
    "(disambiguation)",
    "[bracket]",
    "Ⅻ",
];

const ONSETS: [&str; 20] =
    ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "st", "tr"];
const NUCLEI: [&str; 6] = ["a", "e", "i", "o", "u", "ai"];

/// Title words: the special words, then two-syllable Latin words, 601 in all.
pub static TITLE_WORDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut words: Vec<String> = SPECIAL.iter().map(|s| s.to_string()).collect();
    'outer: for o1 in ONSETS {
        for n1 in NUCLEI {
            for o2 in ONSETS {
                let w = format!("{o1}{n1}{o2}{}", NUCLEI[(o1.len() + o2.len() + n1.len()) % NUCLEI.len()]);
                // Words of the prefixes would make a title ambiguous.
                if !words.contains(&w) && !["list", "of", "in"].contains(&w.as_str()) {
                    words.push(w);
                }
                if words.len() == 601 {
                    break 'outer;
                }
            }
        }
    }
    words
});

/// Words of page text.
pub const TEXT_WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "in",
    "to",
    "was",
    "is",
    "for",
    "on",
    "as",
    "by",
    "with",
    "he",
    "at",
    "from",
    "his",
    "an",
    "were",
    "are",
    "which",
    "this",
    "also",
    "be",
    "had",
    "first",
    "one",
    "their",
    "its",
    "new",
    "after",
    "who",
    "they",
    "two",
    "her",
    "she",
    "been",
    "other",
    "when",
    "time",
    "during",
    "there",
    "into",
    "school",
    "more",
    "may",
    "years",
    "over",
    "only",
    "year",
    "most",
    "would",
    "world",
    "city",
    "some",
    "where",
    "between",
    "later",
    "three",
    "state",
    "such",
    "then",
    "national",
    "used",
    "made",
    "known",
    "under",
    "many",
    "university",
    "united",
    "while",
    "part",
    "season",
    "team",
    "these",
    "american",
    "than",
    "film",
    "second",
    "born",
    "south",
    "became",
    "states",
    "war",
    "through",
    "being",
    "including",
    "both",
    "before",
    "north",
    "high",
    "however",
    "people",
    "family",
    "early",
    "history",
    "album",
    "area",
    "released",
    "music",
    "county",
    "river",
    "village",
    "église",
    "Zürich",
    "Ωμέγα",
    "город",
    "大学",
    "'''bold'''",
    "''italic''",
    "{{citation needed}}",
    "[[Category:Synthetic]]",
];
