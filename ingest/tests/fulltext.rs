//! Full-text search: hits against a brute-force matcher over every article of the real excerpts
//! (words, exclusions, phrases), the documented score, accents, snippets, bad queries, and the
//! atomic addition of a full-text index to an existing index.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use folio_engine::fulltext::{SearchQuery, combined_score, schema};
use folio_engine::{Error, Index};

use crate::util::*;

/// Builds `dump` into `out` with `--fulltext`.
fn build_fulltext_ok(dump: &Path, out: &Path) {
    let o = run(&["build", dump.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet", "--fulltext"]);
    assert!(o.status.success(), "build failed: {}", stderr(&o));
}

/// The analyzer's terms of `text`, in order.
fn terms(text: &str) -> Vec<String> {
    let mut analyzer = schema::analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// One article as the brute-force matcher sees it: its title's and its text's terms.
struct Doc {
    row: u32,
    title: Vec<String>,
    text: Vec<String>,
}

impl Doc {
    fn has(&self, term: &str) -> bool {
        self.title.iter().chain(&self.text).any(|t| t == term)
    }
    fn has_phrase(&self, phrase: &[String]) -> bool {
        [&self.title, &self.text].iter().any(|f| f.windows(phrase.len()).any(|w| w == phrase))
    }
}

/// Every namespace-0 article of the index, read from the dump through the page table.
fn docs(index: &Index) -> Vec<Doc> {
    (0..index.len())
        .filter_map(|row| {
            let page = index.page(row).unwrap();
            if page.ns != 0 || page.redirect.is_some() {
                return None;
            }
            let xml = index.page_bytes(&page).unwrap();
            let text = folio_engine::article::wikitext(&xml).unwrap();
            let plain = folio_engine::render::text::plain_text(&text);
            Some(Doc { row: row as u32, title: terms(page.title), text: terms(&plain) })
        })
        .collect()
}

/// Which articles a query should find.
type Matcher<'a> = Box<dyn Fn(&Doc) -> bool + 'a>;

fn search(index: &Index, q: &str, limit: usize) -> folio_engine::fulltext::SearchResults {
    index.search(&SearchQuery { query: q, limit, offset: 0, snippets: true }).unwrap()
}

#[test]
fn hits_match_a_brute_force_search_of_the_real_excerpts() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, dump) in [sample_bz2(), shared_data("enwiki-10k.xml")].iter().enumerate() {
        let out = tmp.path().join(format!("idx{i}"));
        build_fulltext_ok(dump, &out);
        let index = Index::open(&out).unwrap();
        let docs = docs(&index);
        assert_eq!(index.fulltext_documents(), docs.len() as u64);
        assert!(docs.len() > 50);

        // Words that occur in between 2 and 60 articles: their pairs, exclusions and phrases.
        let mut df: HashMap<&str, usize> = HashMap::new();
        for d in &docs {
            for t in d.title.iter().chain(&d.text).collect::<BTreeSet<_>>() {
                *df.entry(t.as_str()).or_default() += 1;
            }
        }
        // Only terms that analyze to themselves (a stem stemmed again may change).
        let mut words: Vec<&str> =
            df.iter().filter(|(w, n)| (2..=60).contains(*n) && terms(w) == [w.to_string()]).map(|(w, _)| *w).collect();
        words.sort_unstable();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut checked = 0;
        for _ in 0..60 {
            let (a, b) = (words[rng.usize(..words.len())], words[rng.usize(..words.len())]);
            let queries: [(String, Matcher); 3] = [
                (format!("{a} {b}"), Box::new(|d: &Doc| d.has(a) && d.has(b))),
                (format!("{a} -{b}"), Box::new(|d: &Doc| d.has(a) && !d.has(b))),
                (format!("{a} OR {b}"), Box::new(|d: &Doc| d.has(a) || d.has(b))),
            ];
            for (q, matches) in queries {
                let expected: BTreeSet<u32> = docs.iter().filter(|d| matches(d)).map(|d| d.row).collect();
                let found = search(&index, &q, 100);
                assert_eq!(found.total, expected.len(), "{q}: total");
                let rows: BTreeSet<u32> = found.hits.iter().map(|h| h.row).collect();
                if expected.len() <= 100 {
                    assert_eq!(rows, expected, "{q}: hits");
                } else {
                    assert!(rows.len() == 100 && rows.is_subset(&expected), "{q}: hits");
                }
                assert!(found.hits.windows(2).all(|w| w[0].score >= w[1].score), "{q}: best first");
                checked += 1;
            }
        }
        // Phrases: two consecutive terms of an article's text.
        for d in docs.iter().filter(|d| d.text.len() > 20).take(40) {
            let k = rng.usize(..d.text.len() - 1);
            let phrase = &d.text[k..k + 2];
            let q = format!("\"{} {}\"", phrase[0], phrase[1]);
            let expected: BTreeSet<u32> = docs.iter().filter(|e| e.has_phrase(phrase)).map(|e| e.row).collect();
            let found = search(&index, &q, 100);
            assert!(expected.contains(&d.row));
            assert_eq!(found.total, expected.len(), "{q}: total");
            if expected.len() <= 100 {
                assert_eq!(found.hits.iter().map(|h| h.row).collect::<BTreeSet<_>>(), expected, "{q}");
            }
            checked += 1;
        }
        assert!(checked >= 200);
    }
}

#[test]
fn snippets_mark_the_words_of_the_query() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    build_fulltext_ok(&shared_data("enwiki-10k.xml"), &out);
    let index = Index::open(&out).unwrap();
    for q in ["history", "album music", "\"united states\""] {
        let found = search(&index, q, 10);
        assert!(!found.hits.is_empty(), "{q}");
        let wanted = terms(q);
        for hit in &found.hits {
            let snippet = hit.snippet.as_ref().unwrap();
            assert!(!snippet.text.is_empty(), "{q}: {}", hit.title);
            for r in &snippet.highlights {
                let marked = terms(&snippet.text[r.clone()]);
                assert!(marked.iter().all(|t| wanted.contains(t)), "{q}: marked {marked:?} in {}", hit.title);
            }
            let html = snippet.html();
            assert_eq!(html.matches("<mark>").count(), snippet.highlights.len());
            assert!(!html.replace("<mark>", "").replace("</mark>", "").contains('<'));
        }
        assert!(found.hits.iter().any(|h| !h.snippet.as_ref().unwrap().highlights.is_empty()), "{q}");
    }
    let bare = index.search(&SearchQuery { query: "history", limit: 3, offset: 0, snippets: false }).unwrap();
    assert!(bare.hits.iter().all(|h| h.snippet.is_none()));
    // Pages: the second page of 3 continues the first.
    let all = search(&index, "history", 6);
    let second = index.search(&SearchQuery { query: "history", limit: 3, offset: 3, snippets: false }).unwrap();
    assert_eq!(
        all.hits[3..].iter().map(|h| h.row).collect::<Vec<_>>(),
        second.hits.iter().map(|h| h.row).collect::<Vec<_>>()
    );
}

