//! Folio's engine: the on-disk index of a MediaWiki XML dump, and the queries over it.
//!
//! An index directory (written by `folio-ingest`) holds a page table ([`PageTable`], Arrow IPC),
//! the sorted page offsets (`offsets.npy`), an FST of titles ([`Titles`]), the rows in title order
//! (bytewise and case-folded), a title-ordered copy of titles and spans, and a [`Manifest`]. [`Index::open`] memory-maps them and the dump itself; it checks magic bytes,
//! versions, sizes and the dump's fingerprint and nothing more, so it takes milliseconds on a
//! 100 GB dump. [`Index::verify`] reads everything and checks every checksum.
//!
//! Queries read the maps in place: [`Index::get`] (exact title), [`Index::find`] (a title as a
//! person types it, normalized as MediaWiki does), [`Index::follow_redirects`],
//! [`Index::listing`] (a prefix listing held to a size), [`Index::prefix`] (sorted prefix
//! listing with a limit, a cursor and a namespace filter, case-sensitive or folded),
//! [`Index::prefix_spans`] (title, start and end of every match, one sequential read),
//! [`Index::page_bytes`] (a page's XML without a copy: a [`PageBytes`] slice of the mapped
//! dump, or of its decoded bz2 stream for a compressed dataset, see [`dump`]) and
//! [`Index::page_at_offset`].
//!
//! Behind the `sql` feature, [`sql`] holds the DataFusion catalog and the SQL worker processes
//! that run ad-hoc queries, held to their memory limit by [`alloc::Metered`].
//!
//! The engine knows nothing of HTTP or of how dumps are parsed: [`IndexWriter`] takes plain
//! columns ([`PageColumns`]) and sort orders, and [`publish`] makes a finished directory visible
//! atomically. The byte layout of every file is in `engine/FORMAT.md`.
//!
//! # Example
//!
//! ```no_run
//! use folio_engine::{Case, Index, PrefixQuery};
//!
//! let index = Index::open("data/enwiki-sample")?;
//! if let Some(page) = index.get("Anarchism")? {
//!     let xml = index.page_bytes(&page)?; // a slice of the mapped dump (or decoded stream), no copy
//!     assert!(xml.starts_with(b"<page>"));
//! }
//! let listing = index.prefix(&PrefixQuery { prefix: "ana", case: Case::Insensitive, limit: 10, ..Default::default() })?;
//! for page in &listing.pages {
//!     println!("{} at bytes {}-{}", page.title, page.start, page.end);
//! }
//! # Ok::<(), folio_engine::Error>(())
//! ```

pub use article::Article;
pub use columns::{PageColumns, Strings};
pub use dump::PageBytes;
pub use entities::{Escape, Escaped, UnescapeError, escape, unescape};
pub use error::{Error, Limit, Result};
pub use fold::{fold, fold_into, search_key, search_key_into};
pub use format::{FORMAT_VERSION, FileSum};
pub use index::OpenOptions;
pub use index::{Index, Page, PageSpan};
pub use manifest::{CompressedDump, Counts, DumpInfo, Manifest, fingerprint, fingerprint_of};
pub use mediawiki::{normalize_prefix, normalize_title, title_to_url};
pub use pages::PageTable;
pub use prefix::{Case, Cursor, PrefixPage, PrefixQuery, TitleSpan};
pub use resolve::Found;
pub use resolve::MAX_REDIRECT_HOPS;
pub use site::Site;
pub use sys::alloc;
pub use sys::block;
pub use sys::clock;
pub use sys::mmap::{Mmap, MmapSlice};
pub use title_fst::Titles;
pub use verify::VerifyReport;
pub use write::IndexWriter;

pub mod article;
pub mod byte_ranges;
mod columns;
pub mod disambiguation;
pub mod dump;
mod entities;
mod error;
mod fold;
pub mod format;
pub mod fulltext;
mod index;
pub mod library;
pub mod manifest;
mod mediawiki;
pub mod npy;
mod page_check;
pub mod pages;
pub mod params;
mod prefix;
pub mod publish;
pub mod rank;
pub mod recently_cached;
pub mod render;
mod resolve;
pub mod search;
mod site;
#[cfg(feature = "sql")]
pub mod sql;
#[cfg(feature = "sql-guard")]
pub mod sql_guard;
mod sys;
mod title_fst;
pub mod title_slots;
mod verify;
pub mod wikilink;
mod write;
