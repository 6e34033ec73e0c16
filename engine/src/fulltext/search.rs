//! [`Index::search`]: a query in, ranked hits with snippets out.

use std::ops::Range;

use tantivy::collector::{Count, TopDocs};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, SegmentReader};

use super::{combined_score, query};
use crate::Index;
use crate::error::{Error, Result};

/// Hits a page of results holds at most.
pub const MAX_LIMIT: usize = 100;
/// How deep results can be paged (`offset + limit` at most this), as search engines bound it.
pub const MAX_OFFSET: usize = 10_000;
/// Characters of a snippet at most.
const SNIPPET_CHARS: usize = 220;

/// A full-text query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery<'a> {
    /// The query text ([`super`]'s syntax: words, `"phrases"`, `-exclusions`).
    pub query: &'a str,
    /// Hits wanted (1 to [`MAX_LIMIT`]).
    pub limit: usize,
    /// Hits to skip (pagination).
    pub offset: usize,
    /// Whether to cut a snippet for each hit (reads and renders the page's text).
    pub snippets: bool,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Pages that match, in all.
    pub total: usize,
    /// The hits asked for, best first.
    pub hits: Vec<SearchHit>,
}

/// A page that matches.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// Its row.
    pub row: u32,
    /// Its title.
    pub title: String,
    /// Its MediaWiki page id.
    pub page_id: u64,
    /// [`combined_score`] of its BM25 score and its rank.
    pub score: f32,
    /// Its rank ([`crate::rank`]).
    pub rank: f32,
    /// The passage of its text that matches best (`None` when snippets were not asked for).
    pub snippet: Option<Snippet>,
}

/// A passage of a page's plain text with the query's words marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The passage.
    pub text: String,
    /// Byte ranges of `text` that matched a word of the query.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The passage as HTML: escaped, each match in `<mark>`.
    pub fn html(&self) -> String {
        use std::fmt::Write;

        use crate::entities::{Escape, escape};
        let mut out = String::with_capacity(self.text.len() + 16 * self.highlights.len());
        let mut at = 0;
        for r in &self.highlights {
            let (before, hit) = (&self.text[at..r.start], &self.text[r.clone()]);
            let _ = write!(out, "{}<mark>{}</mark>", escape(before, Escape::Text), escape(hit, Escape::Text));
            at = r.end;
        }
        let _ = write!(out, "{}", escape(&self.text[at..], Escape::Text));
        out
    }
}

impl Index {
    /// Whether the index has a full-text index (built with `folio-ingest build --fulltext` or
    /// added with `folio-ingest fulltext`).
    pub fn has_fulltext(&self) -> bool {
        self.fulltext.is_some()
    }

    /// Documents in the full-text index (0 without one).
    pub fn fulltext_documents(&self) -> u64 {
        self.fulltext.as_ref().map_or(0, |f| f.documents)
    }

    /// Searches the articles' text: hits ranked by [`combined_score`], `q.offset` skipped, at
    /// most `q.limit`. A query that breaks the rules is [`Error::BadQuery`]; an index without
    /// a full-text index is [`Error::FulltextMissing`].
    pub fn search(&self, q: &SearchQuery<'_>) -> Result<SearchResults> {
        let ft = self.fulltext.as_ref().ok_or_else(|| {
            Error::FulltextMissing(format!(
                "this index has no full-text index; build it with `{}` (or rebuild with \
                 `folio-ingest build --fulltext`)",
                super::build_command(self.dir())
            ))
        })?;
        let query = query::parse(&ft.parser, q.query)?;
        let searcher = ft.reader.searcher();
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let offset = q.offset.min(MAX_OFFSET.saturating_sub(limit));
        let collector = TopDocs::with_limit(limit).and_offset(offset).tweak_score(move |segment: &SegmentReader| {
            let rank = segment.fast_fields().f64("rank").ok().map(|c| c.first_or_default_col(0.0));
            move |doc, bm25| rank.as_ref().map_or(bm25, |r| combined_score(bm25, r.get_val(doc) as f32))
        });
        let internal = |e: tantivy::TantivyError| Error::Internal(format!("full-text search failed: {e}"));
        let (total, top) = searcher.search(&*query, &(Count, collector)).map_err(internal)?;
        let generator = if q.snippets {
            let mut g = SnippetGenerator::create(&searcher, &*query, ft.fields.text).map_err(internal)?;
            g.set_max_num_chars(SNIPPET_CHARS);
            Some(g)
        } else {
            None
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let row = row_of(&searcher, address).map_err(internal)?;
            let page = self.page(row as usize)?;
            let snippet = match &generator {
                Some(g) => Some(snippet(self, &page, g)?),
                None => None,
            };
            hits.push(SearchHit {
                row,
                title: page.title.to_string(),
                page_id: page.page_id,
                score,
                rank: self.page_table().rank(row as usize)?,
                snippet,
            });
        }
        Ok(SearchResults { total, hits })
    }
}

fn row_of(searcher: &tantivy::Searcher, address: DocAddress) -> tantivy::Result<u32> {
    let column = searcher.segment_reader(address.segment_ord).fast_fields().u64("row")?;
    let row = column.first(address.doc_id).unwrap_or(0);
    Ok(row as u32)
}

/// The best passage of the page's text; its opening words when the query matched only the title.
fn snippet(index: &Index, page: &crate::Page<'_>, generator: &SnippetGenerator) -> Result<Snippet> {
    let xml = index.page_bytes(page)?;
    let text = crate::article::wikitext(&xml).map(|w| crate::render::text::plain_text(&w)).unwrap_or_default();
    let found = generator.snippet(&text);
    if !found.is_empty() {
        // An ellipsis where the passage cuts the text.
        let range = found.fragment_range();
        let (before, after) = (if range.start > 0 { "… " } else { "" }, if range.end < text.len() { " …" } else { "" });
        let highlights = found.highlighted().iter().map(|r| r.start + before.len()..r.end + before.len()).collect();
        // One line: block breaks become spaces (one byte for one, so the ranges hold).
        let text = format!("{before}{}{after}", found.fragment().replace('\n', " "));
        return Ok(Snippet { text, highlights });
    }
    let mut end = text.floor_char_boundary(SNIPPET_CHARS);
    if end < text.len() {
        end = text[..end].rfind(char::is_whitespace).unwrap_or(end);
    }
    Ok(Snippet { text: text[..end].trim_end().replace('\n', " "), highlights: Vec::new() })
}
