//! Type-ahead suggestions ([`folio_engine::Index::suggest_items`]) in three dialects: Folio's
//! own `/suggest`, MediaWiki's REST title search and MediaWiki's `opensearch`, so that existing
//! clients work unchanged. Matching and ranking live in the engine; here requests are parsed and
//! answers shaped. The work runs on the bounded pool, off the async workers.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use folio_engine::params::{self, ParamError, SuggestShape};
use folio_engine::search::{SuggestItem, SuggestQuery};
use folio_engine::title_to_url;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult, Code};
use crate::scope::Scope;
use crate::state::AppState;

/// Parses the request and finds its suggestions.
async fn items(
    state: &AppState,
    scope: &Scope,
    query: Option<String>,
    shape: SuggestShape,
) -> ApiResult<(String, Vec<SuggestItem>)> {
    let p = params::suggest(query.as_deref(), shape).map_err(|e| match e {
        ParamError::Bad(m) | ParamError::Cursor(m) => ApiError::new(Code::BadRequest, m),
    })?;
    state
        .heavy(scope.index(), move |index| {
            let q = SuggestQuery { query: &p.query, limit: p.limit, ns: p.ns, disambiguation: p.disambiguation };
            let items = index.suggest_items(&q, p.excerpts)?;
            Ok((p.query, items))
        })
        .await
}

/// `GET /suggest?q=&limit=&ns=&excerpts=&disambiguation=`: `{"query", "items": [{"title",
/// "page_id", "matched_title", "tier", "rank", "excerpt", "disambiguation"}]}`.
pub async fn folio(State(state): State<AppState>, scope: Scope, RawQuery(query): RawQuery) -> ApiResult<Response> {
    let (query, items) = items(&state, &scope, query, SuggestShape::Folio).await?;
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({
                "title": i.title,
                "page_id": i.page_id,
                "ns": i.ns,
                "matched_title": i.matched_title,
                "tier": i.tier.as_str(),
                "rank": i.rank,
                "excerpt": i.excerpt,
                "disambiguation": i.disambiguation,
            })
        })
        .collect();
    Ok(axum::Json(json!({"query": query, "items": items})).into_response())
}

/// `GET /w/rest.php/v1/search/title?q=&limit=`: MediaWiki's REST answer, `{"pages": [{"id",
/// "key", "title", "excerpt", "matched_title", "description", "thumbnail"}]}`.
pub async fn rest(State(state): State<AppState>, scope: Scope, RawQuery(query): RawQuery) -> ApiResult<Response> {
    let (_, items) = items(&state, &scope, query, SuggestShape::Rest).await?;
    let pages: Vec<Value> = items
        .iter()
        .map(|i| {
            json!({
                "id": i.page_id,
                "key": i.title.replace(' ', "_"),
                "title": i.title,
                "excerpt": i.excerpt,
                "matched_title": i.matched_title,
                "description": Value::Null,
                "thumbnail": Value::Null,
            })
        })
        .collect();
    Ok(axum::Json(json!({"pages": pages})).into_response())
}

/// `GET /w/api.php?action=opensearch&search=&limit=&namespace=`: `[query, [titles],
/// [descriptions], [urls]]`, the URLs those of the reader's pages on this server.
pub async fn opensearch(
    State(state): State<AppState>,
    scope: Scope,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let (query, items) = items(&state, &scope, query, SuggestShape::OpenSearch).await?;
    // The Host the client used, when it is a plain host[:port]; else URLs relative to the server.
    let origin = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)))
        .map_or(String::new(), |h| format!("http://{h}"));
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    let descriptions: Vec<&str> = items.iter().map(|i| i.excerpt.as_deref().unwrap_or("")).collect();
    let urls: Vec<String> =
        items.iter().map(|i| format!("{origin}{}/read/{}", scope.base, title_to_url(&i.title))).collect();
    Ok(axum::Json(json!([query, titles, descriptions, urls])).into_response())
}
