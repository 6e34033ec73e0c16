//! Byte ranges of the dump: a `bytes=...` range set (the syntax of RFC 9110 §14, which the
//! server accepts in a `Range` header or `?range=`) resolved against the dump's size. Which bytes
//! a range set means is decided here; the server only turns the answer into a 206 or a 416.

use std::ops::RangeInclusive;

/// Why a range set cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeError {
    /// The value does not parse; says what is wrong.
    Malformed(String),
    /// No range of the set overlaps the resource.
    Unsatisfiable,
    /// More ranges than allowed.
    TooMany(usize),
}

/// Parses `spec` (`bytes=0-99`, `bytes=100-`, `bytes=-500`, `bytes=0-0,10-19`, with optional
/// spaces) against a resource of `size` bytes. Returns the satisfiable ranges, inclusive and
/// clamped to the resource, in the order given; unsatisfiable members are dropped, and if none
/// is left the set is [`RangeError::Unsatisfiable`].
pub fn parse(spec: &str, size: u64, max: usize) -> Result<Vec<RangeInclusive<u64>>, RangeError> {
    let bad = |what: &str| {
        RangeError::Malformed(format!("{what} in range {spec:?}; expected bytes=FIRST-LAST, FIRST- or -SUFFIX"))
    };
    let (unit, set) = spec.trim().split_once('=').ok_or_else(|| bad("no '='"))?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Err(bad("unit is not bytes"));
    }
    let members: Vec<&str> = set.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
    if members.is_empty() {
        return Err(bad("no range"));
    }
    if members.len() > max {
        return Err(RangeError::TooMany(members.len()));
    }
    let number = |s: &str| -> Result<u64, RangeError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(&format!("{s:?} is not a number")));
        }
        s.parse().map_err(|_| bad(&format!("{s:?} is too large")))
    };
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        let (first, last) = m.split_once('-').ok_or_else(|| bad(&format!("{m:?} has no '-'")))?;
        let (first, last) = (first.trim(), last.trim());
        let range = if first.is_empty() {
            let suffix = number(last)?;
            (suffix > 0 && size > 0).then(|| size.saturating_sub(suffix)..=size - 1)
        } else {
            let first = number(first)?;
            let last = if last.is_empty() { u64::MAX } else { number(last)? };
            if last < first {
                return Err(bad(&format!("{m:?} ends before it starts")));
            }
            (first < size).then(|| first..=last.min(size - 1))
        };
        out.extend(range);
    }
    if out.is_empty() { Err(RangeError::Unsatisfiable) } else { Ok(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_of_rfc_9110() {
        assert_eq!(parse("bytes=0-0", 10, 16), Ok(vec![0..=0]));
        assert_eq!(parse("bytes=2-", 10, 16), Ok(vec![2..=9]));
        assert_eq!(parse("bytes=-3", 10, 16), Ok(vec![7..=9]));
        assert_eq!(parse("bytes=-30", 10, 16), Ok(vec![0..=9]));
        assert_eq!(parse("bytes=5-500", 10, 16), Ok(vec![5..=9]));
        assert_eq!(parse(" Bytes = 0-1 , 4-5,, -1", 10, 16), Ok(vec![0..=1, 4..=5, 9..=9]));
        assert_eq!(parse("bytes=8-9,20-30", 10, 16), Ok(vec![8..=9]));
    }

    #[test]
    fn refuses_what_it_cannot_serve() {
        assert_eq!(parse("bytes=10-", 10, 16), Err(RangeError::Unsatisfiable));
        assert_eq!(parse("bytes=-0", 10, 16), Err(RangeError::Unsatisfiable));
        assert_eq!(parse("bytes=0-0", 0, 16), Err(RangeError::Unsatisfiable));
        assert_eq!(parse("bytes=0-1,2-3,4-5", 10, 2), Err(RangeError::TooMany(3)));
        for bad in [
            "",
            "bytes",
            "bytes=",
            "items=0-1",
            "bytes=a-b",
            "bytes=5-2",
            "bytes=1",
            "bytes=--1",
            "bytes=+1-2",
            "bytes=99999999999999999999-",
        ] {
            assert!(matches!(parse(bad, 10, 16), Err(RangeError::Malformed(_))), "{bad:?}");
        }
    }
}
