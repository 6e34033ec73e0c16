//! `pages` as a DataFusion table: the index's `pages.arrow`, read in place from its memory map.
//!
//! The record batches are decoded from the map on the first query that touches the table (with
//! Arrow's full validation: offsets in bounds, UTF-8 valid), never copied: every column buffer is
//! a slice of the mapped file, kept alive by the map's reference count. Opening the server stays
//! instant however large the dump is.

use std::fmt;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::buffer::Buffer;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::{FileDecoder, read_footer_length};
use datafusion::arrow::ipc::root_as_footer;
use datafusion::catalog::{MemTable, Session, TableProvider};
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;

use crate::Index;

/// The `pages` table provider.
pub struct PagesTable {
    index: Arc<Index>,
    schema: SchemaRef,
    partitions: usize,
    table: OnceLock<Result<Arc<MemTable>, String>>,
}

impl fmt::Debug for PagesTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagesTable").field("index", &self.index.dir()).finish()
    }
}

impl PagesTable {
    /// The table over `index`'s page table, split into `partitions` for parallel scans.
    pub fn new(index: Arc<Index>, partitions: usize) -> PagesTable {
        let schema = Arc::new(crate::pages::schema());
        PagesTable { index, schema, partitions: partitions.max(1), table: OnceLock::new() }
    }

    fn table(&self) -> DfResult<Arc<MemTable>> {
        let table = self.table.get_or_init(|| {
            let batches = decode(&self.index).map_err(|e| e.to_string())?;
            let mut parts = vec![Vec::new(); self.partitions.min(batches.len()).max(1)];
            let n = parts.len();
            for (i, batch) in batches.into_iter().enumerate() {
                parts[i % n].push(batch);
            }
            MemTable::try_new(self.schema.clone(), parts).map(Arc::new).map_err(|e| e.to_string())
        });
        table.clone().map_err(|e| DataFusionError::Execution(format!("pages table: {e}")))
    }
}

/// Every record batch of `pages.arrow`, zero-copy over the map.
fn decode(index: &Index) -> Result<Vec<RecordBatch>, String> {
    let table = index.page_table();
    let path = table.path().display().to_string();
    let map = table.map().clone();
    let len = map.len();
    if len < 10 {
        return Err(format!("{path}: too short for an Arrow file"));
    }
    let footer_len = read_footer_length(map[len - 10..].try_into().expect("10 bytes")).map_err(|e| e.to_string())?;
    let footer_start = (len - 10).checked_sub(footer_len).ok_or_else(|| format!("{path}: footer out of bounds"))?;
    let footer = root_as_footer(&map[footer_start..len - 10]).map_err(|e| format!("{path}: bad footer: {e}"))?;
    let buffer = Buffer::from(bytes::Bytes::from_owner(map.clone()));
    let decoder = FileDecoder::new(Arc::new(crate::pages::schema()), footer.version());
    let mut batches = Vec::new();
    for block in footer.recordBatches().iter().flatten() {
        let start = usize::try_from(block.offset()).map_err(|_| format!("{path}: negative block offset"))?;
        let block_len = usize::try_from(block.metaDataLength())
            .unwrap_or(usize::MAX)
            .saturating_add(usize::try_from(block.bodyLength()).unwrap_or(usize::MAX));
        if start.checked_add(block_len).is_none_or(|end| end > footer_start) {
            return Err(format!("{path}: a record batch lies outside the file"));
        }
        let data = buffer.slice_with_length(start, block_len);
        if let Some(batch) = decoder.read_record_batch(block, &data).map_err(|e| format!("{path}: {e}"))? {
            batches.push(batch);
        }
    }
    Ok(batches)
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
