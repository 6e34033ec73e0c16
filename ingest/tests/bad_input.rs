//! Bad input: a clear error naming the file, the byte offset and what was expected; a non-zero
//! exit; nothing published and nothing left behind.

use std::io::Write;
use std::path::Path;

use crate::util::*;

/// Runs a build of `dump` into a fresh directory; asserts it fails, that stderr contains every
/// one of `needles`, and that nothing was left in the output's parent.
fn fails_cleanly(dump: &Path, needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    let o = run(&["build", dump.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "build of {} should fail", dump.display());
    assert_eq!(o.status.code(), Some(1));
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(entries(tmp.path()), Vec::<String>::new(), "nothing is left behind");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

const HEAD: &str = "<mediawiki version=\"0.10\">\n  <siteinfo><sitename>T</sitename></siteinfo>\n";
const PAGE: &str = "  <page>\n    <title>Fine</title>\n    <ns>0</ns>\n    <id>1</id>\n    <revision><id>2</id><text bytes=\"2\">hi</text></revision>\n  </page>\n";

#[test]
fn empty_file() {
    let d = tempfile::tempdir().unwrap();
    fails_cleanly(&write(d.path(), "empty.xml", b""), &["empty.xml", "byte 0", "empty"]);
}

#[test]
fn not_xml() {
    let d = tempfile::tempdir().unwrap();
    fails_cleanly(&write(d.path(), "notes.xml", b"hello, this is text\n"), &["notes.xml", "byte 0", "not an XML file"]);
    fails_cleanly(&write(d.path(), "other.xml", b"<html><body>hi</body></html>"), &["other.xml", "<mediawiki>"]);
}

#[test]
fn utf16_file() {
    let d = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xff, 0xfe];
    for u in format!("{HEAD}{PAGE}</mediawiki>").encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    fails_cleanly(&write(d.path(), "wide.xml", &bytes), &["wide.xml", "byte 0", "UTF-16", "iconv"]);
}

#[test]
fn truncated_dump() {
    let d = tempfile::tempdir().unwrap();
    // A page with no </page>: the dump was cut in the middle of a page.
    let xml = format!(
        "{HEAD}{PAGE}  <page>\n    <title>Cut</title>\n    <ns>0</ns>\n    <id>3</id>\n    <revision><text>half"
    );
    let at = xml.rfind("<page>").unwrap();
    fails_cleanly(
        &write(d.path(), "cut.xml", xml.as_bytes()),
        &["cut.xml", &format!("byte {at}"), "no </page>", "truncated"],
    );
    // A page with no </page> followed by another page.
    let xml = format!("{HEAD}  <page>\n    <title>Open</title>\n    <ns>0</ns>\n    <id>3</id>\n{PAGE}</mediawiki>\n");
    fails_cleanly(
        &write(d.path(), "open.xml", xml.as_bytes()),
        &["open.xml", &format!("byte {}", HEAD.len() + 2), "no </page>"],
    );
    // Cut between pages: no </mediawiki>.
    let xml = format!("{HEAD}{PAGE}");
    fails_cleanly(
        &write(d.path(), "between.xml", xml.as_bytes()),
        &["between.xml", &format!("byte {}", xml.len()), "</mediawiki>"],
    );
}

#[test]
fn page_without_title() {
    let d = tempfile::tempdir().unwrap();
    let bad = "  <page>\n    <ns>0</ns>\n    <id>9</id>\n    <revision><text>x</text></revision>\n  </page>\n";
    let xml = format!("{HEAD}{PAGE}{bad}</mediawiki>\n");
    let at = HEAD.len() + PAGE.len() + 2;
    fails_cleanly(
        &write(d.path(), "notitle.xml", xml.as_bytes()),
        &["notitle.xml", &format!("byte {at}"), "no <title>"],
    );
}

#[test]
fn bad_entity_and_bad_utf8_in_title() {
    let d = tempfile::tempdir().unwrap();
    let xml = format!("{HEAD}{}</mediawiki>\n", PAGE.replace("Fine", "A &bogus; B"));
    let at = xml.find("&bogus;").unwrap();
    fails_cleanly(
        &write(d.path(), "entity.xml", xml.as_bytes()),
        &["entity.xml", &format!("byte {at}"), "unknown entity &bogus;"],
    );
    let mut bytes = format!("{HEAD}{}", PAGE.replace("Fine", "Fi@e")).into_bytes();
    let at = bytes.iter().position(|&b| b == b'@').unwrap();
    bytes[at] = 0xff;
    bytes.extend_from_slice(b"</mediawiki>\n");
    fails_cleanly(&write(d.path(), "latin1.xml", &bytes), &["latin1.xml", &format!("byte {at}"), "UTF-8"]);
}

#[test]
fn bz2_that_ends_early() {
    let d = tempfile::tempdir().unwrap();
    let full = std::fs::read(sample_bz2()).unwrap();
    let cut = write(d.path(), "cut.xml.bz2", &full[..full.len() / 2]);
    fails_cleanly(&cut, &["cut.xml.bz2", "ends early", "truncated"]);
    let fake = write(d.path(), "fake.xml.bz2", format!("{HEAD}{PAGE}</mediawiki>").as_bytes());
    fails_cleanly(&fake, &["fake.xml.bz2", "not bzip2"]);
}

#[test]
fn missing_dump_and_directory_as_dump() {
    let d = tempfile::tempdir().unwrap();
    fails_cleanly(&d.path().join("nope.xml"), &["nope.xml", "No such file"]);
    fails_cleanly(d.path(), &["is a directory"]);
}

#[test]
fn refuses_to_replace_a_directory_that_is_not_an_index() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("precious");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.txt"), "do not delete").unwrap();
    let o = run(&["build", sample_bz2().to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a Folio index"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(out.join("thesis.txt")).unwrap(), "do not delete");
}

/// A full disk: a 4 MiB tmpfs cannot hold the decompressed sample (6 MB).
#[test]
fn full_disk() {
    let d = tempfile::tempdir().unwrap();
    let mnt = d.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.to_str().unwrap()])
        .status()
        .expect("mount runs");
    assert!(mounted.success(), "this test mounts a small tmpfs to fill; it needs root (CI runs as root)");
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let out = mnt.join("idx");
    let o = run(&["build", sample_bz2().to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(err.contains("dump.xml") && err.contains("No space left on device"), "{err}");
    assert_eq!(entries(&mnt), Vec::<String>::new(), "nothing is left on the full disk");
    // A plain dump whose index does not fit: the same.
    let big = d.path().join("big.xml");
    let mut f = std::fs::File::create(&big).unwrap();
    write!(f, "{HEAD}").unwrap();
    for i in 0..60_000 {
        write!(f, "{}", PAGE.replace("Fine", &format!("Title number {i} with some length to it"))).unwrap();
    }
    writeln!(f, "</mediawiki>").unwrap();
    drop(f);
    let o = run(&["build", big.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("No space left on device"), "{}", stderr(&o));
    assert_eq!(entries(&mnt), Vec::<String>::new());
}

#[test]
fn a_page_id_beyond_mediawikis_range() {
    let d = tempfile::tempdir().unwrap();
    let big = PAGE.replace("<id>1</id>", "<id>4294967296</id>");
    let xml = format!("{HEAD}{PAGE}{big}</mediawiki>\n");
    let at = HEAD.len() + PAGE.len() + big.find("<id>").unwrap() + "<id>".len();
    fails_cleanly(
        &write(d.path(), "ids.xml", xml.as_bytes()),
        &["ids.xml", &format!("byte {at}"), "4294967296", "int unsigned"],
    );
    // The largest id MediaWiki can give is fine.
    let max = PAGE.replace("<id>1</id>", "<id>4294967295</id>").replace("Fine", "Max");
    let xml = format!("{HEAD}{PAGE}{max}</mediawiki>\n");
    let tmp = tempfile::tempdir().unwrap();
    build_ok(&write(d.path(), "max.xml", xml.as_bytes()), &tmp.path().join("idx"));
    let index = folio_engine::Index::open(tmp.path().join("idx")).unwrap();
    assert_eq!(index.get("Max").unwrap().unwrap().page_id, 4294967295);
}
