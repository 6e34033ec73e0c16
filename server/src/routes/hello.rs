//! `/hello/{args...}?k=v`: echoes its arguments, as PyParallel's demo did.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::Query;
use serde_json::{Value, json};

use crate::router::Tail;

/// `GET /hello/{args...}`: `{"args": [...], "kwds": {...}}`.
pub async fn hello(path: Option<Tail>, Query(kwds): Query<BTreeMap<String, String>>) -> Json<Value> {
    let args: Vec<String> = match path {
        Some(Tail(p)) => p.split('/').filter(|a| !a.is_empty()).map(str::to_string).collect(),
        None => Vec::new(),
    };
    Json(json!({"args": args, "kwds": kwds}))
}
