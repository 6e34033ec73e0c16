//! The `folio-ingest` command: argument parsing in `cmd/cli.rs`, one file per subcommand.

use std::process::ExitCode;

use clap::Parser;

mod cmd;

use cmd::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Library events (`FOLIO_LOG=debug` shows the build's stage timings) on stderr; the default
    // level keeps a plain run silent but for the progress bar.
    let filter = std::env::var("FOLIO_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", folio_ingest::error::chain(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> folio_ingest::Result<()> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| folio_ingest::IngestError::input("--threads", format!("cannot start {n} threads: {e}")))?;
    }
    let progress = !cli.quiet;
    match cli.command {
        Command::Build { dump, out, no_search, no_links, fulltext, compressed } => {
            use folio_ingest::build::Search;
            let search = match (no_search, no_links) {
                (true, _) => Search::Off,
                (false, true) => Search::Unranked,
                (false, false) => Search::Ranked,
            };
            cmd::build::run(dump, out, progress, search, fulltext, compressed)
        }
        Command::Fulltext { dir } => cmd::fulltext::run(&dir, progress),
        Command::Verify { dir } => cmd::verify::run(&dir),
        Command::Info { dir } => cmd::info::run(&dir),
        Command::Synth { pages, out, seed, multistream } => cmd::synth::run(pages, &out, seed, multistream, progress),
    }
}
