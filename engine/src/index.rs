//! [`Index`]: an opened index directory and the dump it points into.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::dump::PageBytes;
use crate::error::{Error, Result};
use crate::format::{self, FileSum};
use crate::manifest::{Manifest, fingerprint};
use crate::npy::NpyArray;
use crate::pages::PageTable;
use crate::recently_cached::RecentlyCached;
use crate::sys::lease::Lease;
use crate::sys::mmap::Mmap;
use crate::title_fst::Titles;
use crate::title_slots::TitleSlots;

/// One page's row of the page table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page<'a> {
    /// Row in `pages.arrow` (dump order).
    pub row: u32,
    /// MediaWiki page id.
    pub page_id: u64,
    /// Namespace number.
    pub ns: i32,
    /// Title, unescaped.
    pub title: &'a str,
    /// Redirect target, unescaped, for a redirect page.
    pub redirect: Option<&'a str>,
    /// Byte offset of the `<` of `<page>`.
    pub start: u64,
    /// Byte offset of the `>` of `</page>`, inclusive.
    pub end: u64,
}

impl Page<'_> {
    /// Length of the page's XML in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    /// Always false: a page holds at least `<page></page>`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Where the page's XML lies, with its title.
    pub fn span(&self) -> PageSpan<'_> {
        PageSpan { row: self.row, title: Cow::Borrowed(self.title), start: self.start, end: self.end }
    }
}

/// Where a page's XML lies and the title its `<title>` carries: what serving a page's bytes
/// needs, and no more of its row ([`Index::find_span`] reads two columns of the page table,
/// [`Index::page`] all of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSpan<'t> {
    /// Row in `pages.arrow` (dump order).
    pub row: u32,
    /// Title, unescaped: the key it was found by.
    pub title: Cow<'t, str>,
    /// Byte offset of the `<` of `<page>`.
    pub start: u64,
    /// Byte offset of the `>` of `</page>`, inclusive.
    pub end: u64,
}

impl PageSpan<'_> {
    /// The same span, owning its title (to move it to another thread).
    pub fn into_owned(self) -> PageSpan<'static> {
        PageSpan { title: Cow::Owned(self.title.into_owned()), ..self }
    }
}

/// The title-ordered copy of every title and span (`sorted_titles.npy`,
/// `sorted_title_ends.npy`, `sorted_spans.npy`): a listing is one sequential read.
pub(crate) struct SortedCopy {
    pub(crate) titles: NpyArray<u8>,
    pub(crate) ends: NpyArray<u64>,
    pub(crate) spans: NpyArray<u64>,
}

/// An index directory, memory-mapped, with the dump it points into.
///
/// Opening costs the same on a 100 GB dump as on a small one; queries read the maps in place.
/// `Index` is `Send + Sync`: share one `Arc<Index>` between threads.
pub struct Index {
    pub(crate) dir: PathBuf,
    pub(crate) manifest: Manifest,
    /// This build's id: the hash of its manifest.
    id: String,
    pub(crate) pages: PageTable,
    pub(crate) offsets: NpyArray<u64>,
    pub(crate) titles: Titles,
    /// Exact titles to rows in one probe (format 7 on; before, `titles` answers them).
    pub(crate) title_slots: Option<TitleSlots>,
    pub(crate) title_order: NpyArray<u32>,
    /// Absent from a compressed dataset (format 6 on): ranks are then found by binary search.
    pub(crate) title_rank: Option<NpyArray<u32>>,
    pub(crate) folded_order: NpyArray<u32>,
    /// Absent from a compressed dataset (format 6 on): its listings gather titles and spans
    /// from the page table.
    pub(crate) sorted: Option<SortedCopy>,
    /// The dump file as it is on disk: the XML, or the multistream `.bz2` of a compressed
    /// dataset.
    pub(crate) dump: Mmap,
    /// Pages of a plain dump found in the page cache a moment ago ([`Index::holds`]).
    recently_cached: RecentlyCached,
    pub(crate) dump_path: PathBuf,
    /// For a compressed dataset: its streams and the cache of decoded ones.
    pub(crate) streams: Option<crate::dump::Multistream>,
    /// The wiki the dump's `<siteinfo>` names.
    site: crate::Site,
    /// The suggestion files (format 2 on).
    pub(crate) search: Option<crate::search::SearchFiles>,
    /// The full-text index, when one was built.
    pub(crate) fulltext: Option<crate::fulltext::FullText>,
    /// The dump as opened, to notice a truncation or rewrite while it is mapped.
    dump_file: std::fs::File,
    /// A read lease on the dump, when the kernel grants one: no writer can touch the dump
    /// without [`Lease::intact`] turning false first.
    dump_lease: Option<Lease>,
    dump_mtime: Option<std::time::SystemTime>,
    /// Why the dump is known to have changed, once a check found it (it never changes back).
    dump_changed: std::sync::OnceLock<String>,
}

