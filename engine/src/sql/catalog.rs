//! [`Catalog`]: the DataFusion session over `world`, `fortune` and `pages`, its prepared
//! statements, the limits of ad-hoc queries, and the counters behind `/stats`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::{Array, Int32Array, RecordBatch, StringArray};
use datafusion::common::ScalarValue;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::SessionContext;

use super::session::{context, df, options};
use super::tables::{self, Seed, fortune_batch, fortune_schema};
use super::worker::{Pool, PoolStats, WorkerCommand};
use super::world::{Recovery, World};
use super::world_exec::{Key, WorldExec, bind};
use super::{Encoded, Format, SqlLimits, guard, param_to_json};
use crate::error::{Error, Limit, Result};

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

/// A statement planned once, physical plan included; run with [`Catalog::world_row`] and
/// [`Catalog::fortunes`].
#[derive(Debug, Clone)]
struct Prepared {
    plan: Arc<dyn ExecutionPlan>,
}

/// How a process opens the tables directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TablesMode {
    /// The one writer: takes the directory's lock, creates the tables, replays and checkpoints the
    /// log, and commits updates.
    #[default]
    Write,
    /// A reader beside the writer (a replica behind a load balancer): takes no lock, writes
    /// nothing, refuses updates, and follows the writer's commits ([`Catalog::follow`]).
    ReadOnly,
}

/// The SQL catalog: `world` (durable, updatable), `fortune` and the datasets' page tables.
///
/// The TechEmpower statements (a `world` row by id, every `fortune`) are planned once at open and
/// run in this process: their cost and size are fixed (one row, twelve rows). Every other
/// statement is ad-hoc and runs in a worker process ([`Catalog::query`]).
pub struct Catalog {
    task: Arc<TaskContext>,
    pool: Option<Pool>,
    world: World,
    limits: SqlLimits,
    world_by_id: Prepared,
    all_fortunes: Prepared,
    fortune_reads: AtomicU64,
    queries: AtomicU64,
    recovery: Recovery,
    dir: PathBuf,
    mode: TablesMode,
    /// The writer's lock of the directory (none when read-only).
    _lock: Option<File>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("dir", &self.dir).field("limits", &self.limits).finish()
    }
}

impl Catalog {
    /// Opens the tables in `dir` (created from `seed` on first start, the log replayed); ad-hoc
    /// queries also see the page tables of `pages` (each dataset's name and `pages.arrow`, the
    /// default first; see the [module](super)). Only one process may write `dir`; any number
    /// may open it [read-only](TablesMode::ReadOnly) beside it.
    /// Ad-hoc queries run in workers started with `worker`; without one they are refused.
    /// Call inside a Tokio runtime (the workers start in the background).
    pub async fn open(
        dir: &Path,
        seed: Seed<'_>,
        pages: Vec<(String, PathBuf)>,
        limits: SqlLimits,
        worker: Option<WorkerCommand>,
        mode: TablesMode,
    ) -> Result<Catalog> {
        let (world, recovery, lock) = match mode {
            TablesMode::Write => {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                let lock = lock(dir)?;
                let (world, recovery) = World::open(dir, seed.world)?;
                (world, recovery, Some(lock))
            }
            TablesMode::ReadOnly => (World::open_read_only(dir)?, Recovery::default(), None),
        };
        let fortune_file = dir.join("fortune.arrow");
        if mode == TablesMode::Write && !fortune_file.exists() {
            let (ids, messages) = tables::parse_fortune_seed(seed.fortune)?;
            tables::write_table(&fortune_file, "fortune", &fortune_batch(&ids, &messages), 0)?;
        }
        let (batch, _) = tables::read_table(&fortune_file, "fortune", &fortune_schema())?;
        let fortunes = fortune_rows(&batch)?;
        // Page tables are read by workers only: this process plans the fixed statements.
        let ctx = context(world.rows().clone(), &fortunes, &[], &limits)?;
        let task = ctx.task_ctx();
        let world_by_id = prepare(&ctx, "SELECT id, randomNumber FROM world WHERE id = $1").await?;
        if !uses_index(&world_by_id.plan) {
            return Err(Error::Sql("the world point query does not use the id index".into()));
        }
        let all_fortunes = prepare(&ctx, "SELECT id, message FROM fortune").await?;
        let pool = worker.map(|command| {
            let rows = fortunes.iter().map(|f| (f.id, f.message.clone())).collect();
            Pool::new(command, pages, rows, world.rows().clone(), limits.clone())
        });
        Ok(Catalog {
            task,
            pool,
            world,
            limits,
            world_by_id,
            all_fortunes,
            fortune_reads: AtomicU64::new(0),
            queries: AtomicU64::new(0),
            recovery,
            dir: dir.to_owned(),
            mode,
            _lock: lock,
        })
    }

