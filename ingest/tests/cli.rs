//! The command line: help, synth, verify, info, rebuilds, and what `open` refuses.

use folio_engine::{Case, Error, Index};

use crate::util::*;

#[test]
fn help_has_examples() {
    for args in [&["--help"][..], &["build", "--help"], &["synth", "--help"]] {
        let o = run(args);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Examples:"), "{args:?}: {}", stdout(&o));
    }
    assert!(stdout(&run(&["build", "--help"])).contains("atomic"));
}

#[test]
fn synth_is_deterministic_and_realistic() {
    let tmp = tempfile::tempdir().unwrap();
    let path = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    for (name, seed) in [("a.xml", "7"), ("b.xml", "7"), ("c.xml", "8")] {
        let o = run(&["synth", "--pages", "4000", "--seed", seed, "--out", &path(name), "--quiet"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let a = std::fs::read(path("a.xml")).unwrap();
    assert_eq!(a, std::fs::read(path("b.xml")).unwrap(), "same seed, same bytes");
    assert_ne!(a, std::fs::read(path("c.xml")).unwrap(), "another seed, another dump");

    let pages = naive_pages(&a);
    assert_eq!(pages.len(), 4000);
    let redirects = pages.iter().filter(|p| p.redirect.is_some()).count();
    assert!((1400..=1800).contains(&redirects), "about 40% redirects: {redirects}");
    let namespaces: std::collections::BTreeSet<i32> = pages.iter().map(|p| p.ns).collect();
    assert_eq!(namespaces.into_iter().collect::<Vec<_>>(), vec![0, 1, 4, 10, 14]);
    let mean = pages.iter().map(|p| p.end - p.start + 1).sum::<u64>() / 4000;
    assert!((3000..=6000).contains(&mean), "pages of about 4 KB on average: {mean}");
    let largest = pages.iter().map(|p| p.end - p.start).max().unwrap();
    assert!(largest > 40_000, "a long tail: {largest}");
    let titles: std::collections::HashSet<&str> = pages.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles.len(), 4000, "titles are unique");
    for needle in ["&", "<", "\"", "'"] {
        assert!(titles.iter().any(|t| t.contains(needle)), "a title with {needle}");
    }
    assert!(titles.iter().any(|t| !t.is_ascii()), "non-ASCII titles");
    let list = titles.iter().filter(|t| t.starts_with("List of ")).count();
    assert!((30..=110).contains(&list), "a cluster under 'List of ': {list}");
    // Every redirect points at a page of the dump.
    assert!(pages.iter().filter_map(|p| p.redirect.as_deref()).all(|r| titles.contains(r)));
    // Empty texts are written as real dumps write them.
    assert!(String::from_utf8_lossy(&a).contains("<text bytes=\"0\" xml:space=\"preserve\" />"));

    let out = tmp.path().join("idx");
    build_ok(&tmp.path().join("a.xml"), &out);
    let o = run(&["verify", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("4000 pages checked"), "{}", stdout(&o));
}

#[test]
fn build_prints_one_summary_line_and_info_describes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    let o = run(&["build", sample_bz2().to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success());
    let line = stdout(&o);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("indexed 206 pages (100 redirects") && line.contains("GB/s"), "{line}");
    assert_eq!(stderr(&o), "", "--quiet draws no bar");
    let info = stdout(&run(&["info", out.to_str().unwrap()]));
    assert!(info.contains("pages 206 (100 redirects") && info.contains("pages.arrow"), "{info}");
}

#[test]
fn verify_finds_a_flipped_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    build_ok(&sample_bz2(), &out);
    for name in ["pages.arrow", "titles.fst", "offsets.npy", "folded_order.npy"] {
        let path = out.join(name);
        let good = std::fs::read(&path).unwrap();
        let mut bad = good.clone();
        let at = bad.len() * 2 / 3;
        bad[at] ^= 0x20;
        std::fs::write(&path, &bad).unwrap();
        let o = run(&["verify", out.to_str().unwrap()]);
        assert!(!o.status.success(), "{name}: a flipped byte fails verify");
        let err = stderr(&o);
        assert!(err.contains(name) && err.contains("checksum"), "{err}");
        std::fs::write(&path, &good).unwrap();
    }
    assert!(run(&["verify", out.to_str().unwrap()]).status.success());
}

/// A copy of enwiki-10k.xml and its index, in a temporary directory (kept while the guard lives).
fn indexed_10k() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("d.xml");
    std::fs::copy(shared_data("enwiki-10k.xml"), &dump).unwrap();
    let out = tmp.path().join("idx");
    build_ok(&dump, &out);
    (tmp, dump, out)
}

