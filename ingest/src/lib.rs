//! `folio-ingest`: streams a MediaWiki `pages-articles` dump into a Folio index directory.
//!
//! The way of the data: [`source`] maps the dump (decompressing a `.bz2` into `dump.xml` first,
//! in parallel for multistream files), [`scan`] finds every page in parallel chunks with
//! `memmem`, [`build`] sorts the titles (plain and case-folded) and hands columns and orders to
//! [`folio_engine::IndexWriter`], then publishes the directory atomically. [`synth`] writes
//! realistic synthetic dumps for tests and benchmarks. Every failure is an [`IngestError`]
//! that names the file, the place in it and the fix. The `folio-ingest` binary keeps one file per
//! command under `src/cmd/`.
//!
//! # Example
//!
//! ```no_run
//! use folio_ingest::build::{BuildConfig, build};
//!
//! let report = build(&BuildConfig {
//!     dump: "datasets/enwiki-sample.xml.bz2".into(),
//!     out: "data/enwiki-sample".into(),
//!     progress: false,
//!     search: Default::default(),
//!     fulltext: false,
//!     compressed: false,
//! })?;
//! println!("{} pages", report.manifest.counts.pages);
//! # Ok::<(), folio_ingest::IngestError>(())
//! ```

pub mod build;
pub mod bz2;
pub mod error;
pub mod multistream;
pub mod progress;
pub mod ranking;
pub mod scan;
pub mod signals;
pub mod sort;
pub mod source;
pub mod synth;
mod synth_words;
mod targets;

pub use error::{IngestError, Result};
