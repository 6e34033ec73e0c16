//! `pages.arrow`: the page table, one row per `<page>` in dump order, read zero-copy.
//!
//! The file is a standard Arrow IPC file (pyarrow, DataFusion and pandas open it as it is) with
//! the columns of [`schema`], written in record batches of [`PAGES_BATCH_ROWS`] rows so that row
//! `r` lives in batch `r / PAGES_BATCH_ROWS`. Opening reads only the footer and each batch's
//! metadata (one small flatbuffer per million rows): the columns themselves stay in the page
//! cache and are read in place, every access bounds-checked.
//!
//! This is the one reader of the file: row lookups read the located buffers directly, and
//! [`PageTable::record_batches`] hands the same buffers to Arrow (the SQL `pages` table).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float32Array, Int32Array, RecordBatch, StringArray, UInt16Array, UInt32Array, UInt64Array,
};
use arrow_buffer::{ArrowNativeType, BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema};

mod layout;

pub use layout::schema_of;
use layout::{Batch, Shape, StrCol, UintCol, Width, read_batch};

use crate::error::{Error, Result};
use crate::format::{FORMAT_VERSION, PAGES_BATCH_ROWS};
use crate::rank::Signals;
use crate::sys::mmap::Mmap;

pub use crate::format::VERSION_KEY;

/// The schema of `pages.arrow` as this build writes it ([`FORMAT_VERSION`]) for a plain dump, or
/// with the [`location_fields`] for a compressed one.
pub fn schema(compressed: bool) -> Schema {
    let plain = schema_of(FORMAT_VERSION).unwrap_or_else(Schema::empty);
    if compressed { with_location(&plain) } else { plain }
}

/// The columns a compressed dataset's page table adds (format 4 on), after all the others:
/// `bz2_start`, the byte offset in the `.bz2` of the stream the page starts in (what
/// Wikimedia's `-index.txt` gives for each page), and `stream_offset`, where the page starts in
/// that stream's decoded bytes.
pub fn location_fields() -> [Field; 2] {
    [Field::new("bz2_start", DataType::UInt64, false), Field::new("stream_offset", DataType::UInt32, false)]
}

fn with_location(plain: &Schema) -> Schema {
    let mut fields: Vec<Field> = plain.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.extend(location_fields());
    Schema::new_with_metadata(fields, plain.metadata().clone())
}

/// The mapped page table.
#[derive(Clone)]
pub struct PageTable {
    map: Mmap,
    schema: Arc<Schema>,
    batches: Arc<[Batch]>,
    rows: usize,
    path: PathBuf,
}

impl PageTable {
    /// Maps `path` and reads the footer and batch metadata; checks magic, schema and version.
    pub fn open(path: &Path) -> Result<PageTable> {
        let map = Mmap::open(path)?;
        let corrupt = |what: &str| Error::corrupt(path, what.to_string());
        let n = map.len();
        if n < 20 || &map[..6] != b"ARROW1" || &map[n - 6..] != b"ARROW1" {
            return Err(Error::BadMagic { path: path.into(), expected: "Arrow IPC" });
        }
        let footer_len = i32::from_le_bytes(map[n - 10..n - 6].try_into().expect("4 bytes"));
        let footer_start = usize::try_from(footer_len)
            .ok()
            .and_then(|l| (n - 10).checked_sub(l))
            .ok_or_else(|| corrupt("footer length out of range"))?;
        let footer = arrow_ipc::root_as_footer(&map[footer_start..n - 10])
            .map_err(|e| Error::corrupt(path, format!("footer: {e}")))?;
        let fb_schema = footer.schema().ok_or_else(|| corrupt("footer has no schema"))?;
        let found = arrow_ipc::convert::fb_to_schema(fb_schema);
        let version = found.metadata().get(VERSION_KEY).cloned().unwrap_or_else(|| "none".into());
        let version = version.parse::<u32>().ok().filter(|&v| crate::format::readable(v.into()));
        let plain = version.and_then(schema_of).ok_or_else(|| Error::Version {
            path: path.into(),
            expected: FORMAT_VERSION,
            found: version.map_or_else(|| "none".into(), |v| v.to_string()),
        })?;
        let located = with_location(&plain);
        let schema = if found.fields() == plain.fields() {
            plain
        } else if version >= Some(4) && found.fields() == located.fields() {
            located
        } else {
            return Err(Error::corrupt(path, format!("unexpected columns: {:?}", found.fields())));
        };
        let with_signals = schema.fields().len() > 6;
        let with_location = schema.field_with_name("bz2_start").is_ok();
        let narrow = version >= Some(6);
        let blocks = footer.recordBatches().ok_or_else(|| corrupt("footer lists no record batches"))?;
        let mut batches = Vec::with_capacity(blocks.len());
        for (i, block) in blocks.iter().enumerate() {
            let shape = Shape { signals: with_signals, location: with_location, narrow };
            let batch = read_batch(&map, block.offset(), block.metaDataLength(), block.bodyLength(), shape)
                .map_err(|what| Error::corrupt(path, format!("record batch {i}: {what}")))?;
            let last = i + 1 == blocks.len();
            if batch.rows != PAGES_BATCH_ROWS && !last || batch.rows > PAGES_BATCH_ROWS {
                return Err(Error::corrupt(path, format!("record batch {i} has {} rows", batch.rows)));
            }
            batches.push(batch);
        }
        let rows = batches.iter().map(|b| b.rows).sum();
        Ok(PageTable { map, schema: Arc::new(schema), batches: batches.into(), rows, path: path.into() })
    }

