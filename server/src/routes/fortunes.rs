//! `GET /fortunes`: the fortune table, plus one fortune added at request time, sorted by message
//! and rendered into HTML by a compile-time template.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use folio_engine::sql::Fortune;
use folio_engine::{Escape, escape};

use crate::error::ApiResult;
use crate::state::AppState;

/// The message of the fortune added to every answer (id 0).
pub const ADDED: &str = "Additional fortune added at request time.";

/// `GET /fortunes`.
pub async fn fortunes(State(state): State<AppState>) -> ApiResult<Response> {
    let mut rows = state.catalog.fortunes().await?;
    rows.push(Fortune { id: 0, message: ADDED.to_string() });
    rows.sort_by(|a, b| a.message.cmp(&b.message));
    let mut r = render(&rows).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    Ok(r)
}

/// The template: fixed head and tail, one escaped row per fortune. Format strings are checked at
/// compile time.
pub fn render(rows: &[Fortune]) -> String {
    let mut html = String::with_capacity(256 + rows.len() * 96);
    html.push_str("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>");
    html.push_str("<tr><th>id</th><th>message</th></tr>");
    for f in rows {
        let _ = write!(html, "<tr><td>{}</td><td>{}</td></tr>", f.id, escape(&f.message, Escape::Attribute));
    }
    html.push_str("</table></body></html>");
    html
}
