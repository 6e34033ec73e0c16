//! Where a page's bytes come from: the XML dump mapped in place, or a multistream `.bz2` whose
//! streams are decoded on demand ([`Multistream`]), so that a 24 GB compressed dump is served
//! without its 100 GB of XML on disk.
//!
//! Either way, pages are addressed by their offsets in the XML (`start` and `end` of the page
//! table): in a compressed dataset they are offsets in the XML the streams decode to, as if it
//! existed. [`StreamTable`] says which stream holds an offset; [`StreamCache`] keeps decoded
//! streams, bounded in bytes; [`PageBytes`] is what a read gives, a slice of the map or of a
//! decoded stream, without a copy in both cases.

mod cache;
mod streams;

use std::io::Read;
use std::ops::Range;
use std::path::PathBuf;

use bytes::Bytes;

pub use cache::{CacheStats, StreamCache};
pub use streams::StreamTable;

use crate::error::{Error, Result};
use crate::sys::mmap::{Mmap, MmapSlice};

/// The most bz2 streams one [`crate::Index::read`] of a compressed dataset decodes.
pub const MAX_READ_STREAMS: usize = 64;

/// The default bound of the decoded-stream cache (`--stream-cache`): 256 MiB.
pub const DEFAULT_STREAM_CACHE: u64 = 256 << 20;

/// Bytes of the XML: a slice of the mapped dump, or of a decoded stream (or, for a range over
/// several streams, their bytes joined).
#[derive(Clone)]
pub enum PageBytes {
    /// A slice of the mapped XML dump.
    Mapped(MmapSlice),
    /// Decoded bytes of a compressed dump.
    Decoded(Bytes),
}

impl std::ops::Deref for PageBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            PageBytes::Mapped(m) => m,
            PageBytes::Decoded(b) => b,
        }
    }
}

impl AsRef<[u8]> for PageBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for PageBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if matches!(self, PageBytes::Mapped(_)) { "mapped" } else { "decoded" };
        write!(f, "PageBytes({kind}, {} bytes)", self.len())
    }
}

/// Decodes the bz2 stream at the start of `bz2` (its `BZh` header), stopping at its end or
/// once `want` bytes are out; `capacity` is the expected size. The stream's CRCs are checked
/// by the decoder as it goes, a block's once the whole block is out: bytes of a block cut short
/// are checked only by the stream's sum ([`StreamTable::sum`]), which is why reads stop early
/// only in indexes that have one.
pub fn decode_stream(bz2: &[u8], want: usize, capacity: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(capacity.min(want));
    let decoder = bzip2::read::BzDecoder::new(bz2);
    decoder.take(want as u64).read_to_end(&mut out)?;
    Ok(out)
}

/// A compressed dump served in place: its stream table and the cache of decoded streams.
pub struct Multistream {
    table: StreamTable,
    cache: StreamCache,
    /// The `.bz2`, for errors.
    path: PathBuf,
}

impl Multistream {
    /// Serves the `.bz2` at `path` through `table`, keeping up to `cache_bytes` decoded.
    pub fn new(table: StreamTable, path: PathBuf, cache_bytes: u64) -> Multistream {
        Multistream { table, cache: StreamCache::new(cache_bytes), path }
    }

    /// The stream table.
    pub fn table(&self) -> &StreamTable {
        &self.table
    }

    /// What the cache of decoded streams did.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// Bytes `range` of the XML, decoding the streams that hold them (at most `max_streams`
    /// of them, else [`Error::InvalidInput`]). Within one stream the answer is a slice of its
    /// decoded bytes; across several, a copy. A stream with a recorded sum is decoded up to the
    /// range's end only, the first time it is read (most of a page read's cost is the decoding
    /// of its stream, and a page lies halfway into it on average); a later read past what was
    /// decoded decodes it whole.
    pub fn read(&self, bz2: &Mmap, range: Range<u64>, max_streams: usize) -> Result<PageBytes> {
        let (first, last) = self.streams_of(&range)?;
        if last - first >= max_streams {
            return Err(Error::InvalidInput(format!(
                "bytes {}-{} of the XML lie in {} bz2 streams; one read decodes at most {max_streams}",
                range.start,
                range.end - 1,
                last - first + 1
            )));
        }
        let within = |k: usize| {
            let span = self.table.decoded(k);
            let (lo, hi) = (range.start.max(span.start) - span.start, range.end.min(span.end) - span.start);
            (lo as usize, hi as usize)
        };
        if first == last {
            let (lo, hi) = within(first);
            return Ok(PageBytes::Decoded(self.stream(bz2, first, hi)?.slice(lo..hi)));
        }
        let mut out = Vec::with_capacity((range.end - range.start) as usize);
        for k in first..=last {
            let (lo, hi) = within(k);
            out.extend_from_slice(&self.stream(bz2, k, hi)?[lo..hi]);
        }
        Ok(PageBytes::Decoded(Bytes::from(out)))
    }

