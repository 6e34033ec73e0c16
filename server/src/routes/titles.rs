//! Prefix listings: `/offsets/{prefix}` and `/title/{prefix}` (PyParallel's routes, bugs fixed)
//! and the paginated `/titles`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use folio_engine::{Case, Index, PrefixQuery, TitleSpan};

use super::path_param;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::{self, ParamError, TitlesParams, encode_cursor};
use crate::state::AppState;
use crate::title::normalize_prefix;

/// Prefixes shorter than this many characters are refused by `/offsets` and `/title`.
pub const MIN_PREFIX_CHARS: usize = 3;

fn json(body: Vec<u8>) -> Response {
    let mut r = Response::new(body.into());
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Every page whose title starts with the normalized `raw` prefix, in bytewise title order;
/// refuses short prefixes and listings over the limit.
fn listing<'a>(index: &'a Index, raw: &str, max: usize) -> ApiResult<Vec<TitleSpan<'a>>> {
    let prefix = normalize_prefix(raw);
    if prefix.chars().count() < MIN_PREFIX_CHARS {
        return Err(ApiError::new(Code::NameTooShort, "Name too short (< 3 chars)"));
    }
    let ranks = index.prefix_ranks(&prefix, Case::Sensitive)?;
    if ranks.len() > max {
        let what =
            format!("{} titles start with {prefix:?}, more than {max}; page through /titles instead", ranks.len());
        return Err(ApiError::new(Code::TooManyResults, what));
    }
    Ok(index.prefix_spans(&prefix, Case::Sensitive)?)
}

/// `[[title, start, end], ...]` (or `[[title, [start]], ...]`), written straight into one buffer:
/// serde escapes each title, the numbers are formatted in place.
fn write_listing(spans: &[TitleSpan<'_>], with_end: bool) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(spans.iter().map(|s| s.title.len() + 32).sum::<usize>() + 2);
    out.push(b'[');
    for (i, s) in spans.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        serde_json::to_writer(&mut out, s.title).expect("a str serializes into a Vec");
        let _ = if with_end { write!(out, ",{},{}]", s.start, s.end) } else { write!(out, ",[{}]]", s.start) };
    }
    out.push(b']');
    out
}

/// `GET /offsets/{prefix}`: `[[title, start, end], ...]`, `end` inclusive.
pub async fn offsets(State(state): State<AppState>, path: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let raw = path_param(path)?;
    let max = state.limits.max_listing;
    state.heavy(move |index| Ok(json(write_listing(&listing(index, &raw, max)?, true)))).await
}

/// `GET /offsets/` (an empty prefix): the same refusal as any short prefix.
pub async fn offsets_empty() -> ApiError {
    ApiError::new(Code::NameTooShort, "Name too short (< 3 chars)")
}

/// `GET /title/{prefix}`: `[[title, [start]], ...]`, the shape PyParallel's route answered.
pub async fn title(State(state): State<AppState>, path: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let raw = path_param(path)?;
    let max = state.limits.max_listing;
    state.heavy(move |index| Ok(json(write_listing(&listing(index, &raw, max)?, false)))).await
}

/// `GET /titles?prefix=&limit=&after=&case=&ns=`: one page of a sorted listing and the cursor of
/// the next.
pub async fn list(State(state): State<AppState>, RawQuery(query): RawQuery) -> ApiResult<Response> {
    let p = params::titles(query.as_deref(), state.limits.max_page).map_err(|e| match e {
        ParamError::Bad(m) => ApiError::new(Code::BadRequest, m),
        ParamError::Cursor(m) => ApiError::new(Code::BadCursor, m),
    })?;
    let TitlesParams { prefix, limit, after, case, ns } = p;
    let prefix = normalize_prefix(&prefix);
    state
        .heavy(move |index| {
            let page = index.prefix(&PrefixQuery { prefix: &prefix, case, after, limit, ns })?;
            let items: Vec<serde_json::Value> = page
                .pages
                .iter()
                .map(|p| serde_json::json!({"title": p.title, "page_id": p.page_id, "ns": p.ns, "redirect": p.redirect, "start": p.start, "end": p.end}))
                .collect();
            let body = serde_json::json!({"items": items, "next": page.next.as_ref().map(encode_cursor)});
            Ok(axum::Json(body).into_response())
        })
        .await
}
