//! The dump scanner: finds every `<page>` of a MediaWiki XML dump and reads its header fields.
//!
//! The dump is cut into chunks at `<page>` boundaries and the chunks are scanned in parallel.
//! Within a chunk, one `memmem` search for `page>` walks from page to page: a hit preceded by
//! `</` ends the current page, a hit preceded by `<` means a page never closed. Page text is
//! skipped at memory speed; only the few hundred bytes before `<revision>` are looked at closely
//! (title, ns, id, redirect). MediaWiki escapes `<` in page text, so the tags cannot occur there.
//! In the same pass each page's text gives its rank signals ([`crate::signals`]): its size, its
//! headings, and, for namespace-0 articles, the pages it links to.

use std::ops::Range;

use folio_engine::PageColumns;
use folio_engine::disambiguation::is_disambiguation;
use memchr::memmem::Finder;
use rayon::prelude::*;

use folio_engine::unescape;

use crate::signals::{self, LinkCounts, Reader, Shards};

/// What a scan finds: every page, and the links between them.
#[derive(Debug, Default)]
pub struct Scanned {
    /// The page table's columns in dump order (the rank column left empty).
    pub pages: PageColumns,
    /// Links from namespace-0 articles, by target title hash.
    pub links: LinkCounts,
}

/// A problem in the dump, at a byte offset of the XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {what}")]
pub struct ScanError {
    /// Byte offset in the XML where the problem is.
    pub offset: u64,
    /// What was expected and what was found.
    pub what: String,
}

fn err<T>(offset: usize, what: impl Into<String>) -> Result<T, ScanError> {
    Err(ScanError { offset: offset as u64, what: what.into() })
}

/// Target size of one chunk scanned by one task.
const CHUNK_BYTES: usize = 16 << 20;

/// Scans a whole dump; `progress` is called with the bytes scanned and pages found, chunk by chunk.
/// With `links` off, no page's links are read (the counts stay empty).
pub fn scan(dump: &[u8], links: bool, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Scanned, ScanError> {
    let body = check_prolog(dump)?;
    let chunks = split(dump, body);
    let last = chunks.len() - 1;
    let parts: Vec<Result<(PageColumns, Shards), ScanError>> = chunks
        .par_iter()
        .enumerate()
        .map(|(i, range)| {
            let r = Scanner { links, ..Scanner::new(dump) }.chunk(range.clone(), i == last);
            progress(range.len() as u64, r.as_ref().map_or(0, |(c, _)| c.len() as u64));
            r
        })
        .collect();
    Ok(assemble(parts.into_iter().collect::<Result<_, _>>()?))
}

/// Scans one piece of a dump that is not in one place (a compressed dump's decoded streams):
/// `bytes` holds whole pages, the dump's start (`first`: the `<mediawiki>` prolog comes first)
/// and its end (`last`: `</mediawiki>` comes last). Offsets, in the columns and in errors, are
/// from the piece's start.
pub fn scan_piece(bytes: &[u8], first: bool, last: bool, links: bool) -> Result<(PageColumns, Shards), ScanError> {
    let body = if first { check_prolog(bytes)? } else { 0 };
    Scanner { links, ..Scanner::new(bytes) }.chunk(body..bytes.len(), last)
}

/// The pages and link counts of a whole dump from those of its chunks, in dump order.
pub fn assemble(parts: Vec<(PageColumns, Shards)>) -> Scanned {
    let mut out = PageColumns::default();
    let total: usize = parts.iter().map(|(c, _)| c.len()).sum();
    out.page_id.reserve_exact(total);
    out.ns.reserve_exact(total);
    out.start.reserve_exact(total);
    out.end.reserve_exact(total);
    let mut links = Vec::with_capacity(parts.len());
    for (cols, counts) in parts {
        out.append(cols);
        links.push(counts);
    }
    Scanned { pages: out, links: LinkCounts::merge(links) }
}

/// Checks the start of the file and returns the offset of the first `<page>` (or of
/// `</mediawiki>` when the dump has no pages).
fn check_prolog(dump: &[u8]) -> Result<usize, ScanError> {
    match dump {
        [] => return err(0, "the file is empty; expected a MediaWiki XML dump"),
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] | [0, _, ..] | [_, 0, ..] => {
            return err(
                0,
                "the file is UTF-16 (or another wide encoding); MediaWiki dumps are UTF-8: convert it with `iconv -f UTF-16 -t UTF-8`",
            );
        }
        [0x1f, 0x8b, ..] => {
            return err(0, "the file is gzip-compressed; decompress it first (or use the .bz2 dump)");
        }
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => {
            return err(0, "the file is xz-compressed; decompress it first (or use the .bz2 dump)");
        }
        [b'7', b'z', 0xbc, 0xaf, ..] => {
            return err(0, "the file is a 7z archive; extract it first (or use the .bz2 dump)");
        }
        _ => {}
    }
    let mut pos = if dump.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
    pos += dump[pos..].iter().take_while(|b| b.is_ascii_whitespace()).count();
    if dump.get(pos) != Some(&b'<') {
        let found = String::from_utf8_lossy(&dump[pos..dump.len().min(pos + 16)]).into_owned();
        return err(pos, format!("not an XML file: expected '<', found {found:?}"));
    }
    let window = &dump[..dump.len().min(1 << 16)];
    let Some(root) = memchr::memmem::find(window, b"<mediawiki") else {
        return err(pos, "no <mediawiki> root element in the first 64 KiB: this is XML, but not a MediaWiki dump");
    };
    if let Some(page) = memchr::memmem::find(&dump[root..], b"<page>") {
        return Ok(root + page);
    }
    match memchr::memmem::find(&dump[root..], b"</mediawiki>") {
        Some(end) => Ok(root + end),
        None => err(dump.len(), "the dump ends before its first <page> and has no </mediawiki>: it is truncated"),
    }
}

