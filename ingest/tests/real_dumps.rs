//! Real Wikipedia excerpts, ingested and checked page by page against a plain byte search.

use folio_engine::{Case, Index, PrefixQuery};

use crate::util::*;

/// Checks every page of the index in `dir` against an independent reading of its dump.
fn check_against_naive(dir: &std::path::Path) -> Vec<NaivePage> {
    let index = Index::open(dir).unwrap();
    let xml = std::fs::read(index.dump_path()).unwrap();
    let naive = naive_pages(&xml);
    assert!(!naive.is_empty());
    assert_eq!(index.len(), naive.len(), "every page is in the index");
    for (row, n) in naive.iter().enumerate() {
        let p = index.page(row).unwrap();
        assert_eq!(
            (p.title, p.ns, p.page_id, p.redirect, p.start, p.end),
            (n.title.as_str(), n.ns, n.id, n.redirect.as_deref(), n.start, n.end),
            "row {row}"
        );
        let bytes = index.page_bytes(&p).unwrap();
        assert_eq!(&bytes[..], &xml[n.start as usize..=n.end as usize]);
        assert!(bytes.starts_with(b"<page>") && bytes.ends_with(b"</page>"));
        // Exact lookup finds this page (titles are unique in these excerpts).
        assert_eq!(index.get(&n.title).unwrap().map(|p| p.row), Some(row as u32), "{:?}", n.title);
        // Every offset inside the page maps back to it; the byte before it does not.
        for off in [n.start, (n.start + n.end) / 2, n.end] {
            assert_eq!(index.page_at_offset(off).unwrap().map(|p| p.row), Some(row as u32));
        }
        assert_ne!(index.page_at_offset(n.start - 1).unwrap().map(|p| p.row), Some(row as u32));
    }
    assert_eq!(index.page_at_offset(xml.len() as u64 + 10).unwrap(), None);
    let report = index.verify().unwrap();
    assert_eq!(report.pages, naive.len());
    let m = index.manifest();
    assert_eq!(m.counts.pages, naive.len() as u64);
    assert_eq!(m.counts.redirects, naive.iter().filter(|p| p.redirect.is_some()).count() as u64);
    naive
}

#[test]
fn bundled_sample_bz2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sample");
    build_ok(&sample_bz2(), &out);
    assert!(out.join("dump.xml").is_file(), "bz2 is decompressed into DIR/dump.xml");
    let naive = check_against_naive(&out);
    assert_eq!(naive.len(), 206);
    assert_eq!(naive.iter().filter(|p| p.redirect.is_some()).count(), 100);
    let index = Index::open(&out).unwrap();
    let a = index.get("Anarchism").unwrap().expect("Anarchism is in the sample");
    assert_eq!(a.ns, 0);
    assert!(String::from_utf8_lossy(&index.page_bytes(&a).unwrap()).contains("<title>Anarchism</title>"));
}

#[test]
fn multistream_bz2_decompresses_to_the_same_index() {
    let tmp = tempfile::tempdir().unwrap();
    let (single, multi) = (tmp.path().join("single"), tmp.path().join("multi"));
    build_ok(&sample_bz2(), &single);
    build_ok(&shared_data("enwiki-sample-multistream.xml.bz2"), &multi);
    assert_eq!(std::fs::read(single.join("dump.xml")).unwrap(), std::fs::read(multi.join("dump.xml")).unwrap());
    check_against_naive(&multi);
}

#[test]
fn enwiki_10k_with_escaped_titles() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("10k");
    build_ok(&shared_data("enwiki-10k.xml"), &out);
    let naive = check_against_naive(&out);
    assert_eq!(naive.len(), 196);
    let xml = std::fs::read_to_string(shared_data("enwiki-10k.xml")).unwrap();
    assert!(xml.contains("<title>Anthony &quot;Tuba Fats&quot; Lacen</title>"));
    let title = "Anthony \"Tuba Fats\" Lacen";
    let index = Index::open(&out).unwrap();
    let page = index.get(title).unwrap().expect("title with a quote is found");
    assert_eq!(page.title, title);
    assert!(index.page_bytes(&page).unwrap().starts_with(b"<page>\n    <title>Anthony &quot;Tuba Fats&quot;"));
    // Redirect targets with &#039; and &amp; are unescaped.
    assert!(naive.iter().any(|p| p.redirect.as_deref().is_some_and(|r| r.contains('\'') || r.contains('&'))));
    for p in &naive {
        if let Some(r) = &p.redirect {
            assert!(!r.contains("&#039;") && !r.contains("&amp;"), "{r}");
        }
    }
}

#[test]
fn prefix_listing_on_real_titles() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sample");
    build_ok(&sample_bz2(), &out);
    let index = Index::open(&out).unwrap();
    let titles: Vec<String> = (0..index.len()).map(|r| index.page(r).unwrap().title.to_string()).collect();
    for prefix in ["A", "An", "Al", "ALGEB", "", "Zzz", "Ab"] {
        for case in [Case::Sensitive, Case::Insensitive] {
            let key = |t: &str| match case {
                Case::Sensitive => t.to_string(),
                Case::Insensitive => folio_engine::fold(t),
            };
            let mut expected: Vec<&String> = titles.iter().filter(|t| key(t).starts_with(&key(prefix))).collect();
            expected.sort_by_key(|t| key(t));
            let got = index.prefix(&PrefixQuery { prefix, case, limit: 1000, after: None, ns: None }).unwrap();
            let got: Vec<&str> = got.pages.iter().map(|p| p.title).collect();
            assert_eq!(got, expected.iter().map(|s| s.as_str()).collect::<Vec<_>>(), "{prefix:?} {case:?}");
        }
    }
}
