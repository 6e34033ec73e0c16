//! Handlers, one file per URL family.

pub mod assets;
pub mod fortunes;
pub mod hello;
pub mod home;
pub mod layout;
pub mod listings;
pub mod metrics;
pub mod openapi;
pub mod reader;
pub mod ready;
pub mod results;
pub mod search;
pub mod sql;
pub mod stats;
pub mod suggest;
pub mod table;
pub mod tfb;
pub mod wiki;
pub mod xml;

use axum::extract::Path;
use axum::extract::rejection::PathRejection;

use crate::error::{ApiError, ApiResult, Code};

/// The percent-decoded path parameter, or a JSON 400 naming the problem.
pub(crate) fn path_param(path: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    path.map(|Path(p)| p).map_err(|e| ApiError::new(Code::BadRequest, format!("bad path: {}", e.body_text())))
}

pub(crate) use folio_engine::title_to_url as encode_title;
