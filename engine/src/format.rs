//! File names, the format version, and the checksummed writer every index file goes through.
//!
//! Each file of an index carries its own magic bytes and version (Arrow's `ARROW1`, NumPy's
//! `\x93NUMPY` header, the fst crate's header and version); the manifest records the format
//! version, each file's size and an xxh3-64 checksum computed while the file was written.
//! [`crate::Index::open`] checks magic, version and sizes only; [`crate::Index::verify`] reads every
//! byte and checks the checksums.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};

/// The version of the index layout this build writes. Version 2 added the rank signals to
/// `pages.arrow` and the search files (`search_keys.fst`, `search_order.npy`,
/// `search_weights.npy`, `title_weights.npy`). Version 3 added compressed datasets: the
/// manifest's `compressed` and `streams.npy` (an index without them is laid out as in 2).
/// Version 4 added a compressed dataset's `bz2_start` and `stream_offset` columns; version 5
/// its `stream_sums.npy`. Version 6 leaves a compressed dataset's title-ordered copy and
/// `title_rank.npy` out ([`lean`]). Version 7 added `title_slots.npy`, the hash table of exact
/// titles (an index without it finds exact titles in `titles.fst`). Version 8's slots hold the
/// page's span beside its row, so that serving a page reads no column of the page table.
pub const FORMAT_VERSION: u32 = 8;

/// The oldest layout this build still reads (without what later versions added).
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// Whether this build reads indexes of layout `version`.
pub fn readable(version: u64) -> bool {
    (u64::from(OLDEST_FORMAT_VERSION)..=u64::from(FORMAT_VERSION)).contains(&version)
}

/// Whether an index of layout `version` leaves out the title-ordered copy
/// (`sorted_titles.npy`, `sorted_title_ends.npy`, `sorted_spans.npy`) and `title_rank.npy`: a
/// compressed dataset from version 6 on, whose point is to take little disk. Its listings
/// gather titles and spans from `pages.arrow` through `title_order.npy`, and find a prefix's
/// first rank by binary search over `title_order.npy`.
pub fn lean(version: u32, compressed: bool) -> bool {
    compressed && version >= 6
}

/// The files a [`lean`] index leaves out.
pub const LEFT_OUT_WHEN_LEAN: [&str; 4] =
    [TITLE_RANK_FILE, SORTED_TITLES_FILE, SORTED_TITLE_ENDS_FILE, SORTED_SPANS_FILE];

/// The schema-metadata key that holds the format version of every Arrow file Folio writes
/// (`pages.arrow` and the SQL tables): one name for one fact.
pub const VERSION_KEY: &str = "folio.format_version";

/// The page table: one row per `<page>`, in dump order (Arrow IPC file).
pub const PAGES_FILE: &str = "pages.arrow";
/// Every page's start offset, sorted (NumPy `.npy`, uint64).
pub const OFFSETS_FILE: &str = "offsets.npy";
/// Titles to the row of their first page (fst maps).
pub const TITLES_FILE: &str = "titles.fst";
/// The hash table of distinct titles to rows for exact lookups (NumPy `.npy`, format 7 on:
/// uint32 keys; format 8 on: uint64, two per slot, with the page's span): see
/// [`crate::title_slots`].
pub const TITLE_SLOTS_FILE: &str = "title_slots.npy";
/// Rank in bytewise title order to row (NumPy `.npy`, uint32).
pub const TITLE_ORDER_FILE: &str = "title_order.npy";
/// Row to rank in bytewise title order: the inverse of `title_order.npy` (NumPy `.npy`, uint32).
pub const TITLE_RANK_FILE: &str = "title_rank.npy";
/// Every title's bytes, end to end, in title order (NumPy `.npy`, uint8).
pub const SORTED_TITLES_FILE: &str = "sorted_titles.npy";
/// End offset of each title in `sorted_titles.npy`, by rank in title order (NumPy `.npy`, uint64).
pub const SORTED_TITLE_ENDS_FILE: &str = "sorted_title_ends.npy";
/// `start, end` of each page, by rank in title order (NumPy `.npy`, uint64, two per page).
pub const SORTED_SPANS_FILE: &str = "sorted_spans.npy";
/// Rank in case-folded title order to row (NumPy `.npy`, uint32).
pub const FOLDED_ORDER_FILE: &str = "folded_order.npy";
/// Every distinct search key ([`crate::search_key`]) mapped to its first position in
/// `search_order.npy` (the titles FST container, format 2 on).
pub const SEARCH_KEYS_FILE: &str = "search_keys.fst";
/// Rows sorted by search key, then by weight (highest first), then by row (format 2 on).
pub const SEARCH_ORDER_FILE: &str = "search_order.npy";
/// The suggestion weight of each entry of `search_order.npy` (uint16, format 2 on).
pub const SEARCH_WEIGHTS_FILE: &str = "search_weights.npy";
/// The suggestion weight of each entry of `title_order.npy` (uint16, format 2 on).
pub const TITLE_WEIGHTS_FILE: &str = "title_weights.npy";
/// The rows of the disambiguation pages, ascending (NumPy `.npy`, uint32; written with the
/// suggestion files, absent from indexes built before it).
pub const DISAMBIGUATION_FILE: &str = "disambiguation.npy";
/// For a dataset served from a multistream `.bz2`: each stream's offset in the compressed
/// file and the offset of its first decoded byte in the XML, then a closing row with both
/// sizes (NumPy `.npy`, uint64, two per row; format 3 on).
pub const STREAMS_FILE: &str = "streams.npy";
/// For a dataset served from a multistream `.bz2`: the xxh3-64 of each stream's compressed
/// bytes, so that a read may stop decoding at the page it wants (NumPy `.npy`, uint64, one
/// per stream; format 5 on).
pub const STREAM_SUMS_FILE: &str = "stream_sums.npy";
/// What was built, from what, and the checksums (JSON).
pub const MANIFEST_FILE: &str = "manifest.json";
/// The decompressed dump, when the index was built from a `.bz2`.
pub const DUMP_FILE: &str = "dump.xml";

