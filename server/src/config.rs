//! The command line of `folio-server` (clap) and the plain [`Config`] it becomes: the one place
//! where flags turn into the engine's and the server's settings, checked. Nothing after
//! [`Args::config`] sees clap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use folio_engine::sql::{SqlLimits, TablesMode};

use crate::dataset::DatasetConfig;
use crate::logging::{LogConfig, LogFormat};
use crate::serve::{Runtime, ServeConfig};
use crate::state::Limits;

/// Serves a Wikipedia dump and its Folio index over HTTP, on every core.
///
/// With no arguments it serves the embedded sample (English Wikipedia, 206 pages) twice: as a
/// plain dump (enwiki_sample, indexed into data/enwiki-sample on first start) and as a
/// compressed multistream dump served in place (enwiki_multistream).
#[derive(Debug, Parser)]
#[command(name = "folio-server", version, about)]
pub struct Args {
    /// An index directory to serve (built by `folio-ingest build`), named NAME (a-z, 0-9, _;
    /// default: the directory's name). Repeat it to serve several datasets, each under
    /// /d/NAME/; the first (or --default) is also served at the root paths.
    #[arg(long, env = "FOLIO_DATA", value_name = "[NAME=]DIR", value_delimiter = ',')]
    pub data: Vec<String>,
    /// The dataset served at the root paths (default: the first --data).
    #[arg(long, env = "FOLIO_DEFAULT", value_name = "NAME")]
    pub default: Option<String>,
    /// Seconds between checks for a new index published over a served directory (one stat per
    /// dataset); 0 checks only on SIGHUP.
    #[arg(long, env = "FOLIO_RELOAD_POLL", default_value_t = 2.0, value_name = "SECONDS")]
    pub reload_poll: f64,
    /// A dump (.xml or .xml.bz2) to serve; indexed into --data (default data/NAME) if needed.
    #[arg(long, env = "FOLIO_DUMP", value_name = "FILE")]
    pub dump: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, env = "FOLIO_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Also answer Arrow Flight SQL (ADBC, pyarrow.flight, JDBC) on this address: the same
    /// read-only SQL as POST /sql, within the same limits.
    #[arg(long, env = "FOLIO_FLIGHT", value_name = "ADDR")]
    pub flight: Option<SocketAddr>,
    /// Event loops, or worker threads of the shared runtime (default: the number of cores).
    #[arg(long, env = "FOLIO_WORKERS", value_name = "N")]
    pub workers: Option<usize>,
    /// per-core: each worker an OS thread with its own event loop and listener
    /// (SO_REUSEPORT), connections never moved between cores; shared: one multi-thread tokio
    /// runtime (work-stealing) behind one accept loop.
    #[arg(long, env = "FOLIO_RUNTIME", value_enum, default_value_t = Runtime::PerCore, value_name = "KIND")]
    pub runtime: Runtime,
    /// Seconds requests in flight get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "FOLIO_GRACE", default_value_t = 10, value_name = "SECONDS")]
    pub grace: u64,
    /// Directory of the SQL tables world and fortune (default: `tables/` beside the index).
    #[arg(long, env = "FOLIO_TABLES", value_name = "DIR")]
    pub tables: Option<PathBuf>,
    /// Open the SQL tables read-only, beside the one server that writes them (replicas behind a
    /// load balancer): no lock taken, updates refused (403 read_only), the writer's commits
    /// followed within a quarter of a second.
    #[arg(long, env = "FOLIO_TABLES_READ_ONLY", value_parser = clap::builder::FalseyValueParser::new())]
    pub tables_read_only: bool,
    /// Seconds between SIGTERM and the stop: meanwhile /ready answers 503, so that a load
    /// balancer takes the server out of its pool while it still answers. A second SIGTERM, or
    /// SIGINT, stops it at once.
    #[arg(long, env = "FOLIO_DRAIN", default_value_t = 0.0, value_name = "SECONDS")]
    pub drain: f64,
    /// Longest an ad-hoc `/sql` query may run, in seconds.
    #[arg(long, env = "FOLIO_SQL_TIMEOUT", default_value_t = 10.0, value_name = "SECONDS")]
    pub sql_timeout: f64,
    /// Most memory one `/sql` query may hold, its answer included, in MiB.
    #[arg(long, env = "FOLIO_SQL_MEMORY", default_value_t = 512, value_name = "MIB")]
    pub sql_memory: usize,
    /// Most memory all `/sql` queries together may hold, in MiB: this divided by --sql-memory
    /// queries run at once, each in its own worker process.
    #[arg(long, env = "FOLIO_SQL_MEMORY_TOTAL", default_value_t = 1024, value_name = "MIB")]
    pub sql_memory_total: usize,
    /// Most rows one `/sql` answer may have.
    #[arg(long, env = "FOLIO_SQL_MAX_ROWS", default_value_t = 100_000, value_name = "N")]
    pub sql_max_rows: usize,
    /// Most bytes one `/sql` answer may have, in MiB (at most --sql-memory).
    #[arg(long, env = "FOLIO_SQL_MAX_BYTES", default_value_t = 64, value_name = "MIB")]
    pub sql_max_bytes: usize,
    /// Most `/sql` queries running or waiting for a worker; past it 503 with Retry-After.
    #[arg(long, env = "FOLIO_SQL_QUEUE", default_value_t = 64, value_name = "N")]
    pub sql_queue: usize,
    /// Most connections open at once; past it new ones get 503 with Retry-After.
    #[arg(long, env = "FOLIO_MAX_CONNECTIONS", default_value_t = 16_384, value_name = "N")]
    pub max_connections: usize,
    /// Most requests handled at once; past it requests get 503 with Retry-After.
    #[arg(long, env = "FOLIO_MAX_INFLIGHT", default_value_t = 4096, value_name = "N")]
    pub max_inflight: usize,
    /// Most bytes one `/xml` answer carries (all its ranges together).
    #[arg(long, env = "FOLIO_MAX_RANGE_BYTES", default_value_t = 1 << 30, value_name = "BYTES")]
    pub max_range_bytes: u64,
    /// Most bytes one `/xml` answer carries from a compressed dataset, whose ranges are decoded
    /// (about 20-50 MB/s per core) and held in memory: smaller than --max-range-bytes.
    #[arg(long, env = "FOLIO_MAX_RANGE_BYTES_COMPRESSED", default_value_t = 16 << 20, value_name = "BYTES")]
    pub max_range_bytes_compressed: u64,
    /// MiB of decoded bz2 streams a compressed dataset keeps in memory, shared by all workers.
    #[arg(long, env = "FOLIO_STREAM_CACHE", default_value_t = 256, value_name = "MIB")]
    pub stream_cache: u64,
    /// Seconds a client gets to send a request's head; also how long an idle connection is kept.
    #[arg(long, env = "FOLIO_HEADER_TIMEOUT", default_value_t = 30.0, value_name = "SECONDS")]
    pub header_timeout: f64,
    /// Log line format on stderr (the level comes from FOLIO_LOG, e.g. `info,folio_engine=debug`).
    #[arg(long, env = "FOLIO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, value_name = "FORMAT")]
    pub log_format: LogFormat,
    /// Log every request: method, URI, status, microseconds, bytes.
    #[arg(long, env = "FOLIO_ACCESS_LOG", value_parser = clap::builder::FalseyValueParser::new())]
    pub access_log: bool,
    /// No progress bar while indexing.
    #[arg(long, short, env = "FOLIO_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,
}

