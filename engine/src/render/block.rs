//! The block pass: the stripped wikitext line by line (headings, lists, tables, preformatted
//! lines, rules, paragraphs), each line's text handed to the inline pass.

use super::html::Html;
use super::inline::{inline, plain};
use super::strip::{END, MARK};
use super::{Heading, Piece, Renderer};

#[derive(Default)]
struct State {
    paragraph: bool,
    pre: bool,
    /// Open lists: the prefix character and the output depth before the list element.
    lists: Vec<(char, usize)>,
    /// Open tables: output depth before the table, depth of the open row, depth of the open cell.
    tables: Vec<Table>,
}

struct Table {
    depth: usize,
    row: Option<usize>,
    cell: Option<usize>,
    rows: usize,
}

/// Renders the blocks of `text` into `out`.
pub fn blocks(r: &mut Renderer<'_>, text: &str, out: &mut Html) {
    let mut s = State::default();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_end();
        let lead = line.trim_start();
        if lead.starts_with("{|") || !s.tables.is_empty() {
            table_line(r, &mut s, line, lead, out);
            continue;
        }
        if let Some(body) = block_piece(r, line) {
            end_blocks(&mut s, out);
            out.open("pre", &[]);
            out.text(&body);
            out.close("pre");
            continue;
        }
        if let Some((level, inner)) = heading(line) {
            end_blocks(&mut s, out);
            let text = plain(r, inner);
            let mut anchor = text.replace(' ', "_");
            if r.headings.iter().any(|h| h.anchor == anchor) {
                anchor = format!("{anchor}_{}", r.headings.len() + 1);
            }
            let tag = ["h2", "h2", "h2", "h3", "h4", "h5", "h6"][usize::from(level)];
            out.open(tag, &[("id", &anchor)]);
            inline(r, inner.trim(), out);
            out.close(tag);
            r.headings.push(Heading { level, text, anchor });
            continue;
        }
        if line.is_empty() {
            end_blocks(&mut s, out);
            continue;
        }
        if line.starts_with("----") {
            end_blocks(&mut s, out);
            out.open("hr", &[]);
            let rest = line.trim_start_matches('-');
            if !rest.trim().is_empty() {
                paragraph(r, &mut s, rest, out);
            }
            continue;
        }
        let prefix: String = line.chars().take_while(|c| matches!(c, '*' | '#' | ':' | ';')).collect();
        if !prefix.is_empty() {
            list_line(r, &mut s, &prefix, &line[prefix.len()..], lines.peek().copied(), out);
            continue;
        }
        close_lists(&mut s, out);
        if let Some(pre_line) = line.strip_prefix(' ') {
            if s.paragraph {
                out.close("p");
                s.paragraph = false;
            }
            if !s.pre {
                out.open("pre", &[]);
                s.pre = true;
            } else {
                out.text("\n");
            }
            inline(r, pre_line, out);
            continue;
        }
        paragraph(r, &mut s, line, out);
    }
    end_blocks(&mut s, out);
    while let Some(t) = s.tables.pop() {
        out.close_to(t.depth);
    }
}

/// The text of the `<pre>` piece when `line` is nothing but its marker.
fn block_piece(r: &Renderer<'_>, line: &str) -> Option<String> {
    let n: usize = line.trim().strip_prefix(MARK)?.strip_suffix(END)?.parse().ok()?;
    match r.pieces.get(n) {
        Some(Piece::Pre(body)) => Some(body.clone()),
        _ => None,
    }
}

fn paragraph(r: &mut Renderer<'_>, s: &mut State, line: &str, out: &mut Html) {
    if s.pre {
        out.close("pre");
        s.pre = false;
    }
    if only_templates(r, line) {
        // A line of template calls (hatnotes, banners, navigation boxes) is not text of the
        // paragraph around it: its markers stand on their own line.
        if s.paragraph {
            out.close("p");
            s.paragraph = false;
        }
        out.open("div", &[("class", "templates")]);
        inline(r, line, out);
        out.close("div");
        return;
    }
    if s.paragraph {
        out.text("\n");
    } else {
        out.open("p", &[]);
        s.paragraph = true;
    }
    inline(r, line, out);
}

