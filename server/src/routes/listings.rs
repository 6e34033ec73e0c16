//! Prefix listings: `/offsets/{prefix}` and `/title/{prefix}` (PyParallel's routes, bugs fixed)
//! and the paginated `/titles`.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use folio_engine::{Case, Index, PrefixQuery, TitleSpan, normalize_prefix};
use rayon::prelude::*;

use crate::error::{ApiError, ApiResult, Code};
use crate::router::Tail;
use crate::scope::Scope;
use crate::state::AppState;
use folio_engine::params::{self, ParamError, TitlesParams, encode_cursor};

/// Prefixes shorter than this many characters are refused by `/offsets` and `/title`.
pub const MIN_PREFIX_CHARS: usize = 3;

fn json(body: Vec<u8>) -> Response {
    let mut r = Response::new(body.into());
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Every page whose title starts with the normalized `raw` prefix, in bytewise title order
/// ([`Index::listing`]); refuses prefixes shorter than PyParallel's routes took.
fn listing<'a>(index: &'a Index, raw: &str, max: usize) -> ApiResult<Vec<TitleSpan<'a>>> {
    if normalize_prefix(raw).chars().count() < MIN_PREFIX_CHARS {
        return Err(ApiError::new(Code::NameTooShort, "Name too short (< 3 chars)"));
    }
    Ok(index.listing(raw, Case::Sensitive, max)?)
}

/// Listings of at least this many pages are written by every core, one part each.
const PARALLEL_SPANS: usize = 4096;