    /// The page table of the index in `dir` alone, without its dump or other files (what a SQL
    /// engine elsewhere needs, such as `folio-cluster`): the manifest read, the file's size and
    /// rows checked against it, then [`PageTable::open`].
    pub fn open_in(dir: &Path) -> Result<PageTable> {
        let manifest_path = dir.join(crate::format::MANIFEST_FILE);
        let manifest = crate::Manifest::read(&manifest_path)?;
        let path = dir.join(crate::format::PAGES_FILE);
        let sum = manifest.files.get(crate::format::PAGES_FILE);
        let sum =
            sum.ok_or_else(|| Error::corrupt(&manifest_path, format!("no entry for {}", crate::format::PAGES_FILE)))?;
        crate::format::check_size(&path, sum.bytes)?;
        let table = PageTable::open(&path)?;
        if table.len() as u64 != manifest.counts.pages {
            let what = format!("{} rows, the manifest counts {} pages", table.len(), manifest.counts.pages);
            return Err(Error::corrupt(&path, what));
        }
        Ok(table)
    }

    /// Number of rows (pages).
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The schema of the mapped file (its layout version's).
    pub fn schema(&self) -> Arc<Schema> {
        self.schema.clone()
    }

    /// The file this table was mapped from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mapped file (for readers that decode it as Arrow record batches).
    pub fn map(&self) -> &Mmap {
        &self.map
    }

    fn locate(&self, row: usize) -> Result<(&Batch, usize)> {
        let batch = self
            .batches
            .get(row / PAGES_BATCH_ROWS)
            .filter(|b| row % PAGES_BATCH_ROWS < b.rows)
            .ok_or_else(|| Error::corrupt(&self.path, format!("row {row} out of range ({} rows)", self.rows)))?;
        Ok((batch, row % PAGES_BATCH_ROWS))
    }

    fn fixed<T: bytemuck::Pod>(&self, range: &Range<usize>, i: usize) -> Result<T> {
        bytemuck::try_cast_slice::<u8, T>(&self.map[range.clone()])
            .ok()
            .and_then(|s| s.get(i).copied())
            .ok_or_else(|| Error::corrupt(&self.path, format!("fixed-width column too short for row {i}")))
    }

    /// Value `i` of an unsigned column of any width, widened.
    fn uint(&self, col: &UintCol, i: usize) -> Result<u64> {
        match col.width {
            Width::U16 => self.fixed::<u16>(&col.values, i).map(u64::from),
            Width::U32 => self.fixed::<u32>(&col.values, i).map(u64::from),
            Width::U64 => self.fixed::<u64>(&col.values, i),
        }
    }

    /// `rows` values of an unsigned column as the Arrow array of its width.
    fn uints(&self, col: &UintCol, rows: usize) -> Result<ArrayRef, String> {
        Ok(match col.width {
            Width::U16 => Arc::new(UInt16Array::new(self.scalars(&col.values, rows)?, None)),
            Width::U32 => Arc::new(UInt32Array::new(self.scalars(&col.values, rows)?, None)),
            Width::U64 => Arc::new(UInt64Array::new(self.scalars(&col.values, rows)?, None)),
        })
    }

    fn string(&self, col: &StrCol, i: usize) -> Result<Option<&str>> {
        let span = self.span(col, i)?;
        self.text(col, span, i as u32)
    }

    /// The byte range of value `i` of a string column within its data buffer (`None`: null).
    fn span(&self, col: &StrCol, i: usize) -> Result<Option<Range<usize>>> {
        let valid = if col.all_null {
            false
        } else if let Some(v) = &col.validity {
            let byte = self.map[v.clone()].get(i / 8).copied().unwrap_or(0);
            byte >> (i % 8) & 1 == 1
        } else {
            true
        };
        if !valid {
            return Ok(None);
        }
        let bad = |what: &str| Error::corrupt(&self.path, format!("string column, row {i}: {what}"));
        let offsets: &[i32] = bytemuck::try_cast_slice(&self.map[col.offsets.clone()]).map_err(|_| bad("offsets"))?;
        let (a, b) = match (offsets.get(i), offsets.get(i + 1)) {
            (Some(&a), Some(&b)) if 0 <= a && a <= b => (a as usize, b as usize),
            _ => return Err(bad("offsets out of order")),
        };
        if b > col.data.len() {
            return Err(bad("offset past the data"));
        }
        Ok(Some(a..b))
    }

    /// The text at `span` of a string column's data, UTF-8-checked.
    fn text(&self, col: &StrCol, span: Option<Range<usize>>, row: u32) -> Result<Option<&str>> {
        let Some(span) = span else { return Ok(None) };
        let bytes = &self.map[col.data.clone()][span];
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::corrupt(&self.path, format!("string column, row {row}: not UTF-8")))
    }

