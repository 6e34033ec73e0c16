//! `/wiki/{title}`: a page's XML, straight from the map; `/pages/{title}`: its metadata.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use folio_engine::{Index, Page, PageSpan};

use super::encode_title;
use crate::body::MapBody;
use crate::conditional;
use crate::error::{ApiError, ApiResult, Code};
use crate::router::Tail;
use crate::scope::Scope;
use crate::state::AppState;
use folio_engine::params;

/// The page a person means by `raw` ([`Index::find`]), or 404.
pub(crate) fn find<'a>(index: &'a Index, raw: &str) -> ApiResult<Page<'a>> {
    index.find(raw)?.ok_or_else(|| not_found(raw))
}

fn not_found(raw: &str) -> ApiError {
    ApiError::new(Code::PageNotFound, format!("no page is titled {:?}", folio_engine::normalize_title(raw)))
}

/// The ETag of a page's XML: the index's id (a page's bytes change only with the index) and
/// the row.
fn etag(scope: &Scope, row: u32) -> ApiResult<HeaderValue> {
    conditional::tag_of_row(scope.etag(), row)
}

/// `GET /wiki/{title}`: 200 with exactly the dump's bytes from `<page>` to `</page>`.
pub async fn page(
    State(state): State<AppState>,
    scope: Scope,
    Tail(raw): Tail,
    RawQuery(query): RawQuery,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    let headers = request.headers();
    let index = scope.index();
    // The lookup may have read the page to confirm its title: then it is served as read.
    let folio_engine::Found { span: first, bytes: read } = index.find_read(&raw)?.ok_or_else(|| not_found(&raw))?;
    let follow_redirects = params::follow_redirects(query.as_deref()).map_err(|e| match e {
        params::ParamError::Bad(m) | params::ParamError::Cursor(m) => ApiError::new(Code::BadRequest, m),
    })?;
    // A page other than the one asked for, when redirects are followed to it.
    let followed = match follow_redirects {
        true => Some(index.follow_redirects(index.page_at_span(&first)?)?).filter(|p| p.row != first.row),
        false => None,
    };
    let span = followed.as_ref().map_or_else(|| first.clone(), |p| p.span());
    let tag = etag(&scope, span.row)?;
    let mut response = if conditional::matches(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = match read.filter(|_| followed.is_none()) {
            Some(bytes) => bytes,
            None => page_xml(&state, index, span).await?,
        };
        // Room for the page and its last byte, which the body splits off (no reallocation).
        let mut frames = Vec::with_capacity(2);
        frames.push(Bytes::from_owner(bytes));
        let body = MapBody::new(index.clone(), frames);
        let mut r = Response::new(Body::new(body));
        // Room for every header the answer gets on its way out (type, tag, caching, index,
        // length, vary, server, and a redirect's three): the map is allocated once, never grown.
        r.headers_mut().reserve(11);
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
        r
    };
    let h = response.headers_mut();
    conditional::stamp(h, tag, conditional::REVALIDATE);
    if let Some(page) = &followed {
        // Which page was served instead of the one asked for.
        let (served, asked) = (encode_title(page.title), encode_title(&first.title));
        let location = format!("{}/wiki/{served}", scope.base);
        for (name, value) in [
            (header::CONTENT_LOCATION.as_str(), location),
            ("x-folio-title", served),
            ("x-folio-redirected-from", asked),
        ] {
            // Percent-encoded titles and a dataset name: always valid header values, taken
            // without a copy.
            if let Ok(v) = HeaderValue::from_maybe_shared(Bytes::from(value)) {
                h.insert(name, v);
            }
        }
    }
    Ok(response)
}

/// The XML of `page`: from memory on the event loop; from a disk (a plain dump's pages not in
/// the page cache) or a compressed stream not decoded yet, on the blocking pool, so that no
/// event loop waits for a disk or a decoder.
async fn page_xml(
    state: &AppState,
    index: &std::sync::Arc<Index>,
    span: PageSpan<'_>,
) -> ApiResult<folio_engine::PageBytes> {
    if index.holds(span.start, span.end.saturating_add(1)) {
        return Ok(index.span_bytes(&span)?);
    }
    let span = span.into_owned();
    state
        .heavy(index, move |index| {
            index.prefetch(span.start, span.end.saturating_add(1));
            Ok(index.span_bytes(&span)?)
        })
        .await
}

/// `GET /pages/{title}`: one page's metadata.
pub async fn meta(scope: Scope, Tail(raw): Tail) -> ApiResult<Response> {
    let p = find(scope.index(), &raw)?;
    let body = serde_json::json!({
        "title": p.title, "page_id": p.page_id, "ns": p.ns, "redirect": p.redirect,
        "start": p.start, "end": p.end, "bytes": p.len(),
    });
    Ok(axum::Json(body).into_response())
}
