//! Logs: `tracing` events from every crate, written to stderr by one subscriber that the binary
//! installs. Human-readable lines by default, one JSON object per line with `--log-format json`;
//! the level and per-module filters come from `FOLIO_LOG` (`RUST_LOG` syntax, default `info`).
//! The request log is the target [`ACCESS`], on only with `--access-log`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The target of request-log events (one per answered request).
pub const ACCESS: &str = "folio::access";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-12-02T18:52:53.123Z  INFO folio_server: message key=value`.
    #[default]
    Human,
    /// `{"timestamp":..,"level":"INFO","target":..,"message":..,..fields}` per line.
    Json,
}

/// What the subscriber writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogConfig {
    /// Line format.
    pub format: LogFormat,
    /// Log every request (target [`ACCESS`]).
    pub access: bool,
}

/// Installs the subscriber for this process. Fails on a `FOLIO_LOG` that does not parse.
pub fn init(config: LogConfig) -> anyhow::Result<()> {
    let base = std::env::var("FOLIO_LOG").unwrap_or_else(|_| "info".into());
    let access = if config.access { "info" } else { "off" };
    let filter = EnvFilter::builder()
        .parse(format!("{base},{ACCESS}={access}"))
        .map_err(|e| anyhow::anyhow!("FOLIO_LOG={base:?}: {e} (example: FOLIO_LOG=info,folio_engine=debug)"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let installed = match config.format {
        LogFormat::Human => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}

/// True when request-log events are wanted (checked once, when the router is built).
pub fn access_enabled() -> bool {
    tracing::enabled!(target: ACCESS, tracing::Level::INFO)
}
