//! [`Library`]: the named datasets one process serves, and their replacement while they are
//! served.
//!
//! A [`Dataset`] is a name and an index directory. What it serves now is a [`Loaded`] index,
//! held behind an atomic pointer: a reader takes an `Arc` of it ([`Dataset::current`], a few
//! nanoseconds, no lock) and keeps it for the whole of its work. [`Dataset::reload`] opens the
//! index that was published over the directory (`folio-ingest build` replaces a directory in one
//! atomic step, see [`publish`](crate::publish)) and swaps it in: work in flight finishes on the
//! old index, whose maps stay valid after its files are deleted, and every later reader sees the
//! new one. An index that fails to open is not swapped in: the old one keeps serving.
//!
//! ```no_run
//! use folio_engine::library::{Dataset, Library};
//! use folio_engine::OpenOptions;
//!
//! let library = Library::new(vec![
//!     Dataset::open("enwiki", "data/enwiki".as_ref(), OpenOptions::default())?,
//!     Dataset::open("simplewiki", "data/simplewiki".as_ref(), OpenOptions::default())?,
//! ])?;
//! if let Some(simple) = library.get("simplewiki") {
//!     let page = simple.current().index().get("Zürich")?;
//! }
//! // Later, after `folio-ingest build ... --out data/enwiki` published a new index:
//! library.first().reload(false)?;
//! # Ok::<(), folio_engine::Error>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use arc_swap::ArcSwap;

use crate::error::{Error, Result};
use crate::{Index, OpenOptions};

/// Names a dataset may not take: the SQL schemas DataFusion keeps for itself.
const RESERVED: &[&str] = &["public", "information_schema", "datafusion"];

/// Checks that `name` can name a dataset: 1 to 64 of `a-z`, `0-9` and `_`, starting with a
/// letter (so that it is a SQL identifier and a URL segment as it is), and not reserved.
pub fn check_name(name: &str) -> Result<()> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !RESERVED.contains(&name);
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{name:?} cannot name a dataset: use 1 to 64 of a-z, 0-9 and _, starting with a letter \
             (not {})",
            RESERVED.join(", ")
        )))
    }
}

/// `[NAME=]DIR` as given to `--data` (the server's and `folio-cluster`'s): a name when the part
/// before the first `=` is one, else the whole argument is the directory.
pub fn parse_data(arg: &str) -> (Option<String>, PathBuf) {
    match arg.split_once('=') {
        Some((name, dir)) if check_name(name).is_ok() && !dir.is_empty() => (Some(name.to_owned()), dir.into()),
        _ => (None, arg.into()),
    }
}

/// The name of a dataset in `dir` given without one: the directory's name, made an identifier
/// by [`name_from`].
pub fn name_of(dir: &Path) -> String {
    let stem = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name_from(if stem.is_empty() { "index" } else { &stem })
}

/// A dataset's name made from a directory or file name: lower case, every other character
/// than `a-z0-9` becomes `_`, a leading digit gets a `d` before it (`enwiki-sample` becomes
/// `enwiki_sample`).
pub fn name_from(stem: &str) -> String {
    let mut name: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert(0, 'd');
    }
    name.truncate(64);
    name
}

/// One opened build of a dataset's index, and the outcome of its full check.
pub struct Loaded {
    index: Arc<Index>,
    /// The index's id, as shared bytes (a response header takes it without a copy).
    id: bytes::Bytes,
    check: OnceLock<std::result::Result<(), String>>,
}

impl Loaded {
    /// The index.
    pub fn index(&self) -> &Arc<Index> {
        &self.index
    }

    /// The index's id ([`Index::id`]).
    pub fn id(&self) -> &str {
        self.index.id()
    }

    /// The index's id as shared bytes: cloning it costs a reference count.
    pub fn id_bytes(&self) -> bytes::Bytes {
        self.id.clone()
    }

    /// The outcome of the full check of the index (every checksum; a compressed dump's streams
    /// are not decoded, see [`Index::verify_without_decoding`]); `None` while it runs.
    pub fn check(&self) -> Option<&std::result::Result<(), String>> {
        self.check.get()
    }

    /// Whether the full check failed: then nothing should be answered from this index.
    pub fn failed(&self) -> Option<&str> {
        self.check.get().and_then(|c| c.as_ref().err()).map(String::as_str)
    }

    fn new(index: Index) -> Arc<Loaded> {
        let id = bytes::Bytes::copy_from_slice(index.id().as_bytes());
        let loaded = Arc::new(Loaded { index: Arc::new(index), id, check: OnceLock::new() });
        let this = loaded.clone();
        // Opening checked sizes only, to start at once; the checksums are read here.
        let spawned = std::thread::Builder::new().name("folio-verify".into()).spawn(move || {
            let outcome = this.index.verify_without_decoding().map(|_| ()).map_err(|e| e.to_string());
            if let Err(e) = &outcome {
                tracing::error!(dir = %this.index.dir().display(), "the index failed verification, answers from it are refused: {e}");
            }
            let _ = this.check.set(outcome);
        });
        if let Err(e) = spawned {
            let _ = loaded.check.set(Err(format!("cannot start the check of the index: {e}")));
        }
        loaded
    }
}

