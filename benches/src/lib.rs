//! Shared fixtures of Folio's benchmarks: synthetic dumps and their indexes, made once and
//! cached under `target/bench-fixtures/`.

use std::path::{Path, PathBuf};

use folio_ingest::build::{BuildConfig, build};
use folio_ingest::synth::{SynthConfig, generate};

/// Where fixtures are cached.
pub fn fixture_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bench-fixtures")
}

/// A synthetic dump of `pages` pages (seed 1) and its index, made on first use.
pub fn synthetic_index(pages: u64) -> (PathBuf, PathBuf) {
    let dir = fixture_dir();
    std::fs::create_dir_all(&dir).expect("create the fixture directory");
    let dump = dir.join(format!("synth-{pages}.xml"));
    let index = dir.join(format!("synth-{pages}.idx"));
    if !dump.exists() {
        let tmp = dir.join(format!("synth-{pages}.xml.partial"));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp).expect("create the dump"));
        generate(SynthConfig { pages, seed: 1 }, &mut w, &|_, _| {}).expect("write the dump");
        std::io::Write::flush(&mut w).expect("flush the dump");
        std::fs::rename(&tmp, &dump).expect("publish the dump");
    }
    if folio_engine::Index::open(&index).is_err() {
        build(&BuildConfig {
            dump: dump.clone(),
            out: index.clone(),
            progress: false,
            search: folio_ingest::build::Search::Ranked,
            fulltext: false,
            compressed: false,
        })
        .expect("build the index");
    }
    (dump, index)
}
