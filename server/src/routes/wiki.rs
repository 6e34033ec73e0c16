//! `/wiki/{title}`: a page's XML, straight from the map; `/pages/{title}`: its metadata.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use folio_engine::{Index, Page};

use super::{encode_title, path_param};
use crate::body::MapBody;
use crate::error::{ApiError, ApiResult, Code};
use crate::state::AppState;
use folio_engine::params;

/// The page a person means by `raw` ([`Index::find`]), or 404.
pub(crate) fn find<'a>(index: &'a Index, raw: &str) -> ApiResult<Page<'a>> {
    index.find(raw)?.ok_or_else(|| {
        ApiError::new(Code::PageNotFound, format!("no page is titled {:?}", folio_engine::normalize_title(raw)))
    })
}

fn etag(state: &AppState, row: u32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{}-{row}\"", state.etag_base)).expect("an ASCII etag")
}

/// True when `If-None-Match` lists `tag` (weak comparison, as RFC 9110 asks for this header).
pub(crate) fn not_modified(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let tag = tag.to_str().unwrap_or_default();
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == tag
    })
}

/// `GET /wiki/{title}`: 200 with exactly the dump's bytes from `<page>` to `</page>`.
pub async fn page(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    let headers = request.headers();
    let raw = path_param(path)?;
    let index = &state.index;
    let first = find(index, &raw)?;
    let follow_redirects = params::follow_redirects(query.as_deref()).map_err(|e| match e {
        params::ParamError::Bad(m) | params::ParamError::Cursor(m) => ApiError::new(Code::BadRequest, m),
    })?;
    let first_row = first.row;
    let served = if follow_redirects { index.follow_redirects(first)?.row } else { first_row };
    let tag = etag(&state, served);
    let mut response = if not_modified(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = page_xml(&state, served).await?;
        let body = MapBody::new(state.index.clone(), vec![Bytes::from_owner(bytes)]);
        let mut r = Response::new(Body::new(body));
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
        r
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, tag);
    if served != first_row {
        // Which page was served instead of the one asked for.
        let title = |row: u32| index.page(row as usize).map(|p| encode_title(p.title));
        let (served, asked) = (title(served)?, title(first_row)?);
        h.insert(header::CONTENT_LOCATION, HeaderValue::from_str(&format!("/wiki/{served}")).expect("percent-encoded"));
        h.insert("x-folio-title", HeaderValue::from_str(&served).expect("percent-encoded"));
        h.insert("x-folio-redirected-from", HeaderValue::from_str(&asked).expect("percent-encoded"));
    }
    Ok(response)
}

/// The XML of the page in `row`: from the map, or from a compressed dataset's decoded stream,
/// decoded off the async workers when it is not in memory.
pub(crate) async fn page_xml(state: &AppState, row: u32) -> ApiResult<folio_engine::PageBytes> {
    // A plain dump is mapped: no second lookup of the row on this per-request path.
    if state.index.multistream().is_some() {
        let page = state.index.page(row as usize)?;
        if !state.index.holds(page.start, page.end + 1) {
            return state.heavy(move |index| Ok(index.row_bytes(row)?)).await;
        }
    }
    Ok(state.index.row_bytes(row)?)
}

/// `GET /pages/{title}`: one page's metadata.
pub async fn meta(State(state): State<AppState>, path: Result<Path<String>, PathRejection>) -> ApiResult<Response> {
    let raw = path_param(path)?;
    let p = find(&state.index, &raw)?;
    let body = serde_json::json!({
        "title": p.title, "page_id": p.page_id, "ns": p.ns, "redirect": p.redirect,
        "start": p.start, "end": p.end, "bytes": p.len(),
    });
    Ok(axum::Json(body).into_response())
}
