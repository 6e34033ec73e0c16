//! Prefix search in sorted order, case-sensitive or not, with a limit and a start-after cursor.
//!
//! Both orders are arrays of rows sorted by a key (the title's bytes, or its case folding) and
//! then by row. The pages whose key starts with a prefix form one contiguous slice of the
//! array, found with two lower-bound searches: through the FST for titles, by binary search for
//! folded titles. Listing `k` hits then costs `k` array reads, whatever the size of the index.

use std::cmp::Ordering;
use std::ops::Range;

use crate::error::Result;
use crate::fold::fold;
use crate::index::{Index, Page};

/// Whether a prefix matches case-sensitively (bytewise) or after Unicode case folding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Case {
    /// Bytewise: `Apple` does not match `apple`. Results in bytewise title order.
    #[default]
    Sensitive,
    /// After case folding: `apple` matches `Apple` and `APPLE`. Results in folded-title order.
    Insensitive,
}

/// Where a listing resumes: strictly after this page in the listing's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The title of the last page already returned.
    pub title: String,
    /// Its row (breaks ties between pages with equal keys).
    pub row: u32,
}

/// A prefix listing request.
#[derive(Debug, Clone, Default)]
pub struct PrefixQuery<'a> {
    /// The prefix every title must start with (the empty prefix lists every title).
    pub prefix: &'a str,
    /// How to match.
    pub case: Case,
    /// Resume after this page.
    pub after: Option<Cursor>,
    /// At most this many pages.
    pub limit: usize,
    /// Only pages of this namespace.
    pub ns: Option<i32>,
}

/// A page's title and where it lies in the dump: one entry of an offsets listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TitleSpan<'a> {
    /// The title.
    pub title: &'a str,
    /// Offset of the `<` of `<page>`.
    pub start: u64,
    /// Offset of the `>` of `</page>`, inclusive.
    pub end: u64,
}

/// One page of a prefix listing.
#[derive(Debug, Clone)]
pub struct PrefixPage<'a> {
    /// The pages, in the listing's order.
    pub pages: Vec<Page<'a>>,
    /// Number of pages with the prefix in all (not only this page of them; not narrowed by a
    /// namespace filter).
    pub total: usize,
    /// Where the next page starts, or `None` when this was the last.
    pub next: Option<Cursor>,
}

/// The smallest byte string greater than every string that starts with `prefix`, or `None` when
/// no such string exists (empty prefix, or all `0xff`).
pub(crate) fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut s = prefix.to_vec();
    while let Some(last) = s.pop() {
        if last < 0xff {
            s.push(last + 1);
            return Some(s);
        }
    }
    None
}

impl Index {
    /// The sort key of `row` in the order of `case`.
    fn key(&self, case: Case, row: u32) -> Result<Vec<u8>> {
        let title = self.pages.title(row as usize)?;
        Ok(match case {
            Case::Sensitive => title.as_bytes().to_vec(),
            Case::Insensitive => fold(title).into_bytes(),
        })
    }

    /// First rank in `range` whose `(key, row)` is not less than the target, by binary search.
    fn partition(&self, case: Case, mut range: Range<usize>, less: impl Fn(&[u8], u32) -> bool) -> Result<usize> {
        let order = self.order(case).as_slice();
        while !range.is_empty() {
            let mid = range.start + range.len() / 2;
            let row = order[mid];
            if less(&self.key(case, row)?, row) {
                range.start = mid + 1;
            } else {
                range.end = mid;
            }
        }
        Ok(range.start)
    }

    /// The first rank whose key is `>= key`.
    fn lower_bound(&self, case: Case, key: &[u8]) -> Result<usize> {
        let n = self.len();
        match case {
            // Through the FST and `title_rank.npy` where the index has it: two array reads.
            Case::Sensitive => match self.titles.lower_bound(key) {
                None => Ok(n),
                Some(row) => match self.title_rank(row) {
                    Some(rank) => rank,
                    None => self.partition(case, 0..n, |k, _| k < key),
                },
            },
            Case::Insensitive => self.partition(case, 0..n, |k, _| k < key),
        }
    }

    /// The ranks, in the order of `case`, of every page whose title starts with `prefix`.
    pub fn prefix_ranks(&self, prefix: &str, case: Case) -> Result<Range<usize>> {
        let key = match case {
            Case::Sensitive => prefix.as_bytes().to_vec(),
            Case::Insensitive => fold(prefix).into_bytes(),
        };
        let lo = self.lower_bound(case, &key)?;
        let hi = match successor(&key) {
            Some(next) => self.lower_bound(case, &next)?,
            None => self.len(),
        };
        Ok(lo..hi.max(lo))
    }

