//! [`IndexWriter`]: writes the files of an index into a fresh directory, each checksummed.
//!
//! The writer only writes; it never publishes. [`crate::publish`] moves the finished directory
//! into place atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::{
    ArrayRef, Float32Array, Int32Array, RecordBatch, StringArray, UInt16Array, UInt32Array, UInt64Array,
};
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use rayon::prelude::*;

use crate::columns::{PageColumns, Strings};
use crate::error::{Error, Result};
use crate::format::{self, FileSum, PAGES_BATCH_ROWS};
use crate::manifest::{CompressedDump, Counts, DumpInfo, FORMAT_NAME, Manifest};
use crate::{npy, pages, title_fst};

/// Writes an index directory file by file. Methods take `&self` so that files can be written
/// from several threads at once.
pub struct IndexWriter {
    dir: PathBuf,
    files: Mutex<BTreeMap<String, FileSum>>,
    /// fsyncs in flight: each written file is synced on a thread of its own while the next
    /// files are computed, and [`IndexWriter::finish`] waits for them all.
    syncs: Mutex<Vec<std::thread::JoinHandle<Result<()>>>>,
}

impl IndexWriter {
    /// A writer into `dir`, which must exist and be empty.
    pub fn new(dir: &Path) -> IndexWriter {
        IndexWriter { dir: dir.into(), files: Mutex::default(), syncs: Mutex::default() }
    }

    pub(crate) fn write(&self, name: &str, body: impl FnOnce(&mut dyn std::io::Write) -> Result<()>) -> Result<()> {
        let path = self.dir.join(name);
        let sum = format::write_file(&path, |w| body(w))?;
        self.written(name, sum)
    }

    fn written(&self, name: &str, sum: FileSum) -> Result<()> {
        let path = self.dir.join(name);
        let sync = std::thread::Builder::new()
            .name("folio-fsync".into())
            .spawn(move || format::sync_file(&path))
            .map_err(|e| Error::io(self.dir.join(name), e))?;
        self.syncs.lock().expect("writer lock").push(sync);
        self.files.lock().expect("writer lock").insert(name.to_string(), sum);
        Ok(())
    }

    pub(crate) fn write_npy<T: ndarray_npy::WritableElement>(&self, name: &str, values: &[T]) -> Result<()> {
        let path = self.dir.join(name);
        let sum = format::write_file(&path, |w| npy::write(values, w).map_err(|e| Error::io(&path, e)))?;
        self.written(name, sum)
    }

    /// Writes `streams.npy` from `rows`: (offset in the `.bz2`, offset in the XML) for each
    /// stream, then the two sizes; both strictly increasing from row to row. And
    /// `stream_sums.npy` from `sums`: the xxh3-64 of each stream's compressed bytes.
    pub fn write_streams(&self, rows: &[(u64, u64)], sums: &[u64]) -> Result<()> {
        if rows.len() < 2 || rows[0] != (0, 0) || rows.windows(2).any(|w| w[1].0 <= w[0].0 || w[1].1 <= w[0].1) {
            return Err(Error::InvalidInput("stream rows must start at (0, 0) and increase strictly".into()));
        }
        if sums.len() + 1 != rows.len() {
            return Err(Error::InvalidInput(format!("{} stream sums for {} streams", sums.len(), rows.len() - 1)));
        }
        let flat: Vec<u64> = rows.iter().flat_map(|&(c, x)| [c, x]).collect();
        self.write_npy(format::STREAMS_FILE, &flat)?;
        self.write_npy(format::STREAM_SUMS_FILE, sums)
    }

