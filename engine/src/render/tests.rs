use super::*;

struct Fake;

impl Links for Fake {
    fn exists(&self, title: &str) -> bool {
        matches!(title, "Albert Einstein" | "Bus" | "Physics")
    }
    fn href(&self, title: &str) -> String {
        format!("/read/{}", crate::title_to_url(title))
    }
}

fn html(wikitext: &str) -> String {
    render(wikitext, &Fake).html
}

#[test]
fn headings_paragraphs_and_emphasis() {
    let r = render("Intro '''bold''' and ''italic''.\n\n== History ==\nText.\n=== Early life ===\nMore.", &Fake);
    assert!(r.html.starts_with("<p>Intro <b>bold</b> and <i>italic</i>.</p>"), "{}", r.html);
    assert!(
        r.html.contains("<h2 id=\"History\">History</h2><p>Text.</p><h3 id=\"Early_life\">Early life</h3>"),
        "{}",
        r.html
    );
    assert_eq!(
        r.headings.iter().map(|h| (h.level, h.text.as_str())).collect::<Vec<_>>(),
        [(2, "History"), (3, "Early life")]
    );
}

#[test]
fn links_resolve_against_the_index() {
    let h = html("[[Albert Einstein|Einstein]] rode [[bus]]es to [[Physics#Relativity]]; [[Nowhere]].");
    assert!(h.contains("<a href=\"/read/Albert_Einstein\">Einstein</a>"), "{h}");
    assert!(h.contains("<a href=\"/read/Bus\">buses</a>"), "trailing letters join the link: {h}");
    assert!(h.contains("<a href=\"/read/Physics#Relativity\">Physics#Relativity</a>"), "{h}");
    assert!(h.contains("<a href=\"/read/Nowhere\" class=\"new\""), "a missing page is a red link: {h}");
}

#[test]
fn lists_tables_refs_and_categories() {
    let h = html(
        "* a\n** b\n* c\n# one\n; term : def\n\n{|\n|+ Cap\n! H1 !! H2\n|-\n| x || style=\"color:red\" | y\n|}\nSee<ref name=\"n\">Note '''one'''</ref> again<ref name=\"n\"/>.\n[[Category:Physics]]",
    );
    assert!(
        h.contains(
            "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul><ol><li>one</li></ol><dl><dt>term</dt><dd>def</dd></dl>"
        ),
        "{h}"
    );
    assert!(h.contains("<table class=\"wikitable\"><caption>Cap</caption><tr><th>H1</th><th>H2</th></tr><tr><td>x</td><td>y</td></tr></table>"), "{h}");
    assert_eq!(h.matches("href=\"#cite-note-1\"").count(), 2, "a named reference keeps its number: {h}");
    assert!(h.contains("<ol class=\"references\"><li id=\"cite-note-1\">Note <b>one</b></li></ol>"), "{h}");
    assert!(h.contains("<div class=\"categories\">") && h.contains("/read/Category:Physics"), "{h}");
}

#[test]
fn indentation_template_lines_and_empty_links() {
    // `:` lines with no term indent; a `;` term opens a definition list.
    let h = html(":a\n::b\n:c\n;t\n:d");
    assert_eq!(
        h,
        "<div class=\"indent\"><div>a<div class=\"indent\"><div>b</div></div></div><div>c</div></div><dl><dt>t</dt><dd>d</dd></dl>",
    );
    // A line of templates stands outside the paragraph that follows it.
    let h = html("{{Redirect2|A|B}} {{pp-move-indef}}\n'''Text''' goes on.");
    assert!(h.starts_with("<div class=\"templates\">") && h.contains("</div><p><b>Text</b> goes on.</p>"), "{h}");
    // A term's definition after its first colon (not a URL's); a term alone has an empty one.
    assert_eq!(
        html(";Term: def http://x.example\n;[[A:B]] only\n;Lone\n:its def"),
        "<dl><dt>Term</dt><dd>def <a href=\"http://x.example\" class=\"external\" rel=\"nofollow noopener\">http://x.example</a></dd><dt><a href=\"/read/A:B\" class=\"new\" title=\"the page does not exist in this dataset\">A:B</a> only</dt><dd></dd><dt>Lone</dt><dd>its def</dd></dl>",
    );
    // A file's caption is its last part outside links.
    let h = html("[[File:X.gif|thumb|Cut from [[A|a]] by [[B (c)|B]]]]");
    assert!(h.contains(">[X.gif: Cut from <a") && h.ends_with(">B</a>]</span></p>"), "{h}");
    // Empty link targets are text, and a hatnote skips empty arguments.
    assert_eq!(html("[[]] and [[|x]]"), "<p>[[]] and [[|x]]</p>");
    let h = html("{{Main|A||B}}");
    assert!(!h.contains("href=\"#\"") && h.contains(">A</a>, <a") && h.contains(">B</a>"), "{h}");
}

