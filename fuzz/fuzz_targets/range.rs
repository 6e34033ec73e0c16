//! The `Range` header parser: never a panic; what it accepts lies inside the resource, is
//! non-empty, and is no more than the limit of ranges.
#![no_main]

use libfuzzer_sys::fuzz_target;

use folio_engine::byte_ranges as range;

fuzz_target!(|input: (&str, u64, u8)| {
    let (spec, size, max) = input;
    let max = usize::from(max % 32);
    match range::parse(spec, size, max) {
        Ok(ranges) => {
            assert!(!ranges.is_empty() && ranges.len() <= max, "{spec:?}: {} ranges", ranges.len());
            for r in &ranges {
                assert!(r.start() <= r.end() && *r.end() < size, "{spec:?}: {r:?} of {size}");
            }
        }
        Err(range::RangeError::TooMany(n)) => assert!(n > max),
        Err(range::RangeError::Malformed(what)) => assert!(!what.is_empty()),
        Err(range::RangeError::Unsatisfiable) => {}
    }
});
