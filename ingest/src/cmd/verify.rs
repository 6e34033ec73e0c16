//! `folio-ingest verify DIR`: every checksum, and every page boundary against the dump.

use std::path::Path;

pub fn run(dir: &Path) -> folio_ingest::Result<()> {
    let index = folio_engine::Index::open(dir)?;
    let report = index.verify()?;
    super::say(format_args!(
        "{}: ok: {} files ({} bytes) match their checksums; {} pages checked against {}",
        dir.display(),
        report.files,
        report.file_bytes,
        report.pages,
        index.dump_path().display()
    ))
}