/// True when `line` is nothing but markers of template calls.
fn only_templates(r: &Renderer<'_>, line: &str) -> bool {
    let mut rest = line.trim();
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix(MARK) else { return false };
        let Some(end) = after.find(END) else { return false };
        match after[..end].parse::<usize>().ok().and_then(|n| r.pieces.get(n)) {
            Some(Piece::Template(_)) => {}
            _ => return false,
        }
        rest = after[end + END.len_utf8()..].trim_start();
    }
    true
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let lead = line.bytes().take_while(|&b| b == b'=').count();
    let trail = line.bytes().rev().take_while(|&b| b == b'=').count();
    let level = lead.min(trail).min(6);
    (level >= 1 && line.len() > 2 * level).then(|| (level as u8, &line[level..line.len() - level]))
}

fn end_blocks(s: &mut State, out: &mut Html) {
    close_lists(s, out);
    if s.paragraph {
        out.close("p");
        s.paragraph = false;
    }
    if s.pre {
        out.close("pre");
        s.pre = false;
    }
}

fn close_lists(s: &mut State, out: &mut Html) {
    if let Some(&(_, depth)) = s.lists.first() {
        out.close_to(depth);
        s.lists.clear();
    }
}

/// The kind of list a prefix character opens: `*` and `#` themselves, `d` a definition list
/// (`;` terms and the `:` definitions after them), `i` an indentation (`:` lines with no term:
/// nested blocks, not a `<dl>` without terms, which assistive technology reads as a broken list).
fn same_list(kind: char, c: char) -> bool {
    kind == c || (kind == 'd' && matches!(c, ';' | ':')) || (kind == 'i' && c == ':')
}

fn list_line(r: &mut Renderer<'_>, s: &mut State, prefix: &str, text: &str, next: Option<&str>, out: &mut Html) {
    if s.paragraph || s.pre {
        let lists = std::mem::take(&mut s.lists);
        end_blocks(s, out);
        s.lists = lists;
    }
    let chars: Vec<char> = prefix.chars().collect();
    let common = s.lists.iter().zip(&chars).take_while(|((a, _), b)| same_list(*a, **b)).count();
    if let Some(&(_, depth)) = s.lists.get(common) {
        out.close_to(depth);
        s.lists.truncate(common);
    }
    if common == chars.len() {
        // A new item of the innermost list.
        let (kind, depth) = s.lists[common - 1];
        out.close_to(depth + 1);
        open_item(kind, chars[common - 1], out);
    } else {
        for &c in &chars[common..] {
            let kind = if c == ':' {
                'i'
            } else if c == ';' {
                'd'
            } else {
                c
            };
            s.lists.push((kind, out.depth()));
            match kind {
                '*' => out.open("ul", &[]),
                '#' => out.open("ol", &[]),
                'd' => out.open("dl", &[]),
                _ => out.open("div", &[("class", "indent")]),
            }
            open_item(kind, c, out);
        }
    }
    let text = text.trim_start();
    if chars.last() == Some(&';') {
        // `;term: definition` on one line; a term alone gets its definition from the `:` line
        // after it, or none (an empty one, so the list stays a list of terms and definitions).
        match term_colon(text) {
            Some(k) => {
                inline(r, text[..k].trim_end(), out);
                out.close("dt");
                out.open("dd", &[]);
                inline(r, text[k + 1..].trim_start(), out);
            }
            None => {
                inline(r, text, out);
                let mut defined = prefix[..prefix.len() - 1].to_string();
                defined.push(':');
                if !next.is_some_and(|n| n.starts_with(&defined)) {
                    out.close("dt");
                    out.open("dd", &[]);
                }
            }
        }
        return;
    }
    inline(r, text, out);
}

