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

/// How many rows a `?queries=` (or `?count=`) asks for: missing, not an integer or below 1
/// gives 1; above 500 gives 500.
pub fn clamp_count(query: Option<&str>, key: &str) -> usize {
    let value = query
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v);
    let Some(v) = value.map(str::trim) else { return 1 };
    match v.parse::<i64>() {
        Ok(n) => n.clamp(1, 500) as usize,
        // An integer too large for i64 is still above 500.
        Err(_) if !v.is_empty() && v.trim_start_matches('+').bytes().all(|b| b.is_ascii_digit()) => 500,
        Err(_) => 1,
    }
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

#[cfg(test)]
mod tests {
    use super::clamp_count;

    #[test]
    fn counts_are_clamped_as_the_rules_say() {
        for (query, n) in [
            (None, 1),
            (Some(""), 1),
            (Some("queries="), 1),
            (Some("queries=foo"), 1),
            (Some("queries=0"), 1),
            (Some("queries=-1"), 1),
            (Some("queries=1"), 1),
            (Some("queries=20"), 20),
            (Some("queries=500"), 500),
            (Some("queries=501"), 500),
            (Some("queries=99999999999999999999"), 500),
            (Some("queries=-99999999999999999999"), 1),
            (Some("other=3&queries=7"), 7),
            (Some("queries"), 1),
        ] {
            assert_eq!(clamp_count(query, "queries"), n, "{query:?}");
        }
        assert_eq!(clamp_count(Some("count=12"), "count"), 12);
    }
}
