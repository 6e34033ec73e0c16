//! The `folio-ingest` command: argument parsing in `cmd/cli.rs`, one file per subcommand.

use std::process::ExitCode;

use clap::Parser;

mod cmd;

use cmd::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Build { dump, out } => cmd::build::run(dump, out, progress),
        Command::Verify { dir } => cmd::verify::run(&dir),
        Command::Info { dir } => cmd::info::run(&dir),
        Command::Synth { pages, out, seed } => cmd::synth::run(pages, &out, seed, progress),
    }
}
