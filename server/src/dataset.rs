//! Which datasets to serve: index directories given by name (`--data NAME=DIR`), a dump to
//! index first if needed (`--dump`), or the two embedded samples (the English Wikipedia sample
//! in `datasets/`, as a plain XML dump and as a compressed multistream one); and the
//! [`Library`] they make.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use folio_engine::library::{Dataset, Library, name_of};
use folio_engine::{Index, OpenOptions};
use folio_ingest::build::{BuildConfig, build};

/// An embedded dataset: written out beside its index directory and indexed on first start.
struct Sample {
    name: &'static str,
    file: &'static str,
    dir: &'static str,
    bytes: &'static [u8],
    compressed: bool,
}

/// The default datasets, embedded in the binary so that `folio-server` runs anywhere: the same
/// pages as a plain dump (decompressed into the index directory) and as a multistream `.bz2`
/// served in place, so that a newcomer sees both modes.
const SAMPLES: [Sample; 2] = [
    Sample {
        name: "enwiki_sample",
        file: "enwiki-sample.xml.bz2",
        dir: DEFAULT_DATA,
        bytes: include_bytes!("../../datasets/enwiki-sample.xml.bz2"),
        compressed: false,
    },
    Sample {
        name: "enwiki_multistream",
        file: "enwiki-sample-multistream.xml.bz2",
        dir: "data/enwiki-sample-multistream",
        bytes: include_bytes!("../../datasets/enwiki-sample-multistream.xml.bz2"),
        compressed: true,
    },
];

/// Where the default dataset's index goes unless `--data` says otherwise.
pub const DEFAULT_DATA: &str = "data/enwiki-sample";

/// The seed of the `world` and `fortune` tables (`datasets/tfb/`), embedded like the sample.
pub const TABLES_SEED: folio_engine::sql::Seed<'static> = folio_engine::sql::Seed {
    world: include_str!("../../datasets/tfb/world.tsv"),
    fortune: include_str!("../../datasets/tfb/fortune.tsv"),
};

/// Where the SQL tables live unless `--tables` says otherwise: `tables/` beside the index
/// directory (so a rebuild of the index, which replaces its directory, never touches them).
pub fn default_tables_dir(index_dir: &Path) -> PathBuf {
    let parent = index_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join("tables")
}

/// Which datasets to serve.
#[derive(Debug, Clone)]
pub struct DatasetConfig {
    /// Index directories, each with its name if one was given (`--data [NAME=]DIR`).
    pub data: Vec<(Option<String>, PathBuf)>,
    /// A dump to serve, indexed into the one `data` directory (or `data/<name>`) when needed
    /// (`--dump`).
    pub dump: Option<PathBuf>,
    /// The dataset also served at the root paths (`--default`; else the first).
    pub default: Option<String>,
    /// Draw progress bars while indexing.
    pub progress: bool,
    /// For a compressed dataset: the most bytes of decoded bz2 streams kept in memory
    /// (`--stream-cache`).
    pub stream_cache: u64,
}

impl DatasetConfig {
    fn options(&self) -> OpenOptions {
        OpenOptions { stream_cache: self.stream_cache }
    }

    fn open(&self, data: &Path) -> folio_engine::Result<Index> {
        Index::open_with(data, self.options())
    }
}

/// Opens the datasets to serve, building an index first when it is missing or stale (for
/// `--dump` and the embedded samples), the default one first.
pub fn prepare(config: &DatasetConfig) -> Result<Library> {
    let options = config.options();
    let mut datasets = Vec::new();
    match (&config.dump, config.data.as_slice()) {
        (Some(_), [_, _, ..]) => bail!("--dump indexes one dump into one --data directory; give one --data or none"),
        (Some(dump), data) => {
            let (name, dir) = match data.first() {
                Some((name, dir)) => (name.clone(), dir.clone()),
                None => (None, default_dir_for(dump)),
            };
            let index = open_or_build(config, dump, &dir, false, false)?;
            let name = name.unwrap_or_else(|| name_of(&dir));
            datasets.push(Dataset::from_index(&name, index, options)?);
        }
        (None, []) => {
            for sample in &SAMPLES {
                let index = sample_index(config, sample)?;
                datasets.push(Dataset::from_index(sample.name, index, options)?);
            }
        }
        (None, data) => {
            for (name, dir) in data {
                let name = name.clone().unwrap_or_else(|| name_of(dir));
                let dataset = Dataset::open(&name, dir, options).with_context(|| {
                    format!(
                        "{}: cannot serve this index; build it with `folio-ingest build DUMP --out {0}` or pass --dump",
                        dir.display()
                    )
                })?;
                datasets.push(dataset);
            }
        }
    }
    if let Some(default) = &config.default {
        let Some(at) = datasets.iter().position(|d| d.name() == default) else {
            let names: Vec<&str> = datasets.iter().map(|d| d.name()).collect();
            bail!("--default {default}: no dataset has this name (they are {})", names.join(", "));
        };
        let first = datasets.remove(at);
        datasets.insert(0, first);
    }
    Ok(Library::new(datasets)?)
}