#[test]
fn open_refuses_what_is_wrong() {
    let (_tmp, dump, out) = indexed_10k();
    let manifest = out.join("manifest.json");
    let good = std::fs::read_to_string(&manifest).unwrap();

    let version = format!("\"format_version\": {}", folio_engine::FORMAT_VERSION);
    assert!(good.contains(&version));
    std::fs::write(&manifest, good.replace(&version, "\"format_version\": 99")).unwrap();
    let e = Index::open(&out).err().unwrap();
    assert!(matches!(e, Error::Version { .. }) && e.to_string().contains("manifest.json"), "{e}");
    std::fs::write(&manifest, &good).unwrap();

    let fst = std::fs::read(out.join("titles.fst")).unwrap();
    std::fs::remove_file(out.join("titles.fst")).unwrap();
    let e = Index::open(&out).err().unwrap();
    assert_eq!(e.code(), "index_missing");
    assert!(e.to_string().contains("titles.fst"), "{e}");
    std::fs::write(out.join("titles.fst"), &fst[..fst.len() - 1]).unwrap();
    let e = Index::open(&out).err().unwrap();
    assert_eq!(e.code(), "index_size", "{e}");
    std::fs::write(out.join("titles.fst"), &fst).unwrap();

    let arrow = std::fs::read(out.join("pages.arrow")).unwrap();
    let mut bad = arrow.clone();
    bad[..6].copy_from_slice(b"PARQ1!");
    std::fs::write(out.join("pages.arrow"), &bad).unwrap();
    let e = Index::open(&out).err().unwrap();
    assert_eq!(e.code(), "index_bad_magic", "{e}");
    std::fs::write(out.join("pages.arrow"), &arrow).unwrap();
    Index::open(&out).unwrap();

    // The dump changes under the index.
    let mut xml = std::fs::read(&dump).unwrap();
    xml.extend_from_slice(b"\n");
    std::fs::write(&dump, &xml).unwrap();
    let e = Index::open(&out).err().unwrap();
    assert_eq!(e.code(), "dump_changed", "{e}");
    assert!(e.to_string().contains("d.xml"), "{e}");
    xml.pop();
    let n = xml.len();
    xml[n - 20] = b'X';
    std::fs::write(&dump, &xml).unwrap();
    assert_eq!(Index::open(&out).err().unwrap().code(), "dump_changed");
}

#[test]
fn a_dump_rewritten_in_place_while_open_fails_the_check() {
    let (_tmp, dump, out) = indexed_10k();
    let index = Index::open(&out).unwrap();
    let page = index.page(3).unwrap();
    index.page_bytes(&page).unwrap();
    index.check_dump().unwrap();
    let leased = index.dump_leased();
    // The same size, one byte of a page changed, through a descriptor opened for writing (which
    // breaks the server's lease, if it holds one, before the open returns).
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&dump).unwrap();
        assert!(!index.dump_leased(), "the open for writing broke the lease (held before: {leased})");
        f.seek(SeekFrom::Start(page.start + 10)).unwrap();
        f.write_all(b"X").unwrap();
        // A clock tick later than the open's, whatever the file system's timestamp granularity.
        f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(1)).unwrap();
    }
    let e = index.check_dump().unwrap_err();
    assert_eq!(e.code(), "dump_changed", "{e}");
    assert!(e.to_string().contains("modified"), "{e}");
    assert_eq!(index.page_bytes(&page).unwrap_err().code(), "dump_changed", "and it stays changed");
}

