//! The renderer's output checked as a browser reads it. Shared by the engine's property tests
//! (`engine/tests/render_html.rs`) and the `render` fuzz target (included there by path).

use html5ever::tendril::TendrilSink;
use html5ever::{ParseOpts, QualName, local_name, ns, parse_fragment};
use markup5ever_rcdom::RcDom;

/// Elements with no end tag.
const VOID: &[&str] = &["br", "hr", "wbr", "img", "input", "meta", "link"];

/// What is wrong with `html` as a fragment of a page's body: html5ever's parse errors, and
/// elements the renderer left open or closed out of order (which a browser would repair, but
/// only by guessing). Empty when the fragment is sound.
pub fn problems(html: &str) -> Vec<String> {
    let mut opts = ParseOpts::default();
    opts.tree_builder.exact_errors = true;
    let body = QualName::new(None, ns!(html), local_name!("body"));
    let dom = parse_fragment(RcDom::default(), opts, body, Vec::new(), false).one(html);
    let mut found: Vec<String> = dom.errors.borrow().iter().map(|e| format!("html5ever: {e}")).collect();
    found.extend(unbalanced(html));
    found
}

/// Start and end tags that do not pair up in order.
fn unbalanced(html: &str) -> Option<String> {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let Some(len) = rest[i..].find('>') else { return Some(format!("a tag that never ends: {:?}", &rest[i..])) };
        let tag = &rest[i + 1..i + len];
        rest = &rest[i + len + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop() != Some(name) {
                return Some(format!("</{name}> closes what is not open"));
            }
        } else {
            let name = tag.split([' ', '/']).next().unwrap_or(tag);
            if !VOID.contains(&name) {
                open.push(name);
            }
        }
    }
    (!open.is_empty()).then(|| format!("left open: {open:?}"))
}