/// A small dump: `pages` are (title, text).
fn write_dump(path: &Path, pages: &[(&str, &str)]) {
    let mut x = String::from("<mediawiki version=\"0.10\">\n  <siteinfo><sitename>T</sitename></siteinfo>\n");
    for (i, (title, text)) in pages.iter().enumerate() {
        x.push_str(&format!(
            "  <page>\n    <title>{title}</title>\n    <ns>0</ns>\n    <id>{}</id>\n    <revision><id>{}</id><text bytes=\"{}\">{}</text></revision>\n  </page>\n",
            i + 1,
            i + 100,
            text.len(),
            text.replace('&', "&amp;").replace('<', "&lt;")
        ));
    }
    x.push_str("</mediawiki>\n");
    std::fs::write(path, x).unwrap();
}

#[test]
fn rank_lifts_equal_matches_as_documented_and_accents_are_folded() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("d.xml");
    let mut pages = vec![
        ("Alpha one", "Zebra quagga okapi."),
        ("Alpha two", "Zebra quagga okapi."),
        ("Zürich", "Zürich is a city. Lake Zürich lies south of it."),
    ];
    let linking: Vec<String> = (0..8).map(|i| format!("Linker {i}")).collect();
    for l in &linking {
        pages.push((l, "See [[Alpha two]] for more."));
    }
    write_dump(&dump, &pages);
    let out = tmp.path().join("idx");
    build_fulltext_ok(&dump, &out);
    let index = Index::open(&out).unwrap();
    let found = search(&index, "zebra quagga", 10);
    let titles: Vec<&str> = found.hits.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(titles, ["Alpha two", "Alpha one"]);
    let (a, b) = (&found.hits[0], &found.hits[1]);
    assert!(a.rank > b.rank);
    // Equal BM25 (same text, same length): the scores differ by the rank factor alone.
    let ratio = a.score / b.score;
    let expected = combined_score(1.0, a.rank) / combined_score(1.0, b.rank);
    assert!((ratio - expected).abs() < 1e-4, "{ratio} vs {expected}");
    // Accents folded both ways; the snippet marks the accented word.
    for q in ["zurich", "ZÜRICH", "Zürich"] {
        let hit = &search(&index, q, 10).hits[0];
        assert_eq!(hit.title, "Zürich", "{q}");
        let s = hit.snippet.as_ref().unwrap();
        assert_eq!(&s.text[s.highlights[0].clone()], "Zürich");
    }
    // A colon that names no field is part of the words.
    assert_eq!(search(&index, "lake: zurich", 10).hits[0].title, "Zürich");
}

