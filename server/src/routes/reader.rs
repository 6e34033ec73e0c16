//! The reader: `/html/{title}`, an article rendered by the engine as an HTML fragment, and
//! `/read/{title}`, the same in a whole page (title, table of contents, metadata, licence).
//! Rendering runs on the bounded pool for CPU-heavy work, never on an async worker.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use folio_engine::render::RENDERER_VERSION;
use folio_engine::{Article, Site, normalize_title, title_to_url};

use super::assets::VERSION;
use super::layout::{attr, document, html, text};
use super::wiki::find;
use crate::conditional;
use crate::error::{ApiResult, Code};
use crate::router::Tail;
use crate::scope::Scope;
use crate::state::AppState;

/// The article `raw` means, its ETag (the index, the row and the renderer's version), or a 304.
async fn article(
    state: &AppState,
    scope: &Scope,
    raw: String,
    headers: &HeaderMap,
    kind: &str,
) -> ApiResult<Result<(Article, HeaderValue), Response>> {
    let (row, asked) = {
        let first = find(scope.index(), &raw)?;
        let asked = first.title.to_string();
        (scope.index().follow_redirects(first)?.row, asked)
    };
    // The index, the row, the renderer and, for whole pages, the assets they link to.
    let assets = if kind == "r" { format!("-{VERSION:08x}") } else { String::new() };
    let tag = conditional::tag(format_args!("{}-{row}-{kind}{RENDERER_VERSION}{assets}", scope.etag()))?;
    if conditional::matches(headers, &tag) {
        return Ok(Err(conditional::not_modified(tag, conditional::REVALIDATE)));
    }
    // Rendered links point to the reader's page of each title, in this dataset.
    let read = format!("{}/read/", scope.base);
    let article = state
        .heavy(scope.index(), move |index| {
            let page = index.page(row as usize)?;
            let from = (page.title != asked).then_some(asked);
            Ok(index.render_page(&page, from, &read)?)
        })
        .await?;
    Ok(Ok((article, tag)))
}

/// `GET /html/{title}`: the rendered article as an HTML fragment (redirects followed).
pub async fn fragment(
    State(state): State<AppState>,
    scope: Scope,
    Tail(raw): Tail,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (article, tag) = match article(&state, &scope, raw, &headers, "h").await? {
        Ok(found) => found,
        Err(not_modified) => return Ok(not_modified),
    };
    let mut r = html(StatusCode::OK, article.rendered.html, Some(tag));
    if let Ok(v) = HeaderValue::from_str(&title_to_url(&article.title)) {
        r.headers_mut().insert("x-folio-title", v);
    }
    Ok(r)
}

/// `GET /read/{title}`: the article in a whole page; a title with no page gets a page that says
/// so (404) and lists the titles that start with it.
pub async fn page(
    State(state): State<AppState>,
    scope: Scope,
    Tail(raw): Tail,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (article, tag) = match article(&state, &scope, raw.clone(), &headers, "r").await {
        Ok(Ok(found)) => found,
        Ok(Err(not_modified)) => return Ok(not_modified),
        Err(e) if e.code == Code::PageNotFound => return Ok(missing(&scope.base, &raw)),
        Err(e) => return Err(e),
    };
    let index = scope.index();
    let source = index.manifest().dump.source.display().to_string();
    Ok(html(StatusCode::OK, shell(&scope.base, &article, &source, index.site()), Some(tag)))
}

/// The page of a title that has none, as MediaWiki answers a red link.
fn missing(base: &str, raw: &str) -> Response {
    let title = normalize_title(raw);
    let main = format!(
        "<h1>{t}</h1><p class=\"empty\" id=\"folio-missing\">This dataset has no page titled “{t}”. \
         <a href=\"{b}/?q={q}\">Search for titles that start with it</a>.</p>",
        t = text(&title),
        b = attr(base),
        q = attr(&url_query(&title)),
    );
    html(StatusCode::NOT_FOUND, document(base, &format!("{title} — not found — Folio"), &title, &main), None)
}

