//! The `folio-server` command: pick the dataset, bind, serve on every core, stop gracefully.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use folio_engine::alloc::Metered;
use folio_engine::sql::{Catalog, SqlLimits, WorkerCommand};
use folio_server::dataset::{DatasetConfig, TABLES_SEED, default_tables_dir, prepare};
use folio_server::serve::ServeConfig;
use folio_server::{AppState, Limits, app};

/// mimalloc: per-thread free lists suit many small, short-lived allocations on every core. The
/// meter around it only counts in a SQL worker, while a query runs (see `folio_engine::alloc`).
#[global_allocator]
static ALLOCATOR: Metered<mimalloc::MiMalloc> = Metered::new(mimalloc::MiMalloc);

/// The hidden first argument that makes this binary a SQL worker (started by the server itself).
const SQL_WORKER: &str = "__sql-worker";

/// Serves a Wikipedia dump and its Folio index over HTTP, on every core.
///
/// With no arguments it serves the embedded sample (English Wikipedia, 206 pages), indexing it
/// into data/enwiki-sample on first start.
#[derive(Debug, Parser)]
#[command(name = "folio-server", version, about)]
struct Args {
    /// An index directory to serve (built by `folio-ingest build`).
    #[arg(long, env = "FOLIO_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// A dump (.xml or .xml.bz2) to serve; indexed into --data (default data/NAME) if needed.
    #[arg(long, env = "FOLIO_DUMP", value_name = "FILE")]
    dump: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, env = "FOLIO_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Worker threads of the async runtime (default: the number of cores).
    #[arg(long, env = "FOLIO_WORKERS", value_name = "N")]
    workers: Option<usize>,
    /// Seconds requests in flight get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "FOLIO_GRACE", default_value_t = 10, value_name = "SECONDS")]
    grace: u64,
    /// Directory of the SQL tables world and fortune (default: `tables/` beside the index).
    #[arg(long, env = "FOLIO_TABLES", value_name = "DIR")]
    tables: Option<PathBuf>,
    /// Longest an ad-hoc `/sql` query may run, in seconds.
    #[arg(long, env = "FOLIO_SQL_TIMEOUT", default_value_t = 10.0, value_name = "SECONDS")]
    sql_timeout: f64,
    /// Most memory one `/sql` query may hold, its answer included, in MiB.
    #[arg(long, env = "FOLIO_SQL_MEMORY", default_value_t = 512, value_name = "MIB")]
    sql_memory: usize,
    /// Most memory all `/sql` queries together may hold, in MiB: this divided by --sql-memory
    /// queries run at once, each in its own worker process.
    #[arg(long, env = "FOLIO_SQL_MEMORY_TOTAL", default_value_t = 1024, value_name = "MIB")]
    sql_memory_total: usize,
    /// Most rows one `/sql` answer may have.
    #[arg(long, env = "FOLIO_SQL_MAX_ROWS", default_value_t = 100_000, value_name = "N")]
    sql_max_rows: usize,
    /// Most bytes one `/sql` answer may have, in MiB (at most --sql-memory).
    #[arg(long, env = "FOLIO_SQL_MAX_BYTES", default_value_t = 64, value_name = "MIB")]
    sql_max_bytes: usize,
    /// Most `/sql` queries running or waiting for a worker; past it 503 with Retry-After.
    #[arg(long, env = "FOLIO_SQL_QUEUE", default_value_t = 64, value_name = "N")]
    sql_queue: usize,
    /// Most connections open at once; past it new ones get 503 with Retry-After.
    #[arg(long, env = "FOLIO_MAX_CONNECTIONS", default_value_t = 16_384, value_name = "N")]
    max_connections: usize,
    /// Most requests handled at once; past it requests get 503 with Retry-After.
    #[arg(long, env = "FOLIO_MAX_INFLIGHT", default_value_t = 4096, value_name = "N")]
    max_inflight: usize,
    /// Most bytes one `/xml` answer carries (all its ranges together).
    #[arg(long, env = "FOLIO_MAX_RANGE_BYTES", default_value_t = 1 << 30, value_name = "BYTES")]
    max_range_bytes: u64,
    /// Seconds a client gets to send a request's head; also how long an idle connection is kept.
    #[arg(long, env = "FOLIO_HEADER_TIMEOUT", default_value_t = 30.0, value_name = "SECONDS")]
    header_timeout: f64,
    /// No progress bar while indexing.
    #[arg(long, short, env = "FOLIO_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    quiet: bool,
}