/// How [`Index::open_with`] opens an index.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// For a compressed dataset: the most bytes of decoded streams kept in memory.
    pub stream_cache: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { stream_cache: crate::dump::DEFAULT_STREAM_CACHE }
    }
}

impl Index {
    /// Opens the index in `dir` with the default [`OpenOptions`]: reads the manifest, checks
    /// each file's magic, version and size, maps everything, and checks that the dump still
    /// matches the manifest (size and fingerprint; for a compressed dataset, the `.bz2`'s, and
    /// the stream table's first and last rows). It reads no more than a few MiB whatever the
    /// dump's size; [`Index::verify`] checks every byte.
    pub fn open(dir: impl AsRef<Path>) -> Result<Index> {
        Index::open_with(dir, OpenOptions::default())
    }

    /// Opens the index in `dir` (see [`Index::open`]).
    pub fn open_with(dir: impl AsRef<Path>, options: OpenOptions) -> Result<Index> {
        let dir = dir.as_ref();
        let (manifest, id) = Manifest::read_with_id(&dir.join(format::MANIFEST_FILE))?;
        let file = |name: &str| -> Result<PathBuf> {
            let path = dir.join(name);
            let sum: &FileSum = manifest
                .files
                .get(name)
                .ok_or_else(|| Error::corrupt(dir.join(format::MANIFEST_FILE), format!("no entry for {name}")))?;
            format::check_size(&path, sum.bytes)?;
            Ok(path)
        };
        let pages = PageTable::open(&file(format::PAGES_FILE)?)?;
        let offsets = NpyArray::<u64>::open(&file(format::OFFSETS_FILE)?)?;
        let titles = Titles::open(&file(format::TITLES_FILE)?)?;
        let rows = manifest.counts.pages;
        let title_slots = match manifest.format_version {
            ..7 => None,
            7 => Some(TitleSlots::keys(NpyArray::open(&file(format::TITLE_SLOTS_FILE)?)?, rows)?),
            _ => Some(TitleSlots::spans(NpyArray::open(&file(format::TITLE_SLOTS_FILE)?)?, rows)?),
        };
        let title_order = NpyArray::<u32>::open(&file(format::TITLE_ORDER_FILE)?)?;
        let folded_order = NpyArray::<u32>::open(&file(format::FOLDED_ORDER_FILE)?)?;
        let lean = format::lean(manifest.format_version, manifest.compressed.is_some());
        let (title_rank, sorted) = match lean {
            true => (None, None),
            false => {
                let title_rank = NpyArray::<u32>::open(&file(format::TITLE_RANK_FILE)?)?;
                let sorted = SortedCopy {
                    titles: NpyArray::<u8>::open(&file(format::SORTED_TITLES_FILE)?)?,
                    ends: NpyArray::<u64>::open(&file(format::SORTED_TITLE_ENDS_FILE)?)?,
                    spans: NpyArray::<u64>::open(&file(format::SORTED_SPANS_FILE)?)?,
                };
                (Some(title_rank), Some(sorted))
            }
        };

        let n = manifest.counts.pages as usize;
        let mut lengths = vec![
            (pages.path(), pages.len()),
            (offsets.path(), offsets.as_slice().len()),
            (title_order.path(), title_order.as_slice().len()),
            (folded_order.path(), folded_order.as_slice().len()),
        ];
        if let (Some(title_rank), Some(sorted)) = (&title_rank, &sorted) {
            lengths.push((title_rank.path(), title_rank.as_slice().len()));
            lengths.push((sorted.ends.path(), sorted.ends.as_slice().len()));
            lengths.push((sorted.spans.path(), sorted.spans.as_slice().len() / 2));
            let title_bytes = sorted.ends.as_slice().last().copied().unwrap_or(0);
            if sorted.spans.as_slice().len() % 2 != 0 || title_bytes != sorted.titles.as_slice().len() as u64 {
                let what = "the title-ordered copy does not add up".to_string();
                return Err(Error::corrupt(sorted.titles.path(), what));
            }
        }
        for (path, len) in lengths {
            if len != n {
                return Err(Error::corrupt(path, format!("{len} rows, the manifest counts {n} pages")));
            }
        }
        if titles.len() as u64 != manifest.counts.distinct_titles {
            let what = format!("{} titles, the manifest counts {}", titles.len(), manifest.counts.distinct_titles);
            return Err(Error::corrupt(dir.join(format::TITLES_FILE), what));
        }

        let dump_path = manifest.dump_path(dir);
        let dump_file = std::fs::File::open(&dump_path).map_err(|e| Error::io(&dump_path, e))?;
        // Taken before the size and mtime are read: a write after this point breaks it.
        let dump_lease = Lease::take(&dump_file);
        let dump_mtime = dump_file.metadata().and_then(|m| m.modified()).ok();
        let dump = Mmap::from_file(&dump_file, &dump_path)?;
        // The file on disk: the XML, or the compressed file its streams decode to the XML from.
        let (bytes, print) = match &manifest.compressed {
            Some(c) => (c.bytes, c.fingerprint),
            None => (manifest.dump.bytes, manifest.dump.fingerprint),
        };
        if dump.len() as u64 != bytes {
            let what = format!("{} bytes, the index expects {bytes}", dump.len());
            return Err(Error::DumpChanged { path: dump_path, what });
        }
        if fingerprint(&dump) != print {
            let what = "its first or last MiB changed".to_string();
            return Err(Error::DumpChanged { path: dump_path, what });
        }
        dump.advise_random();
        let streams = match &manifest.compressed {
            Some(c) => {
                let sums = match manifest.files.contains_key(format::STREAM_SUMS_FILE) {
                    true => Some(file(format::STREAM_SUMS_FILE)?),
                    false => None,
                };
                let table = crate::dump::StreamTable::open(
                    &file(format::STREAMS_FILE)?,
                    sums.as_deref(),
                    c.streams,
                    c.bytes,
                    manifest.dump.bytes,
                )?;
                Some(crate::dump::Multistream::new(table, dump_path.clone(), options.stream_cache))
            }
            None => None,
        };
        let search = crate::search::SearchFiles::open(dir, &manifest, n)?;
        let fulltext = crate::fulltext::FullText::open(dir, &manifest)?;
        if search.is_some() {
            crate::search::warm();
        }
        let mut index = Index {
            site: crate::Site::default(),
            search,
            fulltext,
            dir: dir.into(),
            id: format!("{id:016x}"),
            manifest,
            pages,
            offsets,
            titles,
            title_slots,
            title_order,
            title_rank,
            folded_order,
            sorted,
            recently_cached: RecentlyCached::new(if streams.is_some() { 0 } else { dump.len() }),
            dump,
            dump_path,
            dump_file,
            dump_lease,
            dump_mtime,
            dump_changed: std::sync::OnceLock::new(),
            streams,
        };
        // The `<siteinfo>` header: for a compressed dump, in its first stream only.
        let limit = match &index.streams {
            Some(m) => m.table().decoded(0).end,
            None => index.dump_len(),
        };
        let end = limit.min(crate::site::HEADER_LIMIT as u64);
        if end > 0 {
            index.site = crate::Site::from_header(&index.read(0, end)?);
        }
        Ok(index)
    }

