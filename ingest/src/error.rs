//! The one error type of the ingest library: every failure says which file, where in it when
//! that is known, and what to do.

use std::path::{Path, PathBuf};

use crate::scan::ScanError;

/// What went wrong while building an index or writing a synthetic dump.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A file could not be read, created, written or published.
    #[error("{}: {what}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done, e.g. "cannot map the dump".
        what: &'static str,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not something an index can be built from (a directory, not bzip2 data,
    /// truncated or corrupt bz2, a dump inside the index directory, too many pages).
    #[error("{name}: {message}")]
    Input {
        /// How the input is named to the user.
        name: String,
        /// Where and what, and how to fix it.
        message: String,
    },
    /// The XML is not a MediaWiki export the scanner accepts.
    #[error("{name}: {source}")]
    Scan {
        /// How the XML is named to the user.
        name: String,
        /// Where and what.
        #[source]
        source: ScanError,
    },
    /// Writing or checking the index files.
    #[error(transparent)]
    Index(#[from] folio_engine::Error),
}

/// The ingest library's result.
pub type Result<T, E = IngestError> = std::result::Result<T, E>;

impl IngestError {
    /// An I/O failure on `path` while doing `what`.
    pub fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> IngestError {
        let path = path.to_path_buf();
        move |source| IngestError::Io { path, what, source }
    }

    /// Bad input named `name`.
    pub fn input(name: &str, message: impl Into<String>) -> IngestError {
        IngestError::Input { name: name.to_string(), message: message.into() }
    }

    /// True when the error is a closed pipe on the way out (`folio-ingest info | head`).
    pub fn is_broken_pipe(&self) -> bool {
        let mut e: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(c) = e {
            if c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) {
                return true;
            }
            e = c.source();
        }
        false
    }
}

/// The error and its causes, joined with ": " (what `main` prints).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.ends_with(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}
