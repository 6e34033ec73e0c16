//! A statement on the cluster: a session (standalone or remote), the read-only guard, limits,
//! and the answer's encodings.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use futures::StreamExt;

use crate::Datasets;

/// What a statement may take.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall time from submission to the last row.
    pub timeout: Duration,
    /// Rows of the answer; a query with more stops with an error (an answer is never cut).
    pub max_rows: usize,
}

impl Default for Limits {
    /// 30 s and 1,000,000 rows: more than the server's `/sql` allows by default (10 s, 100,000
    /// rows), since a cluster is where the larger queries go.
    fn default() -> Limits {
        Limits { timeout: Duration::from_secs(30), max_rows: 1_000_000 }
    }
}

/// How an answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, for people.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON array of row objects.
    Json,
    /// An Arrow IPC stream (`pyarrow.ipc.open_stream`), as `/sql` answers with
    /// `Accept: application/vnd.apache.arrow.stream`.
    Arrow,
}

/// A statement's answer: its schema and record batches.
#[derive(Debug)]
pub struct Answer {
    /// The columns.
    pub schema: SchemaRef,
    /// The rows, in the order the plan produced them.
    pub batches: Vec<RecordBatch>,
}

impl Answer {
    /// Rows in the answer.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Writes the answer to `out` in `format`.
    pub fn write(&self, format: Format, out: impl Write) -> Result<()> {
        use datafusion::arrow::{csv, ipc, json, util::pretty};
        match format {
            Format::Table => {
                let mut out = out;
                writeln!(out, "{}", pretty::pretty_format_batches(&self.batches)?)?;
            }
            Format::Csv => {
                let mut writer = csv::WriterBuilder::new().with_header(true).build(out);
                for batch in &self.batches {
                    writer.write(batch)?;
                }
            }
            Format::Json => {
                let mut writer = json::ArrayWriter::new(out);
                for batch in &self.batches {
                    writer.write(batch)?;
                }
                writer.finish()?;
            }
            Format::Arrow => {
                let mut writer = ipc::writer::StreamWriter::try_new(out, &self.schema)?;
                for batch in &self.batches {
                    writer.write(batch)?;
                }
                writer.finish()?;
            }
        }
        Ok(())
    }
}

/// The session settings every front end of Folio's SQL shares (identifiers keep their case:
/// `randomNumber`; `information_schema` for `SHOW TABLES`), on Ballista's configuration.
fn config() -> SessionConfig {
    SessionConfig::new_with_ballista()
        .with_information_schema(true)
        .set_bool("datafusion.sql_parser.enable_ident_normalization", false)
}

/// A session whose queries run on an in-process scheduler and executor (one task slot per
/// core), with `datasets` registered.
pub async fn standalone(datasets: &Datasets) -> Result<SessionContext> {
    let state = SessionStateBuilder::new().with_config(config()).with_default_features().build();
    let ctx = SessionContext::standalone_with_state(state).await.context("starting the in-process scheduler")?;
    datasets.register(&ctx)?;
    Ok(ctx)
}

/// A session whose queries run on the cluster of the scheduler at `url` (`df://host:port`),
/// with `datasets` registered: the scheduler and every executor must see their files at the
/// same paths.
pub async fn remote(url: &str, datasets: &Datasets) -> Result<SessionContext> {
    let state = SessionStateBuilder::new().with_config(config()).with_default_features().build();
    let ctx = SessionContext::remote_with_state(url, state).await.with_context(|| format!("scheduler {url}"))?;
    datasets.register(&ctx)?;
    Ok(ctx)
}

/// Runs one read-only statement: the server's guard first (a query, `EXPLAIN`, `SHOW`,
/// `DESCRIBE`; no DDL, no DML, no `COPY`, no `CREATE EXTERNAL TABLE`, no `SET`), then
/// DataFusion's own read-only options, within `limits`.
pub async fn run(ctx: &SessionContext, sql: &str, limits: &Limits) -> Result<Answer> {
    folio_engine::sql::guard::check(sql)?;
    let read_only = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
    let collect = async {
        let frame = ctx.sql_with_options(sql, read_only).await?;
        let schema = frame.schema().inner().clone();
        let mut stream = frame.execute_stream().await?;
        let (mut batches, mut rows) = (Vec::new(), 0usize);
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            rows += batch.num_rows();
            if rows > limits.max_rows {
                bail!("the answer has more than {} rows: add a LIMIT, or raise --max-rows", limits.max_rows);
            }
            batches.push(batch);
        }
        // The batches' own schema when there are rows (the plan's may differ in nullability).
        let schema = batches.first().map_or(schema, RecordBatch::schema);
        Ok(Answer { schema, batches })
    };
    match tokio::time::timeout(limits.timeout, collect).await {
        Ok(answer) => answer,
        Err(_) => bail!("the query ran past {:?}: narrow it, or raise --timeout", limits.timeout),
    }
}