/// `[[title, start, end], ...]` (or `[[title, [start]], ...]`), written straight into buffers
/// sized up front: titles are copied whole unless they hold a character JSON must escape, the
/// numbers are formatted with `itoa`. A 16,000-hit listing is mostly this loop, so a long listing
/// is cut into one part per core (rayon), written in parallel and joined.
fn write_listing(spans: &[TitleSpan<'_>], with_end: bool) -> Vec<u8> {
    let size = |spans: &[TitleSpan<'_>]| spans.iter().map(|s| s.title.len() + 48).sum::<usize>();
    let mut out = Vec::with_capacity(size(spans) + 2);
    out.push(b'[');
    let parts = rayon::current_num_threads().min(spans.len() / PARALLEL_SPANS);
    if parts > 1 {
        let mut chunks = spans.chunks(spans.len().div_ceil(parts));
        let first = chunks.next().unwrap_or_default();
        let rest: Vec<&[TitleSpan<'_>]> = chunks.collect();
        let ((), written) = rayon::join(
            || write_rows(&mut out, first, with_end, true),
            || {
                rest.par_iter()
                    .map(|part| {
                        let mut buf = Vec::with_capacity(size(part));
                        write_rows(&mut buf, part, with_end, false);
                        buf
                    })
                    .collect::<Vec<Vec<u8>>>()
            },
        );
        written.iter().for_each(|part| out.extend_from_slice(part));
    } else {
        write_rows(&mut out, spans, with_end, true);
    }
    out.push(b']');
    out
}

/// Appends one `[title, start, end]` (or `[title, [start]]`) per span, each after a comma but for
/// the very first of a listing.
fn write_rows(out: &mut Vec<u8>, spans: &[TitleSpan<'_>], with_end: bool, first: bool) {
    let mut n = itoa::Buffer::new();
    for (i, s) in spans.iter().enumerate() {
        out.extend_from_slice(if first && i == 0 { b"[" } else { b",[" });
        push_json_str(out, s.title);
        out.extend_from_slice(if with_end { b"," } else { b",[" });
        out.extend_from_slice(n.format(s.start).as_bytes());
        if with_end {
            out.push(b',');
            out.extend_from_slice(n.format(s.end).as_bytes());
            out.push(b']');
        } else {
            out.extend_from_slice(b"]]");
        }
    }
}

/// Appends `s` as a JSON string, escaped exactly as `serde_json` escapes it: `"` and `\` with a
/// backslash, control characters as `\n`-style or `\u00XX` escapes, everything else as it is.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.push(b'"');
    // Almost every title needs no escape: one branch-free pass (vectorized) says so.
    if !bytes.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\')) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => &[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]],
            _ => continue,
        };
        out.extend_from_slice(&bytes[from..i]);
        out.extend_from_slice(escaped);
        from = i + 1;
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

/// `GET /offsets/{prefix}`: `[[title, start, end], ...]`, `end` inclusive.
pub async fn offsets(State(state): State<AppState>, scope: Scope, Tail(raw): Tail) -> ApiResult<Response> {
    let max = state.limits.max_listing;
    state.heavy(scope.index(), move |index| Ok(json(write_listing(&listing(index, &raw, max)?, true)))).await
}

/// `GET /offsets/` (an empty prefix): the same refusal as any short prefix.
pub async fn offsets_empty() -> ApiError {
    ApiError::new(Code::NameTooShort, "Name too short (< 3 chars)")
}

/// `GET /title/{prefix}`: `[[title, [start]], ...]`, the shape PyParallel's route answered.
pub async fn title(State(state): State<AppState>, scope: Scope, Tail(raw): Tail) -> ApiResult<Response> {
    let max = state.limits.max_listing;
    state.heavy(scope.index(), move |index| Ok(json(write_listing(&listing(index, &raw, max)?, false)))).await
}

/// `GET /titles?prefix=&limit=&after=&case=&ns=`: one page of a sorted listing and the cursor of
/// the next.
pub async fn list(State(state): State<AppState>, scope: Scope, RawQuery(query): RawQuery) -> ApiResult<Response> {
    let p = params::titles(query.as_deref(), state.limits.max_page).map_err(|e| match e {
        ParamError::Bad(m) => ApiError::new(Code::BadRequest, m),
        ParamError::Cursor(m) => ApiError::new(Code::BadCursor, m),
    })?;
    let TitlesParams { prefix, limit, after, case, ns } = p;
    let prefix = normalize_prefix(&prefix);
    state
        .heavy(scope.index(), move |index| {
            let page = index.prefix(&PrefixQuery { prefix: &prefix, case, after, limit, ns })?;
            let items: Vec<serde_json::Value> = page
                .pages
                .iter()
                .map(|p| serde_json::json!({"title": p.title, "page_id": p.page_id, "ns": p.ns, "redirect": p.redirect, "start": p.start, "end": p.end}))
                .collect();
            let body = serde_json::json!({"items": items, "next": page.next.as_ref().map(encode_cursor)});
            Ok(axum::Json(body).into_response())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_escaped_exactly_as_serde_json_escapes_them() {
        let mut all_controls = String::new();
        for c in 0u8..0x20 {
            all_controls.push(c as char);
        }
        let cases = ["", "Plain", "Say \"hi\"", "back\\slash", "AT&T <b>", "Zoë 東京 🎉", "\u{7f}del", &all_controls];
        for title in cases {
            let mut ours = Vec::new();
            push_json_str(&mut ours, title);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(title).unwrap(), "{title:?}");
        }
    }

    #[test]
    fn listings_have_both_shapes_and_parse_back() {
        let spans =
            [TitleSpan { title: "A \"b\"", start: 0, end: 41 }, TitleSpan { title: "Zoë", start: 42, end: u64::MAX }];
        let long: serde_json::Value = serde_json::from_slice(&write_listing(&spans, true)).unwrap();
        assert_eq!(long, serde_json::json!([["A \"b\"", 0, 41], ["Zoë", 42, u64::MAX]]));
        let short: serde_json::Value = serde_json::from_slice(&write_listing(&spans, false)).unwrap();
        assert_eq!(short, serde_json::json!([["A \"b\"", [0]], ["Zoë", [42]]]));
        assert_eq!(write_listing(&[], true), b"[]");
    }

    #[test]
    fn long_listings_written_in_parts_equal_serde_json() {
        // Long enough for the parallel path on any pool (up to 8 threads), with an odd count so
        // the parts differ in size.
        let titles: Vec<String> = (0..8 * PARALLEL_SPANS + 3).map(|i| format!("T{i} \"q\" é")).collect();
        let spans: Vec<TitleSpan<'_>> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| TitleSpan { title: t, start: i as u64 * 10, end: i as u64 * 10 + 9 })
            .collect();
        let long: Vec<serde_json::Value> = spans.iter().map(|s| serde_json::json!([s.title, s.start, s.end])).collect();
        assert_eq!(write_listing(&spans, true), serde_json::to_vec(&long).unwrap());
        let short: Vec<serde_json::Value> = spans.iter().map(|s| serde_json::json!([s.title, [s.start]])).collect();
        assert_eq!(write_listing(&spans, false), serde_json::to_vec(&short).unwrap());
    }
}