/// Cuts `dump[body..]` into chunks that each start at a `<page>`.
fn split(dump: &[u8], body: usize) -> Vec<Range<usize>> {
    let finder = Finder::new(b"<page>");
    let mut starts = vec![body];
    let mut next = body + CHUNK_BYTES;
    while next < dump.len() {
        match finder.find(&dump[next..]) {
            Some(i) => {
                starts.push(next + i);
                next += i + CHUNK_BYTES;
            }
            None => break,
        }
    }
    let ends = starts.iter().skip(1).copied().chain([dump.len()]);
    starts.iter().zip(ends).map(|(&s, e)| s..e).collect()
}

/// An opening tag, its closing tag, and the finders for both.
struct Tag {
    name: &'static str,
    open: Finder<'static>,
    close: Finder<'static>,
}

impl Tag {
    fn new(name: &'static str, open: &'static [u8], close: &'static [u8]) -> Tag {
        Tag { name, open: Finder::new(open), close: Finder::new(close) }
    }
}

/// The finders a chunk's scan uses, built once per chunk.
struct Scanner<'a> {
    dump: &'a [u8],
    page: Finder<'static>,
    revision: Finder<'static>,
    title: Tag,
    ns: Tag,
    id: Tag,
    redirect: Finder<'static>,
    redirect_title: Finder<'static>,
    text: Finder<'static>,
    text_end: Finder<'static>,
    bytes_attr: Finder<'static>,
    /// Whether articles' links are read.
    links: bool,
}

impl<'a> Scanner<'a> {
    fn new(dump: &'a [u8]) -> Self {
        Scanner {
            dump,
            page: Finder::new(b"page>"),
            revision: Finder::new(b"<revision"),
            title: Tag::new("title", b"<title>", b"</title>"),
            ns: Tag::new("ns", b"<ns>", b"</ns>"),
            id: Tag::new("id", b"<id>", b"</id>"),
            redirect: Finder::new(b"<redirect"),
            redirect_title: Finder::new(b"title=\""),
            text: Finder::new(b"<text"),
            text_end: Finder::new(b"</text>"),
            bytes_attr: Finder::new(b"bytes=\""),
            links: true,
        }
    }

    fn chunk(&self, range: Range<usize>, last: bool) -> Result<(PageColumns, Shards), ScanError> {
        let dump = self.dump;
        let mut cols = PageColumns::default();
        let mut reader = if self.links { Reader::for_bytes(range.len()) } else { Reader::default() };
        let mut pos = range.start;
        loop {
            pos += dump[pos..].iter().take_while(|b| b.is_ascii_whitespace()).count();
            if pos >= range.end {
                if last {
                    return err(dump.len(), "the dump ends without </mediawiki>: it is truncated");
                }
                return Ok((cols, reader.into_shards()));
            }
            let rest = &dump[pos..];
            if rest.starts_with(b"<page>") {
                let end = self.page_end(pos)?;
                self.header(pos, end, &mut cols)?;
                self.text(pos, end, &mut cols, &mut reader);
                pos = end + 1;
            } else if last && rest.starts_with(b"</mediawiki>") {
                let tail = pos + b"</mediawiki>".len();
                if let Some(i) = dump[tail..].iter().position(|b| !b.is_ascii_whitespace()) {
                    return err(tail + i, "unexpected bytes after </mediawiki>");
                }
                return Ok((cols, reader.into_shards()));
            } else {
                let found = String::from_utf8_lossy(&rest[..rest.len().min(20)]).into_owned();
                return err(pos, format!("expected <page> or </mediawiki>, found {found:?}"));
            }
        }
    }

