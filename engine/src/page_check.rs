//! The one check that a span of the dump is a page: what `Index::page_bytes` runs on every
//! answer, and what `Index::verify` runs on every row.

use crate::entities::unescape;

/// True when `xml` is one `<page>...</page>` element, as the scanner found them.
pub(crate) fn is_page_element(xml: &[u8]) -> bool {
    xml.len() >= b"<page></page>".len() && xml.starts_with(b"<page>") && xml.ends_with(b"</page>")
}

/// True when `xml` is one `<page>` element whose `<title>` (within its first KiB) unescapes to
/// `title`: the check that a page table's offsets still point at its page.
pub(crate) fn is_page_titled(xml: &[u8], title: &str) -> bool {
    if !is_page_element(xml) {
        return false;
    }
    let head = &xml[..xml.len().min(1024 + title.len() * 6)];
    // Dumps put `<title>` first in the page, after a line break and indentation: found
    // without building a searcher. Its text is escaped, so its first `<` is `</title>`'s.
    let after_page = &head[b"<page>".len()..];
    let indent = after_page.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let text = match after_page[indent..].strip_prefix(b"<title>") {
        Some(text) => text,
        None => match memchr::memmem::find(head, b"<title>") {
            Some(open) => &head[open + b"<title>".len()..],
            None => return false,
        },
    };
    let Some(close) = memchr::memchr(b'<', text) else { return false };
    text[close..].starts_with(b"</title>") && unescape(&text[..close]).is_ok_and(|t| t == title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_their_titles() {
        let xml = b"<page>\n    <title>AT&amp;T</title>\n    <ns>0</ns>\n  </page>";
        assert!(is_page_element(xml) && is_page_titled(xml, "AT&T"));
        assert!(!is_page_titled(xml, "AT&amp;T") && !is_page_titled(xml, "ATT"));
        let later = b"<page><ns>0</ns><title>A</title></page>";
        assert!(is_page_titled(later, "A") && !is_page_titled(later, "B"), "a title after other elements");
        assert!(!is_page_titled(b"<page><title>A</page>", "A"), "an unclosed title");
        assert!(!is_page_titled(b"<page>  <title>A<b></title></page>", "A<b>"), "a raw < is not a title's text");
        assert!(is_page_element(b"<page></page>"));
        for bad in [&b"<page></page"[..], b"<pages></page>", b"<page x=\"1\"></page>", b"<page>", b""] {
            assert!(!is_page_element(bad), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
