//! The query-string parsers of `/titles` and the TechEmpower routes: never a panic; accepted
//! parameters are within their documented bounds; cursors round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

use folio_engine::params;

fuzz_target!(|input: (&str, u16)| {
    let (query, max) = input;
    let max = usize::from(max).max(1);
    if let Ok(p) = params::titles(Some(query), max) {
        assert!((1..=max).contains(&p.limit), "{query:?}: limit {}", p.limit);
        if let Some(c) = &p.after {
            assert_eq!(params::decode_cursor(&params::encode_cursor(c)).as_ref(), Ok(c));
        }
    }
    for key in ["queries", "count"] {
        let n = params::clamp_count(Some(query), key);
        assert!((1..=500).contains(&n), "{query:?}: {n}");
    }
    if let Ok(c) = params::decode_cursor(query) {
        assert_eq!(params::decode_cursor(&params::encode_cursor(&c)), Ok(c));
    }
});
