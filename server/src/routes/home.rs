//! The reader's home page, `GET /` (the dataset's facts, the other datasets to pick from, and
//! the search box; `/?q=` is the search results page of [`super::results`], so searching works
//! without script too), and `GET /random` (a random article).

use std::hash::BuildHasher;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::encode_title;
use super::layout::attr;
use super::layout::{document, html, text};
use super::stats::{Dataset, dataset, datasets};
use crate::error::{ApiError, ApiResult, Code};
use crate::scope::Scope;
use crate::state::AppState;

/// The query of `/`.
#[derive(serde::Deserialize)]
pub struct HomeParams {
    #[serde(default)]
    q: String,
    /// Text hits to skip (pages of results).
    #[serde(default)]
    offset: usize,
    /// Any value: list results even when a page has the title `q`.
    fulltext: Option<String>,
}

/// `GET /` and `GET /?q=`.
pub async fn page(
    State(state): State<AppState>,
    scope: Scope,
    params: Result<Query<HomeParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(p) = params.map_err(|e| ApiError::new(Code::BadRequest, format!("bad query: {}", e.body_text())))?;
    let q = p.q.trim().to_string();
    if q.is_empty() {
        let d = dataset(&state, &scope.dataset, &scope.loaded);
        let main = format!(
            "<h1>Folio</h1><p class=\"lede\">Read <strong>{}</strong> offline: type a title or words in the search box, or \
             open a random article.</p>{}{}",
            text(&dump_name(&d)),
            facts(&d),
            picker(&datasets(&state), &d.name),
        );
        return Ok(html(StatusCode::OK, document(&scope.base, "Folio", "", &main), None));
    }
    let offset = p.offset.min(folio_engine::fulltext::MAX_OFFSET - super::results::HITS);
    super::results::page(&state, &scope, q, offset, p.fulltext.is_some()).await
}

/// `GET /random`: a redirect (303, not cached) to a random article.
pub async fn random(State(state): State<AppState>, scope: Scope) -> ApiResult<Response> {
    let seed = std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now());
    let title = state
        .heavy(scope.index(), move |index| match index.random_article(seed)? {
            Some(row) => Ok(index.page(row as usize)?.title.to_string()),
            None => Err(ApiError::new(
                Code::PageNotFound,
                "this dataset has no article (no page of namespace 0 that is not a redirect)",
            )),
        })
        .await?;
    let mut r = see_other(&format!("{}/read/{}", scope.base, encode_title(&title)));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

pub(super) fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The datasets of this server, to pick one (when there are several): each one's home page.
fn picker(all: &[Dataset], current: &str) -> String {
    if all.len() < 2 {
        return String::new();
    }
    let items: String = all
        .iter()
        .map(|d| {
            let here = if d.name == current { " aria-current=\"page\"" } else { "" };
            let mode = if d.compressed.is_some() { "compressed dump" } else { "XML dump" };
            format!(
                "<li><a href=\"{}\"{here}>{}</a> <span class=\"note\">{} pages, {mode}{}</span></li>",
                attr(&d.path),
                text(&d.name),
                thousands(d.pages),
                if d.default { ", also at /" } else { "" }
            )
        })
        .collect();
    format!(
        "<section aria-labelledby=\"folio-datasets-h\"><h2 id=\"folio-datasets-h\">Datasets on this server</h2>\
<ul class=\"datasets\" id=\"folio-datasets\">{items}</ul></section>"
    )
}

fn dump_name(d: &Dataset) -> String {
    d.source.file_name().map_or_else(|| d.source.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The dataset's facts, as `/stats` reports them.
fn facts(d: &Dataset) -> String {
    let state = match (d.verified, &d.verify_error) {
        (None, _) => "verifying its checksums".to_string(),
        (Some(true), _) => "verified".to_string(),
        (Some(false), e) => format!("failed verification: {}", e.as_deref().unwrap_or("")),
    };
    format!(
        "<section aria-labelledby=\"folio-facts-h\"><h2 id=\"folio-facts-h\">This dataset</h2><dl class=\"facts\" id=\"folio-facts\">\
<dt>Pages</dt><dd>{pages}</dd><dt>Redirects</dt><dd>{redirects}</dd><dt>Distinct titles</dt><dd>{distinct}</dd>\
<dt>Dump</dt><dd><code>{name}</code>, {dump}</dd><dt>Index</dt><dd>{index}, {state}</dd></dl>\
<p class=\"more\">Everything here is also an API: see <a href=\"/openapi.json\">/openapi.json</a> and <a href=\"/stats\">/stats</a>.</p></section>",
        pages = thousands(d.pages),
        redirects = thousands(d.redirects),
        distinct = thousands(d.distinct_titles),
        name = text(&dump_name(d)),
        dump = size(d.dump_bytes),
        index = size(d.index_bytes),
        state = text(&state),
    )
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{v:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(25_123_456), "25,123,456");
        assert_eq!(super::size(1000), "1000 bytes");
        assert_eq!(super::size(6_089_746), "5.8 MiB");
    }
}
