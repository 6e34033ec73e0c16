//! The TechEmpower plain routes: `/json` and `/plaintext`.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The `/json` message.
#[derive(Serialize)]
pub struct Message {
    message: &'static str,
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
