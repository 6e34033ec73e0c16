//! Wikitext to HTML: the reader's renderer. No HTTP here; the server asks for an article and
//! gets a fragment.
//!
//! Three passes, each linear in the page: [`strip`] cuts out what is not line-structured
//! (comments, `<nowiki>`, `<pre>`, `<ref>`s, templates) and leaves markers; the block pass
//! (`block.rs`) reads lines (headings, lists, tables, preformatted lines, paragraphs); the inline
//! pass (`inline.rs`) reads a block's text (links, bold and italic, entities, allowed HTML tags).
//! Templates are not expanded: infoboxes become a key/value side table, a few templates that
//! carry text keep it (`lang`, `nowrap`, `convert`, `main`, citations in references), the rest a
//! small marker. Every character of page text is escaped and every element is closed
//! (`html.rs`), so nothing from a page runs as script.
//!
//! Why not a parser crate: `parse-wiki-text-2` (the maintained fork of `parse_wiki_text`) parses
//! the real excerpts at 40-120 MB/s without a panic in 200,000 random inputs, but 20,000
//! unclosed `{{` (40 KB) took more than a minute: a page or a vandalised revision could stall a
//! server thread. This renderer is linear by construction (braces paired with one stack pass,
//! closing-tag searches that remember where they failed).

mod block;
mod html;
mod inline;
mod links;
pub mod strip;
mod templates;
pub mod text;

/// Changes whenever the same wikitext may render differently (part of the ETag of `/html`).
pub const RENDERER_VERSION: u32 = 4;

/// What the renderer needs from the index.
pub trait Links {
    /// True when a page titled `title` (already normalized) exists.
    fn exists(&self, title: &str) -> bool;
    /// The URL of the reader's page for `title` (normalized), e.g. `/read/Albert_Einstein`.
    fn href(&self, title: &str) -> String;
}

/// A piece cut out by the first pass, written where its marker is.
#[derive(Debug, Clone)]
pub enum Piece {
    /// `<nowiki>` text: shown as it is.
    Literal(String),
    /// `<pre>` (and source code): a preformatted block.
    Pre(String),
    /// `<math>` and the like: shown as code.
    Code(String),
    /// Content that needs software Folio does not run (`<gallery>`, `<timeline>`, ...).
    Omitted(&'static str),
    /// A `<ref>`; `body` is `None` for `<ref name=".."/>`.
    Ref {
        /// Its name, when it has one.
        name: Option<String>,
        /// Its wikitext.
        body: Option<String>,
    },
    /// A template call: the text between `{{` and `}}`.
    Template(String),
}

/// A heading of the article, for its table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 2 for `== x ==`, up to 6.
    pub level: u8,
    /// Its text, markup removed.
    pub text: String,
    /// The `id` of the heading element.
    pub anchor: String,
}

/// A rendered article.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The article's HTML fragment: side table, body, references, categories.
    pub html: String,
    /// Its headings, in order.
    pub headings: Vec<Heading>,
    /// The categories it is in (names without `Category:`).
    pub categories: Vec<String>,
}

/// Renders `wikitext` (unescaped page text) to an HTML fragment.
pub fn render(wikitext: &str, links: &dyn Links) -> Rendered {
    let mut r = Renderer {
        links,
        pieces: Vec::new(),
        refs: Vec::new(),
        categories: Vec::new(),
        headings: Vec::new(),
        infoboxes: Vec::new(),
        in_link: 0,
        depth: 0,
    };
    let text = strip::strip(wikitext, &mut r.pieces);
    // HTML runs about 1.5 times the wikitext it comes from: grow the buffers rarely.
    let mut body = html::Html::with_capacity(wikitext.len() + wikitext.len() / 2);
    block::blocks(&mut r, &text, &mut body);
    let body = body.finish();
    let infoboxes: usize = r.infoboxes.iter().map(String::len).sum();
    let mut out = html::Html::with_capacity(infoboxes + body.len() + body.len() / 4 + 64);
    for infobox in std::mem::take(&mut r.infoboxes) {
        out.raw(&infobox);
    }
    out.raw(&body);
    r.references(&mut out);
    if !r.categories.is_empty() {
        out.open("div", &[("class", "categories")]);
        out.text("Categories: ");
        out.open("ul", &[]);
        for c in &r.categories {
            out.open("li", &[]);
            let title = format!("Category:{c}");
            let href = links.href(&title);
            if links.exists(&title) {
                out.open("a", &[("href", &href)]);
            } else {
                out.open("a", &[("href", &href), ("class", "new")]);
            }
            out.text(c);
            out.close("li");
        }
        out.close("div");
    }
    Rendered { html: out.finish(), headings: r.headings, categories: r.categories }
}

/// The state of one rendering.
pub(crate) struct Renderer<'a> {
    links: &'a dyn Links,
    pieces: Vec<Piece>,
    /// (name, rendered body) of each numbered reference.
    refs: Vec<(Option<String>, String)>,
    categories: Vec<String>,
    headings: Vec<Heading>,
    infoboxes: Vec<String>,
    /// Inside an external link's label (links there are written as text).
    in_link: u8,
    /// Nesting of inner renderings (a reference's or an infobox value's text).
    depth: u8,
}

impl Renderer<'_> {
    /// Renders a nested piece of wikitext (a reference, a template argument) as inline HTML.
    fn nested(&mut self, wikitext: &str, out: &mut html::Html) {
        if self.depth >= 3 {
            out.text(wikitext);
            return;
        }
        self.depth += 1;
        let text = strip::strip(wikitext, &mut self.pieces);
        let depth = out.depth();
        inline::inline(self, text.trim(), out);
        out.close_to(depth);
        self.depth -= 1;
    }

    /// The numbered list of references, when there are any.
    fn references(&mut self, out: &mut html::Html) {
        if self.refs.is_empty() {
            return;
        }
        out.open("h2", &[("id", "References"), ("class", "references-heading")]);
        out.text("References");
        out.close("h2");
        out.open("ol", &[("class", "references")]);
        for (i, (_, body)) in self.refs.iter().enumerate() {
            out.open("li", &[("id", &format!("cite-note-{}", i + 1))]);
            out.raw(body);
            out.close("li");
        }
        out.close("ol");
    }
}

#[cfg(test)]
mod tests;
