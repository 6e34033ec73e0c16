//! The reader's search results page, `/?q=` (no script needed): the page a title names opens
//! directly (as Wikipedia's "Go"); otherwise the titles that match (ranked, typos forgiven, from
//! [`folio_engine::Index::suggest_items`]) and the pages whose text matches (full-text search,
//! [`folio_engine::Index::search`]), with highlighted snippets and pages of results.
//! `&fulltext=1` skips the title jump; `&offset=` pages through the text hits.

use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::Response;
use folio_engine::fulltext::{SearchHit, SearchQuery};
use folio_engine::search::{SuggestItem, SuggestQuery};

use super::encode_title;
use super::layout::{attr, document, html, text};
use crate::error::ApiResult;
use crate::scope::Scope;
use crate::state::AppState;

/// Titles the page lists.
const TITLES: usize = 8;
/// Text hits per page.
pub const HITS: usize = 20;

/// What `/?q=` found.
enum Found {
    /// A page is titled so: open it.
    Page(String),
    /// Titles and text hits.
    Lists { titles: Vec<SuggestItem>, text: Result<(usize, Vec<SearchHit>), folio_engine::Error> },
}

/// The answer to `/?q=q&offset=&fulltext=`: a redirect (See Other) to the page `q` names,
/// or the results page.
pub async fn page(state: &AppState, scope: &Scope, q: String, offset: usize, fulltext: bool) -> ApiResult<Response> {
    let asked = q.clone();
    let base = &*scope.base;
    let found = state
        .heavy(scope.index(), move |index| {
            if !fulltext && let Some(page) = index.find(&asked)? {
                return Ok(Found::Page(page.title.to_string()));
            }
            let titles = match index.suggest_items(
                &SuggestQuery { query: &asked, limit: TITLES, ns: Some(0), disambiguation: Default::default() },
                true,
            ) {
                Ok(items) => items,
                // An index without suggestion files lists no titles; the text search still runs.
                Err(folio_engine::Error::SearchMissing(_)) => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            let query = SearchQuery { query: &asked, limit: HITS, offset, snippets: true };
            let text = match index.search(&query) {
                Ok(r) => Ok((r.total, r.hits)),
                Err(e @ (folio_engine::Error::BadQuery(_) | folio_engine::Error::FulltextMissing(_))) => Err(e),
                Err(e) => return Err(e.into()),
            };
            Ok(Found::Lists { titles, text })
        })
        .await?;
    let (titles, text_hits) = match found {
        Found::Page(title) => return Ok(super::home::see_other(&format!("{base}/read/{}", encode_title(&title)))),
        Found::Lists { titles, text } => (titles, text),
    };
    let mut main = format!("<h1>Search: {}</h1>", text(&q));
    write_titles(&mut main, base, &q, &titles);
    let status = write_text_hits(&mut main, base, &q, offset, &text_hits);
    Ok(html(status, document(base, &format!("{q} — Folio search"), &q, &main), None))
}

fn write_titles(main: &mut String, base: &str, q: &str, titles: &[SuggestItem]) {
    main.push_str("<section aria-labelledby=\"folio-titles-h\"><h2 id=\"folio-titles-h\">Titles</h2>");
    if titles.is_empty() {
        let _ = write!(
            main,
            "<p class=\"empty\" id=\"folio-none\">No title matches “{}”, even with a typo forgiven.</p>",
            text(q)
        );
    } else {
        main.push_str("<ul class=\"found\" id=\"folio-titles\">");
        for t in titles {
            let from = t
                .matched_title
                .as_deref()
                .map_or(String::new(), |m| format!(" <span class=\"to\">(from “{}”)</span>", text(m)));
            let excerpt = t
                .excerpt
                .as_deref()
                .filter(|e| !e.is_empty())
                .map_or(String::new(), |e| format!("<span class=\"excerpt\">{}</span>", text(e)));
            let _ = write!(
                main,
                "<li><a href=\"{}/read/{}\">{}</a>{from}{excerpt}</li>",
                attr(base),
                attr(&encode_title(&t.title)),
                text(&t.title)
            );
        }
        main.push_str("</ul>");
    }
    main.push_str("</section>");
}

/// Writes the text hits (or why there are none) and returns the page's status: 400 for a query
/// the full-text search refuses.
fn write_text_hits(
    main: &mut String,
    base: &str,
    q: &str,
    offset: usize,
    found: &Result<(usize, Vec<SearchHit>), folio_engine::Error>,
) -> StatusCode {
    let _ = write!(
        main,
        "<section aria-labelledby=\"folio-text-h\"><h2 id=\"folio-text-h\">Pages containing “{}”</h2>",
        text(q)
    );
    let status = match found {
        Err(e @ folio_engine::Error::BadQuery(_)) => {
            let _ = write!(main, "<p class=\"empty\" id=\"folio-text-error\">{}</p>", text(&e.to_string()));
            StatusCode::BAD_REQUEST
        }
        Err(e) => {
            let _ = write!(
                main,
                "<p class=\"empty\" id=\"folio-text-off\">Searching the text is off for this dataset: {}</p>",
                text(&e.to_string())
            );
            StatusCode::OK
        }
        Ok((_, hits)) if hits.is_empty() => {
            let _ = write!(main, "<p class=\"empty\" id=\"folio-text-none\">No page contains “{}”.</p>", text(q));
            StatusCode::OK
        }
        Ok((total, hits)) => {
            let _ = write!(
                main,
                "<p class=\"count\" id=\"folio-text-count\">{} pages, {}–{} shown, best first.</p><ol class=\"hits\" id=\"folio-hits\" start=\"{}\">",
                total,
                offset + 1,
                offset + hits.len(),
                offset + 1
            );
            for h in hits {
                let snippet =
                    h.snippet.as_ref().map_or(String::new(), |s| format!("<p class=\"snippet\">{}</p>", s.html()));
                let _ = write!(
                    main,
                    "<li><a href=\"{}/read/{}\">{}</a>{snippet}</li>",
                    attr(base),
                    attr(&encode_title(&h.title)),
                    text(&h.title)
                );
            }
            main.push_str("</ol>");
            let link = |at: usize, label: &str, rel: &str| {
                let q = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC);
                format!(
                    "<a rel=\"{rel}\" href=\"{}/?q={}&amp;fulltext=1&amp;offset={at}\">{label}</a>",
                    attr(base),
                    attr(&q.to_string())
                )
            };
            let mut nav = Vec::new();
            if offset > 0 {
                nav.push(link(offset.saturating_sub(HITS), &format!("Previous {HITS}"), "prev"));
            }
            if offset + hits.len() < *total && offset + HITS < folio_engine::fulltext::MAX_OFFSET {
                nav.push(link(offset + HITS, &format!("Next {HITS}"), "next"));
            }
            if !nav.is_empty() {
                let _ = write!(main, "<nav class=\"pages\" aria-label=\"Pages of results\">{}</nav>", nav.join(" "));
            }
            StatusCode::OK
        }
    };
    main.push_str("</section>");
    status
}