    /// Writes `pages.arrow` and `offsets.npy`; for a compressed dataset, given its stream rows
    /// (those of [`IndexWriter::write_streams`]), with each page's location among them
    /// ([`pages::location_fields`]).
    pub fn write_pages(&self, pages: &PageColumns, streams: Option<&[(u64, u64)]>) -> Result<()> {
        pages.check_lengths()?;
        if pages.start.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::InvalidInput("page starts are not strictly increasing".into()));
        }
        let location = streams.map(|rows| locations(&pages.start, rows)).transpose()?;
        check_ids(&pages.page_id)?;
        // Narrowed batch by batch: page ids were checked above; MediaWiki caps a page's text far
        // below 4 GiB, and a count of headings beyond 65,535 adds nothing to a rank that
        // saturates at 20: both saturate rather than fail.
        let u32s = |v: &[u64]| {
            Arc::new(UInt32Array::from_iter_values(v.iter().map(|&n| u32::try_from(n).unwrap_or(u32::MAX))))
        };
        let u16s = |v: &[u32]| {
            Arc::new(UInt16Array::from_iter_values(v.iter().map(|&n| u16::try_from(n).unwrap_or(u16::MAX))))
        };
        let path = self.dir.join(format::PAGES_FILE);
        let arrow_err = |e: arrow_schema::ArrowError| Error::io(&path, std::io::Error::other(e));
        self.write(format::PAGES_FILE, |w| {
            let schema = Arc::new(pages::schema(location.is_some()));
            let mut writer = arrow_ipc::writer::FileWriter::try_new(w, &schema).map_err(arrow_err)?;
            for lo in (0..pages.len()).step_by(PAGES_BATCH_ROWS) {
                let rows = lo..pages.len().min(lo + PAGES_BATCH_ROWS);
                let mut columns: Vec<ArrayRef> = vec![
                    u32s(&pages.page_id[rows.clone()]),
                    Arc::new(Int32Array::from(pages.ns[rows.clone()].to_vec())),
                    string_array(&pages.title, rows.clone())?,
                    string_array(&pages.redirect, rows.clone())?,
                    Arc::new(UInt64Array::from(pages.start[rows.clone()].to_vec())),
                    Arc::new(UInt64Array::from(pages.end[rows.clone()].to_vec())),
                    Arc::new(UInt32Array::from(pages.incoming_links[rows.clone()].to_vec())),
                    Arc::new(UInt32Array::from(pages.redirects_in[rows.clone()].to_vec())),
                    u32s(&pages.text_bytes[rows.clone()]),
                    u16s(&pages.headings[rows.clone()]),
                    Arc::new(Float32Array::from(pages.rank[rows.clone()].to_vec())),
                ];
                if let Some((bz2_start, stream_offset)) = &location {
                    columns.push(Arc::new(UInt64Array::from(bz2_start[rows.clone()].to_vec())));
                    columns.push(Arc::new(UInt32Array::from(stream_offset[rows].to_vec())));
                }
                let batch = RecordBatch::try_new(schema.clone(), columns).map_err(arrow_err)?;
                writer.write(&batch).map_err(arrow_err)?;
            }
            writer.finish().map_err(arrow_err)
        })?;
        self.write_npy(format::OFFSETS_FILE, &pages.start)
    }

    /// Writes `titles.fst`, `title_slots.npy`, `title_order.npy` and (unless `lean`:
    /// [`format::lean`]) `title_rank.npy` from the pages' titles and spans and the rows sorted
    /// by `(title, row)`. Returns the number of distinct titles.
    pub fn write_titles(&self, pages: &PageColumns, order: &[u32], lean: bool) -> Result<u64> {
        pages.check_lengths()?;
        if order.len() != pages.len() {
            return Err(Error::InvalidInput(format!("an order of {} rows for {} pages", order.len(), pages.len())));
        }
        let titles = &pages.title;
        let key = |rank: usize| titles.bytes(order[rank] as usize);
        // The rank of each distinct title's first page.
        let firsts = first_of_runs(order.len(), key);
        let values: Vec<u32> = firsts.par_iter().map(|&rank| order[rank as usize]).collect();
        let slots = || {
            let entries = firsts.iter().zip(&values).map(|(&rank, &row)| {
                let (start, end) = (pages.start[row as usize], pages.end[row as usize]);
                crate::title_slots::Entry { title: key(rank as usize), row, start, end }
            });
            let slots = crate::title_slots::build(order.len() as u64, entries)?;
            self.write_npy(format::TITLE_SLOTS_FILE, &slots)
        };
        let (npys, fst) = rayon::join(
            || {
                self.write_npy(format::TITLE_ORDER_FILE, order)?;
                slots()?;
                if lean {
                    return Ok(());
                }
                let mut rank_of = vec![0u32; order.len()];
                for (rank, &row) in order.iter().enumerate() {
                    rank_of[row as usize] = rank as u32;
                }
                self.write_npy(format::TITLE_RANK_FILE, &rank_of)
            },
            || self.write(format::TITLES_FILE, |w| title_fst::write(w, &values, |i| key(firsts[i] as usize))),
        );
        npys?;
        fst?;
        Ok(firsts.len() as u64)
    }

    /// Writes the title-ordered copy of titles and spans that makes an offsets listing one
    /// sequential read: `sorted_titles.npy`, `sorted_title_ends.npy`, `sorted_spans.npy`, from the
    /// pages and their rows sorted by `(title, row)`.
    pub fn write_sorted(&self, pages: &PageColumns, order: &[u32]) -> Result<()> {
        let mut titles = Vec::with_capacity(pages.title.data_len());
        let mut ends = Vec::with_capacity(order.len());
        let mut spans = Vec::with_capacity(order.len() * 2);
        for &row in order {
            let row = row as usize;
            titles.extend_from_slice(pages.title.bytes(row));
            ends.push(titles.len() as u64);
            spans.extend_from_slice(&[pages.start[row], pages.end[row]]);
        }
        self.write_npy(format::SORTED_TITLES_FILE, &titles)?;
        self.write_npy(format::SORTED_TITLE_ENDS_FILE, &ends)?;
        self.write_npy(format::SORTED_SPANS_FILE, &spans)
    }

    /// Writes `folded_order.npy`: the rows sorted by `(fold(title), row)`.
    pub fn write_folded_order(&self, order: &[u32]) -> Result<()> {
        self.write_npy(format::FOLDED_ORDER_FILE, order)
    }

    /// Waits for every file to be durable, then writes and fsyncs `manifest.json`; the index is
    /// then complete. [`crate::publish::publish`] syncs the directory itself as it publishes it.
    pub fn finish(
        self,
        tool: &str,
        dump: DumpInfo,
        compressed: Option<CompressedDump>,
        counts: Counts,
        build_seconds: f64,
    ) -> Result<Manifest> {
        for sync in self.syncs.into_inner().expect("writer lock") {
            sync.join().map_err(|_| Error::InvalidInput("an fsync thread panicked".into()))??;
        }
        let files = self.files.into_inner().expect("writer lock");
        for name in [
            format::PAGES_FILE,
            format::OFFSETS_FILE,
            format::TITLES_FILE,
            format::TITLE_SLOTS_FILE,
            format::TITLE_ORDER_FILE,
            format::TITLE_RANK_FILE,
            format::SORTED_TITLES_FILE,
            format::SORTED_TITLE_ENDS_FILE,
            format::SORTED_SPANS_FILE,
            format::FOLDED_ORDER_FILE,
        ] {
            let optional = format::lean(format::FORMAT_VERSION, compressed.is_some())
                && format::LEFT_OUT_WHEN_LEAN.contains(&name);
            if !files.contains_key(name) && !optional {
                return Err(Error::InvalidInput(format!("{name} was not written")));
            }
        }
        // The suggestion files are optional, but all or none.
        let search = [
            format::SEARCH_KEYS_FILE,
            format::SEARCH_ORDER_FILE,
            format::SEARCH_WEIGHTS_FILE,
            format::TITLE_WEIGHTS_FILE,
        ];
        let written = search.iter().filter(|n| files.contains_key(**n)).count();
        if written != 0 && written != search.len() {
            return Err(Error::InvalidInput(format!(
                "{written} of the {} suggestion files were written",
                search.len()
            )));
        }
        for name in [format::STREAMS_FILE, format::STREAM_SUMS_FILE] {
            if compressed.is_some() != files.contains_key(name) {
                return Err(Error::InvalidInput(format!("a compressed dump needs {name}, and only it")));
            }
        }
        let manifest = Manifest {
            format: FORMAT_NAME.into(),
            format_version: format::FORMAT_VERSION,
            tool: tool.into(),
            created_unix: crate::manifest::unix_seconds(Ok(std::time::SystemTime::now())),
            build_seconds,
            dump,
            counts,
            files,
            fulltext: None,
            compressed,
        };
        let json = manifest.to_json();
        let path = self.dir.join(format::MANIFEST_FILE);
        format::write_file(&path, |w| std::io::Write::write_all(w, json.as_bytes()).map_err(|e| Error::io(&path, e)))?;
        format::sync_file(&path)?;
        Ok(manifest)
    }
}