    /// Checks that the dump is still the file this index was opened over: the same size and
    /// mtime, and no read of the map faulted because the file shrank. Costs an atomic load while
    /// the index holds its read lease on the dump (nobody has opened it for writing or
    /// truncated it since it was opened; see [`Index::dump_leased`]), one `fstat` once the
    /// lease is broken or where the kernel refused it.
    ///
    /// Call it after reading page bytes and before declaring them served: a dump truncated or
    /// rewritten in place while the server runs makes this fail with [`Error::DumpChanged`]
    /// (the `SIGBUS` of the lost tail is absorbed by [`Mmap`]'s guard and reads as zeros), so
    /// wrong bytes are never passed off as a page. A dump replaced by a rename is no change: the
    /// map keeps the old file, which is the one the index describes. Once it has failed, it
    /// fails for good, and so does [`Index::check_dump_known`].
    pub fn check_dump(&self) -> Result<()> {
        self.check_dump_known()?;
        if self.dump_lease.as_ref().is_some_and(Lease::intact) {
            return Ok(());
        }
        let meta = self.dump_file.metadata().map_err(|e| Error::io(&self.dump_path, e))?;
        let expected = self.manifest.compressed.as_ref().map_or(self.manifest.dump.bytes, |c| c.bytes);
        if meta.len() != expected {
            return self.dump_changed(format!("it is now {} bytes, the index expects {expected}", meta.len()));
        }
        if meta.modified().ok() != self.dump_mtime {
            return self.dump_changed("it was modified after the server opened it".into());
        }
        Ok(())
    }

