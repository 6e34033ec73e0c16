//! Finding the page a person means: titles as typed, redirects followed (and an index error on
//! the way is an error, never a reason to stop early), listings held to a size.

use folio_engine::{Case, Error, Index};

fn fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1")
}

#[test]
fn titles_as_typed_redirects_and_listings() {
    let index = Index::open(fixture()).unwrap();
    // Normalized as MediaWiki does; the raw title when normalizing finds nothing.
    assert_eq!(index.find("straße").unwrap().unwrap().title, "Straße");
    assert_eq!(index.find("Say_\"hi\"").unwrap().unwrap().row, 2);
    assert_eq!(index.find("talk:東京").unwrap().unwrap().ns, 1, "the first letter, the namespace's");
    assert!(index.find("Nowhere").unwrap().is_none());

    let quote = index.find("Say \"hi\"").unwrap().unwrap();
    assert_eq!(index.follow_redirects(quote).unwrap().title, "AT&T");
    let att = index.find("AT&T").unwrap().unwrap();
    assert_eq!(index.follow_redirects(att).unwrap().row, att.row, "not a redirect: itself");

    let spans = index.listing("AT", Case::Sensitive, 2).unwrap();
    assert_eq!(spans.iter().map(|s| s.title).collect::<Vec<_>>(), ["AT&T", "AT&T"]);
    match index.listing("AT", Case::Sensitive, 1) {
        Err(Error::TooManyResults { prefix, count: 2, max: 1 }) => assert_eq!(prefix, "AT"),
        other => panic!("{other:?}"),
    }
    assert_eq!(index.listing("strass", Case::Insensitive, 10).unwrap().len(), 2);
}

#[test]
fn a_redirect_into_a_damaged_index_is_an_error_not_the_redirect_page() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    // The page table's first "AT&T" is row 0's title (titles come before redirects): make it
    // another title, so that the lookup the redirect needs finds a row that does not match.
    let path = dir.path().join("pages.arrow");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(4).position(|w| w == b"AT&T").unwrap();
    bytes[at] = b'X';
    std::fs::write(&path, bytes).unwrap();

    let index = Index::open(dir.path()).unwrap();
    let quote = index.find("Say \"hi\"").unwrap().unwrap();
    let err = index.follow_redirects(quote).unwrap_err();
    assert_eq!(err.code(), "index_corrupt", "{err}");
}

#[test]
fn random_articles_are_articles_and_reach_every_article() {
    let index = Index::open(fixture()).unwrap();
    let table = index.page_table();
    let articles: Vec<u32> = (0..index.len())
        .filter(|&r| table.ns(r).unwrap() == 0 && table.redirect(r).unwrap().is_none())
        .map(|r| r as u32)
        .collect();
    assert!(!articles.is_empty() && articles.len() < index.len(), "the fixture has articles and others");
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..500 {
        let row = index.random_article(seed).unwrap().unwrap();
        assert!(articles.contains(&row), "seed {seed} drew row {row}, not an article");
        seen.insert(row);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), articles, "500 draws reach every article");
    assert_eq!(index.random_article(7).unwrap(), index.random_article(7).unwrap(), "a seed repeats its draw");
}

#[test]
fn a_span_found_by_title_is_the_page_find_finds_and_its_bytes_are_checked() {
    let index = Index::open(fixture()).unwrap();
    for row in 0..index.len() {
        let page = index.page(row).unwrap();
        for typed in [page.title.to_string(), page.title.replace(' ', "_")] {
            let span = index.find_span(&typed).unwrap().unwrap();
            let found = index.find(&typed).unwrap().unwrap();
            assert_eq!(span, found.span(), "{typed:?}");
            assert_eq!(index.page_at_span(&span).unwrap(), found);
            assert_eq!(&*index.span_bytes(&span).unwrap(), &*index.page_bytes(&found).unwrap());
        }
    }
    assert_eq!(index.find_span("straße").unwrap().unwrap().title, "Straße", "normalized as find does");
    assert!(index.find_span("Nowhere").unwrap().is_none());

    // A row that does not hold the title it was found by (a damaged titles.fst): the dump's
    // `<title>` says so, and so does the page table's.
    let (a, b) = (index.page(0).unwrap(), index.page(1).unwrap());
    assert_ne!(a.title, b.title);
    let wrong = folio_engine::PageSpan { title: b.title.into(), ..a.span() };
    assert_eq!(index.span_bytes(&wrong).unwrap_err().code(), "index_corrupt");
    assert_eq!(index.page_at_span(&wrong).unwrap_err().code(), "index_corrupt");
}
