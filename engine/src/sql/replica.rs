//! [`Replica`]: a read-only copy of the catalog that runs ad-hoc queries, inside a SQL worker
//! process (`sql::worker`).
//!
//! `pages` is the index's own `pages.arrow`, mapped again, without the dump (the page cache is
//! shared with the server); `fortune` is a copy; `world` is a copy that the server refreshes with each query when
//! an update changed it since. A query passes the read-only [`guard`](super::guard), is planned,
//! checked against [`options`](super::session::options), run, and encoded batch by batch while
//! its rows and bytes are counted against their limits: the answer never exists unencoded.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::json::{ArrayWriter, WriterBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::session::{context, df, options};
use super::world::WorldRows;
use super::{Fortune, SqlLimits, guard};
use crate::PageTable;
use crate::error::{Error, Limit, Result};

/// How an answer is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A JSON array of objects, column name to value, nulls written as `null`.
    Json,
    /// An Arrow IPC stream (what `pyarrow.ipc.open_stream` reads).
    Arrow,
}

/// An encoded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The answer's bytes, in the requested [`Format`].
    pub bytes: Vec<u8>,
    /// How many rows it holds.
    pub rows: u64,
}

/// The tables of an ad-hoc query, read-only.
pub struct Replica {
    ctx: SessionContext,
    world: Arc<WorldRows>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica").finish_non_exhaustive()
    }
}

impl Replica {
    /// A replica with `world`'s values (index 0 is id 1), the `fortunes`, and the page table of
    /// each named dataset in `pages` (the first one also as `pages`; see the [module](super)).
    pub fn new(
        world: Vec<i32>,
        fortunes: &[Fortune],
        pages: &[(String, PageTable)],
        limits: &SqlLimits,
    ) -> Result<Replica> {
        let world = Arc::new(WorldRows::new(world));
        let ctx = context(world.clone(), fortunes, pages, limits)?;
        Ok(Replica { ctx, world })
    }

    /// Replaces `world`'s values with a newer copy.
    pub fn set_world(&self, values: Vec<i32>) {
        self.world.replace(values);
    }

    /// `world` rows read by queries so far.
    pub fn world_rows_read(&self) -> u64 {
        self.world.reads.load(Ordering::Relaxed)
    }

    /// Runs one read-only statement with `$n` parameters; the answer holds at most `max_rows`
    /// rows and `max_bytes` bytes in `format`, or the query fails with [`Error::SqlLimit`].
    pub async fn query(
        &self,
        sql: &str,
        params: &[ScalarValue],
        format: Format,
        max_rows: usize,
        max_bytes: usize,
    ) -> Result<Encoded> {
        let statement = guard::check(sql)?;
        let state = self.ctx.state();
        let plan = state.statement_to_plan(statement).await.map_err(limit_or_sql)?;
        options().verify_plan(&plan).map_err(|e| Error::SqlForbidden(e.to_string()))?;
        let plan = if params.is_empty() { plan } else { plan.with_param_values(params.to_vec()).map_err(df)? };
        let physical = state.create_physical_plan(&plan).await.map_err(limit_or_sql)?;
        let mut writer = Writer::new(format, &physical.schema(), max_bytes)?;
        let mut stream =
            datafusion::physical_plan::execute_stream(physical, self.ctx.task_ctx()).map_err(limit_or_sql)?;
        let mut rows = 0usize;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(limit_or_sql)?;
            rows += batch.num_rows();
            if rows > max_rows {
                return Err(Error::limit(
                    Limit::Rows,
                    format!("the answer has more than {max_rows} rows (the row limit); add a LIMIT or an aggregate"),
                ));
            }
            writer.write(&batch)?;
        }
        Ok(Encoded { bytes: writer.finish()?, rows: rows as u64 })
    }
}

/// Encodes batches as they come, and refuses to pass `max_bytes`.
enum Writer {
    Json(ArrayWriter<Vec<u8>>, usize),
    Arrow(StreamWriter<Vec<u8>>, usize),
}

fn encoding(e: impl std::fmt::Display) -> Error {
    Error::Sql(format!("encoding the answer: {e}"))
}

impl Writer {
    fn new(format: Format, schema: &SchemaRef, max_bytes: usize) -> Result<Writer> {
        Ok(match format {
            Format::Json => Writer::Json(WriterBuilder::new().with_explicit_nulls(true).build(Vec::new()), max_bytes),
            Format::Arrow => Writer::Arrow(StreamWriter::try_new(Vec::new(), schema).map_err(encoding)?, max_bytes),
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let (written, max) = match self {
            Writer::Json(w, max) => {
                w.write(batch).map_err(encoding)?;
                (w.get_ref().len(), *max)
            }
            Writer::Arrow(w, max) => {
                w.write(batch).map_err(encoding)?;
                (w.get_ref().len(), *max)
            }
        };
        if written > max {
            return Err(too_big(max));
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<u8>> {
        let (out, max) = match self {
            Writer::Json(mut w, max) => {
                w.finish().map_err(encoding)?;
                let mut out = w.into_inner();
                if out.is_empty() {
                    out.extend_from_slice(b"[]");
                }
                (out, max)
            }
            Writer::Arrow(mut w, max) => {
                w.finish().map_err(encoding)?;
                (w.into_inner().map_err(encoding)?, max)
            }
        };
        if out.len() > max {
            return Err(too_big(max));
        }
        Ok(out)
    }
}

fn too_big(max: usize) -> Error {
    Error::limit(
        Limit::Bytes,
        format!("the answer is larger than {max} bytes (the answer size limit); select fewer or shorter values"),
    )
}

/// A DataFusion error, or [`Error::SqlLimit`] when it is the memory pool refusing.
fn limit_or_sql(e: datafusion::error::DataFusionError) -> Error {
    let text = e.to_string();
    if text.contains("Resources exhausted") {
        Error::limit(Limit::Memory, format!("the query needs more memory than its limit allows: {text}"))
    } else {
        Error::Sql(text)
    }
}