    /// The offset of the `>` of the `</page>` closing the page that starts at `start`.
    fn page_end(&self, start: usize) -> Result<usize, ScanError> {
        let dump = self.dump;
        let mut from = start + b"<page>".len();
        loop {
            let Some(i) = self.page.find(&dump[from..]) else {
                return err(start, "this <page> has no </page>: the dump is truncated");
            };
            let at = from + i;
            if dump[..at].ends_with(b"</") {
                return Ok(at + b"page".len());
            }
            if dump[..at].ends_with(b"<") {
                return err(start, format!("this <page> has no </page>: another <page> starts at byte {}", at - 1));
            }
            from = at + b"page>".len();
        }
    }

    /// Reads title, ns, id and redirect from the page at `start..=end` into `cols`.
    fn header(&self, start: usize, end: usize, cols: &mut PageColumns) -> Result<(), ScanError> {
        let page = &self.dump[start..=end];
        let head = &page[..self.revision.find(page).unwrap_or(page.len())];
        let field = |tag: &Tag| -> Result<(usize, &[u8]), ScanError> {
            let name = tag.name;
            let Some(a) = tag.open.find(head).map(|a| a + name.len() + 2) else {
                return err(start, format!("page has no <{name}> before <revision>"));
            };
            let Some(len) = tag.close.find(&head[a..]) else {
                return err(start + a, format!("<{name}> is not closed"));
            };
            Ok((start + a, &head[a..a + len]))
        };
        let (at, raw) = field(&self.title)?;
        let title = unescape(raw)
            .map_err(|e| ScanError { offset: (at + e.offset) as u64, what: format!("in <title>: {}", e.what) })?;
        if title.trim().is_empty() {
            return err(at, "empty <title>");
        }
        let (at, raw) = field(&self.ns)?;
        let ns = parse(raw).ok_or_else(|| ScanError { offset: at as u64, what: "<ns> is not an integer".into() })?;
        let (at, raw) = field(&self.id)?;
        let id = parse(raw)
            .ok_or_else(|| ScanError { offset: at as u64, what: "<id> is not a non-negative integer".into() })?;
        if u32::try_from(id).is_err() {
            let what = format!("<id> {id} is beyond 4294967295: page ids are MediaWiki's `int unsigned`");
            return err(at, what);
        }
        match self.redirect.find(head) {
            Some(r) => {
                let tag_end = memchr::memchr(b'>', &head[r..]).map_or(head.len(), |e| r + e);
                let tag = &head[r..tag_end];
                let target = match self.redirect_title.find(tag) {
                    Some(t) => {
                        let v = r + t + b"title=\"".len();
                        let len = memchr::memchr(b'"', &head[v..tag_end]).ok_or_else(|| ScanError {
                            offset: (start + v) as u64,
                            what: "<redirect title=\"...\"> has no closing quote".into(),
                        })?;
                        unescape(&head[v..v + len]).map_err(|e| ScanError {
                            offset: (start + v + e.offset) as u64,
                            what: format!("in <redirect title>: {}", e.what),
                        })?
                    }
                    None => "".into(),
                };
                cols.redirect.push(&target);
            }
            None => cols.redirect.push_null(),
        }
        cols.title.push(&title);
        cols.ns.push(ns);
        cols.page_id.push(id);
        cols.start.push(start as u64);
        cols.end.push(end as u64);
        Ok(())
    }
}

impl Scanner<'_> {
    /// Reads the rank signals of the page at `start..=end` (whose header is the last row of
    /// `cols`): its text's size and headings, and for an article that is not a redirect, its
    /// links, counted into `links`. A page without a `<text>` element has no text.
    fn text(&self, start: usize, end: usize, cols: &mut PageColumns, reader: &mut Reader) {
        let page = &self.dump[start..=end];
        let (mut size, mut headings, mut disambiguation) = (0, 0, false);
        if let Some(open) = self.text.find(page) {
            let tag_end = memchr::memchr(b'>', &page[open..]).map_or(page.len(), |k| open + k);
            let tag = &page[open..tag_end];
            let bytes_attr = self.bytes_attr.find(tag).and_then(|k| {
                let v = &tag[k + b"bytes=\"".len()..];
                parse::<u64>(&v[..memchr::memchr(b'"', v)?])
            });
            let content = if tag.ends_with(b"/") || tag_end >= page.len() {
                &page[..0]
            } else {
                let body = &page[tag_end + 1..];
                &body[..self.text_end.find(body).unwrap_or(body.len())]
            };
            let s = reader.text(content, bytes_attr);
            (size, headings) = (s.text_bytes, s.headings);
            let row = cols.len() - 1;
            if cols.ns[row] == 0 && !cols.redirect.is_valid(row) {
                if self.links {
                    reader.links(content, signals::title_hash(cols.title.get(row)));
                }
                disambiguation = is_disambiguation(cols.title.get(row), content);
            }
        }
        cols.text_bytes.push(size);
        cols.headings.push(headings);
        cols.disambiguation.push(disambiguation);
    }
}

fn parse<T: std::str::FromStr>(raw: &[u8]) -> Option<T> {
    std::str::from_utf8(raw).ok()?.trim().parse().ok()
}
