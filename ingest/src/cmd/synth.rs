//! `folio-ingest synth --pages N --out FILE`: a deterministic synthetic dump.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use folio_ingest::IngestError;
use folio_ingest::progress::Progress;
use folio_ingest::synth::{SynthConfig, generate};

pub fn run(pages: u64, out: &Path, seed: u64, progress: bool) -> folio_ingest::Result<()> {
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
