//! The reader's routes, in-process: `/html/{title}` and `/read/{title}` over the sample.

use crate::inproc::App;

/// Checks that `html` is a well-formed fragment: every tag closed in order (void elements
/// aside), no script or event attribute. Returns the text outside tags.
fn well_formed(html: &str) -> String {
    checked(html, false)
}

/// [`well_formed`] for a whole page, whose one script is the server's own asset.
fn well_formed_page(html: &str) -> String {
    checked(html.trim_start_matches("<!DOCTYPE html>"), true)
}

fn checked(html: &str, own_script: bool) -> String {
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        text.push_str(&rest[..i]);
        let end = rest[i..].find('>').expect("every tag ends") + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "</{name}> closes what was open, in {html}");
            continue;
        }
        let name = tag.split(' ').next().unwrap().to_string();
        let ours = own_script && tag.starts_with("script src=\"/assets/folio.js?v=") && tag.ends_with("\" defer");
        assert!(!matches!(name.as_str(), "script" | "iframe" | "object" | "img") || ours, "<{tag}>");
        // Attribute names are outside the quoted values.
        for part in tag.split('"').step_by(2) {
            assert!(!part.split_whitespace().any(|a| a.starts_with("on")), "an event attribute: <{tag}>");
        }
        if !matches!(name.as_str(), "br" | "hr" | "wbr" | "meta" | "link" | "input") {
            stack.push(name);
        }
    }
    text.push_str(rest);
    assert!(stack.is_empty(), "left open: {stack:?}");
    text
}

#[test]
fn every_page_of_the_sample_renders() {
    let s = App::sample();
    let mut articles = 0;
    for row in 0..s.index().len() {
        let index = s.index();
        let page = index.page(row).unwrap();
        let path = format!("/html/{}", folio_engine::title_to_url(page.title));
        let a = s.get(&path);
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        assert_eq!(a.header("content-type"), Some("text/html; charset=utf-8"));
        let text = well_formed(&a.text());
        if page.redirect.is_none() && page.ns == 0 {
            articles += 1;
            assert!(!text.contains("'''"), "{path}: bold markup left as text");
        }
    }
    assert!(articles > 90, "{articles}");
}

#[test]
fn an_article_reads_as_text_with_links_and_references() {
    let s = App::sample();
    let a = s.get("/html/Anarchism");
    let html = a.text();
    let text = well_formed(&html);
    assert!(text.contains("Anarchism is a political philosophy"), "{}", &text[..500.min(text.len())]);
    assert!(!text.contains("[[") && !text.contains("{{"), "no wiki markup in the first paragraph");
    assert!(html.contains("<a href=\"/read/Political_philosophy\""), "links to pages of the dataset");
    assert!(html.contains("class=\"new\""), "links to pages outside it are red");
    assert!(html.contains("<ol class=\"references\">") && html.contains("<div class=\"categories\">"));
    // Its ETag carries the renderer's version, and revalidates.
    let tag = a.header("etag").unwrap().to_string();
    assert!(tag.ends_with(&format!("-h{}\"", folio_engine::render::RENDERER_VERSION)), "{tag}");
    let again = s.request("GET", "/html/Anarchism", &[("If-None-Match", &tag)]);
    assert_eq!((again.status, again.body.len()), (304, 0));
    assert!(a.header("content-security-policy").unwrap().contains("script-src 'self'"));
}

#[test]
fn redirects_are_followed_and_missing_pages_are_404() {
    let s = App::sample();
    let a = s.get("/html/ANOVA");
    assert_eq!(a.status, 200);
    assert_eq!(a.header("x-folio-title"), Some("Analysis_of_variance"));
    s.get("/html/No_such_page_anywhere").assert_error(404, "page_not_found");
    let missing = s.get("/read/No_such_page_anywhere");
    assert_eq!((missing.status, missing.header("content-type")), (404, Some("text/html; charset=utf-8")));
    assert!(missing.text().contains("This dataset has no page titled “No such page anywhere”"));
    assert!(missing.text().contains("href=\"/?q=No+such+page+anywhere\""));
}

