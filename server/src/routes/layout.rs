//! The HTML around every reader page: the head (stylesheet and script from [`super::assets`]),
//! the bar with the search box and the random-article button, and the response headers every
//! page carries (its type, ETag, Content-Security-Policy). Pages fill in the title and `<main>`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use folio_engine::{Escape, escape};

use super::assets::VERSION;

/// Scripts only from this server, no plugins, no framing by other sites; styles from the page's
/// own stylesheet only.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// Text for an HTML text node.
pub fn text(s: &str) -> String {
    escape(s, Escape::Text).to_string()
}

/// Text for a quoted HTML attribute.
pub fn attr(s: &str) -> String {
    escape(s, Escape::Attribute).to_string()
}

/// A whole page of the dataset whose routes start with `base` (`""` at the root, `/d/{name}`):
/// `title` (plain text) in the tab, `query` (plain text) in the search box, `main` (HTML) as
/// the page's content. The script finds `base` in the body's `data-base`.
pub fn document(base: &str, title: &str, query: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/assets/folio.css?v={VERSION:08x}\">\
<script src=\"/assets/folio.js?v={VERSION:08x}\" defer></script></head><body data-base=\"{base}\">\
<header class=\"bar\"><a class=\"home\" href=\"{base}/\">Folio</a>\
<form class=\"search\" role=\"search\" action=\"{base}/\" method=\"get\">\
<label for=\"folio-q\" class=\"sr-only\">Search titles</label><div class=\"combo\">\
<input id=\"folio-q\" name=\"q\" type=\"search\" value=\"{query}\" placeholder=\"Search titles\" autocomplete=\"off\" \
spellcheck=\"false\" role=\"combobox\" aria-autocomplete=\"list\" aria-expanded=\"false\" aria-controls=\"folio-results\">\
<div class=\"popup\"><ul id=\"folio-results\" role=\"listbox\" aria-label=\"Matching titles\"></ul>\
<p id=\"folio-status\" class=\"status\" role=\"status\" aria-live=\"polite\"></p></div></div>\
<button type=\"submit\">Search</button></form>\
<a class=\"button\" id=\"folio-random\" href=\"{base}/random\">Random article</a></header>\
<main id=\"folio-main\">{main}</main></body></html>",
        title = text(title),
        query = attr(query),
        base = attr(base),
    )
}

/// `body` as an HTML answer with `status`, the CSP and, when given, an ETag (and then the
/// `Cache-Control` of answers from an index, see [`crate::conditional`]).
pub fn html(status: StatusCode, body: String, tag: Option<HeaderValue>) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(tag) = tag {
        crate::conditional::stamp(h, tag, crate::conditional::REVALIDATE);
    }
    r
}
