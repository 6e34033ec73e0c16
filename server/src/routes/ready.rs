//! `GET /ready`: whether a load balancer should send requests here (its health check). Ready
//! once the indexes are open, which is before the server listens; not ready while it drains
//! after SIGTERM ([`AppState::drain`]), so that it leaves the pool while it still answers, nor
//! when an index failed verification, whose answers are refused.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{ApiError, Code};
use crate::state::AppState;

/// The readiness answer: 200 with each dataset's index and check, or 503 `not_ready` saying why.
pub async fn ready(State(state): State<AppState>) -> Response {
    if state.draining() {
        let what = "the server is stopping (SIGTERM): it finishes the requests it has and takes no new ones";
        return ApiError::new(Code::NotReady, what).into_response();
    }
    let mut datasets = Vec::with_capacity(state.library.len());
    for dataset in state.library.iter() {
        let loaded = dataset.current();
        if let Some(problem) = loaded.failed() {
            let what = format!("the index of {} failed verification: {problem}", dataset.name());
            return ApiError::new(Code::NotReady, what).into_response();
        }
        let verified = loaded.check().is_some();
        datasets.push(json!({"name": dataset.name(), "index_id": loaded.id(), "verified": verified}));
    }
    let writes = state.catalog.mode() == folio_engine::sql::TablesMode::Write;
    Json(json!({"ready": true, "writes_tables": writes, "datasets": datasets})).into_response()
}
