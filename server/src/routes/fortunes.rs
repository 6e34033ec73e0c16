//! `GET /fortunes`: the fortune table, plus one fortune added at request time, sorted by message
//! and rendered into HTML by a compile-time template.

use std::fmt::{self, Write};

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use folio_engine::sql::Fortune;

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
        let _ = write!(html, "<tr><td>{}</td><td>{}</td></tr>", f.id, Escaped(&f.message));
    }
    html.push_str("</table></body></html>");
    html
}

/// Text with `&`, `<`, `>`, `"` and `'` as named entities; every other character as it is.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&apos;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters_and_keeps_utf8() {
        let s = Escaped("<a href=\"x\">Tom's & Jerry's</a> — フレーム").to_string();
        assert_eq!(s, "&lt;a href=&quot;x&quot;&gt;Tom&apos;s &amp; Jerry&apos;s&lt;/a&gt; — フレーム");
    }
}