    /// What opening found in the log.
    pub fn recovery(&self) -> Recovery {
        self.recovery
    }

    /// Whether this process writes the tables or follows their writer.
    pub fn mode(&self) -> TablesMode {
        self.mode
    }

    /// The limits of ad-hoc queries.
    pub fn limits(&self) -> &SqlLimits {
        &self.limits
    }

    /// The directory of the table files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs a prepared statement with `params` bound to its placeholders. Its size is fixed by
    /// its plan; the time limit holds for it too.
    async fn run(&self, prepared: &Prepared, params: &[ScalarValue]) -> Result<Vec<RecordBatch>> {
        let plan = bind(&prepared.plan, params).map_err(df)?;
        match tokio::time::timeout(self.limits.timeout, collect(plan, self.task.clone())).await {
            Ok(batches) => batches.map_err(df),
            Err(_) => Err(Error::limit(Limit::Time, "a prepared statement ran longer than the time limit")),
        }
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

    /// Runs one ad-hoc, read-only statement with `$n` parameters in a worker process, within
    /// the limits (see [`worker`](super::worker)), and answers it encoded in `format`.
    pub async fn query(&self, sql: &str, params: &[ScalarValue], format: Format) -> Result<Encoded> {
        let params = params.iter().map(param_to_json).collect::<Result<Vec<_>>>()?;
        let pool = self.pool.as_ref().ok_or_else(|| {
            Error::Sql("ad-hoc SQL is off in this process (the catalog was opened without a worker)".into())
        })?;
        self.queries.fetch_add(1, Ordering::Relaxed);
        pool.query(sql, params, format).await
    }

    /// Makes ad-hoc queries read the page tables as they are on disk now (after a dataset was
    /// reloaded): workers map the files when they start, so the idle ones are replaced and a
    /// busy one is replaced when its query ends. A query already running finishes on the old
    /// tables.
    pub fn renew_pages(&self) {
        if let Some(pool) = &self.pool {
            pool.renew();
        }
    }

    /// The workers of ad-hoc queries, if there are any.
    pub fn workers(&self) -> Option<PoolStats> {
        self.pool.as_ref().map(Pool::stats)
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

    /// With tables opened [read-only](TablesMode::ReadOnly): applies what their writer committed
    /// since the last call (a `stat` of two files when nothing changed) and returns the world
    /// ids whose value changed. With the writer's own tables: nothing.
    pub fn follow(&self) -> Result<Vec<u32>> {
        self.world.follow()
    }

    /// Publishes a checkpoint of `world` and empties its log (at shutdown, say).
    pub async fn checkpoint(&self) -> Result<()> {
        self.world.checkpoint().await
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

/// The rows of the `fortune` table file.
fn fortune_rows(batch: &RecordBatch) -> Result<Vec<Fortune>> {
    let (ids, messages) = (column::<Int32Array>(batch, 0)?, column::<StringArray>(batch, 1)?);
    Ok((0..batch.num_rows()).map(|i| Fortune { id: ids.value(i), message: messages.value(i).to_string() }).collect())
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
