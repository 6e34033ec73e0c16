//! `folio-cluster`: Folio's page tables as SQL on a Ballista cluster. See the crate's docs.

use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use folio_cluster::nodes::{self, ExecutorOptions};
use folio_cluster::{Datasets, Format, Limits, query};

#[derive(Parser)]
#[command(version, about = "Folio's page tables as SQL on an Apache DataFusion Ballista cluster")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a SQL statement over the page tables of --data: `pages` (and `all_pages`) holds every
    /// dataset's rows with a `dataset` column, `NAME.pages` one dataset's.
    Query {
        /// A dataset: an index directory (folio-ingest build), named NAME or after the directory.
        /// Repeat for more (or separate them with commas).
        #[arg(long, env = "FOLIO_DATA", value_name = "[NAME=]DIR", value_delimiter = ',', required = true)]
        data: Vec<String>,
        /// The cluster's scheduler (df://HOST:PORT, as `folio-cluster scheduler` prints it). Without
        /// it, the statement runs on a scheduler and an executor in this process.
        #[arg(long, env = "FOLIO_SCHEDULER", value_name = "URL")]
        scheduler: Option<String>,
        /// How the answer is written to stdout.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Stop the query after this many seconds.
        #[arg(long, default_value_t = Limits::default().timeout.as_secs_f64(), value_name = "SECONDS")]
        timeout: f64,
        /// Stop the query when its answer has more rows than this (an answer is never cut).
        #[arg(long, default_value_t = Limits::default().max_rows, value_name = "N")]
        max_rows: usize,
        /// Print the statement's rows and wall time (planning, running, collecting) to stderr.
        #[arg(long)]
        timing: bool,
        /// One read-only statement (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE).
        sql: String,
    },
    /// Run a scheduler: it plans statements and hands their tasks to executors.
    Scheduler {
        /// Address to listen on (port 0: any free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:50050", value_name = "ADDR")]
        bind: SocketAddr,
    },
    /// Run an executor: it runs tasks of the scheduler's jobs on this machine's cores. Every
    /// dataset's files must be at the same path here as where queries name them.
    Executor {
        /// The scheduler (HOST:PORT, or df://HOST:PORT).
        #[arg(long, default_value = "127.0.0.1:50050", value_name = "ADDR")]
        scheduler: String,
        /// Address it serves shuffle data on (Arrow Flight).
        #[arg(long, default_value = "127.0.0.1:50051", value_name = "ADDR")]
        bind: SocketAddr,
        /// The host name or address the scheduler and other executors reach it by (default: the
        /// --bind address, or with 0.0.0.0 the address the scheduler sees it connect from).
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// Port of its gRPC service, on the same host as --bind.
        #[arg(long, default_value_t = 50052, value_name = "PORT")]
        grpc_port: u16,
        /// Tasks it runs at once (default: one per core).
        #[arg(long, default_value_t = 0, value_name = "N")]
        slots: usize,
        /// Bytes its running tasks' operators may hold together (default: 70 % of memory).
        #[arg(long, value_name = "BYTES")]
        memory: Option<u64>,
        /// Directory for shuffle files (default: a temporary directory).
        #[arg(long, value_name = "DIR")]
        work_dir: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ballista's and DataFusion's log records, filtered by FOLIO_LOG (RUST_LOG syntax), on stderr.
    let filter = std::env::var("FOLIO_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
    // DataFusion's planner recurses deeply in debug builds: Ballista's own binaries use 32 MiB.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(32 << 20).build();
    let result = runtime.context("starting the runtime").and_then(|rt| rt.block_on(run(cli.command)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of the answer went away (`| head`): nothing is wrong.
        Err(e)
            if e.chain()
                .any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == ErrorKind::BrokenPipe)) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Query { data, scheduler, format, timeout, max_rows, timing, sql } => {
            let timeout = Duration::try_from_secs_f64(timeout).ok().filter(|t| !t.is_zero());
            let timeout = timeout.context("--timeout: give seconds, more than 0")?;
            let datasets = Datasets::open(&data)?;
            let ctx = match &scheduler {
                Some(url) => query::remote(url, &datasets).await?,
                None => query::standalone(&datasets).await?,
            };
            let started = Instant::now();
            let answer = query::run(&ctx, &sql, &Limits { timeout, max_rows }).await?;
            if timing {
                let rows = answer.rows();
                let ms = started.elapsed().as_secs_f64() * 1e3;
                eprintln!("{rows} row{} in {ms:.1} ms", if rows == 1 { "" } else { "s" });
            }
            // Encoded whole first (the rows are in memory already): a failed write to stdout is
            // then an io::Error of its own, which a closed pipe is not an error of.
            let mut encoded = Vec::new();
            answer.write(format, &mut encoded)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&encoded)?;
            out.flush()?;
            Ok(())
        }
        Command::Scheduler { bind } => nodes::scheduler(bind).await,
        Command::Executor { scheduler, bind, external_host, grpc_port, slots, memory, work_dir } => {
            let address = scheduler.strip_prefix("df://").unwrap_or(&scheduler);
            let (host, port) = address
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
                .with_context(|| format!("--scheduler {scheduler}: give HOST:PORT"))?;
            let options =
                ExecutorOptions { scheduler: (host, port), bind, external_host, grpc_port, slots, memory, work_dir };
            nodes::executor(options).await
        }
    }
}
