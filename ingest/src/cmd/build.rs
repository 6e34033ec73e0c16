//! `folio-ingest build DUMP --out DIR`.

use std::path::PathBuf;

use folio_ingest::build::{BuildConfig, build, summary_line};

pub fn run(
    dump: PathBuf,
    out: PathBuf,
    progress: bool,
    search: folio_ingest::build::Search,
    fulltext: bool,
    compressed: bool,
) -> folio_ingest::Result<()> {
    let report = build(&BuildConfig { dump, out: out.clone(), progress, search, fulltext, compressed })?;
    super::say(summary_line(&report, &out))
}
