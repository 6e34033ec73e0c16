//! `/xml`: byte ranges of the dump, single (206) or several (`multipart/byteranges`).

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde::Deserialize;

use crate::body::MapBody;
use crate::error::{ApiError, ApiResult, Code};
use crate::scope::Scope;
use crate::state::AppState;
use folio_engine::byte_ranges::{RangeError, parse};

const XML: &str = "application/xml; charset=utf-8";

/// Query of `/xml`.
#[derive(Debug, Deserialize)]
pub struct XmlQuery {
    /// `a-b` or `bytes=a-b,...`: the same as a `Range` header.
    range: Option<String>,
}

/// `GET /xml` with `Range: bytes=...` or `?range=...`.
pub async fn ranges(
    State(state): State<AppState>,
    scope: Scope,
    query: Result<Query<XmlQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(|e| ApiError::new(Code::BadRequest, e.body_text()))?;
    let from_query = query.range.map(|r| if r.contains('=') { r } else { format!("bytes={r}") });
    let spec = match headers.get(header::RANGE) {
        Some(v) => v.to_str().map_err(|_| ApiError::new(Code::BadRange, "the Range header is not ASCII"))?.to_string(),
        None => from_query.ok_or_else(|| ApiError::new(Code::RangeRequired, "Ranged-request required."))?,
    };
    let index = scope.index();
    index.check_dump_known()?;
    let size = index.dump_len();
    let ranges = parse(&spec, size, state.limits.max_ranges).map_err(|e| match e {
        RangeError::Malformed(what) => ApiError::new(Code::BadRange, what),
        RangeError::TooMany(n) => ApiError::new(
            Code::TooManyRanges,
            format!("{n} ranges; one answer carries at most {}", state.limits.max_ranges),
        ),
        RangeError::Unsatisfiable => ApiError::new(Code::RangeNotSatisfiable, format!("the dump has {size} bytes"))
            .with_header(header::CONTENT_RANGE, HeaderValue::from_str(&format!("bytes */{size}")).expect("ASCII")),
    })?;
    let total: u64 = ranges.iter().map(|r| r.end() - r.start() + 1).sum();
    let (most, which) = match index.multistream() {
        Some(_) => (state.limits.max_range_bytes_compressed, " from this compressed dataset"),
        None => (state.limits.max_range_bytes, ""),
    };
    if total > most {
        let what = format!(
            "the ranges ask for {total} bytes; one answer{which} carries at most {most}: ask for less, in several requests"
        );
        return Err(ApiError::new(Code::TooManyResults, what));
    }
    // Slices of the map, on the event loop when they are in memory; else read from the disk
    // (or decoded, for a compressed dataset) on the blocking pool.
    let read = |index: &folio_engine::Index, ranges: &[std::ops::RangeInclusive<u64>]| -> ApiResult<Vec<Bytes>> {
        ranges.iter().map(|r| Ok(Bytes::from_owner(index.read(*r.start(), r.end() + 1)?))).collect()
    };
    let slices = if ranges.iter().all(|r| index.holds(*r.start(), r.end() + 1)) {
        read(index, &ranges)?
    } else {
        let ranges = ranges.clone();
        state
            .heavy(index, move |index| {
                ranges.iter().for_each(|r| index.prefetch(*r.start(), r.end() + 1));
                read(index, &ranges)
            })
            .await?
    };
    let mut response = if let ([one], [_]) = (ranges.as_slice(), slices.as_slice()) {
        let mut r = Response::new(Body::new(MapBody::new(index.clone(), slices)));
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XML));
        let content_range = format!("bytes {}-{}/{size}", one.start(), one.end());
        h.insert(header::CONTENT_RANGE, HeaderValue::from_str(&content_range).expect("ASCII"));
        r
    } else {
        // RFC 9110 §14.6: each part with its own Content-Type and Content-Range, the data as
        // zero-copy slices of the map between small header chunks.
        // A boundary drawn for this answer (128 random bits): a fixed one could occur in the
        // dump's text, and no page can guess this one.
        let boundary = format!("folio-{:032x}", fastrand::u128(..));
        let mut parts: Vec<Bytes> = Vec::with_capacity(ranges.len() * 3 + 1);
        for (r, slice) in ranges.iter().zip(slices) {
            let head = format!(
                "--{boundary}\r\nContent-Type: {XML}\r\nContent-Range: bytes {}-{}/{size}\r\n\r\n",
                r.start(),
                r.end()
            );
            parts.push(Bytes::from(head));
            parts.push(slice);
            parts.push(Bytes::from_static(b"\r\n"));
        }
        parts.push(Bytes::from(format!("--{boundary}--\r\n")));
        let len: usize = parts.iter().map(Bytes::len).sum();
        let mut r = Response::new(Body::new(MapBody::new(index.clone(), parts)));
        let h = r.headers_mut();
        let ct = format!("multipart/byteranges; boundary={boundary}");
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&ct).expect("ASCII"));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        r
    };
    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    response.headers_mut().insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    Ok(response)
}