    /// The part of [`Index::check_dump`] that costs no system call: whether a check already
    /// found the dump changed, or a read of it faulted. For the start of a request; the full
    /// check belongs after its bytes were read.
    pub fn check_dump_known(&self) -> Result<()> {
        if let Some(what) = self.dump_changed.get() {
            return Err(Error::DumpChanged { path: self.dump_path.clone(), what: what.clone() });
        }
        if self.dump.faults() > 0 {
            return self.dump_changed("it shrank while being served (reads past its new end faulted)".into());
        }
        Ok(())
    }

    fn dump_changed(&self, what: String) -> Result<()> {
        let what = self.dump_changed.get_or_init(|| what);
        Err(Error::DumpChanged { path: self.dump_path.clone(), what: what.clone() })
    }

    /// Whether [`Index::check_dump`] still rests on a lease on the dump (no system call per
    /// check), rather than an `fstat` of it.
    pub fn dump_leased(&self) -> bool {
        self.dump_lease.as_ref().is_some_and(Lease::intact)
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This build of the index, as 16 hex digits (the xxh3-64 of its manifest): it changes
    /// with every build, even of the same dump, so answers can say which index served them.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The manifest: counts, dump, files.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The wiki the dump comes from, as its `<siteinfo>` header names it.
    pub fn site(&self) -> &crate::Site {
        &self.site
    }

    /// Number of pages.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// True when the dump has no pages.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The dump file as mapped: the XML, or the `.bz2` of a compressed dataset (see
    /// [`Index::read`] for the XML's bytes).
    pub fn dump(&self) -> &Mmap {
        &self.dump
    }

    /// Size of the XML in bytes (for a compressed dataset, of the XML its streams decode to).
    pub fn dump_len(&self) -> u64 {
        self.manifest.dump.bytes
    }

    /// For a compressed dataset, its streams and their cache.
    pub fn multistream(&self) -> Option<&crate::dump::Multistream> {
        self.streams.as_ref()
    }

    /// The dump's path.
    pub fn dump_path(&self) -> &Path {
        &self.dump_path
    }

    /// The mapped page table (for readers that want its columns).
    pub fn page_table(&self) -> &PageTable {
        &self.pages
    }

    /// The page in row `row` (dump order).
    pub fn page(&self, row: usize) -> Result<Page<'_>> {
        self.pages.page(row)
    }

