//! The engine's one error type, with a stable code per kind of failure.

use std::path::PathBuf;

/// A result whose error is the engine's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while writing, opening, verifying or querying an index.
///
/// Every variant names the file it is about, and [`Error::code`] gives a stable, machine-readable
/// code (the server maps these to HTTP answers; scripts may match on them).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system error on a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file the index needs is not there.
    #[error("{}: missing; rebuild the index with `folio-ingest build`", path.display())]
    Missing {
        /// The file that is missing.
        path: PathBuf,
    },
    /// A file does not start with the bytes its format requires.
    #[error("{}: not a {expected} file (bad magic bytes); rebuild the index", path.display())]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The format it should have been.
        expected: &'static str,
    },
    /// A file was written by a different version of the format.
    #[error(
        "{}: format version {found}, this build reads version {expected}; rebuild the index with this version of folio-ingest",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version this build understands.
        expected: u32,
        /// The version found in the file.
        found: String,
    },
    /// A file's size is not the one the manifest recorded.
    #[error("{}: {found} bytes, the manifest says {expected}; the index is damaged, rebuild it", path.display())]
    Size {
        /// The file.
        path: PathBuf,
        /// Size recorded at build time.
        expected: u64,
        /// Size now.
        found: u64,
    },
    /// A file's checksum does not match the one recorded when it was written.
    #[error("{}: checksum {found:016x}, expected {expected:016x}; the file is corrupt, rebuild the index", path.display())]
    Checksum {
        /// The file.
        path: PathBuf,
        /// Checksum recorded at build time.
        expected: u64,
        /// Checksum computed now.
        found: u64,
    },
    /// A file's structure is inconsistent (offsets out of range, unsorted keys, ...).
    #[error("{}: corrupt: {what}; rebuild the index", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The dump file no longer matches the one the index was built from.
    #[error("{}: {what}; the index was built from another version of this file, rebuild it", path.display())]
    DumpChanged {
        /// The dump file.
        path: PathBuf,
        /// What differs.
        what: String,
    },
    /// A bz2 stream of a compressed dump does not decode to the bytes the index expects: the
    /// pages in it cannot be served; every other page can.
    #[error("{}: the bz2 stream at byte {offset} is damaged: {what}; the pages in it cannot be served (every other page can): replace the file with a good copy, then run folio-ingest verify", path.display())]
    DumpDamaged {
        /// The compressed dump.
        path: PathBuf,
        /// Byte offset of the stream in the compressed file.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The input handed to a writer breaks one of the format's rules.
    #[error("invalid index input: {0}")]
    InvalidInput(String),
    /// A write could not be made durable (a full disk, say); nothing was changed.
    #[error("{}: {what}; nothing was written, retry once the problem is fixed", path.display())]
    Unavailable {
        /// The file the write was for.
        path: PathBuf,
        /// What went wrong.
        what: String,
    },
    /// A write to tables that this process opened read-only ([`TablesMode::ReadOnly`](crate::sql::TablesMode)).
    #[error("{}: these tables were opened read-only; send writes to the server that holds them", dir.display())]
    ReadOnly {
        /// The tables directory.
        dir: PathBuf,
    },
    /// A SQL statement failed to parse, plan or run (DataFusion's message).
    #[error("{0}")]
    Sql(String),
    /// A SQL statement that is not a read-only query over the registered tables.
    #[error("{0}")]
    SqlForbidden(String),
    /// A SQL query went over a configured limit; the query was stopped, nothing was answered.
    #[error("{message}")]
    SqlLimit {
        /// Which limit.
        limit: Limit,
        /// What happened and what to do, for a person.
        message: String,
    },
    /// Redirects that lead back to a page already visited.
    #[error("redirects loop: {chain}")]
    RedirectLoop {
        /// The titles visited, joined by ` -> `.
        chain: String,
    },
    /// A listing would hold more pages than allowed.
    #[error("{count} titles start with {prefix:?}, more than {max}; page through the listing instead")]
    TooManyResults {
        /// The normalized prefix.
        prefix: String,
        /// How many pages match.
        count: usize,
        /// The most a listing holds.
        max: usize,
    },
    /// Too much work is queued already; retry shortly.
    #[error("{0}")]
    Overloaded(String),
    /// The index has no suggestion files (it was built by a format before 2): what is missing
    /// and the command that builds it.
    #[error("{0}")]
    SearchMissing(String),
    /// A full-text query that does not parse or asks for what is not supported: what is wrong
    /// and how to write it.
    #[error("{0}")]
    BadQuery(String),
    /// The index has no full-text index: the command that builds it.
    #[error("{0}")]
    FulltextMissing(String),
    /// A helper process (a SQL worker) failed in a way no limit explains; the request was not
    /// answered and the helper was replaced.
    #[error("{0}")]
    Internal(String),
}