/// What [`Dataset::reload`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// The directory holds the index already served.
    Unchanged,
    /// A new index is served: the ids of the old one and of the new one.
    Switched {
        /// The id of the index served before.
        from: String,
        /// The id of the index served now.
        to: String,
    },
}

/// The identity of a directory's manifest file: a published index is a new file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: i128,
}

fn stamp(dir: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(dir.join(crate::format::MANIFEST_FILE)).ok()?;
    Some(Stamp {
        dev: m.dev(),
        ino: m.ino(),
        len: m.len(),
        mtime: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
    })
}

/// A named index directory and the build of it served now.
pub struct Dataset {
    name: String,
    dir: PathBuf,
    options: OpenOptions,
    current: ArcSwap<Loaded>,
    stamp: Mutex<Option<Stamp>>,
    reloads: AtomicU64,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset").field("name", &self.name).field("dir", &self.dir).finish()
    }
}

impl Dataset {
    /// Opens the index in `dir` as the dataset `name` (checked by [`check_name`]).
    pub fn open(name: &str, dir: &Path, options: OpenOptions) -> Result<Dataset> {
        let before = stamp(dir);
        let index = Index::open_with(dir, options)?;
        Dataset::with(name, index, before, options)
    }

    /// The dataset `name` over an index opened already (with `options`, used again to reload).
    pub fn from_index(name: &str, index: Index, options: OpenOptions) -> Result<Dataset> {
        let before = stamp(index.dir());
        Dataset::with(name, index, before, options)
    }

    fn with(name: &str, index: Index, stamp: Option<Stamp>, options: OpenOptions) -> Result<Dataset> {
        check_name(name)?;
        Ok(Dataset {
            name: name.to_owned(),
            dir: index.dir().to_owned(),
            options,
            current: ArcSwap::new(Loaded::new(index)),
            stamp: Mutex::new(stamp),
            reloads: AtomicU64::new(0),
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The index served now: keep the `Arc` for the whole of one piece of work, so that it is
    /// answered from one index even if a reload happens meanwhile.
    pub fn current(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// How many times another index was swapped in.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(Ordering::Relaxed)
    }

    /// Serves the index now in the directory if it is another build than the one served: when
    /// the manifest file changed (a cheap `stat`), or always with `force`. The new index is
    /// opened (sizes and the dump's fingerprint checked, its full check started in the
    /// background) before it is swapped in; if it cannot be opened, the error is returned and
    /// the old index keeps serving. One reload of a dataset runs at a time.
    pub fn reload(&self, force: bool) -> Result<Reload> {
        let mut seen = self.stamp.lock().unwrap_or_else(PoisonError::into_inner);
        let now = stamp(&self.dir);
        if !force && now == *seen {
            return Ok(Reload::Unchanged);
        }
        *seen = now;
        // A publication during the open could mix files of two builds: open again until the
        // manifest is the same before and after.
        let mut index = Index::open_with(&self.dir, self.options)?;
        for _ in 0..3 {
            let after = stamp(&self.dir);
            if after == *seen {
                break;
            }
            *seen = after;
            index = Index::open_with(&self.dir, self.options)?;
        }
        let from = self.current().id().to_owned();
        if index.id() == from {
            return Ok(Reload::Unchanged);
        }
        let to = index.id().to_owned();
        self.current.store(Loaded::new(index));
        self.reloads.fetch_add(1, Ordering::Relaxed);
        Ok(Reload::Switched { from, to })
    }
}

/// The datasets of one process, the first one the default.
#[derive(Debug)]
pub struct Library {
    datasets: Vec<Arc<Dataset>>,
}

impl Library {
    /// A library of `datasets` (at least one; names unique), the first one the default.
    pub fn new(datasets: Vec<Dataset>) -> Result<Library> {
        if datasets.is_empty() {
            return Err(Error::InvalidInput("a library needs at least one dataset".into()));
        }
        for (i, d) in datasets.iter().enumerate() {
            if datasets[..i].iter().any(|e| e.name == d.name) {
                return Err(Error::InvalidInput(format!(
                    "two datasets are named {:?}; give each its own name (NAME=DIR)",
                    d.name
                )));
            }
        }
        Ok(Library { datasets: datasets.into_iter().map(Arc::new).collect() })
    }

    /// The default dataset (the first).
    pub fn first(&self) -> &Arc<Dataset> {
        &self.datasets[0]
    }

    /// The dataset named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Dataset>> {
        self.datasets.iter().find(|d| d.name == name)
    }

    /// Every dataset, the default first.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Dataset>> {
        self.datasets.iter()
    }

    /// How many datasets there are.
    pub fn len(&self) -> usize {
        self.datasets.len()
    }

    /// Always false: a library has a dataset.
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests;