fn main() -> ExitCode {
    if std::env::args_os().nth(1).is_some_and(|a| a == SQL_WORKER) {
        return folio_engine::sql::worker::serve();
    }
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    let index = prepare(&DatasetConfig { data: args.data, dump: args.dump, progress: !args.quiet })?;
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("folio-worker")
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let tables = args.tables.clone().unwrap_or_else(|| default_tables_dir(index.dir()));
    let timeout = Duration::try_from_secs_f64(args.sql_timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .context("--sql-timeout must be a positive number of seconds")?;
    if args.sql_memory == 0 || args.sql_memory > args.sql_memory_total {
        anyhow::bail!("--sql-memory must be at least 1 MiB and at most --sql-memory-total");
    }
    if args.sql_max_bytes == 0 || args.sql_max_bytes > args.sql_memory {
        anyhow::bail!("--sql-max-bytes must be at least 1 MiB and at most --sql-memory");
    }
    let limits = SqlLimits {
        timeout,
        memory: args.sql_memory << 20,
        memory_total: args.sql_memory_total << 20,
        max_rows: args.sql_max_rows.max(1),
        max_bytes: args.sql_max_bytes << 20,
        queue: args.sql_queue.max(1),
        partitions: workers,
    };
    let worker = WorkerCommand { program: self_exe()?, args: vec![SQL_WORKER.into()] };
    runtime.block_on(async {
        let index = std::sync::Arc::new(index);
        let catalog = Catalog::open(&tables, TABLES_SEED, Some(index.clone()), limits, Some(worker))
            .await
            .with_context(|| format!("{}: cannot open the SQL tables", tables.display()))?;
        let recovery = catalog.recovery();
        if recovery.replayed > 0 || recovery.torn_bytes > 0 {
            eprintln!(
                "folio-server: world log replayed {} records ({} torn bytes cut off)",
                recovery.replayed, recovery.torn_bytes
            );
        }
        let limits = Limits {
            max_inflight: args.max_inflight.max(1),
            max_range_bytes: args.max_range_bytes.max(1),
            heavy_running: workers,
            ..Limits::default()
        };
        let state = AppState::new(index, catalog, limits);
        state.verify_in_background();
        let config = ServeConfig {
            max_connections: args.max_connections.max(1),
            header_timeout: Duration::try_from_secs_f64(args.header_timeout)
                .ok()
                .filter(|t| !t.is_zero())
                .context("--header-timeout must be a positive number of seconds")?,
            grace: Duration::from_secs(args.grace),
            ..ServeConfig::default()
        };
        serve(state, args.listen, workers, config).await
    })
}

async fn serve(state: AppState, listen: SocketAddr, workers: usize, config: ServeConfig) -> Result<()> {
    let catalog = state.catalog.clone();
    let stats = state.stats.clone();
    let pages = state.index.len();
    let dump = state.index.dump_path().display().to_string();
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let open_files = raise_open_file_limit();
    if open_files < config.max_connections as u64 + 64 {
        eprintln!(
            "folio-server: at most {open_files} open files (ulimit -n); --max-connections {} will not be reached",
            config.max_connections
        );
    }
    println!("folio-server: serving {pages} pages of {dump} on {workers} workers at http://{addr}/");
    let grace = config.grace;
    if !folio_server::serve::serve(listener, app(state), config, stats, shutdown_signal()).await {
        eprintln!("folio-server: requests still running after {}s; exiting", grace.as_secs());
    }
    // Every acknowledged update is already in the log; fold it into a checkpoint.
    if let Err(e) = catalog.checkpoint().await {
        eprintln!("folio-server: checkpoint of world failed ({e}); the log keeps every update");
    }
    eprintln!("folio-server: stopped");
    Ok(())
}

/// This binary, to start SQL workers from: `/proc/self/exe` stays this very program even if the
/// file is replaced while the server runs.
fn self_exe() -> Result<PathBuf> {
    let proc = PathBuf::from("/proc/self/exe");
    if proc.exists() { Ok(proc) } else { std::env::current_exe().context("cannot find this program's path") }
}

/// Raises the soft limit of open files to the hard one (each connection is a file); returns it.
fn raise_open_file_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current.is_some() && (limit.maximum.is_none() || limit.current < limit.maximum) {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
