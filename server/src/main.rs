//! The `folio-server` command: pick the dataset, bind, serve on every core, stop gracefully.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use folio_engine::sql::{Catalog, SqlLimits};
use folio_server::dataset::{DatasetConfig, TABLES_SEED, default_tables_dir, prepare};
use folio_server::{AppState, Limits, app};

/// mimalloc: per-thread free lists suit many small, short-lived allocations on every core.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Most memory one `/sql` query may use, in MiB.
    #[arg(long, env = "FOLIO_SQL_MEMORY", default_value_t = 512, value_name = "MIB")]
    sql_memory: usize,
    /// Most rows one `/sql` answer may have.
    #[arg(long, env = "FOLIO_SQL_MAX_ROWS", default_value_t = 100_000, value_name = "N")]
    sql_max_rows: usize,
    /// No progress bar while indexing.
    #[arg(long, short, env = "FOLIO_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    quiet: bool,
}

fn main() -> ExitCode {
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
    let limits = SqlLimits {
        timeout,
        memory: args.sql_memory.max(1) << 20,
        max_rows: args.sql_max_rows.max(1),
        partitions: workers,
    };
    runtime.block_on(async {
        let index = std::sync::Arc::new(index);
        let catalog = Catalog::open(&tables, TABLES_SEED, Some(index.clone()), limits)
            .await
            .with_context(|| format!("{}: cannot open the SQL tables", tables.display()))?;
        let recovery = catalog.recovery();
        if recovery.replayed > 0 || recovery.torn_bytes > 0 {
            eprintln!(
                "folio-server: world log replayed {} records ({} torn bytes cut off)",
                recovery.replayed, recovery.torn_bytes
            );
        }
        let state = AppState::new(index, catalog, Limits::default());
        serve(state, args.listen, workers, Duration::from_secs(args.grace)).await
    })
}

async fn serve(state: AppState, listen: SocketAddr, workers: usize, grace: Duration) -> Result<()> {
    let index = state.index.clone();
    let catalog = state.catalog.clone();
    let pages = index.len();
    let dump = index.dump_path().display().to_string();
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    println!("folio-server: serving {pages} pages of {dump} on {workers} workers at http://{addr}/");
    let mut stopped = stop_rx.clone();
    // TCP_NODELAY: an answer leaves as soon as it is written, not when Nagle's algorithm sees an
    // acknowledgement (as every HTTP server of the TechEmpower suite does).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .into_future();
    let mut stopping = stop_rx;
    tokio::select! {
        done = server => done.context("serving")?,
        _ = async {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => eprintln!("folio-server: requests still running after {}s; exiting", grace.as_secs()),
    }
    // Every acknowledged update is already in the log; fold it into a checkpoint.
    if let Err(e) = catalog.checkpoint().await {
        eprintln!("folio-server: checkpoint of world failed ({e}); the log keeps every update");
    }
    eprintln!("folio-server: stopped");
    Ok(())
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