/// The positions `0..n` whose key differs from the one before: the first of each run of equal
/// keys in a sorted order.
pub(crate) fn first_of_runs<'a>(n: usize, key: impl Fn(usize) -> &'a [u8] + Sync) -> Vec<u32> {
    (0..n as u32).into_par_iter().filter(|&p| p == 0 || key(p as usize) != key(p as usize - 1)).collect()
}

fn string_array(col: &Strings, rows: std::ops::Range<usize>) -> Result<ArrayRef> {
    let (data, ends, valid) = col.slice(rows);
    let too_big = || Error::InvalidInput(format!("{} bytes of strings in one record batch", data.len()));
    let offsets: Vec<i32> =
        std::iter::once(Ok(0)).chain(ends.map(|e| i32::try_from(e).map_err(|_| too_big()))).collect::<Result<_>>()?;
    let nulls = valid.iter().any(|v| !v).then(|| NullBuffer::from(valid.to_vec()));
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    let array = StringArray::try_new(offsets, Buffer::from(data.as_bytes()), nulls)
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    Ok(Arc::new(array))
}

/// For each page start (increasing), the `.bz2` offset of the stream it starts in and its offset
/// in that stream's decoded bytes, from the stream rows `(bz2 offset, XML offset)` (with the
/// closing row).
fn locations(starts: &[u64], rows: &[(u64, u64)]) -> Result<(Vec<u64>, Vec<u32>)> {
    let (mut bz2_start, mut stream_offset) = (Vec::with_capacity(starts.len()), Vec::with_capacity(starts.len()));
    let mut k = 0;
    for &start in starts {
        while k + 1 < rows.len() && rows[k + 1].1 <= start {
            k += 1;
        }
        let outside = || Error::InvalidInput(format!("a page starts at XML offset {start}, past the streams"));
        if k + 1 >= rows.len() {
            return Err(outside());
        }
        let within = u32::try_from(start - rows[k].1).map_err(|_| outside())?;
        bz2_start.push(rows[k].0);
        stream_offset.push(within);
    }
    Ok((bz2_start, stream_offset))
}

/// Checks that every page id fits a `u32`, as MediaWiki stores them (`page_id int unsigned`);
/// an id beyond that is an input error naming the page.
fn check_ids(ids: &[u64]) -> Result<()> {
    match ids.iter().position(|&id| u32::try_from(id).is_err()) {
        None => Ok(()),
        Some(row) => Err(Error::InvalidInput(format!(
            "page {row} (in dump order) has <id>{}</id>, beyond 4294967295: page ids are \
             MediaWiki's `int unsigned`, and the index stores them so; check the dump's <id>",
            ids[row]
        ))),
    }
}
