//! The `folio-server` command: read the flags ([`folio_server::config`]), open the dataset, bind,
//! serve on every core, stop gracefully. With the hidden first argument `__sql-worker` it is a
//! SQL worker instead (started by the server itself).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use folio_engine::alloc::Metered;
use folio_server::config::{Args, Config};
use folio_server::dataset::{SQL_WORKER_ARG, open_state, prepare};
use folio_server::flight::FlightListener;
use folio_server::listen::Listeners;
use folio_server::serve::{Runtime, ServeConfig};
use folio_server::{AppState, app};

/// mimalloc: per-thread free lists suit many small, short-lived allocations on every core. The
/// meter around it only counts in a SQL worker, while a query runs (see `folio_engine::alloc`).
#[global_allocator]
static ALLOCATOR: Metered<mimalloc::MiMalloc> = Metered::new(mimalloc::MiMalloc);

fn main() -> ExitCode {
    if std::env::args_os().nth(1).is_some_and(|a| a == SQL_WORKER_ARG) {
        return folio_engine::sql::worker::serve();
    }
    let config = Args::parse().config().and_then(|c| folio_server::logging::init(c.log).map(|()| c));
    match config.and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: Config) -> Result<()> {
    let Config { dataset, reload_poll, listen, flight, tables, tables_mode, sql, api, serve: serve_config, log: _ } =
        config;
    let library = prepare(&dataset)?;
    // Per core, the event loops are threads of their own (see `serve`); this thread's runtime
    // opens the datasets, watches for signals and new indexes, and runs the SQL workers' pipes.
    let runtime = match serve_config.runtime {
        Runtime::PerCore => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Runtime::Shared => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(serve_config.workers)
            .thread_name("folio-worker")
            .enable_all()
            .build(),
    }
    .context("starting the runtime")?;
    runtime.block_on(async {
        let state = open_state(library, tables, tables_mode, sql, api, self_exe()?).await?;
        let watcher = tokio::spawn(folio_server::reload::watch(state.clone(), reload_poll));
        let follower = tokio::spawn(folio_server::reload::follow_tables(state.clone()));
        let served = serve(state, listen, flight, serve_config).await;
        watcher.abort();
        follower.abort();
        served
    })
}

async fn serve(state: AppState, listen: SocketAddr, flight: Option<SocketAddr>, config: ServeConfig) -> Result<()> {
    let catalog = state.catalog.clone();
    let stats = state.stats.clone();
    let first = state.library.first().current();
    let (pages, dump) = (first.index().len(), first.index().dump_path().display().to_string());
    let others = state.library.len() - 1;
    let more = if others > 0 { format!(" and {others} more dataset(s) under /d/NAME/") } else { String::new() };
    let listeners = Listeners::bind(listen, config.runtime.listeners(config.workers))
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listeners.local_addr();
    let (workers, runtime) = (config.workers, config.runtime);
    let open_files = raise_open_file_limit();
    if open_files < config.max_connections as u64 + 64 {
        tracing::warn!(
            "at most {open_files} open files (ulimit -n); --max-connections {} will not be reached",
            config.max_connections
        );
    }
    let shutdown = shutdown_signal(state.clone(), config.drain)?;
    // Flight SQL (if asked) runs on this thread's runtime and stops with the HTTP side.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    let flight = match flight {
        Some(addr) => {
            let listener = FlightListener::bind(addr).await?;
            let addr = listener.local_addr()?;
            let mut stopped = stopped.clone();
            let state = state.clone();
            let task = tokio::spawn(async move {
                let stop = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                if let Err(e) = listener.serve(state, stop).await {
                    tracing::error!("Flight SQL stopped: {e:#}");
                }
            });
            Some((addr, task))
        }
        None => None,
    };
    // The URL on stdout: what a person opens, and what scripts wait for.
    let how = match runtime {
        Runtime::PerCore => "event loops",
        Runtime::Shared => "workers of a shared runtime",
    };
    if let Some((flight, _)) = &flight {
        println!("folio-server: Arrow Flight SQL at grpc://{flight}");
    }
    println!("folio-server: serving {pages} pages of {dump}{more} on {workers} {how} at http://{addr}/");
    tracing::info!(%addr, pages, workers, ?runtime, "serving");
    let grace = config.grace;
    if !folio_server::serve::serve(listeners, app(state), config, stats, shutdown).await {
        tracing::warn!("requests still running after {}s; exiting", grace.as_secs());
    }
    if let Some((_, task)) = flight {
        // Calls in flight finish (within the same grace), then the task ends.
        if tokio::time::timeout(grace, task).await.is_err() {
            tracing::warn!("Flight SQL calls still running after {}s; exiting", grace.as_secs());
        }
    }
    // Every acknowledged update is already in the log; fold it into a checkpoint.
    if let Err(e) = catalog.checkpoint().await {
        tracing::error!("checkpoint of world failed ({e}); the log keeps every update");
    }
    tracing::info!("stopped");
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

/// Resolves on SIGINT (Ctrl-C) at once, or `drain` after SIGTERM: meanwhile the server answers
/// as before but `/ready` says 503, so a load balancer stops sending it requests before it stops
/// taking them (a second SIGTERM, or a SIGINT, ends the wait). The handlers are installed here,
/// before the URL is printed: a signal sent as soon as the server answers stops it gracefully.
fn shutdown_signal(state: AppState, drain: Duration) -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    Ok(async move {
        let terminated = tokio::select! { _ = int.recv() => false, _ = term.recv() => true };
        state.drain();
        if terminated && !drain.is_zero() {
            tracing::info!("SIGTERM: /ready answers 503; stopping in {:.1}s", drain.as_secs_f64());
            tokio::select! { _ = tokio::time::sleep(drain) => {}, _ = int.recv() => {}, _ = term.recv() => {} }
        }
    })
}
