//! Validators and caching, in one place: the ETags of answers, `If-None-Match`, and the
//! `Cache-Control` that lets browsers and proxies keep an answer and revalidate it.
//!
//! An answer read from an index may change whenever a new index is published over its directory
//! (the ETag carries the index's id), so such answers are `no-cache`: a cache may keep them but
//! asks again with `If-None-Match` before each use and gets a bodiless 304 while the index is the
//! same. Nothing is `immutable`. Assets, whose URLs carry their version, are kept for a day.
//!
//! A compressed answer is another representation of the same resource and gets its own ETag:
//! the identity one with `-zstd` or `-gzip` added inside the quotes (as Apache does); a client
//! that revalidates with it gets its 304 just the same ([`matches()`], [`crate::compress`]).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ApiResult, Code};

/// `Cache-Control` of answers read from an index: keep, but revalidate before each use.
pub const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// `Cache-Control` of the assets (their URLs carry the version).
pub const ASSET: HeaderValue = HeaderValue::from_static("public, max-age=86400");

/// The suffixes a content coding adds to an ETag.
pub const CODING_SUFFIXES: [&str; 2] = ["-zstd", "-gzip"];

/// A strong ETag made of `parts` (ASCII: ids, numbers, versions).
pub fn tag(parts: std::fmt::Arguments<'_>) -> ApiResult<HeaderValue> {
    use std::io::Write;
    // Formatted on the stack (tags are short): the header value is the one allocation.
    let mut buf = [0u8; 96];
    let mut w = std::io::Cursor::new(&mut buf[..]);
    let value = match write!(w, "\"{parts}\"") {
        Ok(()) => {
            let n = w.position() as usize;
            HeaderValue::from_bytes(&buf[..n])
        }
        Err(_) => HeaderValue::from_str(&format!("\"{parts}\"")),
    };
    value.map_err(|_| ApiError::new(Code::Internal, "an ETag that is not ASCII"))
}

/// The strong ETag `"{id}-{n}"` (an index's id and a row), made without the formatting
/// machinery: the tag of every `/wiki` answer.
pub fn tag_of_row(id: &str, n: u32) -> ApiResult<HeaderValue> {
    let mut number = itoa::Buffer::new();
    let number = number.format(n).as_bytes();
    let mut buf = [0u8; 96];
    let len = id.len() + number.len() + 3;
    if len > buf.len() {
        return tag(format_args!("{id}-{n}"));
    }
    buf[0] = b'"';
    buf[1..=id.len()].copy_from_slice(id.as_bytes());
    buf[id.len() + 1] = b'-';
    buf[id.len() + 2..len - 1].copy_from_slice(number);
    buf[len - 1] = b'"';
    HeaderValue::from_bytes(&buf[..len]).map_err(|_| ApiError::new(Code::Internal, "an ETag that is not ASCII"))
}

/// `tag` with a coding's `suffix` inside its closing quote (`"x"` → `"x-zstd"`).
pub fn with_suffix(tag: &HeaderValue, suffix: &str) -> Option<HeaderValue> {
    let t = tag.to_str().ok()?.strip_suffix('"')?;
    HeaderValue::from_str(&format!("{t}{suffix}\"")).ok()
}

/// The tag of `If-None-Match` that names a compressed form of `tag`, if any: what a 304 for a
/// client that holds the compressed answer carries.
pub fn compressed_form_asked(headers: &HeaderMap, tag: &HeaderValue) -> Option<HeaderValue> {
    let entries: Vec<&str> = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .collect();
    CODING_SUFFIXES.iter().filter_map(|s| with_suffix(tag, s)).find(|t| entries.iter().any(|e| t == e))
}

/// True when `If-None-Match` lists `tag`, or one of its compressed forms (weak comparison, as
/// RFC 9110 asks for this header).
pub fn matches(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let held = headers.get_all(header::IF_NONE_MATCH);
    if held.iter().next().is_none() {
        // Most requests hold nothing: the tag is not even read.
        return false;
    }
    let tag = tag.to_str().unwrap_or_default();
    let tag = tag.strip_suffix('"').unwrap_or(tag);
    held.iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || {
            let t = t.trim_start_matches("W/");
            t.strip_suffix('"').is_some_and(|t| {
                t == tag || CODING_SUFFIXES.iter().any(|s| t.strip_suffix(s).is_some_and(|t| t == tag))
            })
        }
    })
}

/// The bodiless 304 for `tag`.
pub fn not_modified(tag: HeaderValue, cache_control: HeaderValue) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    stamp(r.headers_mut(), tag, cache_control);
    r
}

/// Sets the ETag and `Cache-Control` of an answer.
pub fn stamp(h: &mut HeaderMap, tag: HeaderValue, cache_control: HeaderValue) {
    h.insert(header::ETAG, tag);
    h.insert(header::CACHE_CONTROL, cache_control);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inm(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn tags_of_any_length_are_quoted() {
        let short = tag(format_args!("{}-{}", "ab12", 7)).unwrap();
        assert_eq!(short, "\"ab12-7\"");
        let long = "x".repeat(200);
        assert_eq!(tag(format_args!("{long}")).unwrap(), format!("\"{long}\"").as_str());
        assert!(tag(format_args!("a\nb")).is_err());
    }

    #[test]
    fn row_tags_are_the_tags_of_their_parts() {
        for (id, n) in [("ab12", 0u32), ("0123456789abcdef", 7), ("x", u32::MAX), (&*"y".repeat(90), 12)] {
            assert_eq!(tag_of_row(id, n).unwrap(), tag(format_args!("{id}-{n}")).unwrap(), "{id} {n}");
        }
    }

    #[test]
    fn if_none_match_takes_the_tag_its_weak_form_and_its_compressed_forms() {
        let tag = HeaderValue::from_static("\"ab12-7\"");
        for yes in ["\"ab12-7\"", "W/\"ab12-7\"", "\"x\", \"ab12-7-zstd\"", "\"ab12-7-gzip\"", "*"] {
            assert!(matches(&inm(yes), &tag), "{yes}");
        }
        for no in ["\"ab12-8\"", "\"ab12-7-br\"", "\"ab12-\"", "ab12-7", "\"ab12-7-zstd-gzip\""] {
            assert!(!matches(&inm(no), &tag), "{no}");
        }
        assert!(!matches(&HeaderMap::new(), &tag));
    }

    #[test]
    fn a_304_names_the_compressed_form_the_client_holds() {
        let tag = HeaderValue::from_static("\"ab-7\"");
        assert_eq!(with_suffix(&tag, "-zstd").unwrap(), "\"ab-7-zstd\"");
        assert_eq!(compressed_form_asked(&inm("\"q\", W/\"ab-7-gzip\""), &tag).unwrap(), "\"ab-7-gzip\"");
        assert_eq!(compressed_form_asked(&inm("\"ab-7\""), &tag), None);
        assert_eq!(compressed_form_asked(&HeaderMap::new(), &tag), None);
    }
}