/// The limits of an ad-hoc SQL query, named in [`Error::SqlLimit`] (and in the HTTP answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The query ran longer than its time limit and was stopped.
    Time,
    /// The query needed more memory than its limit.
    Memory,
    /// The answer had more rows than allowed.
    Rows,
    /// The encoded answer had more bytes than allowed.
    Bytes,
    /// The query nested deeper than the worker's stack allows.
    Stack,
}

impl Limit {
    /// The limit's name, as in answers: `time`, `memory`, `rows`, `bytes`, `stack`.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Time => "time",
            Limit::Memory => "memory",
            Limit::Rows => "rows",
            Limit::Bytes => "bytes",
            Limit::Stack => "stack",
        }
    }
}

impl Error {
    /// A stable code for this kind of error, such as `index_corrupt`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io_error",
            Error::Missing { .. } => "index_missing",
            Error::BadMagic { .. } => "index_bad_magic",
            Error::Version { .. } => "index_version",
            Error::Size { .. } => "index_size",
            Error::Checksum { .. } => "index_checksum",
            Error::Corrupt { .. } => "index_corrupt",
            Error::DumpChanged { .. } => "dump_changed",
            Error::DumpDamaged { .. } => "dump_damaged",
            Error::InvalidInput(_) => "invalid_input",
            Error::Unavailable { .. } => "write_unavailable",
            Error::ReadOnly { .. } => "read_only",
            Error::Sql(_) => "sql_error",
            Error::SqlForbidden(_) => "sql_forbidden",
            Error::SqlLimit { .. } => "sql_limit",
            Error::RedirectLoop { .. } => "redirect_loop",
            Error::TooManyResults { .. } => "too_many_results",
            Error::Overloaded(_) => "overloaded",
            Error::SearchMissing(_) => "search_missing",
            Error::BadQuery(_) => "bad_query",
            Error::FulltextMissing(_) => "fulltext_missing",
            Error::Internal(_) => "internal",
        }
    }

    /// Wraps an I/O error with the path it happened on; a missing file becomes [`Error::Missing`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound { Error::Missing { path } } else { Error::Io { path, source } }
    }

    /// An [`Error::Unavailable`] carrying `e`'s message (errors are not `Clone`; a failed group
    /// commit answers every caller in the group with a copy).
    pub fn unavailable_copy(e: &Error) -> Error {
        match e {
            Error::Io { path, source } => Error::Unavailable { path: path.clone(), what: source.to_string() },
            Error::Unavailable { path, what } => Error::Unavailable { path: path.clone(), what: what.clone() },
            other => Error::Unavailable { path: PathBuf::new(), what: other.to_string() },
        }
    }

    /// An [`Error::SqlLimit`] of `limit`.
    pub fn limit(limit: Limit, message: impl Into<String>) -> Error {
        Error::SqlLimit { limit, message: message.into() }
    }

    /// A [`Error::Corrupt`] for `path`.
    pub fn corrupt(path: impl Into<PathBuf>, what: impl Into<String>) -> Error {
        Error::Corrupt { path: path.into(), what: what.into() }
    }
}
