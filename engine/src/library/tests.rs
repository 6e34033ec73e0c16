//! Reloads against real publications of the fixture indexes (`publish`, as a build does it).

use std::path::Path;

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Copies every file of the directory `from` into the directory `to`.
fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().map(Result::unwrap) {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Publishes a copy of the fixture `from` over `dest`, as `folio-ingest build --out dest` does.
fn publish_copy(from: &Path, dest: &Path) {
    let staging = crate::publish::create_staging(dest).unwrap();
    copy_files(from, &staging);
    crate::publish::publish(&staging, dest).unwrap();
}

#[test]
fn a_published_index_is_swapped_in_and_readers_of_the_old_one_finish_on_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wiki");
    publish_copy(&fixture("v1"), &dir);
    let dataset = Dataset::open("wiki", &dir, OpenOptions::default()).unwrap();
    let old = dataset.current();
    let old_id = old.id().to_owned();
    assert_eq!(old.index().manifest().format_version, 1);
    assert_eq!(dataset.reload(false).unwrap(), Reload::Unchanged);
    // Nothing changed on disk: even a forced reload keeps the index (same id).
    assert_eq!(dataset.reload(true).unwrap(), Reload::Unchanged);

    publish_copy(&fixture("v2"), &dir);
    let Reload::Switched { from, to } = dataset.reload(false).unwrap() else { panic!("not switched") };
    assert_eq!((from.as_str(), dataset.reloads()), (old_id.as_str(), 1));
    let new = dataset.current();
    assert_eq!((new.id(), new.index().manifest().format_version), (to.as_str(), 2));
    assert_ne!(new.id(), old.id());
    // The old index's directory is gone; what was taken from it still reads, from its maps.
    assert!(std::fs::read_dir(tmp.path()).unwrap().count() == 1);
    let title = old.index().page(0).unwrap().title.to_owned();
    let page = old.index().get(&title).unwrap().unwrap();
    assert!(old.index().page_bytes(&page).unwrap().starts_with(b"<page>"));
}

#[test]
fn an_index_that_does_not_open_is_not_swapped_in() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wiki");
    publish_copy(&fixture("v2"), &dir);
    let dataset = Dataset::open("wiki", &dir, OpenOptions::default()).unwrap();
    let id = dataset.current().id().to_owned();
    // A build whose page table lost its tail: the open refuses it, the old index serves on.
    let broken = tmp.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    copy_files(&fixture("v2"), &broken);
    let pages = broken.join(crate::format::PAGES_FILE);
    let len = std::fs::metadata(&pages).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&pages).unwrap().set_len(len - 8).unwrap();
    publish_copy(&broken, &dir);
    let e = dataset.reload(false).unwrap_err().to_string();
    assert!(e.contains("pages.arrow"), "{e}");
    assert_eq!(dataset.current().id(), id);
    // Seen once: the next poll does not try the same broken build again.
    assert_eq!(dataset.reload(false).unwrap(), Reload::Unchanged);
}

#[test]
fn names_are_sql_identifiers_and_unique() {
    for good in ["enwiki", "simple_wiki2", "a"] {
        check_name(good).unwrap();
    }
    for bad in ["", "EnWiki", "2wiki", "en-wiki", "public", "a/b", &"x".repeat(65)] {
        assert!(check_name(bad).is_err(), "{bad:?}");
    }
    assert_eq!(name_from("enwiki-sample"), "enwiki_sample");
    assert_eq!(name_from("2024 Wiki"), "d2024_wiki");
    let open = |name| Dataset::open(name, &fixture("v1"), OpenOptions::default()).unwrap();
    let e = Library::new(vec![open("a"), open("a")]).unwrap_err().to_string();
    assert!(e.contains("two datasets are named \"a\""), "{e}");
    let library = Library::new(vec![open("a"), open("b")]).unwrap();
    assert_eq!((library.first().name(), library.get("b").map(|d| d.name())), ("a", Some("b")));
    assert!(library.get("c").is_none());
}
