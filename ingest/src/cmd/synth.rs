//! `folio-ingest synth --pages N --out FILE`: a deterministic synthetic dump.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use folio_ingest::IngestError;
use folio_ingest::progress::Progress;
use folio_ingest::synth::{SynthConfig, generate};

pub fn run(pages: u64, out: &Path, seed: u64, multistream: bool, progress: bool) -> folio_ingest::Result<()> {
    if multistream {
        return run_multistream(pages, out, seed, progress);
    }
    let progress = Progress::new(progress);
    progress.stage("synth", None);
    let file = std::fs::File::create(out).map_err(IngestError::io(out, "cannot create"))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let started = Instant::now();
    let bytes = generate(SynthConfig { pages, seed }, &mut w, &|b, n| {
        progress.inc(b);
        progress.add_pages(n);
    })
    .and_then(|_| w.flush())
    .and_then(|()| w.get_ref().metadata().map(|m| m.len()))
    .map_err(IngestError::io(out, "writing the dump"))?;
    progress.finish();
    let secs = started.elapsed().as_secs_f64();
    super::say(format_args!("wrote {pages} pages, {bytes} bytes of XML to {} in {secs:.2} s", out.display()))
}

/// Where the index of a multistream dump goes: `X-index.txt.bz2` beside `X.xml.bz2`.
fn index_path(out: &Path) -> std::path::PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".xml.bz2").or_else(|| name.strip_suffix(".bz2")).unwrap_or(&name);
    out.with_file_name(format!("{stem}-index.txt.bz2"))
}

fn run_multistream(pages: u64, out: &Path, seed: u64, progress: bool) -> folio_ingest::Result<()> {
    let progress = Progress::new(progress);
    progress.stage("synth", None);
    let started = Instant::now();
    let mut xml = Vec::new();
    generate(SynthConfig { pages, seed }, &mut xml, &|b, n| {
        progress.inc(b);
        progress.add_pages(n);
    })
    .map_err(IngestError::io(out, "generating the dump"))?;
    progress.stage("compress", None);
    let (mut bz2, mut index) = (Vec::new(), Vec::new());
    folio_ingest::multistream::pack(&xml, 100, 9, &mut bz2, &mut index)?;
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    let index_bz2 =
        enc.write_all(&index).and_then(|()| enc.finish()).map_err(IngestError::io(out, "compressing the index"))?;
    let index_out = index_path(out);
    std::fs::write(out, &bz2).map_err(IngestError::io(out, "writing the dump"))?;
    std::fs::write(&index_out, &index_bz2).map_err(IngestError::io(&index_out, "writing the index"))?;
    progress.finish();
    let secs = started.elapsed().as_secs_f64();
    super::say(format_args!(
        "wrote {pages} pages, {} bytes of XML as {} bytes of multistream bz2 to {} (index {}) in {secs:.2} s",
        xml.len(),
        bz2.len(),
        out.display(),
        index_out.display()
    ))
}
