//! Disambiguation pages: the pages that list the meanings of an ambiguous title (`Mercury`,
//! `John Smith`). The one place that decides which pages they are, for ingest (which records
//! them) and for suggestions (which can leave them out or keep only them).
//!
//! MediaWiki knows a disambiguation page by the `__DISAMBIG__` magic word, which the wiki's
//! disambiguation templates emit; the dump holds the templates' calls, not their expansion. So a
//! page is one when its text calls one of [`TEMPLATES`] or holds `__DISAMBIG__`, or when its title
//! ends in `(disambiguation)`. The templates close the page, so only the end of its text is read
//! ([`TAIL_BYTES`]): the test costs the same on a 2 MB article as on a stub.

/// The names (lowercase, spaces for underscores) of English Wikipedia's disambiguation templates
/// and their common redirects. Set-index templates (`surname`, `given name`, `shipindex`) are
/// not here: those pages are lists, not disambiguation pages.
pub const TEMPLATES: &[&str] = &[
    "disambiguation",
    "disambiguation page",
    "disambig",
    "disamb",
    "dab",
    "hndis",
    "geodis",
    "numberdis",
    "letter-number combination disambiguation",
    "lncd",
    "mil-unit-dis",
    "hospitaldis",
    "schooldis",
    "roaddis",
    "mathdab",
    "math dab",
    "species latin name disambiguation",
    "call sign disambiguation",
    "chinese title disambiguation",
];

/// Bytes read at most from the end of a page's text.
pub const TAIL_BYTES: usize = 4096;

/// Whether the page titled `title` with wikitext `text` (escaped or not: braces and names are
/// the same either way) is a disambiguation page.
pub fn is_disambiguation(title: &str, text: &[u8]) -> bool {
    if title.ends_with("(disambiguation)") {
        return true;
    }
    let mut from = text.len().saturating_sub(TAIL_BYTES);
    while from > 0 && (text[from] & 0xc0) == 0x80 {
        from -= 1;
    }
    let tail = &text[from..];
    if memchr::memmem::find(tail, b"__DISAMBIG__").is_some() {
        return true;
    }
    memchr::memmem::find_iter(tail, b"{{")
        .any(|k| template_name(&tail[k + 2..]).is_some_and(|n| TEMPLATES.contains(&&*n)))
}

/// The name of the template called at the start of `call` (after its `{{`): up to `|` or `}`,
/// trimmed, lowercased, underscores as spaces; `None` when it is too long to be one of ours.
fn template_name(call: &[u8]) -> Option<String> {
    let end = call.iter().take(64).position(|&b| b == b'|' || b == b'}')?;
    let name = std::str::from_utf8(&call[..end]).ok()?.trim();
    let name = name.strip_prefix("Template:").or_else(|| name.strip_prefix("template:")).unwrap_or(name);
    Some(name.to_lowercase().replace('_', " "))
}

#[cfg(test)]
mod tests {
    use super::is_disambiguation;

    #[test]
    fn templates_magic_words_and_titles() {
        for (title, text) in [
            ("Mercury", "'''Mercury''' may refer to:\n* [[Mercury (planet)]]\n{{disambiguation}}"),
            ("Mercury", "x\n{{Disambiguation|geo|surname}}\n[[Category:X]]"),
            ("Smith", "y\n{{hndis|name=Smith, John}}"),
            ("Springfield", "{{ Geodis }}"),
            ("X", "{{Template:Dab}}"),
            ("X", "__DISAMBIG__"),
            ("Mercury (disambiguation)", "anything"),
        ] {
            assert!(is_disambiguation(title, text.as_bytes()), "{title}: {text}");
        }
        for (title, text) in [
            ("Mercury (planet)", "A planet. {{Infobox planet}} {{Solar System}}"),
            ("Smith", "{{surname}}"),
            ("X", "{{disambiguation needed}}"),
            ("X", "{{distinguish|Y}}"),
            ("X", ""),
        ] {
            assert!(!is_disambiguation(title, text.as_bytes()), "{title}: {text}");
        }
        // Only the tail is read.
        let long = format!("{{{{disambiguation}}}}{}", "x".repeat(5000));
        assert!(!is_disambiguation("X", long.as_bytes()));
    }
}