#[test]
fn a_damaged_page_table_gives_errors_never_another_pages_bytes() {
    let (_tmp, dump, out) = indexed_10k();

    // An empty file is refused at open, naming it.
    let fst = std::fs::read(out.join("titles.fst")).unwrap();
    std::fs::write(out.join("titles.fst"), b"").unwrap();
    let e = Index::open(&out).err().unwrap();
    assert!(e.code() == "index_size" && e.to_string().contains("titles.fst"), "{e}");
    std::fs::write(out.join("titles.fst"), &fst).unwrap();

    // Point one page's `start` at another page: the file still opens (open reads no column), but
    // its bytes are refused, and verify finds the damage.
    let (victim, other) = {
        let index = Index::open(&out).unwrap();
        let pages: Vec<_> = (0..index.len()).map(|r| index.page(r).unwrap()).collect();
        let victim = pages.iter().rev().find(|p| p.start > 100_000).unwrap();
        (victim.row, (victim.title.to_string(), victim.start, pages[3].start))
    };
    let (title, start, wrong_start) = other;
    let arrow = std::fs::read(out.join("pages.arrow")).unwrap();
    let at: Vec<usize> =
        arrow.windows(8).enumerate().filter(|(_, w)| *w == start.to_le_bytes()).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "the start offset occurs once in pages.arrow");
    let mut bad = arrow.clone();
    bad[at[0]..at[0] + 8].copy_from_slice(&wrong_start.to_le_bytes());
    std::fs::write(out.join("pages.arrow"), &bad).unwrap();
    let index = Index::open(&out).unwrap();
    let e = index.row_bytes(victim).expect_err("another page's bytes are refused");
    assert_eq!(e.code(), "index_corrupt", "{e}");
    assert!(e.to_string().contains("pages.arrow") && e.to_string().contains(&format!("{title:?}")), "{e}");
    let e = index.verify().expect_err("verify finds the damage");
    assert!(e.to_string().contains("pages.arrow"), "{e}");
    // Every other page is still served, and right.
    let xml = std::fs::read(&dump).unwrap();
    for row in (0..index.len() as u32).filter(|&r| r != victim) {
        let p = index.page(row as usize).unwrap();
        assert_eq!(&index.row_bytes(row).unwrap()[..], &xml[p.start as usize..=p.end as usize]);
    }
}

#[test]
fn exact_titles_are_found_through_the_hash_table_and_a_damaged_table_hides_no_page() {
    let (_tmp, _, out) = indexed_10k();
    // The reference: each title's first row in dump order, from the page table alone.
    let expected = {
        let index = Index::open(&out).unwrap();
        let mut first = std::collections::HashMap::new();
        for row in 0..index.len() {
            first.entry(index.page(row).unwrap().title.to_string()).or_insert(row as u32);
        }
        first
    };
    let slots = out.join("title_slots.npy");
    let check = |why: &str| {
        let index = Index::open(&out).unwrap();
        for (title, &row) in &expected {
            assert_eq!(index.row_of(title).unwrap(), Some(row), "{title:?} ({why})");
            let page = index.page(row as usize).unwrap();
            let span = index.find_span(title).unwrap().map(|s| (s.row, s.start, s.end));
            assert_eq!(span, Some((row, page.start, page.end)), "{title:?} ({why})");
        }
        for absent in ["Nowhere at all", "", "Anarchism\u{1}", "anarchism"] {
            assert_eq!(index.row_of(absent).unwrap(), None, "{absent:?} ({why})");
        }
    };
    check("as built");
    // Every slot emptied: the FST finds every title; verify names the table.
    let good = std::fs::read(&slots).unwrap();
    // (The .npy header of a one-dimensional array is 128 bytes; the slots follow.)
    let npy_data = 128;
    assert_eq!(good[npy_data - 1], b'\n');
    let mut bad = good.clone();
    bad[npy_data..].fill(0xff);
    std::fs::write(&slots, &bad).unwrap();
    check("emptied");
    let e = Index::open(&out).unwrap().verify().expect_err("verify finds the damage");
    assert!(e.to_string().contains("title_slots.npy"), "{e}");
    // Every slot moved one place on (sixteen bytes), or its words moved by one or a half: each
    // title's slot is passed over or confirmed against the page table or the dump, never taken
    // for another title's row or span.
    for by in [16, 8, 4] {
        let mut bad = good.clone();
        bad[npy_data..].rotate_right(by);
        std::fs::write(&slots, &bad).unwrap();
        check(&format!("shifted by {by} bytes"));
    }
    // Every span moved on by a byte: no title is confirmed by the dump there, each is by the
    // page table, whose span is then the one given.
    let mut bad = good.clone();
    for slot in bad[npy_data..].chunks_exact_mut(16).filter(|s| s[..4] != [0xff; 4]) {
        let start = u64::from_le_bytes(slot[8..].try_into().unwrap());
        slot[8..].copy_from_slice(&(start + 1).to_le_bytes());
    }
    std::fs::write(&slots, &bad).unwrap();
    check("spans moved");
    let e = Index::open(&out).unwrap().verify().expect_err("verify finds the damage");
    assert!(e.to_string().contains("title_slots.npy"), "{e}");
}

