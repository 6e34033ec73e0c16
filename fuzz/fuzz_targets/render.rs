//! The wikitext renderer on any input: never a panic, and the HTML it writes parses as a
//! fragment with no html5ever error and no element left open (the check the engine's property
//! tests use, included from there).
#![no_main]

#[path = "../../engine/tests/support/html_check.rs"]
mod html_check;

use folio_engine::render::{Links, render};
use libfuzzer_sys::fuzz_target;

/// Titles of odd length exist: both kinds of link get rendered.
struct OddExist;

impl Links for OddExist {
    fn exists(&self, title: &str) -> bool {
        !title.len().is_multiple_of(2)
    }
    fn href(&self, title: &str) -> String {
        format!("/read/{}", folio_engine::title_to_url(title))
    }
}

fuzz_target!(|text: &str| {
    let html = render(text, &OddExist).html;
    let problems = html_check::problems(&html);
    assert!(problems.is_empty(), "{text:?} renders {html:?}: {problems:?}");
});
