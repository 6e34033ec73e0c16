//! [`StreamTable`]: where each bz2 stream of a multistream dump lies, in the compressed file and
//! in the XML it decodes to (`streams.npy`), and the checksum of its compressed bytes
//! (`stream_sums.npy`, format 5 on).

use std::ops::Range;
use std::path::Path;

use crate::error::{Error, Result};
use crate::npy::NpyArray;

/// The streams of a multistream `.bz2`, in file order: for stream `k`, the byte offset where it
/// starts in the compressed file and the offset of its first decoded byte in the XML. A last
/// row closes the table: the compressed file's size and the XML's size. Stored as `streams.npy`
/// (uint64, two per row, `n + 1` rows for `n` streams).
pub struct StreamTable {
    rows: NpyArray<u64>,
    /// xxh3-64 of each stream's compressed bytes (format 5 on; `None` in formats 3 and 4).
    sums: Option<NpyArray<u64>>,
}

impl StreamTable {
    /// Maps `path` and checks its shape against what the manifest says: `streams` streams, a
    /// compressed file of `bz2_bytes` and XML of `xml_bytes`, both columns starting at zero.
    /// `sums` is `stream_sums.npy`, when the index has it: one value per stream. Cheap (reads
    /// the first and last rows); [`StreamTable::check_order`] reads every row.
    pub fn open(path: &Path, sums: Option<&Path>, streams: u64, bz2_bytes: u64, xml_bytes: u64) -> Result<StreamTable> {
        let rows = NpyArray::<u64>::open(path)?;
        let sums = sums.map(NpyArray::<u64>::open).transpose()?;
        if let Some(sums) = &sums
            && sums.as_slice().len() as u64 != streams
        {
            let what = format!("{} checksums, the manifest counts {streams} streams", sums.as_slice().len());
            return Err(Error::corrupt(sums.path(), what));
        }
        let table = StreamTable { rows, sums };
        let flat = table.rows.as_slice();
        if flat.len() as u64 != 2 * (streams + 1) {
            let what = format!(
                "{} values, the manifest counts {streams} streams (two values per stream, plus two)",
                flat.len()
            );
            return Err(Error::corrupt(path, what));
        }
        if flat[..2] != [0, 0] || flat[flat.len() - 2..] != [bz2_bytes, xml_bytes] {
            let what = format!(
                "its first and last rows do not span the {bz2_bytes}-byte .bz2 and its {xml_bytes} bytes of XML"
            );
            return Err(Error::corrupt(path, what));
        }
        Ok(table)
    }

    /// Checks that both columns increase strictly from row to row (every stream holds bytes).
    pub fn check_order(&self) -> Result<()> {
        let flat = self.rows.as_slice();
        for k in 1..self.len() + 1 {
            if flat[2 * k] <= flat[2 * k - 2] || flat[2 * k + 1] <= flat[2 * k - 1] {
                return Err(Error::corrupt(self.rows.path(), format!("row {k} does not come after row {}", k - 1)));
            }
        }
        Ok(())
    }

    /// Number of streams.
    pub fn len(&self) -> usize {
        self.rows.as_slice().len() / 2 - 1
    }

    /// True when the dump has no stream (never, for a table that opened).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of stream `k` in the compressed file.
    pub fn compressed(&self, k: usize) -> Range<u64> {
        let flat = self.rows.as_slice();
        flat[2 * k]..flat[2 * k + 2]
    }

    /// The xxh3-64 of stream `k`'s compressed bytes, recorded when the build decoded it whole
    /// (format 5 on): bytes that hash to it are the stream the build checked, so a read may
    /// stop decoding at the page it wants instead of at the stream's end, where bzip2 keeps
    /// its CRCs.
    pub fn sum(&self, k: usize) -> Option<u64> {
        self.sums.as_ref().map(|s| s.as_slice()[k])
    }

    /// Bytes of the XML that stream `k` decodes to.
    pub fn decoded(&self, k: usize) -> Range<u64> {
        let flat = self.rows.as_slice();
        flat[2 * k + 1]..flat[2 * k + 3]
    }

    /// The stream whose decoded bytes hold XML offset `offset`, if it is inside the XML.
    pub fn locate(&self, offset: u64) -> Option<usize> {
        let n = self.len();
        let flat = self.rows.as_slice();
        if offset >= flat[2 * n + 1] {
            return None;
        }
        // The last row whose decoded start is at or before `offset`.
        let (mut lo, mut hi) = (0, n);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if flat[2 * mid + 1] <= offset { lo = mid } else { hi = mid }
        }
        Some(lo)
    }

    /// The file this table was mapped from.
    pub fn path(&self) -> &Path {
        self.rows.path()
    }
}
