//! [`Index::suggest`]: type-ahead suggestions in tiers, each tier above the next and ties
//! broken by rank, redirects collapsed onto their targets.
//!
//! 1. **exact**: the page the query names ([`Index::find`]: MediaWiki's normalization, the first
//!    page of a duplicate title);
//! 2. **prefix**: titles that start with the query, case-sensitively (after the first letter is
//!    upper-cased, as titles are);
//! 3. **folded**: search keys that start with the query's search key (case and accents folded:
//!    `zurich` finds `Zürich`);
//! 4. **fuzzy**: search keys that start with something within 1 edit of the query's key (3 to 5
//!    characters) or 2 edits (more), the first character kept; closer first.
//!
//! A redirect that matches stands for its target: one item, naming the redirect in
//! `matched_row`. A namespace filter applies to the title that matched and to the page shown;
//! a disambiguation filter ([`Disambiguation`]) to the page shown.

use std::collections::HashSet;
use std::ops::Range;

use super::{SearchFiles, fuzzy, top};
use crate::error::{Error, Result};
use crate::mediawiki::normalize_prefix;
use crate::{Case, Index, search_key};

/// Most suggestions one query returns.
pub const MAX_LIMIT: usize = 100;

/// A suggestion request.
#[derive(Debug, Clone)]
pub struct SuggestQuery<'a> {
    /// What the person typed.
    pub query: &'a str,
    /// At most this many suggestions (1 to [`MAX_LIMIT`]).
    pub limit: usize,
    /// Only titles of this namespace (`None`: any).
    pub ns: Option<i32>,
    /// Whether disambiguation pages are suggested ([`Disambiguation`]).
    pub disambiguation: Disambiguation,
}

/// What suggestions do with disambiguation pages ([`crate::disambiguation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Disambiguation {
    /// Suggested like any page (as Wikipedia's search box does).
    #[default]
    Include,
    /// Left out.
    Exclude,
    /// Only they are suggested.
    Only,
}

/// Which tier found a suggestion; earlier tiers come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The query is the title (normalized).
    Exact,
    /// The title starts with the query.
    Prefix,
    /// The title starts with the query, case and accents aside.
    Folded,
    /// The title starts with something a typo or two away from the query.
    Fuzzy,
}

impl Tier {
    /// The tier's name in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Exact => "exact",
            Tier::Prefix => "prefix",
            Tier::Folded => "folded",
            Tier::Fuzzy => "fuzzy",
        }
    }
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The page suggested (a redirect's target, when a redirect matched).
    pub row: u32,
    /// The redirect whose title matched, when it was one.
    pub matched_row: Option<u32>,
    /// The tier that found it.
    pub tier: Tier,
    /// The page's rank ([`crate::rank`]).
    pub rank: f32,
    /// Edits between the query and the title's start (0 except in the fuzzy tier).
    pub distance: u8,
}

/// Suggestions gathered tier by tier, each page once.
struct Gather<'a> {
    index: &'a Index,
    seen: HashSet<u32>,
    items: Vec<Suggestion>,
    limit: usize,
    ns: Option<i32>,
    /// The disambiguation rows, when the query filters on them.
    disambiguation: Option<(&'a [u32], bool)>,
}

