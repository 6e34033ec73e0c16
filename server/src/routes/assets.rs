//! `GET /assets/{file}`: the reader's stylesheet and script, compiled into the binary (no CDN, no
//! network, no build step). [`VERSION`] names this set of assets: pages link to
//! `/assets/{file}?v={VERSION}`, and the ETag of every rendered page includes it, so a new binary
//! with new assets is never answered with a page cached for the old ones.

use crate::router::Tail;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::conditional;
use crate::error::{ApiError, ApiResult, Code};

/// One compiled-in file.
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// Every asset.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "folio.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/folio.css"),
    },
    Asset {
        name: "folio.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/folio.js"),
    },
];

/// FNV-1a over every asset, at compile time: changes whenever an asset does.
pub const VERSION: u32 = {
    let mut h: u32 = 0x811c_9dc5;
    let mut a = 0;
    while a < ASSETS.len() {
        let bytes = ASSETS[a].bytes;
        let mut i = 0;
        while i < bytes.len() {
            h = (h ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
            i += 1;
        }
        a += 1;
    }
    h
};

/// `GET /assets/{file}`.
pub async fn file(Tail(name): Tail, headers: HeaderMap) -> ApiResult<Response> {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        let names: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        return Err(ApiError::new(Code::RouteNotFound, format!("no asset named {name:?}; the assets are {names:?}")));
    };
    let tag = conditional::tag(format_args!("a{VERSION:08x}"))?;
    if conditional::matches(&headers, &tag) {
        return Ok(conditional::not_modified(tag, conditional::ASSET));
    }
    let mut r = asset.bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    conditional::stamp(h, tag, conditional::ASSET);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(r)
}
