//! `POST /sql`: one read-only query over `world`, `fortune` and `pages`, answered as JSON rows or
//! as an Arrow IPC stream. The query runs in a SQL worker process within its limits
//! (`folio_engine::sql::worker`); this handler only translates the request and the answer.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use folio_engine::sql::{Format, ScalarValue, param_from_json};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult, Code};
use crate::state::AppState;

/// The media type of an Arrow IPC stream.
pub const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// The JSON form of a request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    sql: String,
    #[serde(default)]
    params: Vec<serde_json::Value>,
}

fn media_type(headers: &HeaderMap, name: header::HeaderName) -> String {
    let value = headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The SQL text and parameters of a request body.
fn parse(headers: &HeaderMap, body: &[u8]) -> ApiResult<(String, Vec<ScalarValue>)> {
    let text = || {
        std::str::from_utf8(body).map_err(|e| ApiError::new(Code::BadRequest, format!("the body is not UTF-8: {e}")))
    };
    match media_type(headers, header::CONTENT_TYPE).as_str() {
        "" | "text/plain" | "application/sql" => Ok((text()?.to_string(), Vec::new())),
        "application/json" => {
            let request: Request = serde_json::from_slice(body).map_err(|e| {
                ApiError::new(
                    Code::BadRequest,
                    format!("bad JSON body: {e}; expected {{\"sql\": \"...\", \"params\": [...]}}"),
                )
            })?;
            let params = request.params.iter().map(param_from_json).collect::<Result<Vec<_>, _>>()?;
            Ok((request.sql, params))
        }
        other => Err(ApiError::new(
            Code::UnsupportedMediaType,
            format!(
                "Content-Type {other} is not taken: send text/plain SQL or application/json {{\"sql\", \"params\"}}"
            ),
        )),
    }
}

/// `POST /sql`.
pub async fn query(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(Code::BodyTooLarge, format!("the SQL body is over {} bytes", state.limits.max_sql_body))
        } else {
            ApiError::new(Code::BadRequest, e.body_text())
        }
    })?;
    let (sql, params) = parse(&headers, &body)?;
    let arrow = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(ARROW_STREAM)));
    let (format, media) = if arrow { (Format::Arrow, ARROW_STREAM) } else { (Format::Json, "application/json") };
    let answer = state.catalog.query(&sql, &params, format).await?;
    let rows = answer.rows;
    let mut r = answer.bytes.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    r.headers_mut().insert("x-folio-rows", HeaderValue::from(rows));
    Ok(r)
}
