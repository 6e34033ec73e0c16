//! `folio-ingest fulltext DIR`: adds (or rebuilds) the full-text index of an index.

use std::path::Path;

use folio_ingest::build::{fulltext, fulltext_line};
use folio_ingest::progress::Progress;

pub fn run(dir: &Path, progress: bool) -> folio_ingest::Result<()> {
    let index = folio_engine::Index::open(dir)?;
    let built = fulltext(&index, &Progress::new(progress))?;
    super::say(fulltext_line(&built, dir))
}