#[test]
fn bad_queries_and_a_missing_index_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    build_fulltext_ok(&shared_data("enwiki-10k.xml"), &out);
    let index = Index::open(&out).unwrap();
    for q in [
        "\"unclosed",
        "-history",
        "*",
        "text:[a TO b]",
        "title:*",
        "(history",
        "a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg",
    ] {
        let e = index.search(&SearchQuery { query: q, limit: 10, offset: 0, snippets: false }).unwrap_err();
        assert!(matches!(e, Error::BadQuery(_)), "{q}: {e:?}");
        assert_eq!(e.code(), "bad_query");
    }
    let plain = tmp.path().join("plain");
    build_ok(&shared_data("enwiki-10k.xml"), &plain);
    let e =
        Index::open(&plain).unwrap().search(&SearchQuery { query: "history", limit: 10, offset: 0, snippets: false });
    let e = e.unwrap_err();
    assert_eq!(e.code(), "fulltext_missing");
    assert!(e.to_string().contains("folio-ingest fulltext"), "{e}");
}

#[test]
fn adding_a_fulltext_index_replaces_the_old_one_atomically() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    build_fulltext_ok(&shared_data("enwiki-10k.xml"), &out);
    let first = Index::open(&out).unwrap().manifest().fulltext.clone().unwrap();
    let before = search(&Index::open(&out).unwrap(), "history", 100);
    // A staging directory of a build that died is removed; the new index replaces the old.
    std::fs::create_dir(out.join(".fulltext-staging-999999999-1")).unwrap();
    let o = run(&["fulltext", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("indexed the text of"), "{}", stdout(&o));
    let index = Index::open(&out).unwrap();
    let second = index.manifest().fulltext.clone().unwrap();
    assert_eq!(second.documents, first.documents);
    let names = entries(&out);
    assert_eq!(names.iter().filter(|n| n.starts_with("fulltext-")).collect::<Vec<_>>(), [&second.dir]);
    assert!(!names.iter().any(|n| n.starts_with('.')), "{names:?}");
    let after = search(&index, "history", 100);
    assert_eq!(
        before.hits.iter().map(|h| h.row).collect::<BTreeSet<_>>(),
        after.hits.iter().map(|h| h.row).collect::<BTreeSet<_>>()
    );
    let o = run(&["verify", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));

    // A damaged file of the full-text index is found by verify, named, with what to do.
    let (name, _) =
        index.manifest().files.iter().filter(|(n, _)| n.ends_with(".idx")).max_by_key(|(_, s)| s.bytes).unwrap();
    let path = out.join(name);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let o = run(&["verify", out.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains(name.as_str()) && stderr(&o).contains("checksum"), "{}", stderr(&o));
}
