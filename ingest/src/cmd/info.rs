//! `folio-ingest info DIR`: what an index holds, from its manifest.

use std::path::Path;

pub fn run(dir: &Path) -> folio_ingest::Result<()> {
    let m = folio_engine::Manifest::read(&dir.join(folio_engine::format::MANIFEST_FILE))?;
    super::say(folio_ingest::build::describe(&m, dir))
}
