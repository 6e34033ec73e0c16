//! Which index to serve: a given index directory, a dump to index first if needed, or the
//! embedded default dataset (the English Wikipedia sample in `datasets/`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use folio_engine::Index;
use folio_ingest::build::{BuildConfig, build};

/// The default dataset, embedded in the binary so that `folio-server` runs anywhere.
const SAMPLE: &[u8] = include_bytes!("../../datasets/enwiki-sample.xml.bz2");
/// File name of the embedded sample once written out.
const SAMPLE_NAME: &str = "enwiki-sample.xml.bz2";
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

/// Where the index comes from.
#[derive(Debug, Clone)]
pub struct DatasetConfig {
    /// An index directory (`--data`).
    pub data: Option<PathBuf>,
    /// A dump to serve, indexed into `data` (or `data/<name>`) when needed (`--dump`).
    pub dump: Option<PathBuf>,
    /// Draw progress bars while indexing.
    pub progress: bool,
    /// For a compressed dataset: the most bytes of decoded bz2 streams kept in memory
    /// (`--stream-cache`).
    pub stream_cache: u64,
}

impl DatasetConfig {
    fn open(&self, data: &Path) -> folio_engine::Result<Index> {
        Index::open_with(data, folio_engine::OpenOptions { stream_cache: self.stream_cache })
    }
}

/// Opens the index to serve, building it first when it is missing or stale.
pub fn prepare(config: &DatasetConfig) -> Result<Index> {
    match (&config.dump, &config.data) {
        (Some(dump), data) => {
            let data = data.clone().unwrap_or_else(|| default_dir_for(dump));
            open_or_build(config, dump, &data, false)
        }
        (None, Some(data)) => config.open(data).with_context(|| {
            format!(
                "{}: cannot serve this index; build it with `folio-ingest build DUMP --out {0}` or pass --dump",
                data.display()
            )
        }),
        (None, None) => {
            let data = PathBuf::from(DEFAULT_DATA);
            let source = data.with_file_name(SAMPLE_NAME);
            if std::fs::read(&source).ok().as_deref() != Some(SAMPLE) {
                std::fs::create_dir_all(data.parent().unwrap_or(Path::new(".")))?;
                folio_engine::publish::write_file_atomic(&source, |mut file| {
                    std::io::Write::write_all(&mut file, SAMPLE).map_err(|e| folio_engine::Error::io(&source, e))?;
                    Ok(file)
                })
                .with_context(|| format!("{}: writing the sample", source.display()))?;
            }
            // The sample gets full-text search too (a second or two): the reader's search box
            // works on the first run.
            open_or_build(config, &source, &data, true)
        }
    }
}

/// `data/<file name without .xml/.bz2>` for a dump.
fn default_dir_for(dump: &Path) -> PathBuf {
    let name = dump.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.trim_end_matches(".bz2").trim_end_matches(".xml");
    Path::new("data").join(if stem.is_empty() { "index" } else { stem })
}

/// Opens the index of `dump` in `data` if it is current (and has a full-text index when
/// `fulltext` asks for one), else builds it there first.
fn open_or_build(config: &DatasetConfig, dump: &Path, data: &Path, fulltext: bool) -> Result<Index> {
    let progress = config.progress;
    let source = dump.canonicalize().with_context(|| format!("{}: cannot read the dump", dump.display()))?;
    if let Ok(index) = config.open(data)
        && index.manifest().dump.source == source
        && (index.has_fulltext() || !fulltext)
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
        compressed: false,
    })?;
    tracing::info!("{}", folio_ingest::build::summary_line(&report, data));
    Ok(config.open(data)?)
}

/// The hidden first argument that makes `folio-server` a SQL worker (started by the server).
pub const SQL_WORKER_ARG: &str = "__sql-worker";

/// Opens everything the handlers share: the SQL tables (`tables`, default beside the index)
/// with workers started as `worker_program __sql-worker`, the index's background check, and
/// the state over both. What `folio-server` does between parsing its flags and binding.
pub async fn open_state(
    index: Index,
    tables: Option<PathBuf>,
    sql: folio_engine::sql::SqlLimits,
    api: crate::Limits,
    worker_program: PathBuf,
) -> Result<crate::AppState> {
    let tables = tables.unwrap_or_else(|| default_tables_dir(index.dir()));
    let worker = folio_engine::sql::WorkerCommand { program: worker_program, args: vec![SQL_WORKER_ARG.into()] };
    let index = std::sync::Arc::new(index);
    let catalog = folio_engine::sql::Catalog::open(&tables, TABLES_SEED, Some(index.clone()), sql, Some(worker))
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
    let state = crate::AppState::new(index, catalog, api);
    state.verify_in_background();
    Ok(state)
}
