//! Helpers: run the real binary, build indexes, and read dumps independently of the scanner.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A file of the bundled reference data in `datasets/`.
pub fn shared_data(name: &str) -> PathBuf {
    repo().join("datasets").join(name)
}

pub fn sample_bz2() -> PathBuf {
    repo().join("datasets/enwiki-sample.xml.bz2")
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_folio-ingest"));
    c.env_remove("FOLIO_THREADS").env_remove("FOLIO_QUIET");
    c
}

/// Runs `folio-ingest args...` and returns its output.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("folio-ingest runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Builds `dump` into `out` with the binary and asserts success.
pub fn build_ok(dump: &Path, out: &Path) {
    let o = run(&["build", dump.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "build failed: {}", stderr(&o));
}

/// A page as read by the plain byte search in [`naive_pages`].
#[derive(Debug, Clone, PartialEq)]
pub struct NaivePage {
    pub title: String,
    pub ns: i32,
    pub id: u64,
    pub redirect: Option<String>,
    pub start: u64,
    pub end: u64,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Undoes XML escaping with a chain of replacements (a different method from the scanner's).
pub fn naive_unescape(s: &str) -> String {
    let mut out = s.to_string();
    for (code, ch) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&#039;", "'"), ("&#39;", "'")]
    {
        out = out.replace(code, ch);
    }
    out.replace("&amp;", "&")
}

/// Every page of an XML dump, found with a plain byte search.
pub fn naive_pages(xml: &[u8]) -> Vec<NaivePage> {
    let mut pages = Vec::new();
    let mut pos = 0;
    while let Some(start) = find(xml, b"<page>", pos) {
        let end = find(xml, b"</page>", start).unwrap() + 6;
        let page = &xml[start..=end];
        let between = |open: &str, close: &str| {
            let a = find(page, open.as_bytes(), 0).unwrap() + open.len();
            let b = find(page, close.as_bytes(), a).unwrap();
            String::from_utf8(page[a..b].to_vec()).unwrap()
        };
        let head_end = find(page, b"<revision", 0).unwrap_or(page.len());
        let redirect = find(&page[..head_end], b"<redirect title=\"", 0).map(|r| {
            let a = r + "<redirect title=\"".len();
            let b = find(page, b"\"", a).unwrap();
            naive_unescape(std::str::from_utf8(&page[a..b]).unwrap())
        });
        pages.push(NaivePage {
            title: naive_unescape(&between("<title>", "</title>")),
            ns: between("<ns>", "</ns>").parse().unwrap(),
            id: between("<id>", "</id>").parse().unwrap(),
            redirect,
            start: start as u64,
            end: end as u64,
        });
        pos = end;
    }
    pages
}

/// Lists an index directory's parent for leftovers (staging directories, half-written files).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}
