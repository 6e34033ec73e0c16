//! Title normalization and the percent-encoding of titles on the way out: never a panic;
//! normalized titles have MediaWiki's shape, normalizing twice changes nothing, and a title
//! encoded into a URL decodes and normalizes back to itself.
#![no_main]

use folio_engine::{normalize_prefix, normalize_title, title_to_url};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    let t = normalize_title(raw);
    assert!(!t.contains('_') && !t.starts_with(' ') && !t.ends_with(' ') && !t.contains("  "), "{t:?}");
    assert_eq!(normalize_title(&t), t, "normalize is idempotent");
    let p = normalize_prefix(raw);
    assert!(!p.contains('_') && !p.starts_with(' ') && !p.contains("  "), "{p:?}");

    // Out: as a path segment and a header value, only visible ASCII.
    let encoded = title_to_url(&t);
    assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{encoded:?}");
    // In again: what a client sends back decodes to the same page.
    let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8().expect("UTF-8 in, UTF-8 out");
    assert_eq!(normalize_title(&decoded), t);
});