    /// Whether [`Multistream::read`] of `range` would decode nothing: its bytes are in memory.
    pub fn holds(&self, range: Range<u64>) -> bool {
        let Ok((first, last)) = self.streams_of(&range) else { return true };
        (first..=last).all(|k| {
            let span = self.table.decoded(k);
            self.cache.holds(k as u32, (range.end.min(span.end) - span.start) as usize)
        })
    }

    /// Stream `k` decoded whole, without the cache, checked to be as long as the table says
    /// (for verification: its sum, when the index has one, and every block's CRC and the
    /// stream's are checked on the way).
    pub fn decode_whole(&self, bz2: &Mmap, k: usize) -> Result<Bytes> {
        self.decode(bz2, k, self.whole(k))
    }

    /// The first and last streams holding `range` (not empty, inside the XML).
    fn streams_of(&self, range: &Range<u64>) -> Result<(usize, usize)> {
        let outside = || Error::InvalidInput(format!("bytes {}-{} are not inside the XML", range.start, range.end));
        if range.is_empty() {
            return Err(outside());
        }
        let first = self.table.locate(range.start).ok_or_else(outside)?;
        let last = self.table.locate(range.end - 1).ok_or_else(outside)?;
        Ok((first, last))
    }

    /// Bytes of XML stream `k` decodes to.
    fn whole(&self, k: usize) -> usize {
        let decoded = self.table.decoded(k);
        (decoded.end - decoded.start) as usize
    }

    /// At least the first `need` decoded bytes of stream `k`: from the cache, or decoded (up
    /// to `need` the first time when the stream has a sum, whole otherwise).
    fn stream(&self, bz2: &Mmap, k: usize, need: usize) -> Result<Bytes> {
        let whole = self.whole(k);
        let first = if self.table.sum(k).is_some() { need } else { whole };
        self.cache.get(k as u32, need, |again| self.decode(bz2, k, if again { whole } else { first }))
    }

    /// The first `want` bytes of stream `k` (`want` at most its length). A stream whose bytes
    /// do not hash to its recorded sum, that does not decode, or that decodes to fewer bytes
    /// than wanted (or, decoded whole, to other than the table's length) is damaged.
    fn decode(&self, bz2: &Mmap, k: usize, want: usize) -> Result<Bytes> {
        let compressed = self.table.compressed(k);
        let whole = self.whole(k);
        let input = bz2.get(compressed.start as usize..compressed.end as usize).unwrap_or_default();
        let damaged = |what: String| Error::DumpDamaged { path: self.path.clone(), offset: compressed.start, what };
        if let Some(sum) = self.table.sum(k)
            && xxhash_rust::xxh3::xxh3_64(input) != sum
        {
            return Err(damaged(format!(
                "its {} bytes do not have the checksum the build recorded: the .bz2 is not the one indexed, or is damaged",
                input.len()
            )));
        }
        // Decoded whole: up to one byte more than the table's length, as a longer stream is as
        // wrong as a shorter.
        let limit = if want >= whole { whole + 1 } else { want };
        let out = decode_stream(input, limit, want).map_err(|e| damaged(format!("it does not decode: {e}")))?;
        if out.len() != want.min(whole) {
            return Err(damaged(format!(
                "it decodes to {}{} bytes, the index expects {whole}: the .bz2 is not the one indexed, or is damaged",
                if out.len() > whole { "more than " } else { "" },
                out.len().min(whole)
            )));
        }
        Ok(Bytes::from(out))
    }
}