#[test]
fn a_damaged_title_ordered_copy_gives_errors_never_wrong_listings() {
    let (_tmp, _, out) = indexed_10k();
    let (a, b, pages) = {
        let index = Index::open(&out).unwrap();
        let title = |rank| index.sorted_span(rank).unwrap().title.to_string();
        (title(5), title(6), index.len())
    };
    // A prefix whose listing holds ranks 5 and 6 (their common prefix; maybe empty: every title).
    let common: String = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).map(|(x, _)| x).collect();
    let listed =
        |out: &std::path::Path| Index::open(out).unwrap().prefix_spans(&common, Case::Sensitive).map(|v| v.len());
    let whole = listed(&out).unwrap();
    assert!(whole >= 2);

    // Title ends out of order: rank 5's title would end after rank 6's. (An .npy file's data
    // is its tail: one u64 per page here, the title bytes in sorted_titles.npy.)
    let ends_file = out.join("sorted_title_ends.npy");
    let ends = std::fs::read(&ends_file).unwrap();
    let at = ends.len() - 8 * pages + 5 * 8;
    let mut bad = ends.clone();
    let later = u64::from_le_bytes(ends[at + 8..at + 16].try_into().unwrap()) + 1;
    bad[at..at + 8].copy_from_slice(&later.to_le_bytes());
    std::fs::write(&ends_file, &bad).unwrap();
    let e = listed(&out).expect_err("ends out of order are refused");
    assert!(e.code() == "index_corrupt" && e.to_string().contains("sorted_titles.npy"), "{e}");
    std::fs::write(&ends_file, &ends).unwrap();
    assert_eq!(listed(&out).unwrap(), whole);

    // A title that is not UTF-8.
    let titles_file = out.join("sorted_titles.npy");
    let titles = std::fs::read(&titles_file).unwrap();
    let end5 = u64::from_le_bytes(ends[at..at + 8].try_into().unwrap()) as usize;
    let all = u64::from_le_bytes(ends[ends.len() - 8..].try_into().unwrap()) as usize;
    let mut bad = titles.clone();
    bad[titles.len() - all + end5 - 1] = 0xff;
    std::fs::write(&titles_file, &bad).unwrap();
    let e = listed(&out).expect_err("a title that is not UTF-8 is refused");
    assert!(e.code() == "index_corrupt" && e.to_string().contains("sorted_titles.npy"), "{e}");
}

#[test]
fn rebuild_replaces_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    build_ok(&sample_bz2(), &out);
    assert_eq!(Index::open(&out).unwrap().len(), 206);
    build_ok(&shared_data("enwiki-10k.xml"), &out);
    let index = Index::open(&out).unwrap();
    assert_eq!(index.len(), 196);
    assert!(!out.join("dump.xml").exists(), "the old decompressed dump went with the old index");
    assert_eq!(entries(tmp.path()), vec!["idx".to_string()]);
}

#[test]
fn progress_bar_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    let on_a_terminal = |extra: &str, quiet_env: Option<&str>| {
        // `script` runs the command with a pseudo-terminal as its stdout and stderr.
        let cmd = format!(
            "{} build {} --out {} {extra}",
            env!("CARGO_BIN_EXE_folio-ingest"),
            sample_bz2().display(),
            out.display()
        );
        let mut script = std::process::Command::new("script");
        script.args(["-qec", &cmd, "/dev/null"]).env_remove("FOLIO_QUIET");
        if let Some(v) = quiet_env {
            script.env("FOLIO_QUIET", v);
        }
        let o = script.output().expect("script runs");
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let shown = on_a_terminal("", None);
    for needle in ["decompress", "scan", "MiB/s", "ETA", "206 pages", "indexed 206 pages"] {
        assert!(shown.contains(needle), "{needle:?} missing from:\n{shown}");
    }
    let quiet = on_a_terminal("--quiet", None);
    assert!(!quiet.contains("ETA") && quiet.contains("indexed 206 pages"), "{quiet}");
    let quiet_env = on_a_terminal("", Some("1"));
    assert!(!quiet_env.contains("ETA") && quiet_env.contains("indexed 206 pages"), "{quiet_env}");
    assert!(on_a_terminal("", Some("0")).contains("ETA"), "FOLIO_QUIET=0 keeps the bar");
    // Not a terminal: no bar, even without --quiet.
    let o = run(&["build", sample_bz2().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success() && stderr(&o).is_empty(), "{}", stderr(&o));
}