    /// The page titled exactly `title` (bytewise, case-sensitive). When a title occurs on more
    /// than one page, this is the first of them in dump order.
    pub fn get(&self, title: &str) -> Result<Option<Page<'_>>> {
        match self.row_of(title)? {
            Some(row) => self.page(row as usize).map(Some),
            None => Ok(None),
        }
    }

    /// The row of the page titled exactly `title` (the first in dump order): the cheapest lookup,
    /// for callers that need only the page's bytes ([`Index::row_bytes`]). The row's title in
    /// the page table is checked against `title`, so a damaged `titles.fst` or `title_slots.npy`
    /// is an error, never another page: `title_slots.npy`'s probe confirms each candidate there,
    /// a row from `titles.fst` is checked after against the page table. A title the table
    /// misses is looked up in the FST, so that even a damaged table hides no page.
    pub fn row_of(&self, title: &str) -> Result<Option<u32>> {
        if let Some(slots) = &self.title_slots
            && let Some(found) = slots.get(title.as_bytes(), |c| self.row_titled(c.row, title))?
        {
            return Ok(Some(found.row));
        }
        self.fst_row(title)?.map(|row| self.check_row_title(row, title).map(|()| row)).transpose()
    }

    /// Whether the page table's title of `row` is `title`.
    pub(crate) fn row_titled(&self, row: u32, title: &str) -> Result<bool> {
        Ok(self.pages.title_bytes(row as usize)? == title.as_bytes())
    }

    /// The row `titles.fst` gives for `title`, unchecked.
    pub(crate) fn fst_row(&self, title: &str) -> Result<Option<u32>> {
        let Some(row) = self.titles.get(title.as_bytes()) else { return Ok(None) };
        u32::try_from(row).map(Some).map_err(|_| self.fst_mismatch(title, row))
    }

    /// Fails unless the page table's title of `row` is `title`.
    pub(crate) fn check_row_title(&self, row: u32, title: &str) -> Result<()> {
        match self.pages.title_bytes(row as usize) {
            Ok(t) if t == title.as_bytes() => Ok(()),
            _ => Err(self.fst_mismatch(title, u64::from(row))),
        }
    }

    fn fst_mismatch(&self, title: &str, row: u64) -> Error {
        Error::corrupt(
            self.dir.join(format::TITLES_FILE),
            format!("it maps {title:?} to row {row}, which holds another title; run folio-ingest verify"),
        )
    }

    /// The XML of the page in `row`, checked as [`Index::page_bytes`] checks it.
    pub fn row_bytes(&self, row: u32) -> Result<PageBytes> {
        self.page_bytes(&self.page(row as usize)?)
    }

    /// The rank in title order of `row`, or `None` when the index has no `title_rank.npy`.
    pub(crate) fn title_rank(&self, row: u64) -> Option<Result<usize>> {
        let ranks = self.title_rank.as_ref()?;
        let rank = usize::try_from(row).ok().and_then(|r| ranks.as_slice().get(r));
        Some(rank.map(|&r| r as usize).ok_or_else(|| Error::corrupt(ranks.path(), format!("row {row} out of range"))))
    }

    pub(crate) fn order(&self, case: crate::Case) -> &NpyArray<u32> {
        match case {
            crate::Case::Sensitive => &self.title_order,
            crate::Case::Insensitive => &self.folded_order,
        }
    }

    /// The page whose bytes contain dump offset `offset`, if any (`None` between pages, in the
    /// `<siteinfo>` header, or past the end).
    pub fn page_at_offset(&self, offset: u64) -> Result<Option<Page<'_>>> {
        let starts = self.offsets.as_slice();
        let k = starts.partition_point(|&s| s <= offset);
        if k == 0 {
            return Ok(None);
        }
        let page = self.page(k - 1)?;
        Ok((offset <= page.end).then_some(page))
    }

    /// The XML of `page`, without a copy (a slice of the mapped dump, or of its decoded bz2
    /// stream): checked to be one `<page>` element whose `<title>` is the page's title, so a
    /// damaged page table is an error, never wrong bytes. Fails with [`Error::DumpChanged`] when
    /// [`Index::check_dump_known`] does, or when the bytes are wrong because the dump changed;
    /// call [`Index::check_dump`] once they are read (the server does it before the answer's
    /// last byte). On a compressed dataset, a damaged stream is [`Error::DumpDamaged`].
    pub fn page_bytes(&self, page: &Page<'_>) -> Result<PageBytes> {
        self.span_bytes(&page.span())
    }

    /// The XML at `span`, checked as [`Index::page_bytes`] checks a page: its `<title>` is
    /// `span.title`, so a damaged `titles.fst` or page table is an error, never another page.
    pub fn span_bytes(&self, span: &PageSpan<'_>) -> Result<PageBytes> {
        let bytes = self.read(span.start, span.end.saturating_add(1))?;
        if !crate::page_check::is_page_titled(&bytes, &span.title) {
            // Wrong bytes: a dump changed under the map, or else a damaged page table or FST.
            self.check_dump()?;
            let what = format!(
                "row {} points at bytes {}-{} of the dump, which are not the page {:?}; run folio-ingest verify",
                span.row, span.start, span.end, span.title
            );
            return Err(Error::corrupt(self.dir.join(format::PAGES_FILE), what));
        }
        Ok(bytes)
    }

    /// Bytes `start..end` (end exclusive) of the XML: a slice of the mapped dump, or of a
    /// compressed dataset's decoded streams (at most [`crate::dump::MAX_READ_STREAMS`] of them; decoding a
    /// stream takes milliseconds: see [`Index::holds`]). Fails with [`Error::DumpChanged`] when
    /// [`Index::check_dump_known`] does or the range is past the end of the dump file; call
    /// [`Index::check_dump`] once the bytes are read.
    pub fn read(&self, start: u64, end: u64) -> Result<PageBytes> {
        self.check_dump_known()?;
        if let Some(streams) = &self.streams {
            if end > self.dump_len() || start > end {
                let what = format!("bytes {start}-{end} are past the end of its {} bytes of XML", self.dump_len());
                return Err(Error::DumpChanged { path: self.dump_path.clone(), what });
            }
            if start == end {
                return Ok(PageBytes::Decoded(bytes::Bytes::new()));
            }
            return streams
                .read(&self.dump, start..end, crate::dump::MAX_READ_STREAMS)
                .map_err(|e| self.damage_or_change(e));
        }
        let slice = usize::try_from(start).ok().zip(usize::try_from(end).ok()).and_then(|(s, e)| self.dump.slice(s..e));
        slice.map(PageBytes::Mapped).ok_or_else(|| {
            let what = format!("bytes {start}-{end} are past its end");
            Error::DumpChanged { path: self.dump_path.clone(), what }
        })
    }

    /// Whether [`Index::read`] of `start..end` is served from memory, without waiting for a
    /// disk: for a plain dump, when its pages are in the page cache ([`Mmap::resident`]: one
    /// `cachestat(2)`, or one `mincore(2)` per MiB), or were found there within the last few
    /// seconds ([`crate::recently_cached`]: no system call); for a compressed one, when its
    /// streams are decoded in the stream cache. When not, read it where blocking is allowed,
    /// after [`Index::prefetch`].
    pub fn holds(&self, start: u64, end: u64) -> bool {
        if start >= end {
            return true;
        }
        if let Some(s) = &self.streams {
            return s.holds(start..end);
        }
        let (Ok(s), Ok(e)) = (usize::try_from(start), usize::try_from(end)) else { return false };
        let window = crate::recently_cached::window_of(crate::clock::coarse_unix_seconds());
        if self.recently_cached.all(s..e, window) {
            return true;
        }
        let held = self.dump.resident(s..e);
        if held {
            self.recently_cached.note(s..e, window);
        }
        held
    }

    /// Brings `start..end` of a plain dump into memory (one read-ahead request, then a read of
    /// each page): the disk reads happen here, on the calling thread, not later where the bytes
    /// are sent. Blocks; a compressed dataset's streams are decoded by [`Index::read`] instead.
    pub fn prefetch(&self, start: u64, end: u64) {
        if self.streams.is_none()
            && let (Ok(s), Ok(e)) = (usize::try_from(start), usize::try_from(end))
        {
            self.dump.fault_in(s..e);
        }
    }

    /// A stream that did not decode is damaged, unless the file changed under the map.
    fn damage_or_change(&self, e: Error) -> Error {
        match e {
            Error::DumpDamaged { .. } => self.check_dump().err().unwrap_or(e),
            e => e,
        }
    }
}