/// `s` percent-encoded for a query string.
fn url_query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The table of contents: nested lists numbered as MediaWiki numbers them (2, 2.1, ...), for
/// articles with at least two headings.
fn contents(a: &Article) -> String {
    use std::fmt::Write;
    let headings = &a.rendered.headings;
    if headings.len() < 2 {
        return String::new();
    }
    let mut toc =
        String::from("<nav class=\"toc\" aria-labelledby=\"folio-toc\"><h2 id=\"folio-toc\">Contents</h2><ol>");
    // The levels of the open lists' items, and each list's item count.
    let mut open: Vec<(u8, usize)> = Vec::new();
    for h in headings {
        while open.len() > 1 && h.level < open[open.len() - 1].0 {
            open.pop();
            toc.push_str("</li></ol>");
        }
        match open.last_mut() {
            Some(top) if h.level > top.0 => {
                toc.push_str("<ol>");
                open.push((h.level, 0));
            }
            Some(_) => toc.push_str("</li>"),
            None => open.push((h.level, 0)),
        }
        if let Some(top) = open.last_mut() {
            top.1 += 1;
        }
        let number: Vec<String> = open.iter().map(|(_, n)| n.to_string()).collect();
        let _ = write!(
            toc,
            "<li><a href=\"#{}\"><span class=\"tocnumber\">{}</span> {}</a>",
            attr(&h.anchor),
            number.join("."),
            text(&h.text)
        );
    }
    for _ in 1..open.len() {
        toc.push_str("</li></ol>");
    }
    toc.push_str("</li></ol></nav>");
    toc
}

/// The page around an article, with the attribution its source wiki asks for.
fn shell(base: &str, a: &Article, source: &str, site: &Site) -> String {
    let toc = contents(a);
    let from = a.redirected_from.as_deref().map_or(String::new(), |f| {
        format!(
            "<p class=\"redirected\">(Redirected from <a href=\"{}/wiki/{}\">{}</a>)</p>",
            attr(base),
            attr(&title_to_url(f)),
            text(f)
        )
    });
    let redirect = a.redirect.as_deref().map_or(String::new(), |r| format!("<dt>Redirect to</dt><dd>{}</dd>", text(r)));
    let url = attr(&title_to_url(&a.title));
    let wiki = text(site.name.as_deref().unwrap_or("the wiki"));
    let authors = match site.history_url(&a.title) {
        Some(h) => format!("Authors: see the <a href=\"{}\">page history</a>.", attr(&h)),
        None => "Authors: see the page's history on the wiki the dump comes from.".to_string(),
    };
    // The contents go where MediaWiki puts them: after the lead, before the first heading.
    let split =
        a.rendered.headings.first().and_then(|h| a.rendered.html.find(&format!(" id=\"{}\">", attr(&h.anchor))));
    let split = split.and_then(|k| a.rendered.html[..k].rfind('<')).unwrap_or(0);
    let main = format!(
        "<h1 id=\"folio-title\">{title}</h1>{from}\
<dl class=\"meta\"><dt>Page id</dt><dd>{id}</dd><dt>Namespace</dt><dd>{ns}</dd><dt>Size</dt><dd>{bytes} bytes of XML</dd>{redirect}</dl>\
<details class=\"raw\" id=\"folio-raw\"><summary>Page XML, as in the dump</summary>\
<pre id=\"folio-raw-xml\" tabindex=\"0\" data-src=\"{b}/wiki/{url}\"></pre><p><a href=\"{b}/wiki/{url}\">Open the XML</a></p></details>\
<article class=\"content\" id=\"folio-article\">{lead}{toc}{body}</article>\
<footer class=\"licence\"><p>Text from {wiki} (dump <code>{source}</code>), available under the \
<a href=\"https://creativecommons.org/licenses/by-sa/4.0/\">Creative Commons Attribution-ShareAlike License</a>. \
{authors}</p></footer>",
        title = text(&a.title),
        b = attr(base),
        id = a.page_id,
        ns = a.ns,
        bytes = a.bytes,
        lead = &a.rendered.html[..split],
        body = &a.rendered.html[split..],
        source = text(source.rsplit('/').next().unwrap_or(source)),
    );
    document(base, &format!("{} — Folio", a.title), "", &main)
}
