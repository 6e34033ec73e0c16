//! `GET /search?q=&limit=&offset=&snippets=`: full-text search ([`folio_engine::Index::search`]).
//! Query rules, scoring and snippets live in the engine; here the request is parsed and the
//! answer shaped. The work runs on the bounded pool, off the async workers.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use folio_engine::fulltext::SearchQuery;
use folio_engine::params::{self, ParamError};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult, Code};
use crate::scope::Scope;
use crate::state::AppState;

/// `{"query", "total", "offset", "items": [{"title", "page_id", "score", "rank", "snippet",
/// "snippet_html"}]}`, best first.
pub async fn search(State(state): State<AppState>, scope: Scope, RawQuery(query): RawQuery) -> ApiResult<Response> {
    let p = params::search(query.as_deref()).map_err(|e| match e {
        ParamError::Bad(m) | ParamError::Cursor(m) => ApiError::new(Code::BadRequest, m),
    })?;
    let (p, results) = state
        .heavy(scope.index(), move |index| {
            let q = SearchQuery { query: &p.query, limit: p.limit, offset: p.offset, snippets: p.snippets };
            let results = index.search(&q)?;
            Ok((p, results))
        })
        .await?;
    let items: Vec<Value> = results
        .hits
        .iter()
        .map(|h| {
            json!({
                "title": h.title,
                "page_id": h.page_id,
                "score": h.score,
                "rank": h.rank,
                "snippet": h.snippet.as_ref().map(|s| &s.text),
                "snippet_html": h.snippet.as_ref().map(|s| s.html()),
            })
        })
        .collect();
    let body = json!({"query": p.query, "total": results.total, "offset": p.offset, "items": items});
    Ok(axum::Json(body).into_response())
}
