//! `/xml`: byte ranges, RFC 9110.

use crate::inproc::App;

#[test]
fn single_ranges() {
    let s = App::sample();
    let dump = s.dump_bytes();
    let size = dump.len();
    for (spec, lo, hi) in [
        ("bytes=0-0", 0, 0),
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, size - 1),
        ("bytes=-500", size - 500, size - 1),
        ("bytes=100-99999999999", 100, size - 1),
        (&format!("bytes={}-", size - 1), size - 1, size - 1),
    ] {
        let a = s.request("GET", "/xml", &[("Range", spec)]);
        assert_eq!(a.status, 206, "{spec}: {}", a.text());
        assert_eq!(a.body, &dump[lo..=hi], "{spec}");
        assert_eq!(a.header("content-range"), Some(format!("bytes {lo}-{hi}/{size}").as_str()));
        assert_eq!(a.header("content-type"), Some("application/xml; charset=utf-8"));
    }
    // The query form.
    let a = s.get("/xml?range=10-19");
    assert_eq!((a.status, a.body.as_slice()), (206, &dump[10..20]));
    assert_eq!(s.get("/xml?range=bytes%3D-5").body, &dump[size - 5..]);
}

#[test]
fn unsatisfiable_missing_and_malformed_ranges() {
    let s = App::sample();
    let size = s.dump_bytes().len();
    let a = s.request("GET", "/xml", &[("Range", &format!("bytes={size}-"))]);
    a.assert_error(416, "range_not_satisfiable");
    assert_eq!(a.header("content-range"), Some(format!("bytes */{size}").as_str()));
    s.request("GET", "/xml", &[("Range", "bytes=-0")]).assert_error(416, "range_not_satisfiable");
    let none = s.get("/xml");
    none.assert_error(400, "range_required");
    assert_eq!(none.json()["error"]["message"], "Ranged-request required.");
    for bad in ["bytes=9-1", "bytes=abc", "items=0-1", "bytes=", "0-10"] {
        s.request("GET", "/xml", &[("Range", bad)]).assert_error(400, "bad_range");
    }
    let many: Vec<String> = (0..17).map(|i| format!("{}-{}", i * 10, i * 10 + 1)).collect();
    s.request("GET", "/xml", &[("Range", &format!("bytes={}", many.join(",")))]).assert_error(400, "too_many_ranges");
}

#[test]
fn several_ranges_are_multipart_byteranges() {
    let s = App::sample();
    let dump = s.dump_bytes();
    let size = dump.len();
    let a = s.request("GET", "/xml", &[("Range", "bytes=0-9, 100-109, -4")]);
    assert_eq!(a.status, 206);
    let ct = a.header("content-type").unwrap().to_string();
    let boundary = ct.strip_prefix("multipart/byteranges; boundary=").expect("multipart");
    assert_eq!(a.header("content-length"), Some(a.body.len().to_string().as_str()));
    let body = a.body.clone();
    let delimiter = format!("--{boundary}\r\n");
    let mut parts = Vec::new();
    let mut rest = &body[..];
    while rest.starts_with(delimiter.as_bytes()) {
        rest = &rest[delimiter.len()..];
        let head_end = rest.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(rest[..head_end].to_vec()).unwrap();
        let range = head.lines().find_map(|l| l.strip_prefix("Content-Range: bytes ")).unwrap().to_string();
        assert!(head.contains("Content-Type: application/xml; charset=utf-8"));
        let (span, total) = range.split_once('/').unwrap();
        assert_eq!(total, size.to_string());
        let (lo, hi) = span.split_once('-').unwrap();
        let (lo, hi): (usize, usize) = (lo.parse().unwrap(), hi.parse().unwrap());
        rest = &rest[head_end + 4..];
        assert_eq!(&rest[..=hi - lo], &dump[lo..=hi]);
        rest = &rest[hi - lo + 1..];
        assert!(rest.starts_with(b"\r\n"));
        rest = &rest[2..];
        parts.push((lo, hi));
    }
    assert_eq!(rest, format!("--{boundary}--\r\n").as_bytes());
    assert_eq!(parts, [(0, 9), (100, 109), (size - 4, size - 1)]);
    // Each answer draws its own boundary: a fixed one could occur in the dump's text.
    let again = s.request("GET", "/xml", &[("Range", "bytes=0-9, 100-109, -4")]);
    assert_ne!(again.header("content-type"), Some(ct.as_str()));
}
