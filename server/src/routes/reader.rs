//! The reader: `/html/{title}`, an article rendered by the engine as an HTML fragment, and
//! `/read/{title}`, the same in a whole page (title, table of contents, metadata, licence).
//! Rendering runs on the bounded pool for CPU-heavy work, never on an async worker.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use folio_engine::render::RENDERER_VERSION;
use folio_engine::{Article, Escape, escape, title_to_url};

use super::path_param;
use super::wiki::{find, not_modified};
use crate::error::ApiResult;
use crate::state::AppState;

/// Where rendered links point: the reader's page of each title.
const READ: &str = "/read/";

/// Scripts only from this server, no plugins, no framing by other sites; inline styles of the
/// page's own stylesheet only.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// The article `raw` means, its ETag (the index, the row and the renderer's version), or a 304.
async fn article(
    state: &AppState,
    raw: String,
    headers: &HeaderMap,
    kind: &str,
) -> ApiResult<Result<(Article, HeaderValue), Response>> {
    let (row, asked) = {
        let first = find(&state.index, &raw)?;
        let asked = first.title.to_string();
        (state.index.follow_redirects(first)?.row, asked)
    };
    let tag = HeaderValue::from_str(&format!("\"{}-{row}-{kind}{RENDERER_VERSION}\"", state.etag_base)).expect("ASCII");
    if not_modified(headers, &tag) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, tag);
        return Ok(Err(r));
    }
    let article = state
        .heavy(move |index| {
            let page = index.page(row as usize)?;
            let from = (page.title != asked).then_some(asked);
            Ok(index.render_page(&page, from, READ)?)
        })
        .await?;
    Ok(Ok((article, tag)))
}

fn html_response(body: String, tag: HeaderValue) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::ETAG, tag);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

/// `GET /html/{title}`: the rendered article as an HTML fragment (redirects followed).
pub async fn fragment(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let raw = path_param(path)?;
    let (article, tag) = match article(&state, raw, &headers, "h").await? {
        Ok(found) => found,
        Err(not_modified) => return Ok(not_modified),
    };
    let mut r = html_response(article.rendered.html, tag);
    if let Ok(v) = HeaderValue::from_str(&title_to_url(&article.title)) {
        r.headers_mut().insert("x-folio-title", v);
    }
    Ok(r)
}

/// `GET /read/{title}`: the article in a whole page.
pub async fn page(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let raw = path_param(path)?;
    let (article, tag) = match article(&state, raw, &headers, "r").await? {
        Ok(found) => found,
        Err(not_modified) => return Ok(not_modified),
    };
    let source = state.index.manifest().dump.source.display().to_string();
    Ok(html_response(shell(&article, &source), tag))
}

/// The page around an article.
fn shell(a: &Article, source: &str) -> String {
    use std::fmt::Write;
    let t = |s: &str| escape(s, Escape::Text).to_string();
    let at = |s: &str| escape(s, Escape::Attribute).to_string();
    let mut toc = String::new();
    if a.rendered.headings.len() >= 2 {
        toc.push_str("<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ol>");
        for h in &a.rendered.headings {
            let _ = write!(toc, "<li class=\"toc-{}\"><a href=\"#{}\">{}</a></li>", h.level, at(&h.anchor), t(&h.text));
        }
        toc.push_str("</ol></nav>");
    }
    let from = a.redirected_from.as_deref().map_or(String::new(), |f| {
        format!("<p class=\"redirected\">(Redirected from <a href=\"/wiki/{}\">{}</a>)</p>", at(&title_to_url(f)), t(f))
    });
    let redirect = a.redirect.as_deref().map_or(String::new(), |r| format!("<dt>Redirect to</dt><dd>{}</dd>", t(r)));
    let url = title_to_url(&a.title);
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} — Folio</title><link rel=\"stylesheet\" href=\"/assets/folio.css\"></head><body>\
<header><a class=\"home\" href=\"/\">Folio</a></header><main>\
<h1 id=\"title\">{title}</h1>{from}\
<dl class=\"meta\"><dt>Page id</dt><dd>{id}</dd><dt>Namespace</dt><dd>{ns}</dd><dt>Size</dt><dd>{bytes} bytes of XML</dd>{redirect}\
<dt>Source</dt><dd><a href=\"/wiki/{url}\">XML</a></dd></dl>{toc}\
<article class=\"content\">{body}</article>\
<footer class=\"licence\"><p>Text from Wikipedia (dump <code>{source}</code>), available under the \
<a href=\"https://creativecommons.org/licenses/by-sa/4.0/\">Creative Commons Attribution-ShareAlike License</a>. \
Authors: see the <a href=\"https://en.wikipedia.org/w/index.php?title={url}&amp;action=history\">page history</a>.</p></footer>\
</main></body></html>",
        title = t(&a.title),
        id = a.page_id,
        ns = a.ns,
        bytes = a.bytes,
        body = a.rendered.html,
        source = t(source.rsplit('/').next().unwrap_or(source)),
    )
}

/// `GET /assets/folio.css`: the reader's stylesheet, compiled into the binary.
pub async fn stylesheet() -> Response {
    let mut r = include_str!("../../assets/folio.css").into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}