/// Everything the server needs to start, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which datasets to serve.
    pub dataset: DatasetConfig,
    /// How often to look for a new index of a dataset (`None`: only on SIGHUP).
    pub reload_poll: Option<Duration>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where to answer Arrow Flight SQL, if anywhere.
    pub flight: Option<SocketAddr>,
    /// The tables directory, if given (default: `tables/` beside the index).
    pub tables: Option<PathBuf>,
    /// Whether this server writes the tables or follows their writer.
    pub tables_mode: TablesMode,
    /// Limits of ad-hoc SQL.
    pub sql: SqlLimits,
    /// Limits of the API.
    pub api: Limits,
    /// Connections and shutdown.
    pub serve: ServeConfig,
    /// Logs.
    pub log: LogConfig,
}

fn seconds(value: f64, flag: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|t| !t.is_zero())
        .with_context(|| format!("{flag} must be a positive number of seconds"))
}

impl Args {
    /// The configuration these flags ask for, or what is wrong with them.
    pub fn config(self) -> Result<Config> {
        let workers =
            self.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
        if self.sql_memory == 0 || self.sql_memory > self.sql_memory_total {
            anyhow::bail!("--sql-memory must be at least 1 MiB and at most --sql-memory-total");
        }
        if self.sql_max_bytes == 0 || self.sql_max_bytes > self.sql_memory {
            anyhow::bail!("--sql-max-bytes must be at least 1 MiB and at most --sql-memory");
        }
        let sql = SqlLimits {
            timeout: seconds(self.sql_timeout, "--sql-timeout")?,
            memory: self.sql_memory << 20,
            memory_total: self.sql_memory_total << 20,
            max_rows: self.sql_max_rows.max(1),
            max_bytes: self.sql_max_bytes << 20,
            queue: self.sql_queue.max(1),
            partitions: workers,
        };
        let api = Limits {
            max_inflight: self.max_inflight.max(1),
            max_range_bytes: self.max_range_bytes.max(1),
            max_range_bytes_compressed: self.max_range_bytes_compressed.max(1),
            heavy_running: workers,
            ..Limits::default()
        };
        let serve = ServeConfig {
            max_connections: self.max_connections.max(1),
            header_timeout: seconds(self.header_timeout, "--header-timeout")?,
            grace: Duration::from_secs(self.grace),
            drain: Duration::try_from_secs_f64(self.drain)
                .ok()
                .context("--drain must be a number of seconds, 0 or more")?,
            workers,
            runtime: self.runtime,
            // Bodies a route refuses with its own 413 are still read whole.
            max_body: (api.max_sql_body + 1).max(ServeConfig::default().max_body),
            ..ServeConfig::default()
        };
        Ok(Config {
            dataset: DatasetConfig {
                data: self.data.iter().map(|d| folio_engine::library::parse_data(d)).collect(),
                dump: self.dump,
                default: self.default,
                progress: !self.quiet,
                stream_cache: self.stream_cache << 20,
            },
            reload_poll: if self.reload_poll == 0.0 { None } else { Some(seconds(self.reload_poll, "--reload-poll")?) },
            listen: self.listen,
            flight: self.flight,
            tables: self.tables,
            tables_mode: if self.tables_read_only { TablesMode::ReadOnly } else { TablesMode::Write },
            sql,
            api,
            serve,
            log: LogConfig { format: self.log_format, access: self.access_log },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(flags: &[&str]) -> Result<Config> {
        Args::try_parse_from(std::iter::once("folio-server").chain(flags.iter().copied()))?.config()
    }

    #[test]
    fn flags_become_checked_settings() {
        let c = parse(&["--workers", "3", "--sql-memory", "64", "--sql-memory-total", "256", "--sql-timeout", "1.5"])
            .unwrap();
        assert_eq!((c.serve.workers, c.sql.partitions, c.api.heavy_running), (3, 3, 3));
        assert_eq!((c.sql.memory, c.sql.slots(), c.sql.timeout), (64 << 20, 4, Duration::from_millis(1500)));
        for bad in [
            &["--sql-memory", "2048"][..],
            &["--sql-max-bytes", "1024"],
            &["--sql-memory", "0"],
            &["--sql-timeout", "0"],
            &["--header-timeout=-1"],
        ] {
            let e = parse(bad).unwrap_err().to_string();
            let flag = bad[0].split('=').next().unwrap();
            assert!(e.contains(flag), "{bad:?}: {e}");
        }
    }
}
