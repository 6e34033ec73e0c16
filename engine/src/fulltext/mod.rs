//! Full-text search over the articles' text ([`crate::Index::search`]): BM25 from tantivy,
//! combined with the page rank.
//!
//! The index lives in a directory of the index, `fulltext-<id>/`, named in the manifest's
//! `fulltext` entry, its files listed with their checksums like every other file of the index
//! (`engine/FORMAT.md`). It holds one document per namespace-0 article (redirects left out):
//! its title and its plain text ([`crate::render::text::plain_text`], what the reader shows as
//! prose), analyzed by [`schema::analyzer`], and its row and rank as fast fields. Nothing is
//! stored: snippets are cut from the dump's own text at query time.
//!
//! A hit's score is [`combined_score`]: `bm25 · (1 + RANK_BOOST · rank)`. Among pages that match
//! a query about equally well, the ones the wiki links to most come first, as CirrusSearch's
//! rescoring by incoming links does.

mod build;
mod query;
pub mod schema;
mod search;

use std::path::Path;

pub use build::{FullTextBuild, build_fulltext};
pub use query::MAX_CLAUSES;
pub use search::{MAX_LIMIT, MAX_OFFSET, SearchHit, SearchQuery, SearchResults, Snippet};

use crate::error::{Error, Result};
use crate::manifest::Manifest;

/// How much the rank lifts a hit: a page of rank 1 scores three times its BM25.
pub const RANK_BOOST: f32 = 2.0;

/// How much more a word in the title weighs than one in the text.
pub const TITLE_BOOST: f32 = 3.0;

/// The score of a hit: its BM25 score (title and text) times `1 + RANK_BOOST · rank`.
pub fn combined_score(bm25: f32, rank: f32) -> f32 {
    bm25 * (1.0 + RANK_BOOST * rank.clamp(0.0, 1.0))
}

/// The command that adds a full-text index to an index directory (named in errors).
pub fn build_command(dir: &Path) -> String {
    format!("folio-ingest fulltext {}", dir.display())
}

/// An opened full-text index.
pub(crate) struct FullText {
    pub(crate) reader: tantivy::IndexReader,
    pub(crate) parser: tantivy::query::QueryParser,
    pub(crate) fields: schema::Fields,
    pub(crate) documents: u64,
}

impl FullText {
    /// Opens the full-text index the manifest names, or `None` when it names none.
    pub(crate) fn open(dir: &Path, manifest: &Manifest) -> Result<Option<FullText>> {
        let Some(info) = &manifest.fulltext else { return Ok(None) };
        let path = dir.join(&info.dir);
        for (name, sum) in manifest.files.iter().filter(|(n, _)| n.starts_with(&format!("{}/", info.dir))) {
            crate::format::check_size(&dir.join(name), sum.bytes)?;
        }
        let corrupt =
            |e: tantivy::TantivyError| Error::corrupt(&path, format!("the full-text index does not open: {e}"));
        let index = tantivy::Index::open_in_dir(&path).map_err(corrupt)?;
        schema::register(&index);
        let (_, fields) = schema::schema();
        if index.schema() != schema::schema().0 {
            return Err(Error::corrupt(&path, "the full-text index has another schema; rebuild it"));
        }
        let reader = index.reader_builder().reload_policy(tantivy::ReloadPolicy::Manual).try_into().map_err(corrupt)?;
        let documents = reader.searcher().num_docs();
        if documents != info.documents {
            let what = format!("{documents} documents, the manifest says {}", info.documents);
            return Err(Error::corrupt(&path, what));
        }
        let mut parser = tantivy::query::QueryParser::for_index(&index, vec![fields.title, fields.text]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, TITLE_BOOST);
        Ok(Some(FullText { reader, parser, fields, documents }))
    }
}

/// The manifest's record of the full-text index.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FullTextInfo {
    /// Its directory, relative to the index directory (`fulltext-<id>`).
    pub dir: String,
    /// Documents (namespace-0 articles) it holds.
    pub documents: u64,
    /// The analyzer its text went through ([`schema::ANALYZER`]).
    pub analyzer: String,
    /// Wall-clock seconds its build took.
    pub build_seconds: f64,
}
