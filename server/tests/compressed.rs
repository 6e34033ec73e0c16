//! A compressed dataset over HTTP: every page route answers the bytes the plain index of the
//! same multistream dump answers, `/xml` ranges address the XML (across streams too) within
//! their own limit, and `/stats` reports the stream cache.

use crate::inproc::{App, build_with};
use crate::util::{encode, repo};

/// The plain and the compressed index of the multistream sample, each served in-process.
fn both(flags: &[&str]) -> (App, App, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let dump = repo().join("datasets/enwiki-sample-multistream.xml.bz2");
    let (plain, packed) = (tmp.path().join("plain"), tmp.path().join("packed"));
    build_with(&dump, &plain, false);
    build_with(&dump, &packed, true);
    (App::over(&plain, flags), App::over(&packed, flags), tmp)
}

#[test]
fn every_page_route_answers_the_bytes_of_the_plain_index() {
    let (plain, packed, _tmp) = both(&[]);
    assert!(packed.index().multistream().is_some() && plain.index().multistream().is_none());
    for row in 0..plain.index().len() {
        let title = encode(plain.index().page(row).unwrap().title);
        for path in [format!("/wiki/{title}?redirect=no"), format!("/wiki/{title}"), format!("/pages/{title}")] {
            let (a, b) = (plain.get(&path), packed.get(&path));
            assert_eq!((b.status, b.header("content-type")), (a.status, a.header("content-type")), "{path}");
            assert!(b.body == a.body, "{path}: the bodies differ");
        }
    }
    // The rendered reader page of an article, and the full-text index built from decoded text.
    for path in ["/html/Anarchism", "/search?q=anarchism&limit=5"] {
        let (a, b) = (plain.get(path), packed.get(path));
        assert_eq!((a.status, b.status), (200, 200), "{path}");
        assert!(b.body == a.body, "{path}: the bodies differ");
    }
    let (stats, plain_stats) = (packed.get("/stats").json(), plain.get("/stats").json());
    assert_eq!(stats["dataset"]["dump_bytes"], plain_stats["dataset"]["dump_bytes"], "the XML's size");
    let cache = &stats["dataset"]["compressed"]["stream_cache"];
    assert!(cache["misses"].as_u64().unwrap() >= 3 && cache["hits"].as_u64().unwrap() > 100, "{cache}");
    assert!(plain_stats["dataset"].get("compressed").is_none());
}

#[test]
fn xml_ranges_address_the_xml_across_streams_within_their_own_limit() {
    let (plain, packed, _tmp) = both(&["--max-range-bytes-compressed", "4000000"]);
    let packed_index = packed.index();
    let table = packed_index.multistream().unwrap().table();
    let edge = table.decoded(2).start;
    let len = plain.index().dump_len();
    for range in ["0-99".to_string(), format!("{}-{}", edge - 50, edge + 50), format!("{}-{}", len - 10, len - 1)] {
        let header = format!("bytes={range}");
        let (a, b) =
            (plain.request("GET", "/xml", &[("range", &header)]), packed.request("GET", "/xml", &[("range", &header)]));
        assert_eq!((b.status, b.header("content-range")), (206, a.header("content-range")), "{range}");
        assert!(b.body == a.body, "{range}: the bodies differ");
    }
    // Several ranges: the same parts (the boundary is drawn per answer).
    let many = "bytes=0-9,".to_string() + &format!("{}-{}", edge - 3, edge + 3);
    let (a, b) =
        (plain.request("GET", "/xml", &[("range", &many)]), packed.request("GET", "/xml", &[("range", &many)]));
    assert_eq!((a.status, b.status), (206, 206));
    let parts = |t: String| t.lines().filter(|l| !l.starts_with("--folio-")).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(parts(b.text()), parts(a.text()));
    // The compressed limit is the dataset's own; the plain index keeps its 1 GiB.
    let big = format!("bytes=0-{}", 4_000_000);
    packed.request("GET", "/xml", &[("range", &big)]).assert_error(400, "too_many_results");
    assert_eq!(plain.request("GET", "/xml", &[("range", &big)]).status, 206);
}