    /// Title, start and end of every page whose title starts with `prefix`, in the order of
    /// `case`. Case-sensitive listings read the title-ordered copy where the index has one: one
    /// sequential read, however scattered the pages are in the dump.
    pub fn prefix_spans(&self, prefix: &str, case: Case) -> Result<Vec<TitleSpan<'_>>> {
        self.spans_of_ranks(self.prefix_ranks(prefix, case)?, case)
    }

    /// Title, start and end of the pages at `ranks` in the order of `case`.
    pub(crate) fn spans_of_ranks(&self, ranks: Range<usize>, case: Case) -> Result<Vec<TitleSpan<'_>>> {
        if case == Case::Sensitive && self.sorted.is_some() {
            return self.sorted_spans_of(ranks);
        }
        let order = self.order(case);
        let rows = order
            .as_slice()
            .get(ranks.clone())
            .ok_or_else(|| crate::Error::corrupt(order.path(), format!("ranks {ranks:?} out of range")))?;
        self.pages.spans(rows)
    }

    /// [`Index::sorted_span`] for every rank of `ranks`, with one UTF-8 check over the block of
    /// their titles instead of one per title (a 16,000-title listing is 700 KB of titles, read
    /// once, in order). Without a title-ordered copy, gathered from the page table.
    pub(crate) fn sorted_spans_of(&self, ranks: Range<usize>) -> Result<Vec<TitleSpan<'_>>> {
        let Some(sorted) = &self.sorted else {
            let order = &self.title_order;
            let rows = order
                .as_slice()
                .get(ranks.clone())
                .ok_or_else(|| crate::Error::corrupt(order.path(), format!("ranks {ranks:?} out of range")))?;
            return self.pages.spans(rows);
        };
        if ranks.is_empty() {
            return Ok(Vec::new());
        }
        let (ends, spans) = (sorted.ends.as_slice(), sorted.spans.as_slice());
        let bad = |what: String| crate::Error::corrupt(sorted.titles.path(), what);
        let (first, last) = (ranks.start, ranks.end - 1);
        let from = if first == 0 { Some(0) } else { ends.get(first - 1).copied() };
        let block_ends = ends.get(ranks.clone()).ok_or_else(|| bad(format!("ranks {ranks:?} out of range")))?;
        let spans = spans.get(2 * first..2 * last + 2).ok_or_else(|| bad(format!("no spans for ranks {ranks:?}")))?;
        let bytes = from
            .zip(block_ends.last().copied())
            .and_then(|(a, b)| Some((usize::try_from(a).ok()?, usize::try_from(b).ok()?)))
            .and_then(|(a, b)| sorted.titles.as_slice().get(a..b).map(|bytes| (a, bytes)));
        let (base, bytes) = bytes.ok_or_else(|| bad(format!("title ends of ranks {ranks:?} out of range")))?;
        let block = std::str::from_utf8(bytes).map_err(|e| bad(format!("titles of ranks {ranks:?}: {e}")))?;
        let mut at = 0;
        let mut out = Vec::with_capacity(ranks.len());
        for (i, (&end, span)) in block_ends.iter().zip(spans.chunks_exact(2)).enumerate() {
            // `get` on a `str` checks that both ends are character boundaries.
            let to = usize::try_from(end).ok().and_then(|e| e.checked_sub(base)).filter(|&to| to >= at);
            let title = to.and_then(|to| block.get(at..to));
            let title = title.ok_or_else(|| bad(format!("rank {}: title ends out of order", first + i)))?;
            out.push(TitleSpan { title, start: span[0], end: span[1] });
            at = to.unwrap_or(at);
        }
        Ok(out)
    }

    /// Title, start and end of the page at `rank` in title order, from the title-ordered copy
    /// (or the page table, in an index without one).
    pub fn sorted_span(&self, rank: usize) -> Result<TitleSpan<'_>> {
        let bad = || crate::Error::corrupt(self.title_order.path(), format!("rank {rank} out of range"));
        let next = rank.checked_add(1).ok_or_else(bad)?;
        self.sorted_spans_of(rank..next)?.pop().ok_or_else(bad)
    }

    /// Lists pages whose title starts with `query.prefix`, in sorted order, `query.limit` at a
    /// time, resuming after `query.after`.
    pub fn prefix(&self, query: &PrefixQuery<'_>) -> Result<PrefixPage<'_>> {
        let case = query.case;
        let ranks = self.prefix_ranks(query.prefix, case)?;
        let total = ranks.len();
        let mut from = ranks.start;
        if let Some(after) = &query.after {
            let key = match case {
                Case::Sensitive => after.title.as_bytes().to_vec(),
                Case::Insensitive => fold(&after.title).into_bytes(),
            };
            from = self.partition(case, ranks.clone(), |k, row| match k.cmp(&key) {
                Ordering::Less => true,
                Ordering::Equal => row <= after.row,
                Ordering::Greater => false,
            })?;
        }
        let order = self.order(case);
        let rows = order
            .as_slice()
            .get(from..ranks.end)
            .ok_or_else(|| crate::Error::corrupt(order.path(), format!("ranks {from}..{} out of range", ranks.end)))?;
        let (rows, more) = match query.ns {
            None => {
                let n = rows.len().min(query.limit);
                (rows[..n].to_vec(), n < rows.len())
            }
            Some(ns) => {
                // Scan in order, keeping pages of the namespace, up to one past the limit to
                // know whether there are more.
                let mut kept = Vec::with_capacity(query.limit.min(rows.len()).min(1 << 16));
                let mut more = false;
                for &row in rows {
                    if self.pages.ns(row as usize)? != ns {
                        continue;
                    }
                    if kept.len() == query.limit {
                        more = true;
                        break;
                    }
                    kept.push(row);
                }
                (kept, more)
            }
        };
        let pages = self.pages.pages(&rows)?;
        let next = match pages.last() {
            Some(last) if more => Some(Cursor { title: last.title.to_string(), row: last.row }),
            _ => None,
        };
        Ok(PrefixPage { pages, total, next })
    }
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn successor_of_a_prefix() {
        assert_eq!(successor(b"abc"), Some(b"abd".to_vec()));
        assert_eq!(successor(b"ab\xff"), Some(b"ac".to_vec()));
        assert_eq!(successor(b"\xff\xff"), None);
        assert_eq!(successor(b""), None);
    }
}
