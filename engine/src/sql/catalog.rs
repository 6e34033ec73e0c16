//! [`Catalog`]: the DataFusion session over `world`, `fortune` and `pages`, its prepared
//! statements, the limits of ad-hoc queries, and the counters behind `/stats`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use datafusion::arrow::array::{Array, Int32Array, RecordBatch, StringArray};
use datafusion::catalog::MemTable;
use datafusion::common::ScalarValue;
use datafusion::execution::TaskContext;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use futures::StreamExt;

use super::answer::Answer;
use super::tables::{self, Seed, fortune_batch, fortune_schema};
use super::world::{Recovery, World};
use super::world_exec::{Key, WorldExec, WorldTable, bind};
use super::{guard, pages::PagesTable};
use crate::Index;
use crate::error::{Error, Result};

/// Limits of ad-hoc queries; going over one is an [`Error::SqlLimit`], never a cut answer.
#[derive(Debug, Clone)]
pub struct SqlLimits {
    /// Longest a query may run.
    pub timeout: Duration,
    /// Most memory a query's operators may hold (sorts, joins, aggregates); nothing spills to disk.
    pub memory: usize,
    /// Most rows an answer may have.
    pub max_rows: usize,
    /// Partitions a scan is split into (parallelism); defaults to the number of cores.
    pub partitions: usize,
}

impl Default for SqlLimits {
    fn default() -> SqlLimits {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SqlLimits { timeout: Duration::from_secs(10), memory: 512 << 20, max_rows: 100_000, partitions: cores }
    }
}

/// One `world` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldRow {
    /// 1..=10000.
    pub id: i32,
    /// 1..=10000.
    pub random_number: i32,
}

/// One `fortune` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fortune {
    /// The id.
    pub id: i32,
    /// The message, as stored (not escaped).
    pub message: String,
}

/// Counters for `/stats`: anyone can check that N queries ran N reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqlCounters {
    /// Rows read from `world`.
    pub world_rows_read: u64,
    /// `world` rows changed by acknowledged updates.
    pub world_rows_updated: u64,
    /// Log records (group commits) written.
    pub world_commits: u64,
    /// Reads of the whole `fortune` table.
    pub fortune_reads: u64,
    /// Ad-hoc queries run.
    pub queries: u64,
}

/// A statement planned once, physical plan included; run it with [`Catalog::run`].
#[derive(Debug, Clone)]
pub struct Prepared {
    plan: Arc<dyn ExecutionPlan>,
}

/// The SQL catalog: `world` (durable, updatable), `fortune` and, when an index is given, `pages`.
pub struct Catalog {
    ctx: SessionContext,
    /// Ad-hoc queries run here, on their own threads: DataFusion computes inside `poll` and may
    /// not yield for a long time, and the caller's time limit must still fire.
    runtime: Option<tokio::runtime::Runtime>,
    task: Arc<TaskContext>,
    world: World,
    limits: SqlLimits,
    world_by_id: Prepared,
    all_fortunes: Prepared,
    fortune_reads: AtomicU64,
    queries: AtomicU64,
    recovery: Recovery,
    dir: PathBuf,
    _lock: File,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("dir", &self.dir).field("limits", &self.limits).finish()
    }
}

fn options() -> SQLOptions {
    SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false)
}

fn df(e: impl std::fmt::Display) -> Error {
    Error::Sql(e.to_string())
}