/// The index of an embedded sample, written out and indexed on first start. The samples get
/// full-text search too (a second or two): the reader's search box works on the first run.
fn sample_index(config: &DatasetConfig, sample: &Sample) -> Result<Index> {
    let data = PathBuf::from(sample.dir);
    let source = data.with_file_name(sample.file);
    if std::fs::read(&source).ok().as_deref() != Some(sample.bytes) {
        std::fs::create_dir_all(data.parent().unwrap_or(Path::new(".")))?;
        folio_engine::publish::write_file_atomic(&source, |mut file| {
            std::io::Write::write_all(&mut file, sample.bytes).map_err(|e| folio_engine::Error::io(&source, e))?;
            Ok(file)
        })
        .with_context(|| format!("{}: writing the sample", source.display()))?;
    }
    open_or_build(config, &source, &data, true, sample.compressed)
}

/// `data/<file name without .xml/.bz2>` for a dump.
fn default_dir_for(dump: &Path) -> PathBuf {
    let name = dump.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.trim_end_matches(".bz2").trim_end_matches(".xml");
    Path::new("data").join(if stem.is_empty() { "index" } else { stem })
}

/// Opens the index of `dump` in `data` if it is current (and has a full-text index when
/// `fulltext` asks for one), else builds it there first.
fn open_or_build(config: &DatasetConfig, dump: &Path, data: &Path, fulltext: bool, compressed: bool) -> Result<Index> {
    let progress = config.progress;
    let source = dump.canonicalize().with_context(|| format!("{}: cannot read the dump", dump.display()))?;
    if let Ok(index) = config.open(data)
        && index.manifest().dump.source == source
        && (index.has_fulltext() || !fulltext)
        && (index.multistream().is_some() == compressed)
    {
        return Ok(index);
    }
    if !source.is_file() {
        bail!("{}: not a file", dump.display());
    }
    tracing::info!("indexing {} into {} ...", dump.display(), data.display());
    let report = build(&BuildConfig {
        dump: dump.to_path_buf(),
        out: data.to_path_buf(),
        progress,
        search: folio_ingest::build::Search::Ranked,
        fulltext,
        compressed,
    })?;
    tracing::info!("{}", folio_ingest::build::summary_line(&report, data));
    Ok(config.open(data)?)
}

/// Each dataset's name and page table file, the default first: the SQL page tables.
pub fn page_tables(library: &Library) -> Vec<(String, PathBuf)> {
    library.iter().map(|d| (d.name().to_owned(), d.current().index().page_table().path().to_owned())).collect()
}

/// The hidden first argument that makes `folio-server` a SQL worker (started by the server).
pub const SQL_WORKER_ARG: &str = "__sql-worker";

/// Opens everything the handlers share: the SQL tables (`tables`, default beside the default
/// dataset's index) with workers started as `worker_program __sql-worker`, and the state over
/// them and `library`. What `folio-server` does between parsing its flags and binding.
pub async fn open_state(
    library: Library,
    tables: Option<PathBuf>,
    mode: folio_engine::sql::TablesMode,
    sql: folio_engine::sql::SqlLimits,
    api: crate::Limits,
    worker_program: PathBuf,
) -> Result<crate::AppState> {
    let tables = tables.unwrap_or_else(|| default_tables_dir(library.first().dir()));
    let worker = folio_engine::sql::WorkerCommand { program: worker_program, args: vec![SQL_WORKER_ARG.into()] };
    let catalog =
        folio_engine::sql::Catalog::open(&tables, TABLES_SEED, page_tables(&library), sql, Some(worker), mode)
            .await
            .with_context(|| format!("{}: cannot open the SQL tables", tables.display()))?;
    let recovery = catalog.recovery();
    if recovery.replayed > 0 || recovery.torn_bytes > 0 {
        tracing::warn!(
            replayed = recovery.replayed,
            torn_bytes = recovery.torn_bytes,
            "world log replayed after an unclean stop"
        );
    }
    Ok(crate::AppState::new(Arc::new(library), catalog, api))
}
