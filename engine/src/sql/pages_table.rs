//! `pages` as a DataFusion table: the index's `pages.arrow`, read in place from its memory map.
//!
//! The record batches come from the engine's one reader of the file
//! ([`crate::PageTable::record_batches`]) on the first query that touches the table (validated:
//! offsets in bounds, UTF-8 valid), never copied: every column buffer is a slice of the mapped
//! file, kept alive by the map's reference count. Opening the server stays
//! instant however large the dump is.
//!
//! The batches are then cut into chunks of 65,536 rows whose buffers each get their own handle on
//! the map covering exactly their bytes: DataFusion's memory accounting counts a buffer's whole
//! allocation, so a sliced column would otherwise weigh as much as the file, and a query's memory
//! limit would not mean what it says. Only string offsets (4 bytes a row) are copied, rebased.

use std::fmt;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayData, ArrayRef, RecordBatch, StringArray, make_array};
use datafusion::arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::catalog::{MemTable, Session, TableProvider};
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;

use crate::{Mmap, PageTable};

/// The `pages` table provider.
pub struct PagesTable {
    pages: PageTable,
    schema: SchemaRef,
    partitions: usize,
    table: OnceLock<Result<Arc<MemTable>, String>>,
}

impl fmt::Debug for PagesTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagesTable").field("file", &self.pages.path()).finish()
    }
}

impl PagesTable {
    /// The table over a mapped page table, split into `partitions` for parallel scans.
    pub fn new(pages: PageTable, partitions: usize) -> PagesTable {
        // The file's metadata (its format version) is not the table's: tables of two formats
        // are then one type of table, and `all_pages` can unite them.
        let schema = Arc::new(pages.schema().as_ref().clone().with_metadata(Default::default()));
        PagesTable { pages, schema, partitions: partitions.max(1), table: OnceLock::new() }
    }

    fn table(&self) -> DfResult<Arc<MemTable>> {
        let table = self.table.get_or_init(|| {
            let batches = decode(&self.pages, &self.schema)?;
            let mut parts = vec![Vec::new(); self.partitions.clamp(1, batches.len().max(1))];
            let n = parts.len();
            for (i, batch) in batches.into_iter().enumerate() {
                parts[i % n].push(batch);
            }
            MemTable::try_new(self.schema.clone(), parts).map(Arc::new).map_err(|e| e.to_string())
        });
        table.clone().map_err(|e| DataFusionError::Execution(format!("pages table: {e}")))
    }
}

/// Every record batch of `pages.arrow` (read by the engine's one reader of the file,
/// [`PageTable::record_batches`](crate::PageTable::record_batches)), cut into chunks, as rows
/// of `schema`.
fn decode(table: &PageTable, schema: &SchemaRef) -> Result<Vec<RecordBatch>, String> {
    let map = table.map().clone();
    let mut batches = Vec::new();
    for batch in table.record_batches().map_err(|e| e.to_string())? {
        for start in (0..batch.num_rows()).step_by(CHUNK_ROWS) {
            let part = batch.slice(start, CHUNK_ROWS.min(batch.num_rows() - start));
            let columns = part.columns().iter().map(|c| compact(c, &map)).collect::<Result<Vec<_>, _>>();
            let columns = columns.map_err(|e| format!("{}: {e}", table.path().display()))?;
            batches.push(RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())?);
        }
    }
    Ok(batches)
}

/// Rows per batch of the table: small enough that operators see (and account for) columns of a
/// few hundred kilobytes, large enough to keep per-batch costs negligible.
/// (Tests cut the six-row fixture into chunks of 4 and 2, so every path of [`compact`] runs.)
const CHUNK_ROWS: usize = if cfg!(test) { 4 } else { 1 << 16 };

/// `buffer` (which lies in `map`) as a buffer over the same bytes whose allocation, as Arrow
/// reports it, is exactly its own length, not the whole map.
fn exact(buffer: &Buffer, map: &Mmap) -> Buffer {
    let at = (buffer.as_ptr() as usize).wrapping_sub(map.as_ptr() as usize);
    if at <= map.len() && buffer.len() <= map.len() - at {
        Buffer::from(bytes::Bytes::from_owner(map.clone()).slice(at..at + buffer.len()))
    } else {
        buffer.clone()
    }
}

/// A slice of a column with buffers that hold only its rows: values and validity bits are
/// zero-copy slices of the map; a string column's offsets (4 bytes a row) are rebased to start
/// at 0, the only bytes copied.
fn compact(column: &ArrayRef, map: &Mmap) -> Result<ArrayRef, ArrowError> {
    let len = column.len();
    let nulls = column.nulls().map(|n| {
        // Slices start at multiples of 8 rows: the bits are a byte-aligned, zero-copy slice.
        NullBuffer::new(BooleanBuffer::new(exact(&n.inner().sliced(), map), 0, len))
    });
    if let Some(strings) = column.as_any().downcast_ref::<StringArray>() {
        let offsets = strings.value_offsets();
        let (first, last) = (offsets[0], offsets[len]);
        let rebased = OffsetBuffer::new(ScalarBuffer::from(offsets.iter().map(|o| o - first).collect::<Vec<i32>>()));
        let values = exact(&strings.values().slice_with_length(first as usize, (last - first) as usize), map);
        return Ok(Arc::new(StringArray::try_new(rebased, values, nulls)?));
    }
    let data = column.to_data();
    let width = data
        .data_type()
        .primitive_width()
        .ok_or_else(|| ArrowError::SchemaError(format!("pages: unexpected column type {}", data.data_type())))?;
    let values = exact(&data.buffers()[0].slice_with_length(data.offset() * width, len * width), map);
    let data = ArrayData::builder(data.data_type().clone()).len(len).add_buffer(values).nulls(nulls).build()?;
    Ok(make_array(data))
}

#[async_trait]
impl TableProvider for PagesTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        self.table()?.scan(state, projection, filters, limit).await
    }
}