impl Catalog {
    /// Opens the tables in `dir` (created from `seed` on first start, the log replayed), and
    /// registers `pages` over `index` if there is one. Only one process may hold `dir`.
    pub async fn open(dir: &Path, seed: Seed<'_>, index: Option<Arc<Index>>, limits: SqlLimits) -> Result<Catalog> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock = lock(dir)?;
        let (world, recovery) = World::open(dir, seed.world)?;
        let fortune_file = dir.join("fortune.arrow");
        if !fortune_file.exists() {
            let (ids, messages) = tables::parse_fortune_seed(seed.fortune)?;
            tables::write_table(&fortune_file, "fortune", &fortune_batch(&ids, &messages), 0)?;
        }
        let (fortunes, _) = tables::read_table(&fortune_file, "fortune", &fortune_schema())?;

        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(limits.partitions.max(1))
            // `randomNumber` is the TechEmpower column name: keep identifiers as written.
            .set_bool("datafusion.sql_parser.enable_ident_normalization", false);
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(limits.memory, 1.0)
            .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled))
            .build_arc()
            .map_err(df)?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        ctx.register_table("world", Arc::new(WorldTable::new(world.rows().clone()))).map_err(df)?;
        let fortune = MemTable::try_new(fortune_schema(), vec![vec![fortunes]]).map_err(df)?;
        ctx.register_table("fortune", Arc::new(fortune)).map_err(df)?;
        if let Some(index) = index {
            ctx.register_table("pages", Arc::new(PagesTable::new(index, limits.partitions))).map_err(df)?;
        }
        let task = ctx.task_ctx();
        let world_by_id = prepare(&ctx, "SELECT id, randomNumber FROM world WHERE id = $1").await?;
        if !uses_index(&world_by_id.plan) {
            return Err(Error::Sql("the world point query does not use the id index".into()));
        }
        let all_fortunes = prepare(&ctx, "SELECT id, message FROM fortune").await?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(limits.partitions.max(1))
            .thread_name("folio-sql")
            .enable_time()
            .build()
            .map_err(|e| Error::io(dir, e))?;
        Ok(Catalog {
            ctx,
            runtime: Some(runtime),
            task,
            world,
            limits,
            world_by_id,
            all_fortunes,
            fortune_reads: AtomicU64::new(0),
            queries: AtomicU64::new(0),
            recovery,
            dir: dir.to_owned(),
            _lock: lock,
        })
    }

    /// What opening found in the log.
    pub fn recovery(&self) -> Recovery {
        self.recovery
    }

    /// The limits of ad-hoc queries.
    pub fn limits(&self) -> &SqlLimits {
        &self.limits
    }

    /// The directory of the table files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Plans a read-only statement once (with `$n` placeholders) for many runs.
    pub async fn prepare(&self, sql: &str) -> Result<Prepared> {
        prepare(&self.ctx, sql).await
    }

    /// Runs a prepared statement with `params` bound to its placeholders.
    pub async fn run(&self, prepared: &Prepared, params: &[ScalarValue]) -> Result<Vec<RecordBatch>> {
        let plan = bind(&prepared.plan, params).map_err(df)?;
        collect(plan, self.task.clone()).await.map_err(df)
    }

    /// The `world` row `id`, read by the prepared point query.
    pub async fn world_row(&self, id: i32) -> Result<Option<WorldRow>> {
        let batches = self.run(&self.world_by_id, &[ScalarValue::Int32(Some(id))]).await?;
        let Some(b) = batches.iter().find(|b| b.num_rows() > 0) else { return Ok(None) };
        Ok(Some(WorldRow {
            id: column::<Int32Array>(b, 0)?.value(0),
            random_number: column::<Int32Array>(b, 1)?.value(0),
        }))
    }

    /// Every `fortune` row, in table order.
    pub async fn fortunes(&self) -> Result<Vec<Fortune>> {
        let batches = self.run(&self.all_fortunes, &[]).await?;
        self.fortune_reads.fetch_add(1, Ordering::Relaxed);
        let mut out = Vec::with_capacity(16);
        for b in &batches {
            let (ids, messages) = (column::<Int32Array>(b, 0)?, column::<StringArray>(b, 1)?);
            for i in 0..b.num_rows() {
                out.push(Fortune { id: ids.value(i), message: messages.value(i).to_string() });
            }
        }
        Ok(out)
    }

    /// Writes `rows` to `world` durably (one group-committed log record), then resolves.
    pub async fn update_world(&self, rows: &[WorldRow]) -> Result<()> {
        let updates = rows
            .iter()
            .map(|r| u32::try_from(r.id).map(|id| (id, r.random_number)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| Error::InvalidInput("world ids are positive".into()))?;
        self.world.update(updates).await
    }

    /// Runs one ad-hoc, read-only query with `$n` parameters, within the limits.
    pub async fn query(&self, sql: &str, params: &[ScalarValue]) -> Result<Answer> {
        let statement = guard::check(sql)?;
        self.queries.fetch_add(1, Ordering::Relaxed);
        let state = self.ctx.state();
        let plan = state.statement_to_plan(statement).await.map_err(df)?;
        options().verify_plan(&plan).map_err(|e| Error::SqlForbidden(e.to_string()))?;
        let plan = if params.is_empty() { plan } else { plan.with_param_values(params.to_vec()).map_err(df)? };
        let max_rows = self.limits.max_rows;
        let task = self.task.clone();
        let run = async move {
            let physical = state.create_physical_plan(&plan).await.map_err(df)?;
            let schema = physical.schema();
            let mut stream = datafusion::physical_plan::execute_stream(physical, task).map_err(limit_or_sql)?;
            let (mut batches, mut rows) = (Vec::new(), 0usize);
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(limit_or_sql)?;
                rows += batch.num_rows();
                if rows > max_rows {
                    return Err(Error::SqlLimit(format!(
                        "the answer has more than {max_rows} rows (the row limit); add a LIMIT or an aggregate"
                    )));
                }
                batches.push(batch);
            }
            Ok(Answer { schema, batches })
        };
        let runtime = self.runtime.as_ref().expect("the SQL runtime lives as long as the catalog");
        // If the caller goes away (a client hangs up), the query is cancelled with it.
        let mut handle = AbortOnDrop(runtime.spawn(run));
        match tokio::time::timeout(self.limits.timeout, &mut handle.0).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => Err(Error::Sql(format!("the query failed: {e}"))),
            Err(_) => {
                // Cancelled (on drop of the handle) at its next yield point; the caller has its
                // answer now.
                Err(Error::SqlLimit(format!(
                    "the query ran longer than {:.1} s (the time limit) and was stopped",
                    self.limits.timeout.as_secs_f64()
                )))
            }
        }
    }

    /// The counters.
    pub fn counters(&self) -> SqlCounters {
        let rows = self.world.rows();
        SqlCounters {
            world_rows_read: rows.reads.load(Ordering::Relaxed),
            world_rows_updated: rows.updated.load(Ordering::Relaxed),
            world_commits: rows.commits.load(Ordering::Relaxed),
            fortune_reads: self.fortune_reads.load(Ordering::Relaxed),
            queries: self.queries.load(Ordering::Relaxed),
        }
    }

    /// Publishes a checkpoint of `world` and empties its log (at shutdown, say).
    pub async fn checkpoint(&self) -> Result<()> {
        self.world.checkpoint().await
    }
}