/// Where a `;` term ends on its line: the first `:` outside links, markers and tags, and not the
/// one of a URL's scheme, as MediaWiki finds it.
fn term_colon(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let (mut links, mut tag) = (0i32, false);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'[' if b.get(i + 1) == Some(&b'[') => {
                links += 1;
                i += 1;
            }
            b']' if b.get(i + 1) == Some(&b']') => {
                links -= 1;
                i += 1;
            }
            b'<' => tag = true,
            b'>' => tag = false,
            b':' if links <= 0 && !tag && !text[i + 1..].starts_with("//") => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn open_item(kind: char, c: char, out: &mut Html) {
    out.open(
        match (kind, c) {
            ('*' | '#', _) => "li",
            ('d', ';') => "dt",
            ('d', _) => "dd",
            _ => "div",
        },
        &[],
    );
}

/// Drops the attributes of a table cell or row: `style="..." | content` → `content`.
fn cell_content(cell: &str) -> &str {
    let mut depth = 0i32;
    let b = cell.as_bytes();
    for i in 0..b.len() {
        match b[i] {
            b'[' => depth += 1,
            b']' => depth -= 1,
            b'|' if depth <= 0 && !cell[..i].contains(MARK) => return &cell[i + 1..],
            _ => {}
        }
    }
    cell
}

fn table_line(r: &mut Renderer<'_>, s: &mut State, line: &str, lead: &str, out: &mut Html) {
    if let Some(rest) = lead.strip_prefix("{|") {
        let _ = rest;
        if s.tables.is_empty() {
            end_blocks(s, out);
        } else if let Some(t) = s.tables.last_mut() {
            // A table inside a table lives in a cell.
            if t.cell.is_none() {
                open_cell(t, "td", out);
            }
        }
        s.tables.push(Table { depth: out.depth(), row: None, cell: None, rows: 0 });
        out.open("table", &[("class", "wikitable")]);
        return;
    }
    let Some(t) = s.tables.last_mut() else { return };
    if let Some(rest) = lead.strip_prefix("|}") {
        out.close_to(t.depth);
        s.tables.pop();
        let rest = rest.trim();
        if !rest.is_empty() && s.tables.is_empty() {
            paragraph(r, s, rest, out);
        }
        return;
    }
    if let Some(caption) = lead.strip_prefix("|+") {
        if t.rows == 0 && t.row.is_none() {
            out.open("caption", &[]);
            inline(r, cell_content(caption).trim(), out);
            out.close("caption");
        }
        return;
    }
    if lead.starts_with("|-") {
        out.close_to(t.depth + 1);
        t.cell = None;
        t.row = Some(out.depth());
        t.rows += 1;
        out.open("tr", &[]);
        return;
    }
    let (tag, cells): (&'static str, Vec<&str>) = if let Some(rest) = lead.strip_prefix('!') {
        ("th", rest.split("!!").flat_map(|c| c.split("||")).collect())
    } else if let Some(rest) = lead.strip_prefix('|') {
        ("td", rest.split("||").collect())
    } else {
        // More text of the open cell; text outside any cell is dropped (browsers would move it
        // out of the table).
        if t.cell.is_some() {
            out.text("\n");
            inline(r, line, out);
        }
        return;
    };
    for cell in cells {
        let Some(t) = s.tables.last_mut() else { return };
        open_cell(t, tag, out);
        inline(r, cell_content(cell).trim(), out);
    }
}

fn open_cell(t: &mut Table, tag: &'static str, out: &mut Html) {
    match t.row {
        Some(row) => out.close_to(row + 1),
        None => {
            out.close_to(t.depth + 1);
            t.row = Some(out.depth());
            t.rows += 1;
            out.open("tr", &[]);
        }
    }
    t.cell = Some(out.depth());
    out.open(tag, &[]);
}