    /// Every column of `row` at once (one batch lookup).
    pub fn page(&self, row: usize) -> Result<crate::Page<'_>> {
        let (b, i) = self.locate(row)?;
        Ok(crate::Page {
            row: row as u32,
            page_id: self.uint(&b.page_id, i)?,
            ns: self.fixed(&b.ns, i)?,
            title: self
                .string(&b.title, i)?
                .ok_or_else(|| Error::corrupt(&self.path, format!("row {row}: null title")))?,
            redirect: self.string(&b.redirect, i)?,
            start: self.fixed(&b.start, i)?,
            end: self.fixed(&b.end, i)?,
        })
    }

    /// Title, start and end of many rows (what a listing of offsets needs), gathered column by
    /// column like [`PageTable::pages`], without reading the other columns.
    pub fn spans(&self, rows: &[u32]) -> Result<Vec<crate::TitleSpan<'_>>> {
        let locs: Vec<(&Batch, usize)> = rows.iter().map(|&r| self.locate(r as usize)).collect::<Result<_>>()?;
        let start: Vec<u64> = locs.iter().map(|(b, i)| self.fixed(&b.start, *i)).collect::<Result<_>>()?;
        let end: Vec<u64> = locs.iter().map(|(b, i)| self.fixed(&b.end, *i)).collect::<Result<_>>()?;
        let spans: Vec<Option<Range<usize>>> =
            locs.iter().map(|(b, i)| self.span(&b.title, *i)).collect::<Result<_>>()?;
        self.touch(&locs, &spans);
        let mut out = Vec::with_capacity(rows.len());
        for (k, &row) in rows.iter().enumerate() {
            let title = self.text(&locs[k].0.title, spans[k].clone(), row)?;
            let title = title.ok_or_else(|| Error::corrupt(&self.path, format!("row {row}: null title")))?;
            out.push(crate::TitleSpan { title, start: start[k], end: end[k] });
        }
        Ok(out)
    }

    /// Reads the first byte of each string: a pass of independent loads that brings the strings
    /// into cache many at a time, before the UTF-8 checks walk them one by one.
    fn touch(&self, locs: &[(&Batch, usize)], spans: &[Option<Range<usize>>]) {
        let mut x = 0u8;
        for ((b, _), span) in locs.iter().zip(spans) {
            if let Some(span) = span {
                x ^= self.map[b.title.data.clone()].get(span.start).copied().unwrap_or(0);
            }
        }
        std::hint::black_box(x);
    }

    /// The pages of many rows, gathered column by column: each pass over `rows` issues
    /// independent loads, so the CPU overlaps their cache misses (a prefix listing of 16,000
    /// pages is a few thousand random reads per column, not a chain of dependent ones).
    pub fn pages(&self, rows: &[u32]) -> Result<Vec<crate::Page<'_>>> {
        let locs: Vec<(&Batch, usize)> = rows.iter().map(|&r| self.locate(r as usize)).collect::<Result<_>>()?;
        let column = |pick: fn(&Batch) -> &Range<usize>| -> Result<Vec<u64>> {
            locs.iter().map(|(b, i)| self.fixed::<u64>(pick(b), *i)).collect()
        };
        let page_id: Vec<u64> = locs.iter().map(|(b, i)| self.uint(&b.page_id, *i)).collect::<Result<_>>()?;
        let (start, end) = (column(|b| &b.start)?, column(|b| &b.end)?);
        let ns: Vec<i32> = locs.iter().map(|(b, i)| self.fixed(&b.ns, *i)).collect::<Result<_>>()?;
        let spans = |pick: fn(&Batch) -> &StrCol| -> Result<Vec<Option<Range<usize>>>> {
            locs.iter().map(|(b, i)| self.span(pick(b), *i)).collect()
        };
        let (title_spans, redirect_spans) = (spans(|b| &b.title)?, spans(|b| &b.redirect)?);
        let mut out = Vec::with_capacity(rows.len());
        for (k, &row) in rows.iter().enumerate() {
            let (b, _) = locs[k];
            let title = self.text(&b.title, title_spans[k].clone(), row)?;
            let title = title.ok_or_else(|| Error::corrupt(&self.path, format!("row {row}: null title")))?;
            let redirect = self.text(&b.redirect, redirect_spans[k].clone(), row)?;
            out.push(crate::Page {
                row,
                page_id: page_id[k],
                ns: ns[k],
                title,
                redirect,
                start: start[k],
                end: end[k],
            });
        }
        Ok(out)
    }

    /// Every record batch as Arrow arrays whose buffers are slices of the map (no copy), checked
    /// as Arrow checks a file it reads: lengths, alignment, offsets in order and in bounds,
    /// strings UTF-8, no null titles.
    pub fn record_batches(&self) -> Result<Vec<RecordBatch>> {
        let schema = self.schema.clone();
        let batch = |b: &Batch| -> Result<RecordBatch, String> {
            let mut columns: Vec<ArrayRef> = vec![
                self.uints(&b.page_id, b.rows)?,
                Arc::new(Int32Array::new(self.scalars(&b.ns, b.rows)?, None)),
                Arc::new(self.strings(&b.title, b.rows)?),
                Arc::new(self.strings(&b.redirect, b.rows)?),
                Arc::new(UInt64Array::new(self.scalars(&b.start, b.rows)?, None)),
                Arc::new(UInt64Array::new(self.scalars(&b.end, b.rows)?, None)),
            ];
            if let Some(c) = &b.signals {
                columns.extend([
                    Arc::new(UInt32Array::new(self.scalars(&c.incoming_links, b.rows)?, None)) as ArrayRef,
                    Arc::new(UInt32Array::new(self.scalars(&c.redirects_in, b.rows)?, None)),
                    self.uints(&c.text_bytes, b.rows)?,
                    self.uints(&c.headings, b.rows)?,
                    Arc::new(Float32Array::new(self.scalars(&c.rank, b.rows)?, None)),
                ]);
            }
            if let Some((bz2_start, stream_offset)) = &b.location {
                columns.extend([
                    Arc::new(UInt64Array::new(self.scalars(bz2_start, b.rows)?, None)) as ArrayRef,
                    Arc::new(UInt32Array::new(self.scalars(stream_offset, b.rows)?, None)),
                ]);
            }
            RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())
        };
        let batches = self.batches.iter().enumerate();
        batches
            .map(|(i, b)| batch(b).map_err(|what| Error::corrupt(&self.path, format!("record batch {i}: {what}"))))
            .collect()
    }

    /// The bytes at `range` of the map as an Arrow buffer that keeps the map alive.
    fn buffer(&self, range: &Range<usize>) -> Buffer {
        Buffer::from(bytes::Bytes::from_owner(self.map.clone()).slice(range.clone()))
    }

    /// `rows` values of a fixed-width column.
    fn scalars<T: ArrowNativeType>(&self, range: &Range<usize>, rows: usize) -> Result<ScalarBuffer<T>, String> {
        let buffer = self.buffer(range);
        if buffer.len() < rows * std::mem::size_of::<T>() {
            return Err(format!("a column of {} bytes for {rows} rows", buffer.len()));
        }
        if buffer.as_ptr().align_offset(std::mem::align_of::<T>()) != 0 {
            return Err("a column is not aligned".into());
        }
        Ok(ScalarBuffer::new(buffer, 0, rows))
    }

    /// `rows` values of a string column, with its nulls.
    fn strings(&self, col: &StrCol, rows: usize) -> Result<StringArray, String> {
        let offsets = if rows == 0 && col.offsets.is_empty() {
            OffsetBuffer::new_empty()
        } else {
            let offsets: ScalarBuffer<i32> = self.scalars(&col.offsets, rows + 1)?;
            if offsets[0] < 0 || offsets.windows(2).any(|w| w[0] > w[1]) {
                return Err("string offsets out of order".into());
            }
            OffsetBuffer::new(offsets)
        };
        let nulls = match &col.validity {
            _ if col.all_null => Some(NullBuffer::new_null(rows)),
            Some(bits) if bits.len() * 8 >= rows => {
                Some(NullBuffer::new(BooleanBuffer::new(self.buffer(bits), 0, rows)))
            }
            Some(_) => return Err("a validity bitmap too short".into()),
            None => None,
        };
        StringArray::try_new(offsets, self.buffer(&col.data), nulls).map_err(|e| e.to_string())
    }

    /// The `page_id` of `row`.
    pub fn page_id(&self, row: usize) -> Result<u64> {
        let (b, i) = self.locate(row)?;
        self.uint(&b.page_id, i)
    }

    /// The namespace of `row`.
    pub fn ns(&self, row: usize) -> Result<i32> {
        let (b, i) = self.locate(row)?;
        self.fixed(&b.ns, i)
    }

    /// The title of `row`.
    pub fn title(&self, row: usize) -> Result<&str> {
        let (b, i) = self.locate(row)?;
        self.string(&b.title, i)?.ok_or_else(|| Error::corrupt(&self.path, format!("row {row}: null title")))
    }

    /// The bytes of the title of `row`, not checked as UTF-8: for comparing with a title
    /// that is (bytes equal to a `&str` are UTF-8).
    pub(crate) fn title_bytes(&self, row: usize) -> Result<&[u8]> {
        let (b, i) = self.locate(row)?;
        let span =
            self.span(&b.title, i)?.ok_or_else(|| Error::corrupt(&self.path, format!("row {row}: null title")))?;
        Ok(&self.map[b.title.data.clone()][span])
    }

    /// The redirect target of `row`, if it is a redirect.
    pub fn redirect(&self, row: usize) -> Result<Option<&str>> {
        let (b, i) = self.locate(row)?;
        self.string(&b.redirect, i)
    }

    /// The byte offset of the `<` of `<page>` of `row`.
    pub fn start(&self, row: usize) -> Result<u64> {
        let (b, i) = self.locate(row)?;
        self.fixed(&b.start, i)
    }

    /// The byte offsets of the `<` of `<page>` and the `>` of `</page>` of `row`.
    pub(crate) fn start_end(&self, row: usize) -> Result<(u64, u64)> {
        let (b, i) = self.locate(row)?;
        Ok((self.fixed(&b.start, i)?, self.fixed(&b.end, i)?))
    }

    /// The byte offset of the `>` of `</page>` of `row` (inclusive).
    pub fn end(&self, row: usize) -> Result<u64> {
        let (b, i) = self.locate(row)?;
        self.fixed(&b.end, i)
    }

    /// What the dump says about `row`: the signals its rank comes from (`None` in a table of
    /// format 1, which has none).
    pub fn signals(&self, row: usize) -> Result<Option<Signals>> {
        let (b, i) = self.locate(row)?;
        let Some(c) = &b.signals else { return Ok(None) };
        Ok(Some(Signals {
            incoming_links: self.fixed(&c.incoming_links, i)?,
            redirects_in: self.fixed(&c.redirects_in, i)?,
            text_bytes: self.uint(&c.text_bytes, i)?,
            headings: u32::try_from(self.uint(&c.headings, i)?).unwrap_or(u32::MAX),
        }))
    }

    /// Where `row`'s page starts in a compressed dump: the byte offset of its bz2 stream in the
    /// `.bz2` and its offset in that stream's decoded bytes; `None` for a plain dump (or a
    /// compressed one indexed before format 4).
    pub fn location(&self, row: usize) -> Result<Option<(u64, u32)>> {
        let (b, i) = self.locate(row)?;
        match &b.location {
            Some((bz2_start, stream_offset)) => Ok(Some((self.fixed(bz2_start, i)?, self.fixed(stream_offset, i)?))),
            None => Ok(None),
        }
    }

    /// The rank of `row` ([`crate::rank`]); 0 in a table of format 1.
    pub fn rank(&self, row: usize) -> Result<f32> {
        let (b, i) = self.locate(row)?;
        b.signals.as_ref().map_or(Ok(0.0), |c| self.fixed(&c.rank, i))
    }
}
