//! The renderer against a browser's parser (html5ever): every page of the real excerpts, and
//! arbitrary wikitext, render to fragments with no parse error and no element left open.

#[path = "support/html_check.rs"]
mod html_check;

use std::io::Read;

use folio_engine::article::wikitext;
use folio_engine::render::{Links, render};
use proptest::prelude::*;

/// Half the titles exist: both kinds of link get rendered.
struct HalfExist;

impl Links for HalfExist {
    fn exists(&self, title: &str) -> bool {
        title.len().is_multiple_of(2)
    }
    fn href(&self, title: &str) -> String {
        format!("/read/{}", title.replace(' ', "_"))
    }
}

fn datasets() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets")
}

/// Every page's wikitext in a dump's XML.
fn texts(xml: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = memchr::memmem::find(rest, b"<page>") {
        let end = memchr::memmem::find(&rest[start..], b"</page>").map_or(rest.len(), |k| start + k + 7);
        let page = &rest[start..end];
        let title = memchr::memmem::find(page, b"<title>")
            .and_then(|t| memchr::memmem::find(&page[t..], b"</title>").map(|e| &page[t + 7..t + e]))
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .unwrap_or_default();
        out.push((title, wikitext(page).unwrap().into_owned()));
        rest = &rest[end..];
    }
    out
}

fn check_all(xml: &[u8], at_least: usize) {
    let pages = texts(xml);
    assert!(pages.len() >= at_least, "{} pages", pages.len());
    for (title, text) in pages {
        let html = render(&text, &HalfExist).html;
        let problems = html_check::problems(&html);
        assert!(problems.is_empty(), "{title}: {problems:?}");
    }
}

#[test]
fn every_page_of_enwiki_10k_renders_sound_html() {
    check_all(&std::fs::read(datasets().join("enwiki-10k.xml")).unwrap(), 196);
}

#[test]
fn every_page_of_the_sample_renders_sound_html() {
    let mut xml = Vec::new();
    let file = std::fs::File::open(datasets().join("enwiki-sample.xml.bz2")).unwrap();
    bzip2::read::BzDecoder::new(file).read_to_end(&mut xml).unwrap();
    check_all(&xml, 206);
}

#[test]
fn the_checker_sees_what_is_wrong() {
    assert!(html_check::problems("<p>fine <b>bold</b><br></p><table><tr><td>x</td></tr></table>").is_empty());
    assert!(!html_check::problems("<p>open").is_empty(), "left open");
    assert!(!html_check::problems("<b><i>x</b></i>").is_empty(), "misnested");
    assert!(!html_check::problems("<p><table></table></p>").is_empty(), "a table in a paragraph");
    assert!(!html_check::problems("<a href=\"1\">x<a href=\"2\">y</a></a>").is_empty(), "a link in a link");
}

/// Pieces of wikitext and HTML, to be strung together at random.
const TOKENS: &[&str] = &[
    "[[",
    "]]",
    "[[A]]",
    "[[Bb|label]]",
    "[[Cc|",
    "[http://x.example ",
    "[[File:x.jpg|thumb|c [[A]]]]",
    "[[Category:C]]",
    "{{",
    "}}",
    "{{Infobox x|a=1|b=[[B]]}}",
    "{{cite web|url=http://x.example|title=T}}",
    "{{Main|A||B}}",
    "{|",
    "|}",
    "|-",
    "|+",
    "||",
    "!!",
    "!",
    "|",
    "'''",
    "''",
    "'",
    "<ref>",
    "</ref>",
    "<ref name=\"n\"/>",
    "<ref name=n>",
    "<nowiki>",
    "</nowiki>",
    "<pre>",
    "</pre>",
    "<code>",
    "</code>",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "<div>",
    "</div>",
    "<span style=\"x\">",
    "</span>",
    "<br/>",
    "<br>",
    "<sup>",
    "</sup>",
    "<script>alert(1)</script>",
    "<math>x</math>",
    "<gallery>",
    "</gallery>",
    "<!--",
    "-->",
    "&amp;",
    "&nbsp;",
    "&#x41;",
    "&#0;",
    "&bogus;",
    "&",
    "<",
    ">",
    "\"",
    "\n",
    "\n\n",
    "\n*",
    "\n#",
    "\n:",
    "\n;",
    "\n ",
    "\n==",
    "==",
    "\n----",
    "\n{|",
    "\n|",
    "\n!",
    "\n|-",
    "\n|}",
    " : ",
    ":",
    " ",
    "a",
    "Text",
    "http://x.example/p",
    "[http://x.example y]",
    "[http://x.example [[A]]]",
    "javascript:x",
    "onclick=\"x\"",
    "__TOC__",
    "~~~~",
    "\0",
    "\u{1}",
    "\u{7f}",
    "\u{85}",
    "\u{fdd0}",
    "\u{ffff}",
    "\u{10ffff}",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "<p>",
    "</p>",
];

fn wikitext_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.concat()),
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("FOLIO_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_wikitext_renders_sound_html(text in wikitext_strategy()) {
        let rendered = render(&text, &HalfExist);
        let problems = html_check::problems(&rendered.html);
        prop_assert!(problems.is_empty(), "{:?} renders {:?}: {:?}", text, rendered.html, problems);
    }
}

#[test]
fn links_inside_links_are_text() {
    for text in [
        "[[Cc|x<ref>y</ref>]]",
        "[[Cc|[http://x.example y] http://x.example/z]]",
        "[http://x.example a<ref>r</ref>]",
        // Found by the render fuzz target: a named reference repeated inside the label of a
        // link whose target swallowed other links (a mangled real article).
        include_str!("../../fuzz/seeds/render/ref-inside-a-broken-link.txt"),
    ] {
        let html = render(text, &HalfExist).html;
        assert!(html_check::problems(&html).is_empty(), "{text}: {html}");
        assert_eq!(html.matches("<a ").count(), html.matches("</a>").count());
    }
}