/// Rows per record batch of `pages.arrow`; row `r` is in batch `r / PAGES_BATCH_ROWS`.
pub const PAGES_BATCH_ROWS: usize = 1 << 20;

/// A writer that counts bytes and computes the xxh3-64 checksum of everything written through it.
pub struct ChecksumWriter<W> {
    inner: W,
    hash: Xxh3,
    len: u64,
}

impl<W: Write> ChecksumWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        ChecksumWriter { inner, hash: Xxh3::new(), len: 0 }
    }

    /// Bytes written so far and their checksum.
    pub fn summary(&self) -> (u64, u64) {
        (self.len, self.hash.digest())
    }

    /// The wrapped writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for ChecksumWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Size and checksum of one written file, as recorded in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileSum {
    /// Length in bytes.
    pub bytes: u64,
    /// xxh3-64 of the whole file, as 16 hex digits.
    #[serde(with = "hex_u64")]
    pub xxh3: u64,
}

/// Creates `path`, hands a buffered checksumming writer to `body`, and flushes. The data is not
/// yet durable: call [`sync_file`] before publishing (the index writer syncs all its files at
/// once, in parallel, when it finishes).
pub fn write_file(
    path: &Path,
    body: impl FnOnce(&mut ChecksumWriter<BufWriter<File>>) -> Result<()>,
) -> Result<FileSum> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = ChecksumWriter::new(BufWriter::with_capacity(1 << 20, file));
    body(&mut w)?;
    w.flush().map_err(|e| Error::io(path, e))?;
    let (bytes, xxh3) = w.summary();
    Ok(FileSum { bytes, xxh3 })
}

/// fsyncs the file at `path`.
pub fn sync_file(path: &Path) -> Result<()> {
    File::open(path).and_then(|f| f.sync_all()).map_err(|e| Error::io(path, e))
}

/// Reads `path` from start to end and returns its size and checksum.
pub fn checksum_file(path: &Path) -> Result<FileSum> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hash = Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(FileSum { bytes, xxh3: hash.digest() })
}

/// Checks `path` against its recorded size and checksum.
pub fn verify_file(path: &Path, expected: FileSum) -> Result<()> {
    let found = checksum_file(path)?;
    if found.bytes != expected.bytes {
        return Err(Error::Size { path: path.into(), expected: expected.bytes, found: found.bytes });
    }
    if found.xxh3 != expected.xxh3 {
        return Err(Error::Checksum { path: path.into(), expected: expected.xxh3, found: found.xxh3 });
    }
    Ok(())
}

/// Checks that `path` exists and has the recorded size, without reading it.
pub fn check_size(path: &Path, expected: u64) -> Result<()> {
    let found = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    if found != expected {
        return Err(Error::Size { path: path.into(), expected, found });
    }
    Ok(())
}

/// Serde helpers writing a `u64` as 16 hex digits (JSON numbers lose precision above 2^53).
pub(crate) mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
    }
}
