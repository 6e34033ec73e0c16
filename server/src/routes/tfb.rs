//! The TechEmpower routes: `/json`, `/plaintext`, `/db`, `/queries`, `/cached-queries` and
//! `/updates` (`/fortunes` has its own file). Every row comes from the `world` table through the
//! engine's prepared point query, one query per row, as the rules ask.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use folio_engine::sql::WorldRow;
use serde::Serialize;

use crate::error::{ApiError, ApiResult, Code};
use crate::state::AppState;
use folio_engine::params::clamp_count;

/// The `/json` message.
#[derive(Serialize)]
pub struct Message {
    message: &'static str,
}

/// A world row as the rules spell it.
#[derive(Serialize)]
pub struct World {
    id: i32,
    #[serde(rename = "randomNumber")]
    random_number: i32,
}

impl From<WorldRow> for World {
    fn from(r: WorldRow) -> World {
        World { id: r.id, random_number: r.random_number }
    }
}

/// `GET /json`: `{"message":"Hello, World!"}`, serialized for every request as the rules ask.
pub async fn json() -> Json<Message> {
    Json(Message { message: "Hello, World!" })
}

/// `GET /plaintext`: `Hello, World!` as `text/plain`.
pub async fn plaintext() -> Response {
    let mut r = "Hello, World!".into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn random_id() -> i32 {
    fastrand::i32(1..=10_000)
}

async fn read_row(state: &AppState, id: i32) -> ApiResult<WorldRow> {
    state.catalog.world_row(id).await?.ok_or_else(|| ApiError::new(Code::IndexError, format!("world has no row {id}")))
}

/// `GET /db`: one random world row.
pub async fn db(State(state): State<AppState>) -> ApiResult<Json<World>> {
    Ok(Json(read_row(&state, random_id()).await?.into()))
}

/// `GET /queries?queries=N`: N random rows, each read by its own query.
pub async fn queries(State(state): State<AppState>, RawQuery(query): RawQuery) -> ApiResult<Json<Vec<World>>> {
    let n = clamp_count(query.as_deref(), "queries");
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        rows.push(read_row(&state, random_id()).await?.into());
    }
    Ok(Json(rows))
}

/// `GET /cached-queries?count=N`: N random rows from the in-process cache, filled from the table
/// on a miss.
pub async fn cached_queries(State(state): State<AppState>, RawQuery(query): RawQuery) -> ApiResult<Json<Vec<World>>> {
    let n = clamp_count(query.as_deref(), "count");
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let id = random_id();
        let random_number = match state.cache.get(id) {
            Some(v) => v,
            None => {
                let epoch = state.cache.epoch();
                let row = read_row(&state, id).await?;
                state.cache.fill(epoch, id, row.random_number);
                row.random_number
            }
        };
        rows.push(World { id, random_number });
    }
    Ok(Json(rows))
}

/// `GET /updates?queries=N`: reads N random rows (one query each), gives each a new
/// randomNumber, writes them in one durable batch, and answers only once they are on disk.
pub async fn updates(State(state): State<AppState>, RawQuery(query): RawQuery) -> ApiResult<Json<Vec<World>>> {
    let n = clamp_count(query.as_deref(), "queries");
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let mut row = read_row(&state, random_id()).await?;
        let old = row.random_number;
        while row.random_number == old {
            row.random_number = random_id();
        }
        rows.push(row);
    }
    state.catalog.update_world(&rows).await?;
    state.cache.invalidate(rows.iter().map(|r| r.id));
    Ok(Json(rows.into_iter().map(World::from).collect()))
}
