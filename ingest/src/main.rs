//! The `folio-ingest` command.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use folio_ingest::build::{BuildConfig, build, summary_line};
use folio_ingest::cli::{Cli, Command};
use folio_ingest::progress::Progress;
use folio_ingest::synth::{SynthConfig, generate};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

fn run(cli: Cli) -> Result<()> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().context("starting the thread pool")?;
    }
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Command::Build { dump, out } => {
            let report = build(&BuildConfig { dump, out: out.clone(), progress: !cli.quiet })?;
            writeln!(stdout, "{}", summary_line(&report, &out))?;
        }
        Command::Verify { dir } => {
            let index = folio_engine::Index::open(&dir)?;
            let report = index.verify()?;
            writeln!(
                stdout,
                "{}: ok: {} files ({} bytes) match their checksums; {} pages checked against {}",
                dir.display(),
                report.files,
                report.file_bytes,
                report.pages,
                index.dump_path().display()
            )?;
        }
        Command::Info { dir } => {
            let m = folio_engine::Manifest::read(&dir.join(folio_engine::format::MANIFEST_FILE))?;
            writeln!(stdout, "{}", folio_ingest::build::describe(&m, &dir))?;
        }
        Command::Synth { pages, out, seed } => {
            let progress = Progress::new(!cli.quiet);
            progress.stage("synth", None);
            let file = std::fs::File::create(&out).with_context(|| format!("{}: cannot create", out.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            let started = std::time::Instant::now();
            let bytes = generate(SynthConfig { pages, seed }, &mut w, &|b, n| {
                progress.inc(b);
                progress.add_pages(n);
            })
            .and_then(|_| w.flush())
            .map(|()| w.get_ref().metadata().map(|m| m.len()))
            .and_then(|r| r)
            .with_context(|| format!("{}: writing the dump", out.display()))?;
            progress.finish();
            let secs = started.elapsed().as_secs_f64();
            writeln!(stdout, "wrote {pages} pages, {bytes} bytes of XML to {} in {secs:.2} s", out.display())?;
        }
    }
    Ok(())
}