impl Gather<'_> {
    fn full(&self) -> bool {
        self.items.len() >= self.limit
    }

    /// Offers the page in `row` (the title that matched).
    fn offer(&mut self, row: u32, tier: Tier, distance: u8) -> Result<()> {
        if self.full() {
            return Ok(());
        }
        let page = self.index.page(row as usize)?;
        if self.ns.is_some_and(|ns| ns != page.ns) {
            return Ok(());
        }
        let target = match self.index.follow_redirects(page) {
            Ok(t) => t,
            // A redirect loop suggests nothing; the other candidates stand.
            Err(Error::RedirectLoop { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        if self.ns.is_some_and(|ns| ns != target.ns) {
            return Ok(());
        }
        if let Some((rows, wanted)) = self.disambiguation
            && rows.binary_search(&target.row).is_ok() != wanted
        {
            return Ok(());
        }
        if !self.seen.insert(target.row) {
            return Ok(());
        }
        let rank = self.index.page_table().rank(target.row as usize)?;
        let matched_row = (target.row != row).then_some(row);
        self.items.push(Suggestion { row: target.row, matched_row, tier, rank, distance });
        Ok(())
    }

    /// Offers the best-weighted positions of `ranges` (in an order whose weights are
    /// `weights` and rows `rows`) until the answer is full or the ranges are spent.
    fn fill(&mut self, weights: &[u16], rows: &[u32], ranges: &[Range<usize>], tier: Tier, distance: u8) -> Result<()> {
        let total: usize = ranges.iter().map(|r| r.len()).sum();
        let mut k = (self.limit - self.items.len().min(self.limit)) * 2 + 4;
        let mut offered = 0;
        while !self.full() && offered < total {
            let best = top(weights, ranges, k.min(total));
            if best.len() <= offered && k >= total {
                break; // nothing more to offer (positions past the order are skipped)
            }
            for &p in &best[offered.min(best.len())..] {
                let row = *rows.get(p).ok_or_else(|| Error::Internal(format!("position {p} past the order")))?;
                self.offer(row, tier, distance)?;
            }
            offered = offered.max(best.len());
            k = k.saturating_mul(4);
        }
        Ok(())
    }
}

impl Index {
    /// Ranked suggestions for what a person typed ([`SuggestQuery`]), best first; see the
    /// module's documentation for the tiers. [`Error::SearchMissing`] on an index of format 1.
    pub fn suggest(&self, q: &SuggestQuery<'_>) -> Result<Vec<Suggestion>> {
        let files = self.search_files()?;
        let disambiguation = match q.disambiguation {
            Disambiguation::Include => None,
            wanted => Some((self.disambiguation_rows()?, wanted == Disambiguation::Only)),
        };
        let mut g = Gather {
            index: self,
            seen: HashSet::new(),
            items: Vec::new(),
            limit: q.limit.clamp(1, MAX_LIMIT),
            ns: q.ns,
            disambiguation,
        };
        if q.query.trim().is_empty() {
            return Ok(Vec::new());
        }
        if let Some(page) = self.find(q.query)? {
            g.offer(page.row, Tier::Exact, 0)?;
        }
        let prefix = normalize_prefix(q.query);
        let title_ranks = self.prefix_ranks(&prefix, Case::Sensitive)?;
        let title_order = self.order(Case::Sensitive).as_slice();
        g.fill(files.title_weights.as_slice(), title_order, &[title_ranks], Tier::Prefix, 0)?;
        let key = search_key(&prefix);
        let (weights, rows) = (files.weights.as_slice(), files.order.as_slice());
        if !g.full() {
            g.fill(weights, rows, &[files.key_range(key.as_bytes())], Tier::Folded, 0)?;
        }
        // Closer first, and a walk per distance: when one edit already fills the answer, the
        // far costlier walk at two edits is never made.
        for d in 1..=fuzzy::allowed_distance(key.chars().count()) {
            if g.full() {
                break;
            }
            let found = fuzzy::ranges(files, &key, d);
            let ranges: Vec<Range<usize>> = found.into_iter().filter(|(_, k)| *k == d).map(|(r, _)| r).collect();
            if !ranges.is_empty() {
                g.fill(weights, rows, &ranges, Tier::Fuzzy, d)?;
            }
        }
        Ok(g.items)
    }

    /// Whether the page in `row` is a disambiguation page ([`crate::disambiguation`]); `None`
    /// when the index does not record them (built before it did).
    pub fn is_disambiguation(&self, row: u32) -> Option<bool> {
        let rows = self.search.as_ref()?.disambiguation.as_ref()?;
        Some(rows.as_slice().binary_search(&row).is_ok())
    }

    /// The rows of the disambiguation pages, or the error that says how to get them.
    fn disambiguation_rows(&self) -> Result<&[u32]> {
        match self.search.as_ref().map(|f| f.disambiguation.as_ref()) {
            Some(Some(rows)) => Ok(rows.as_slice()),
            _ => Err(Error::SearchMissing(format!(
                "the index in {} does not record disambiguation pages (it was built before Folio did); \
                 rebuild it with `folio-ingest build {} --out {}` to filter on them",
                self.dir.display(),
                self.manifest.dump.source.display(),
                self.dir.display()
            ))),
        }
    }

    /// The suggestion files, or the error that says how to get them.
    fn search_files(&self) -> Result<&SearchFiles> {
        self.search.as_ref().ok_or_else(|| {
            Error::SearchMissing(format!(
                "the index in {} (format {}) has no suggestion files; rebuild it with `folio-ingest build {} --out {}`",
                self.dir.display(),
                self.manifest.format_version,
                self.manifest.dump.source.display(),
                self.dir.display()
            ))
        })
    }
}

/// A suggestion as answers show it.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestItem {
    /// The title of the page suggested.
    pub title: String,
    /// Its MediaWiki page id.
    pub page_id: u64,
    /// Its namespace.
    pub ns: i32,
    /// The redirect whose title matched, when one did.
    pub matched_title: Option<String>,
    /// The tier that found it.
    pub tier: Tier,
    /// The page's rank.
    pub rank: f32,
    /// The first sentence of its text ([`Index::excerpt`]), when asked for.
    pub excerpt: Option<String>,
    /// Whether it is a disambiguation page (`None` when the index does not record them).
    pub disambiguation: Option<bool>,
}

impl Index {
    /// [`Index::suggest`] with each page's title, id and, when `excerpts`, its first sentence.
    pub fn suggest_items(&self, q: &SuggestQuery<'_>, excerpts: bool) -> Result<Vec<SuggestItem>> {
        self.suggest(q)?
            .into_iter()
            .map(|s| {
                let page = self.page(s.row as usize)?;
                let matched_title =
                    s.matched_row.map(|r| self.page_table().title(r as usize).map(str::to_string)).transpose()?;
                let excerpt = if excerpts { Some(self.excerpt(s.row)?) } else { None };
                Ok(SuggestItem {
                    title: page.title.to_string(),
                    page_id: page.page_id,
                    ns: page.ns,
                    matched_title,
                    tier: s.tier,
                    rank: s.rank,
                    excerpt,
                    disambiguation: self.is_disambiguation(s.row),
                })
            })
            .collect()
    }
}