/// A task handle that cancels its task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Drop for Catalog {
    fn drop(&mut self) {
        // Dropping a runtime may not block inside another runtime; let its threads wind down.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Column `i` of a prepared statement's answer, as the array type its plan promises.
fn column<T: Array + 'static>(batch: &RecordBatch, i: usize) -> Result<&T> {
    batch
        .columns()
        .get(i)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| Error::Sql(format!("a prepared statement answered column {i} with an unexpected type")))
}

/// A DataFusion error, or [`Error::SqlLimit`] when it is the memory pool refusing.
fn limit_or_sql(e: datafusion::error::DataFusionError) -> Error {
    let text = e.to_string();
    if text.contains("Resources exhausted") {
        Error::SqlLimit(format!("the query needs more memory than its limit allows: {text}"))
    } else {
        Error::Sql(text)
    }
}

async fn prepare(ctx: &SessionContext, sql: &str) -> Result<Prepared> {
    let statement = guard::check(sql)?;
    let state = ctx.state();
    let plan = state.statement_to_plan(statement).await.map_err(df)?;
    options().verify_plan(&plan).map_err(|e| Error::SqlForbidden(e.to_string()))?;
    let plan = state.create_physical_plan(&plan).await.map_err(df)?;
    Ok(Prepared { plan })
}

fn uses_index(plan: &Arc<dyn ExecutionPlan>) -> bool {
    if plan.downcast_ref::<WorldExec>().is_some_and(|w| matches!(w.key(), Key::Param(0))) {
        return true;
    }
    plan.children().into_iter().any(uses_index)
}

/// Takes the tables directory's lock, so two servers never write one log.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join("LOCK");
    let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(|_| Error::Unavailable {
        path: path.clone(),
        what: "another Folio server is using these tables".into(),
    })?;
    Ok(file)
}
