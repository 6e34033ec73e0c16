//! The dump as a mapped XML file: mapped in place when it is plain XML, or decompressed into the
//! staging directory (`dump.xml`) first when it is bz2.

use std::fs::File;
use std::path::{Path, PathBuf};

use folio_engine::format::DUMP_FILE;
use folio_engine::{DumpInfo, Mmap, fingerprint, manifest::unix_seconds};

use crate::bz2;
use crate::error::{IngestError, Result};
use crate::progress::Progress;

/// The XML to scan and what the manifest will say about it.
pub struct Source {
    /// The mapped XML.
    pub xml: Mmap,
    /// How errors name the XML: the file, or the `.bz2` it was decompressed from.
    pub name: String,
    /// The manifest's record of the dump.
    pub info: DumpInfo,
}

/// Maps `input`, decompressing it into `staging/dump.xml` first if it is bz2. `dest` is the index
/// directory being built (a plain dump may not live inside it: a rebuild replaces it).
pub fn prepare(input: &Path, staging: &Path, dest: &Path, progress: &Progress) -> Result<Source> {
    let (shown, canonical) = dump_file(input)?;
    let map = Mmap::open(input)?;
    if bz2::is_bz2(&map) {
        let out_path = staging.join(DUMP_FILE);
        progress.stage("decompress", Some(map.len() as u64));
        map.advise_sequential();
        let mut out = File::create(&out_path).map_err(IngestError::io(&out_path, "cannot create"))?;
        bz2::decompress(&shown, &map, &mut bz2::Output { path: &out_path, writer: &mut out }, &|n| progress.inc(n))?;
        out.sync_all().map_err(IngestError::io(&out_path, "writing the decompressed dump"))?;
        let xml = Mmap::open(&out_path)?;
        let info = dump_info(&xml, PathBuf::from(DUMP_FILE), canonical, &out_path)?;
        return Ok(Source { xml, name: format!("{shown} (decompressed XML)"), info });
    }
    if input.extension().is_some_and(|e| e == "bz2") {
        return Err(IngestError::input(
            &shown,
            "byte 0: the name ends in .bz2 but the file is not bzip2 data (no 'BZh' header)",
        ));
    }
    outside(&canonical, dest, &shown)?;
    let info = dump_info(&map, canonical.clone(), canonical.clone(), &canonical)?;
    Ok(Source { xml: map, name: shown, info })
}

/// Checks a dump that the index will point into as it is (a plain XML, or a `.bz2` served
/// compressed): a file, outside the index directory `dest` (a rebuild replaces it). Returns the
/// name errors give it.
pub fn check_input(input: &Path, dest: &Path) -> Result<String> {
    let (shown, canonical) = dump_file(input)?;
    outside(&canonical, dest, &shown)?;
    Ok(shown)
}

/// The name errors give `input`, and its canonical path, once it is known to be a file.
fn dump_file(input: &Path) -> Result<(String, PathBuf)> {
    let shown = input.display().to_string();
    let meta = std::fs::metadata(input).map_err(IngestError::io(input, "cannot read the dump"))?;
    if meta.is_dir() {
        return Err(IngestError::input(&shown, "is a directory; give the dump file (pages-articles .xml or .xml.bz2)"));
    }
    let canonical = input.canonicalize().map_err(IngestError::io(input, "cannot resolve the path"))?;
    Ok((shown, canonical))
}

/// Refuses a dump inside the index directory `dest`, which a rebuild replaces.
fn outside(canonical: &Path, dest: &Path, shown: &str) -> Result<()> {
    if let Ok(dest) = dest.canonicalize()
        && canonical.starts_with(&dest)
    {
        return Err(IngestError::input(
            shown,
            format!(
                "the dump is inside the index directory {}, which a rebuild replaces; move it out first",
                dest.display()
            ),
        ));
    }
    Ok(())
}

fn dump_info(xml: &Mmap, path: PathBuf, source: PathBuf, on_disk: &Path) -> Result<DumpInfo> {
    let meta = std::fs::metadata(on_disk).map_err(IngestError::io(on_disk, "cannot stat"))?;
    Ok(DumpInfo {
        path,
        source,
        bytes: xml.len() as u64,
        mtime_unix: unix_seconds(meta.modified()),
        fingerprint: fingerprint(xml),
    })
}