#[test]
fn templates_are_side_tables_text_or_markers() {
    let h = html(
        "{{Infobox person\n| name = Ada\n| born = [[1815]]\n}}\nShe {{lang|fr|était}} {{convert|5|km}} {{unknown thing|x}}.",
    );
    assert!(h.starts_with("<table class=\"infobox\"><caption>Ada</caption>"), "{h}");
    assert!(h.contains("<th scope=\"row\">born</th><td><a href=\"/read/1815\" class=\"new\""), "{h}");
    assert!(h.contains("She était 5\u{a0}km <span class=\"template\""), "{h}");
}

#[test]
fn an_external_label_may_hold_internal_links() {
    let h = html("[http://x.example/a [[Bus]]. \"[[Physics|Phys]]\"] after");
    assert_eq!(
        h,
        "<p><a href=\"http://x.example/a\" class=\"external\" rel=\"nofollow noopener\">Bus. &quot;Phys&quot;</a> after</p>"
    );
}

#[test]
fn nowiki_pre_entities_and_files() {
    let h = html(
        "<nowiki>[[not a link]]</nowiki> &mdash; &amp; &bogus;\n<pre>\n  code <b>\n</pre>\n[[File:X.jpg|thumb|200px|A [[Bus]]]]",
    );
    assert!(h.contains("[[not a link]] — &amp; &amp;bogus;"), "{h}");
    assert!(h.contains("<pre>\n  code &lt;b&gt;\n</pre>"), "{h}");
    assert!(h.contains("<span class=\"media\"") && h.contains("X.jpg: A <a href=\"/read/Bus\">Bus</a>]"), "{h}");
}

/// Every tag of `html`: its name and attribute names, and every `href`.
fn tags(html: &str) -> Vec<(String, Vec<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("tags close") + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('/') {
            continue;
        }
        let name = tag.split(' ').next().unwrap().to_string();
        let attrs: Vec<String> = tag
            .split('"')
            .step_by(2)
            .filter_map(|p| p.trim().strip_suffix('='))
            .map(|a| a.rsplit(' ').next().unwrap().to_string())
            .collect();
        let href = tag.split("href=\"").nth(1).map(|h| h.split('"').next().unwrap().to_string());
        out.push((name, attrs, href));
    }
    out
}

#[test]
fn nothing_from_a_page_runs_as_script() {
    let h = html(
        "<script>alert(1)</script> <img src=x onerror=alert(2)> [javascript:alert(3) click] <b onclick=\"alert(4)\">x</b> \
         [[javascript:alert(5)]] {{x|<script>}} <span style=\"x\" onmouseover=alert(6)>y</span> [//evil.example/x\"onclick=\"a z] \
         {{cite web|url=javascript:alert(7)|title=t}}<ref>[http://a\" onclick=\"b c]</ref>",
    );
    let allowed_attrs = ["href", "class", "title", "id", "rel", "scope"];
    for (name, attrs, href) in tags(&h) {
        assert!(!matches!(name.as_str(), "script" | "img" | "iframe" | "object" | "style"), "<{name}> in {h}");
        assert!(attrs.iter().all(|a| allowed_attrs.contains(&a.as_str())), "<{name} {attrs:?}> in {h}");
        if let Some(href) = href {
            assert!(href.starts_with('/') || href.starts_with('#') || href.starts_with("http"), "href {href} in {h}");
        }
    }
}

#[test]
fn pathological_input_is_linear() {
    // What took parse-wiki-text-2 over a minute: unclosed braces, brackets, tags.
    for unit in ["{{", "[[", "<ref>", "<nowiki>", "''", "{|\n", "*", "[http://x "] {
        let h = html(&unit.repeat(20_000));
        assert!(!h.is_empty() || unit == "''" || unit == "{{");
    }
}
