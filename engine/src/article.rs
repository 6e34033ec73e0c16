//! An article as a reader sees it: the page a title means (redirects followed), its wikitext
//! taken from the dump, rendered to HTML by [`crate::render`] with links resolved against this
//! index.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::render::{Links, Rendered, render};
use crate::{Index, Page, title_to_url, unescape};

/// Draws [`Index::random_article`] makes before it scans.
pub const RANDOM_TRIES: usize = 64;

/// A rendered article.
#[derive(Debug, Clone)]
pub struct Article {
    /// The page shown (the redirect's target when the title asked for was a redirect).
    pub row: u32,
    /// Its title.
    pub title: String,
    /// Its MediaWiki page id.
    pub page_id: u64,
    /// Its namespace.
    pub ns: i32,
    /// Bytes of its XML in the dump.
    pub bytes: u64,
    /// Where it redirects, when it is a redirect whose target is not in the dataset.
    pub redirect: Option<String>,
    /// The title asked for, when a redirect led here.
    pub redirected_from: Option<String>,
    /// The rendering.
    pub rendered: Rendered,
}

/// Links of rendered articles: a page exists when this index has it; its URL is `base` and the
/// title's URL form.
struct IndexLinks<'a> {
    index: &'a Index,
    base: &'a str,
}

impl Links for IndexLinks<'_> {
    fn exists(&self, title: &str) -> bool {
        matches!(self.index.row_of(title), Ok(Some(_)))
    }

    fn href(&self, title: &str) -> String {
        format!("{}{}", self.base, title_to_url(title))
    }
}

/// The unescaped text of the `<text>` element of one page's XML (empty when it has none).
pub fn wikitext(xml: &[u8]) -> Result<Cow<'_, str>> {
    let raw = raw_text(xml)?;
    unescape(raw).map_err(|e| Error::InvalidInput(format!("page text at byte {}: {}", e.offset, e.what)))
}

/// The content of the `<text>` element of one page's XML as the dump has it (still escaped;
/// empty when there is none or it is `<text/>`).
pub fn raw_text(xml: &[u8]) -> Result<&[u8]> {
    let finder = memchr::memmem::find;
    let Some(open) = finder(xml, b"<text") else { return Ok(&[]) };
    let Some(gt) = memchr::memchr(b'>', &xml[open..]).map(|k| open + k) else {
        return Err(Error::InvalidInput("a <text> element that does not close its tag".into()));
    };
    if xml[gt - 1] == b'/' {
        return Ok(&[]);
    }
    let end = finder(&xml[gt..], b"</text>").map_or(xml.len(), |k| gt + k);
    Ok(&xml[gt + 1..end])
}

impl Index {
    /// The article a person means by `raw` ([`Index::find`], redirects followed), rendered with
    /// links to `link_base` + the title's URL form (for example `/read/`). `None` when no page
    /// has that title.
    pub fn article(&self, raw: &str, link_base: &str) -> Result<Option<Article>> {
        let Some(first) = self.find(raw)? else { return Ok(None) };
        let asked = first.title.to_string();
        let page = self.follow_redirects(first)?;
        Ok(Some(self.render_page(&page, (page.title != asked).then_some(asked), link_base)?))
    }

    /// A random article: a page of namespace 0 that is not a redirect, drawn from `seed` (any
    /// value; the caller supplies the randomness, so a test can repeat a draw). Rows are drawn
    /// uniformly, skipping those that are not articles, for up to [`RANDOM_TRIES`] draws; a
    /// dataset with (almost) no articles is then scanned from the last draw, so the answer is
    /// `None` only when it has none.
    pub fn random_article(&self, seed: u64) -> Result<Option<u32>> {
        let n = self.len() as u64;
        if n == 0 {
            return Ok(None);
        }
        let is_article = |row: u64| -> Result<bool> {
            let t = self.page_table();
            Ok(t.ns(row as usize)? == 0 && t.redirect(row as usize)?.is_none())
        };
        // splitmix64: a full-period generator, good enough to pick rows.
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let mut row = 0;
        for _ in 0..RANDOM_TRIES {
            row = next() % n;
            if is_article(row)? {
                return Ok(Some(row as u32));
            }
        }
        for k in 1..n {
            let r = (row + k) % n;
            if is_article(r)? {
                return Ok(Some(r as u32));
            }
        }
        Ok(None)
    }

    /// Renders `page` itself (no redirect followed).
    pub fn render_page(&self, page: &Page<'_>, redirected_from: Option<String>, link_base: &str) -> Result<Article> {
        let xml = self.page_bytes(page)?;
        let text = wikitext(&xml)?;
        let rendered = render(&text, &IndexLinks { index: self, base: link_base });
        Ok(Article {
            row: page.row,
            title: page.title.to_string(),
            page_id: page.page_id,
            ns: page.ns,
            bytes: page.len(),
            redirect: page.redirect.map(str::to_string),
            redirected_from,
            rendered,
        })
    }
}