#[test]
fn the_reader_page_has_title_contents_metadata_and_licence() {
    let s = App::sample();
    let a = s.get("/read/ANOVA");
    assert_eq!(a.status, 200);
    let html = a.text();
    well_formed_page(&html);
    assert!(html.contains("<h1 id=\"folio-title\">Analysis of variance</h1>"));
    assert!(html.contains("data-src=\"/wiki/Analysis_of_variance\""), "the XML toggle loads the page shown");
    assert!(html.contains("(Redirected from <a href=\"/wiki/ANOVA\">ANOVA</a>)"));
    assert!(html.contains("<nav class=\"toc\""), "contents");
    assert!(html.contains("<dt>Page id</dt>"));
    assert!(html.contains("creativecommons.org/licenses/by-sa/4.0"));
    // The history link is made from the dump's own <siteinfo> <base>, not assumed.
    assert!(html.contains("Text from Wikipedia (dump <code>"), "the site's name from <sitename>");
    assert!(
        html.contains("href=\"https://en.wikipedia.org/w/index.php?title=Analysis_of_variance&amp;action=history\"")
    );
    let css = s.get("/assets/folio.css");
    assert_eq!((css.status, css.header("content-type")), (200, Some("text/css; charset=utf-8")));
    assert!(css.text().contains("prefers-color-scheme: dark"));
    let js = s.get("/assets/folio.js");
    assert_eq!((js.status, js.header("content-type")), (200, Some("text/javascript; charset=utf-8")));
    let tag = js.header("etag").unwrap().to_string();
    assert_eq!(s.request("GET", "/assets/folio.js", &[("if-none-match", &tag)]).status, 304);
    assert!(html.contains(&tag[2..10]), "the page links to this version of its assets and its ETag names it");
    s.get("/assets/nothing.js").assert_error(404, "route_not_found");

    // The contents sit between the lead and the first heading, numbered by section.
    let html = s.get("/read/Anarchism").text();
    well_formed_page(&html);
    let toc = html.find("<nav class=\"toc\"").unwrap();
    assert!(html.find("</b> is a <a href=\"/read/Political_philosophy\"").unwrap() < toc, "the lead comes first");
    assert!(toc < html.find("<h2 id=\"Etymology_and_terminology\">").unwrap());
    assert!(html.contains("<a href=\"#History\"><span class=\"tocnumber\">2</span> History</a><ol><li><a href=\"#Origins\"><span class=\"tocnumber\">2.1</span> Origins</a>"));
}

#[test]
fn the_home_page_shows_the_dataset_and_searches_without_script() {
    let s = App::sample();
    let home = s.get("/");
    assert_eq!((home.status, home.header("content-type")), (200, Some("text/html; charset=utf-8")));
    assert!(home.header("content-security-policy").unwrap().contains("script-src 'self'"));
    let html = home.text();
    well_formed_page(&html);
    let stats: serde_json::Value = serde_json::from_str(&s.get("/stats").text()).unwrap();
    let pages = stats["dataset"]["pages"].as_u64().unwrap();
    assert!(html.contains(&format!("<dt>Pages</dt><dd>{pages}</dd>")), "the count /stats gives");
    assert!(html.contains("<code>enwiki-sample.xml.bz2</code>"), "the file the index was built from");
    assert!(!html.contains("<script>") && html.contains("<script src=\"/assets/folio.js?v="));

    // A title as typed opens its page; otherwise titles (typos forgiven) and pages whose text
    // holds the words, each with a marked snippet; nothing found says so.
    let found = s.get("/?q=anarchism");
    assert_eq!((found.status, found.header("location")), (303, Some("/read/Anarchism")));
    let listed = s.get("/?q=anrachism").text();
    well_formed_page(&listed);
    assert!(listed.contains("<a href=\"/read/Anarchism\">Anarchism</a>"), "{listed}");
    let text = s.get("/?q=anarchism&fulltext=1");
    assert_eq!(text.status, 200);
    let text = text.text();
    well_formed_page(&text);
    let hits = &text[text.find("id=\"folio-hits\"").expect("text hits")..];
    assert!(hits.contains("<a href=\"/read/Anarchism\">Anarchism</a>"), "{hits}");
    assert!(hits.contains("<mark>"), "a marked snippet");
    let none = s.get("/?q=zzqxv").text();
    assert!(none.contains("No title matches “zzqxv”") && none.contains("No page contains “zzqxv”"), "{none}");
    let bad = s.get("/?q=%22unclosed");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("id=\"folio-text-error\""));
    assert_eq!(s.get("/?q=%3Cb%3E").text().matches("<b>").count(), 0, "the query is escaped");
}

#[test]
fn random_opens_an_article() {
    let s = App::sample();
    for _ in 0..20 {
        let r = s.get("/random");
        assert_eq!((r.status, r.header("cache-control")), (303, Some("no-store")));
        let to = r.header("location").unwrap().to_string();
        let title = to.strip_prefix("/read/").unwrap();
        let page: serde_json::Value = serde_json::from_str(&s.get(&format!("/pages/{title}")).text()).unwrap();
        assert_eq!(page["ns"], 0, "{to}");
        assert!(page["redirect"].is_null(), "{to} is a redirect");
    }
}
