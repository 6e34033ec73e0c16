//! Templates, not expanded: the arguments of a call, infoboxes as a key/value side table, the
//! few templates whose text matters kept as text, citations in references written out, and a
//! small marker for the rest.

use super::Renderer;
use super::html::Html;

/// A call's name and arguments: positional ones in order, named ones as (name, value).
struct Call<'a> {
    name: String,
    positional: Vec<&'a str>,
    named: Vec<(&'a str, &'a str)>,
}

impl<'a> Call<'a> {
    fn parse(call: &'a str) -> Call<'a> {
        let parts = split_top(call);
        let name = parts[0].trim().replace('_', " ").to_lowercase();
        let mut positional = Vec::new();
        let mut named = Vec::new();
        for p in &parts[1..] {
            match p.split_once('=') {
                Some((k, v)) if !k.contains(['[', '{', '<']) => named.push((k.trim(), v.trim())),
                _ => positional.push(p.trim()),
            }
        }
        Call { name, positional, named }
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.named.iter().find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_empty()).map(|(_, v)| *v)
    }

    fn arg(&self, i: usize) -> Option<&'a str> {
        self.positional.get(i).copied().filter(|a| !a.is_empty())
    }
}

/// Splits at the `|`s that are not inside nested `{{ }}` or `[[ ]]`.
pub(super) fn split_top(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let (mut braces, mut brackets) = (0i32, 0i32);
    let mut parts = Vec::new();
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        let two = |x: u8| i + 1 < b.len() && b[i] == x && b[i + 1] == x;
        if two(b'{') {
            braces += 1;
            i += 2;
        } else if two(b'}') {
            braces -= 1;
            i += 2;
        } else if two(b'[') {
            brackets += 1;
            i += 2;
        } else if two(b']') {
            brackets -= 1;
            i += 2;
        } else {
            if b[i] == b'|' && braces <= 0 && brackets <= 0 {
                parts.push(&s[from..i]);
                from = i + 1;
            }
            i += 1;
        }
    }
    parts.push(&s[from..]);
    parts
}

/// Writes the template call `call` (the text between `{{` and `}}`).
pub fn template(r: &mut Renderer<'_>, call: &str, out: &mut Html) {
    let c = Call::parse(call);
    let name = c.name.as_str();
    if name.starts_with("infobox") || name.starts_with("taxobox") || name.starts_with("automatic taxobox") {
        infobox(r, &c);
    } else if name == "lang" {
        text(r, c.arg(1), out);
    } else if name.starts_with("lang-")
        || matches!(name, "nowrap" | "nobr" | "small" | "big" | "nihongo" | "transl" | "ill" | "nowrap begin")
    {
        text(r, c.arg(0), out);
    } else if name == "convert" || name == "cvt" {
        if let (Some(n), Some(unit)) = (c.arg(0), c.arg(1)) {
            out.text(&format!("{n}\u{a0}{unit}"));
        }
    } else if matches!(name, "main" | "see also" | "further" | "details" | "main article") {
        out.open("span", &[("class", "hatnote")]);
        out.text(if name == "see also" { "See also: " } else { "Main article: " });
        for (i, target) in c.positional.iter().filter(|t| !t.trim().is_empty()).enumerate() {
            if i > 0 {
                out.text(", ");
            }
            r.nested(&format!("[[{target}]]"), out);
        }
        out.close("span");
    } else if name.starts_with("cite") || name == "citation" {
        citation(r, &c, out);
    } else if matches!(
        name,
        "reflist"
            | "notelist"
            | "refbegin"
            | "refend"
            | "toc"
            | "-"
            | "clear"
            | "clr"
            | "defaultsort"
            | "short description"
    ) || name.starts_with("defaultsort:")
        || name.starts_with("use ")
        || name.starts_with("good article")
        || name.starts_with("featured article")
        || name.starts_with("authority control")
        || name.ends_with("stub")
        || name.starts_with("pp-")
        || name.starts_with("pp ")
        || name == "pp"
    {
    } else {
        let shown = c.name.split(':').next().unwrap_or("").trim();
        out.open("span", &[("class", "template"), ("title", &format!("Template:{shown} (not expanded offline)"))]);
        out.text(shown);
        out.close("span");
    }
}

fn text(r: &mut Renderer<'_>, value: Option<&str>, out: &mut Html) {
    if let Some(v) = value {
        r.nested(v, out);
    }
}

/// A citation: authors, the title (linked to its URL), the work, the date.
fn citation(r: &mut Renderer<'_>, c: &Call<'_>, out: &mut Html) {
    out.open("cite", &[("class", "citation")]);
    let author = c.get("author").map(str::to_string).or_else(|| match (c.get("last"), c.get("first")) {
        (Some(l), Some(f)) => Some(format!("{l}, {f}")),
        (Some(l), None) => Some(l.to_string()),
        _ => c.get("last1").map(str::to_string),
    });
    if let Some(a) = author {
        r.nested(&a, out);
        out.text(". ");
    }
    let title = c.get("title").unwrap_or("");
    match (c.get("url"), title.is_empty()) {
        (Some(url), false) => r.nested(&format!("[{url} {title}]"), out),
        (Some(url), true) => r.nested(&format!("[{url}]"), out),
        (None, _) => r.nested(title, out),
    }
    for key in ["work", "website", "journal", "newspaper", "magazine", "publisher"] {
        if let Some(v) = c.get(key) {
            out.text(". ");
            out.open("i", &[]);
            r.nested(v, out);
            out.close("i");
            break;
        }
    }
    if let Some(d) = c.get("date").or_else(|| c.get("year")) {
        out.text(&format!(" ({d})"));
    }
    out.text(".");
    out.close("cite");
}

/// An infobox as a side table of its named arguments.
fn infobox(r: &mut Renderer<'_>, c: &Call<'_>) {
    let mut t = Html::default();
    t.open("table", &[("class", "infobox")]);
    t.open("caption", &[]);
    let title = c.get("name").or_else(|| c.get("title"));
    match title {
        Some(n) => r.nested(n, &mut t),
        None => t.text(c.name.trim_start_matches("infobox").trim()),
    }
    t.close("caption");
    t.open("tbody", &[]);
    for (key, value) in &c.named {
        let k = key.to_lowercase();
        if value.is_empty()
            || matches!(k.as_str(), "name" | "title")
            || k.starts_with("image")
            || k.contains("caption")
            || k.ends_with("size")
            || k.ends_with("alt")
        {
            continue;
        }
        t.open("tr", &[]);
        t.open("th", &[("scope", "row")]);
        t.text(&key.replace('_', " "));
        t.close("th");
        t.open("td", &[]);
        r.nested(value, &mut t);
        t.close("tr");
    }
    t.close("table");
    r.infoboxes.push(t.finish());
}
