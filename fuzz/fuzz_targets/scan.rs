//! The dump scanner on arbitrary bytes: pages or a clean error, never a panic; every page it
//! reports lies inside the input and is exactly one `<page>...</page>` element, with its text's
//! signals (the link scan runs on the same arbitrary bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(scanned) = folio_ingest::scan::scan(data, true, &|_, _| {}) else { return };
    let pages = &scanned.pages;
    let n = pages.len();
    assert!(pages.page_id.len() == n && pages.ns.len() == n && pages.end.len() == n);
    assert!(pages.text_bytes.len() == n && pages.headings.len() == n);
    assert!(pages.title.len() == n && pages.redirect.len() == n);
    let mut last_end = None;
    for i in 0..n {
        let (start, end) = (pages.start[i] as usize, pages.end[i] as usize);
        assert!(start < end && end < data.len(), "page {i}: {start}-{end} of {}", data.len());
        assert!(last_end.is_none_or(|e| e < start), "pages overlap or go backwards");
        last_end = Some(end);
        let xml = &data[start..=end];
        assert!(xml.starts_with(b"<page") && xml.ends_with(b"</page>"), "page {i} is not one element");
        // Titles are valid UTF-8 (Strings::get would panic otherwise) and free of entities' raw
        // markup: unescaping never leaves a '<' that was not written as &lt;.
        let _ = pages.title.get(i);
    }
});
