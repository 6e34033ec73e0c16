//! Finding the page a person means: a title as typed ([`Index::find`]), redirects followed
//! ([`Index::follow_redirects`]), and prefix listings held to a size ([`Index::listing`]).
//! These are the query semantics the HTTP routes translate; they live here so that every front
//! end (HTTP, a notebook, a future protocol) answers the same.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::mediawiki::{normalize_prefix, normalize_title};
use crate::{Case, Index, Page, PageBytes, PageSpan, TitleSpan};

/// Most redirect hops [`Index::follow_redirects`] takes.
pub const MAX_REDIRECT_HOPS: usize = 5;

/// What [`Index::find_read`] finds: where the page's XML lies and, when the lookup read it to
/// confirm the title, the XML itself (already checked: serve it as [`Index::span_bytes`] would).
pub struct Found<'t> {
    /// Where the page's XML lies, with the title it was found by.
    pub span: PageSpan<'t>,
    /// The page's XML, when the lookup read and checked it.
    pub bytes: Option<PageBytes>,
}

/// What an exact lookup for serving finds: the row, its span, and its XML when it was read.
struct Hit {
    row: u32,
    start: u64,
    end: u64,
    bytes: Option<PageBytes>,
}

impl Index {
    /// The page a person means by `raw`: the page whose title is `raw` normalized as MediaWiki
    /// does ([`normalize_title`]), or, when normalizing changed it and found nothing, titled
    /// `raw` exactly. `None` when neither exists.
    pub fn find(&self, raw: &str) -> Result<Option<Page<'_>>> {
        self.as_meant(raw, |title| self.row_of(title))?.map(|(row, _)| self.page(row as usize)).transpose()
    }

    /// What `look` finds for `raw` normalized ([`normalize_title`]), or, when normalizing
    /// changed it and found nothing, for `raw` itself; with the title it was found by.
    fn as_meant<'t, T>(
        &self,
        raw: &'t str,
        look: impl Fn(&str) -> Result<Option<T>>,
    ) -> Result<Option<(T, Cow<'t, str>)>> {
        let title = normalize_title(raw);
        if let Some(found) = look(&title)? {
            return Ok(Some((found, Cow::Owned(title))));
        }
        if title == raw {
            return Ok(None);
        }
        Ok(look(raw)?.map(|found| (found, Cow::Borrowed(raw))))
    }

    /// The whole row of the page at `span` (from [`Index::find_span`], or made elsewhere): its
    /// title in the page table is checked against the span's, so a wrong span is an error,
    /// never another page.
    pub fn page_at_span(&self, span: &PageSpan<'_>) -> Result<Page<'_>> {
        self.check_row_title(span.row, &span.title)?;
        self.page(span.row as usize)
    }

    /// Where the XML of the page [`Index::find`] finds lies: its row and span, as
    /// `title_slots.npy` holds them (format 8 on: the title confirmed by the dump's `<title>`
    /// where the page's bytes are in memory, else by the page table) or the page table's start
    /// and end columns, not the whole row; for serving its bytes with [`Index::span_bytes`],
    /// which checks the dump's `<title>` too.
    pub fn find_span<'t>(&self, raw: &'t str) -> Result<Option<PageSpan<'t>>> {
        Ok(self.find_read(raw)?.map(|found| found.span))
    }

    /// [`Index::find_span`], with the page's XML when the lookup read it to confirm the title
    /// (format 8 on, the bytes in memory): checked as [`Index::span_bytes`] checks them, so
    /// that serving the page need not read and check them again.
    pub fn find_read<'t>(&self, raw: &'t str) -> Result<Option<Found<'t>>> {
        let found = self.as_meant(raw, |title| self.span_of(title))?;
        Ok(found
            .map(|(Hit { row, start, end, bytes }, title)| Found { span: PageSpan { row, title, start, end }, bytes }))
    }

    /// The row of the page titled exactly `title` (as [`Index::row_of`] finds it), the offsets
    /// of its first and last bytes, and its XML when the lookup read it: what serving it needs.
    /// From format 8 on, the slot of `title_slots.npy` holds the span, and when its bytes are in
    /// memory ([`Index::holds`]) the candidate is confirmed by the dump's `<title>` there, the
    /// bytes then served: the lookup touches the slot and the page, and no column of the page
    /// table. (A damaged slot can then name, with the right row, the span of another page of the
    /// same title; `verify` checks every slot's span.)
    fn span_of(&self, title: &str) -> Result<Option<Hit>> {
        if let Some(slots) = &self.title_slots {
            let mut read = None;
            let found = slots.get(title.as_bytes(), |c| {
                // The dump's word is taken only for a yes: a page it cannot read (changed under
                // the map), whose title differs (another title's slot, or damaged bytes), or that
                // is not in memory is asked of the page table, and then the span is the page
                // table's too; so a lookup answers as the page table does.
                read = c.span.and_then(|(start, end)| {
                    let end = end.saturating_add(1);
                    let bytes = self.holds(start, end).then(|| self.read(start, end).ok()).flatten()?;
                    crate::page_check::is_page_titled(&bytes, title).then_some(bytes)
                });
                Ok(read.is_some() || self.row_titled(c.row, title)?)
            })?;
            if let Some(c) = found {
                let (start, end) = match (&read, c.span) {
                    (Some(_), Some(span)) => span,
                    _ => self.pages.start_end(c.row as usize)?,
                };
                return Ok(Some(Hit { row: c.row, start, end, bytes: read }));
            }
        }
        let Some(row) = self.fst_row(title)? else { return Ok(None) };
        self.check_row_title(row, title)?;
        let (start, end) = self.pages.start_end(row as usize)?;
        Ok(Some(Hit { row, start, end, bytes: None }))
    }

    /// Follows redirects from `page`, at most [`MAX_REDIRECT_HOPS`]: the page they lead to.
    /// A redirect whose target does not exist is itself the answer (as MediaWiki shows it);
    /// a loop is [`Error::RedirectLoop`]; an error reading the index is that error, never a
    /// reason to stop early.
    pub fn follow_redirects<'a>(&'a self, mut page: Page<'a>) -> Result<Page<'a>> {
        // The rows passed through, on the stack (most pages are no redirect and need none).
        let mut seen = [page.row; MAX_REDIRECT_HOPS + 1];
        for hop in 1..=MAX_REDIRECT_HOPS {
            let Some(target) = page.redirect else { break };
            let target = target.split('#').next().unwrap_or(target);
            let Some(next) = self.find(target)? else { break };
            if seen[..hop].contains(&next.row) {
                let chain =
                    seen[..hop].iter().map(|&r| self.page(r as usize).map(|p| p.title)).collect::<Result<Vec<_>>>()?;
                return Err(Error::RedirectLoop { chain: chain.join(" -> ") });
            }
            seen[hop] = next.row;
            page = next;
        }
        Ok(page)
    }

    /// Title, start and end of every page whose title starts with `raw` normalized as a prefix
    /// ([`normalize_prefix`]), in the order of `case`; [`Error::TooManyResults`] when more than
    /// `max` pages match (their number is found once, from the two ends of the prefix's range).
    pub fn listing(&self, raw: &str, case: Case, max: usize) -> Result<Vec<TitleSpan<'_>>> {
        let prefix = normalize_prefix(raw);
        let ranks = self.prefix_ranks(&prefix, case)?;
        if ranks.len() > max {
            return Err(Error::TooManyResults { prefix, count: ranks.len(), max });
        }
        self.spans_of_ranks(ranks, case)
    }
}
