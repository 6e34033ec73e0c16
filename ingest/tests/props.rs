//! Property test: random small dumps round-trip through build, open, lookups and listings.

use folio_engine::{Case, Cursor, Index, PrefixQuery, fold};
use folio_ingest::build::{BuildConfig, build};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct GenPage {
    title: String,
    ns: i32,
    id: u64,
    redirect: Option<String>,
    text: Option<String>,
}

fn escape(s: &str, quote: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quote => out.push_str("&quot;"),
            '\'' if quote => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
    out
}

fn title() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9&<>\"'äÄßẞσΣςİıǅǆ東京😀/?#%+_ -]{1,10}".prop_filter("not blank", |t| !t.trim().is_empty())
}

fn page() -> impl Strategy<Value = GenPage> {
    (
        title(),
        prop::sample::select(vec![0, 1, 4, 10, 14, -2]),
        0u64..1_000_000,
        prop::option::of(title()),
        prop::option::of("[ -~äσ東&<>\"']{0,40}"),
    )
        .prop_map(|(title, ns, id, redirect, text)| GenPage { title, ns, id, redirect, text })
}

/// Pages, some of which repeat the title of an earlier page.
fn pages() -> impl Strategy<Value = Vec<GenPage>> {
    (prop::collection::vec(page(), 1..24), prop::collection::vec(any::<prop::sample::Index>(), 0..4)).prop_map(
        |(mut pages, dups)| {
            for d in dups {
                let from = d.index(pages.len());
                let t = pages[from].title.clone();
                let to = (from + 1 + d.index(7)) % pages.len();
                pages[to].title = t;
            }
            pages
        },
    )
}

fn dump(pages: &[GenPage]) -> String {
    let mut x = String::from(
        "<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.10/\" version=\"0.10\">\n  <siteinfo>\n    <sitename>T</sitename>\n  </siteinfo>\n",
    );
    for p in pages {
        x.push_str(&format!(
            "  <page>\n    <title>{}</title>\n    <ns>{}</ns>\n    <id>{}</id>\n",
            escape(&p.title, false),
            p.ns,
            p.id
        ));
        if let Some(r) = &p.redirect {
            x.push_str(&format!("    <redirect title=\"{}\" />\n", escape(r, true)));
        }
        x.push_str("    <revision>\n      <id>7</id>\n");
        match &p.text {
            Some(t) if !t.is_empty() => x.push_str(&format!(
                "      <text bytes=\"{}\" xml:space=\"preserve\">{}</text>\n",
                t.len(),
                escape(t, false)
            )),
            _ => x.push_str("      <text bytes=\"0\" />\n"),
        }
        x.push_str("    </revision>\n  </page>\n");
    }
    x.push_str("</mediawiki>\n");
    x
}

fn key(case: Case, t: &str) -> String {
    match case {
        Case::Sensitive => t.to_string(),
        Case::Insensitive => fold(t),
    }
}

/// Every row whose title starts with `prefix`, in `(key, row)` order, computed by brute force.
fn expected(pages: &[GenPage], prefix: &str, case: Case) -> Vec<u32> {
    let mut rows: Vec<u32> = (0..pages.len() as u32)
        .filter(|&r| key(case, &pages[r as usize].title).starts_with(&key(case, prefix)))
        .collect();
    rows.sort_by(|&a, &b| {
        key(case, &pages[a as usize].title)
            .as_bytes()
            .cmp(key(case, &pages[b as usize].title).as_bytes())
            .then(a.cmp(&b))
    });
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_dumps_round_trip(pages in pages(), extra in title(), limit in 1usize..5) {
        let tmp = tempfile::tempdir().unwrap();
        let xml = dump(&pages);
        let file = tmp.path().join("d.xml");
        std::fs::write(&file, &xml).unwrap();
        let out = tmp.path().join("idx");
        build(&BuildConfig { dump: file, out: out.clone(), progress: false, search: folio_ingest::build::Search::Ranked, fulltext: false, compressed: false }).unwrap();
        let index = Index::open(&out).unwrap();
        index.verify().unwrap();
        prop_assert_eq!(index.len(), pages.len());
        for (row, p) in pages.iter().enumerate() {
            let got = index.page(row).unwrap();
            prop_assert_eq!(got.title, p.title.as_str());
            prop_assert_eq!(got.ns, p.ns);
            prop_assert_eq!(got.page_id, p.id);
            prop_assert_eq!(got.redirect, p.redirect.as_deref());
            // Exact lookup gives the first page with this title, and its bytes are that page's XML.
            let first = pages.iter().position(|q| q.title == p.title).unwrap();
            let hit = index.get(&p.title).unwrap().unwrap();
            prop_assert_eq!(hit.row as usize, first);
            let bytes = index.page_bytes(&hit).unwrap();
            prop_assert_eq!(&bytes[..], &xml.as_bytes()[hit.start as usize..=hit.end as usize]);
            prop_assert!(bytes.starts_with(b"<page>") && bytes.ends_with(b"</page>"));
        }
        let mut prefixes: Vec<String> = pages.iter().flat_map(|p| p.title.char_indices().map(|(i, _)| p.title[..i].to_string()).take(4)).collect();
        prefixes.push(extra);
        for prefix in &prefixes {
            for case in [Case::Sensitive, Case::Insensitive] {
                let want = expected(&pages, prefix, case);
                let all = index.prefix(&PrefixQuery { prefix, case, after: None, limit: usize::MAX, ns: None }).unwrap();
                prop_assert_eq!(all.total, want.len());
                prop_assert_eq!(all.pages.iter().map(|p| p.row).collect::<Vec<_>>(), want.clone(), "{:?} {:?}", prefix, case);
                prop_assert!(all.next.is_none());
                // The same listing, `limit` at a time, through cursors.
                let mut paged = Vec::new();
                let mut after: Option<Cursor> = None;
                loop {
                    let page = index.prefix(&PrefixQuery { prefix, case, after: after.clone(), limit, ns: None }).unwrap();
                    prop_assert!(page.pages.len() <= limit);
                    paged.extend(page.pages.iter().map(|p| p.row));
                    match page.next {
                        Some(c) => after = Some(c),
                        None => break,
                    }
                }
                prop_assert_eq!(paged, want.clone());
                // Narrowed to one namespace, still `limit` at a time.
                let ns = pages[0].ns;
                let want_ns: Vec<u32> = want.iter().copied().filter(|&r| pages[r as usize].ns == ns).collect();
                let mut paged = Vec::new();
                let mut after: Option<Cursor> = None;
                loop {
                    let q = PrefixQuery { prefix, case, after: after.clone(), limit, ns: Some(ns) };
                    let page = index.prefix(&q).unwrap();
                    prop_assert!(page.pages.iter().all(|p| p.ns == ns));
                    paged.extend(page.pages.iter().map(|p| p.row));
                    match page.next {
                        Some(c) => after = Some(c),
                        None => break,
                    }
                }
                prop_assert_eq!(paged, want_ns);
                // The offsets listing gives the same pages with their spans.
                let spans = index.prefix_spans(prefix, case).unwrap();
                prop_assert_eq!(spans.len(), want.len());
                for (s, &r) in spans.iter().zip(&want) {
                    let p = index.page(r as usize).unwrap();
                    prop_assert_eq!((s.title, s.start, s.end), (p.title, p.start, p.end));
                }
            }
        }
    }
}
