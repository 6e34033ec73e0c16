//! Ranking signals and suggestions on the real excerpts: incoming links against a naive count,
//! typo tolerance over every article title, accents, and exact titles first.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use folio_engine::search::{SuggestQuery, Tier};
use folio_engine::{Index, normalize_title};

use crate::util::*;

/// Both bundled real excerpts, each built into its own index.
fn real_indexes(tmp: &Path) -> Vec<(PathBuf, Vec<NaivePage>, Vec<u8>)> {
    [sample_bz2(), shared_data("enwiki-10k.xml")]
        .iter()
        .enumerate()
        .map(|(i, dump)| {
            let out = tmp.join(format!("idx{i}"));
            build_ok(dump, &out);
            let xml = std::fs::read(Index::open(&out).unwrap().dump_path()).unwrap();
            let pages = naive_pages(&xml);
            (out, pages, xml)
        })
        .collect()
}

/// Links of one page's text, read naively: every `[[` up to the first `]`, `|` or `#`, with
/// category, file and language links dropped.
fn naive_links(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for (k, _) in text.match_indices("[[") {
        let rest = &text[k + 2..];
        let end = rest.find([']', '|', '#', '[']).unwrap_or(rest.len());
        let raw = naive_unescape(rest[..end].trim());
        let (colon, raw) = match raw.strip_prefix(':') {
            Some(r) => (true, r.trim().to_string()),
            None => (false, raw),
        };
        if let Some((prefix, _)) = raw.split_once(':') {
            let p = prefix.trim().to_lowercase();
            let language = (2..=3).contains(&p.split('-').next().unwrap_or("").len())
                && p.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                && !["wp", "w", "s", "q", "n", "b", "v", "d", "mw", "wikt"].contains(&p.as_str());
            if !colon && (["category", "file", "image"].contains(&p.as_str()) || language) {
                continue;
            }
        }
        let title = normalize_title(&raw);
        if !title.is_empty() {
            out.insert(title);
        }
    }
    out
}

#[test]
fn incoming_links_and_redirects_match_a_naive_count() {
    let tmp = tempfile::tempdir().unwrap();
    for (dir, pages, xml) in real_indexes(tmp.path()) {
        let index = Index::open(&dir).unwrap();
        let row_of: HashMap<&str, usize> = pages.iter().enumerate().rev().map(|(r, p)| (p.title.as_str(), r)).collect();
        let resolve = |title: &str| -> Option<usize> {
            let mut r = *row_of.get(title)?;
            for _ in 0..5 {
                match &pages[r].redirect {
                    Some(t) => r = *row_of.get(normalize_title(t).as_str())?,
                    None => return Some(r),
                }
            }
            None
        };
        let mut incoming = vec![0u32; pages.len()];
        let mut redirects_in = vec![0u32; pages.len()];
        for (r, p) in pages.iter().enumerate() {
            if p.redirect.is_some() {
                if let Some(t) = resolve(&p.title).filter(|&t| t != r) {
                    redirects_in[t] += 1;
                }
                continue;
            }
            if p.ns != 0 {
                continue;
            }
            let page = String::from_utf8_lossy(&xml[p.start as usize..=p.end as usize]).into_owned();
            let text = page.split_once("<text").map_or("", |(_, t)| t);
            // Each linked title once; links through a redirect count for its target too.
            let mut targets: Vec<usize> = Vec::new();
            for title in naive_links(text) {
                if title == p.title {
                    continue;
                }
                if let Some(&direct) = row_of.get(title.as_str()) {
                    targets.push(direct);
                    if pages[direct].redirect.is_some()
                        && let Some(t) = resolve(&title)
                    {
                        targets.push(t);
                    }
                }
            }
            for t in targets {
                incoming[t] += 1;
            }
        }
        let mut linked = 0;
        for (r, p) in pages.iter().enumerate() {
            let s = index.page_table().signals(r).unwrap().unwrap();
            assert_eq!((s.incoming_links, s.redirects_in), (incoming[r], redirects_in[r]), "{:?}", p.title);
            linked += usize::from(s.incoming_links > 0);
            let rank = index.page_table().rank(r).unwrap();
            assert!((0.0..=1.0).contains(&rank) && (p.redirect.is_none() || rank == 0.0), "{:?}: {rank}", p.title);
        }
        assert!(linked >= 5, "the excerpts link to their own pages: {linked}");
    }
}

/// One typo in `title`, not in its first character: a substitution, a deletion or a
/// transposition of two neighbours, drawn from `rng`.
fn typo(title: &str, rng: &mut fastrand::Rng) -> String {
    let mut c: Vec<char> = title.chars().collect();
    let n = c.len();
    match rng.u8(0..3) {
        0 if n >= 4 => {
            c.remove(rng.usize(1..n));
        }
        1 if n >= 3 => {
            let i = rng.usize(1..n - 1);
            c.swap(i, i + 1);
        }
        _ => {
            let i = rng.usize(1..n);
            let mut sub = rng.alphabetic().to_ascii_lowercase();
            while sub.to_lowercase().eq(c[i].to_lowercase()) {
                sub = rng.alphabetic().to_ascii_lowercase();
            }
            c[i] = sub;
        }
    }
    c.into_iter().collect()
}

#[test]
fn a_typo_still_finds_the_article_in_the_top_five() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = fastrand::Rng::with_seed(13);
    let (mut tried, mut found, mut misses) = (0, 0, Vec::new());
    for (dir, pages, _) in real_indexes(tmp.path()) {
        let index = Index::open(&dir).unwrap();
        for (r, p) in pages.iter().enumerate() {
            if p.ns != 0 || p.redirect.is_some() || p.title.chars().count() < 3 {
                continue;
            }
            let query = typo(&p.title, &mut rng);
            let got = index
                .suggest(&SuggestQuery { query: &query, limit: 5, ns: Some(0), disambiguation: Default::default() })
                .unwrap();
            tried += 1;
            if got.iter().any(|s| s.row == r as u32) {
                found += 1;
            } else {
                misses.push(format!("{query:?} for {:?}", p.title));
            }
        }
    }
    eprintln!("typo quality: {found} of {tried} in the top 5; missed: {misses:?}");
    assert!(tried > 150, "{tried} titles");
    assert!(found * 100 >= tried * 95, "{found} of {tried} found; missed: {misses:#?}");
}

#[test]
fn exact_titles_come_first_redirects_as_their_targets() {
    let tmp = tempfile::tempdir().unwrap();
    for (dir, pages, _) in real_indexes(tmp.path()) {
        let index = Index::open(&dir).unwrap();
        for (r, p) in pages.iter().enumerate() {
            let got = index
                .suggest(&SuggestQuery { query: &p.title, limit: 3, ns: None, disambiguation: Default::default() })
                .unwrap();
            let first = got.first().unwrap_or_else(|| panic!("nothing for {:?}", p.title));
            assert_eq!(first.tier, Tier::Exact, "{:?}", p.title);
            let shown = index.follow_redirects(index.page(r).unwrap()).unwrap().row;
            assert_eq!(first.row, shown, "{:?}", p.title);
            assert_eq!(first.matched_row, (shown != r as u32).then_some(r as u32), "{:?}", p.title);
        }
    }
}

#[test]
fn accents_case_and_redirects_on_a_small_wiki() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("small.xml");
    let page = |id: u32, title: &str, text: &str| {
        format!(
            "<page><title>{title}</title><ns>0</ns><id>{id}</id><revision><text bytes=\"{}\">{text}</text></revision></page>\n",
            text.len()
        )
    };
    let redirect = |id: u32, title: &str, to: &str| {
        format!(
            "<page><title>{title}</title><ns>0</ns><id>{id}</id><redirect title=\"{to}\" /><revision><text>#REDIRECT [[{to}]]</text></revision></page>\n"
        )
    };
    let mut xml = String::from("<mediawiki><siteinfo><sitename>T</sitename></siteinfo>\n");
    xml += &page(1, "Zürich", "'''Zürich''' is the largest city in Switzerland. It lies on a lake.");
    xml += &page(2, "Zurich Insurance Group", "A company in [[Zürich]].");
    xml += &page(3, "Ærøskøbing", "A town. See [[Zürich]].");
    xml += &page(4, "Crème brûlée", "A dessert. Not [[Zurich Insurance Group]], but see [[Zürich]].");
    xml += &redirect(5, "Zuerich", "Zürich");
    xml += &page(6, "Zurbarán", "A painter.");
    xml += "</mediawiki>\n";
    std::fs::write(&dump, xml).unwrap();
    let out = tmp.path().join("idx");
    build_ok(&dump, &out);
    let index = Index::open(&out).unwrap();
    let titles = |q: &str| -> Vec<(String, Tier)> {
        let got = index
            .suggest(&SuggestQuery { query: q, limit: 10, ns: Some(0), disambiguation: Default::default() })
            .unwrap();
        got.iter().map(|s| (index.page(s.row as usize).unwrap().title.to_string(), s.tier)).collect()
    };
    // Typed without accents: found, in the folded tier, after the titles that start with the
    // query as typed (the prefix tier comes first, whatever the ranks).
    let zurich = titles("zurich");
    let want = [("Zurich Insurance Group", Tier::Prefix), ("Zürich", Tier::Folded)];
    assert_eq!(zurich, want.map(|(t, k)| (t.to_string(), k)), "{zurich:?}");
    assert_eq!(titles("aeroskobing")[0].0, "Ærøskøbing");
    assert_eq!(titles("CREME BRULEE")[0].0, "Crème brûlée");
    // A redirect stands for its target: one item, no second Zürich.
    let zue = index
        .suggest(&SuggestQuery { query: "Zuer", limit: 10, ns: Some(0), disambiguation: Default::default() })
        .unwrap();
    let zurich_row = index.get("Zürich").unwrap().unwrap().row;
    assert_eq!(zue.iter().filter(|s| s.row == zurich_row).count(), 1, "{zue:?}");
    assert_eq!((zue[0].row, zue[0].tier), (zurich_row, Tier::Prefix));
    assert_eq!(index.page(zue[0].matched_row.unwrap() as usize).unwrap().title, "Zuerich");
    // A typo: fuzzy, and the typo'd first letter is never forgiven.
    assert_eq!(titles("Zurcih")[0].0, "Zürich");
    assert!(titles("Xurich").is_empty());
    // Ranks: Zürich has three linking pages and a redirect; the rest have fewer.
    let rank = |t: &str| index.page_table().rank(index.get(t).unwrap().unwrap().row as usize).unwrap();
    assert!(rank("Zürich") > rank("Zurich Insurance Group") && rank("Zurich Insurance Group") > rank("Zurbarán"));
    let s = index.page_table().signals(index.get("Zürich").unwrap().unwrap().row as usize).unwrap().unwrap();
    assert_eq!((s.incoming_links, s.redirects_in), (3, 1));
    // The excerpt is the first sentence, markup gone.
    assert_eq!(index.excerpt(0).unwrap(), "Zürich is the largest city in Switzerland.");
}

#[test]
fn synthetic_dumps_link_with_a_skew_and_rank_by_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("synth.xml");
    let o = run(&["synth", "--pages", "20000", "--out", dump.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = tmp.path().join("idx");
    build_ok(&dump, &out);
    let index = Index::open(&out).unwrap();
    let t = index.page_table();
    let mut links: Vec<u32> = (0..index.len())
        .filter(|&r| index.page(r).unwrap().redirect.is_none())
        .map(|r| t.signals(r).unwrap().unwrap().incoming_links)
        .collect();
    links.sort_unstable_by(|a, b| b.cmp(a));
    let total: u64 = links.iter().map(|&l| u64::from(l)).sum();
    let top: u64 = links[..links.len() / 100].iter().map(|&l| u64::from(l)).sum();
    assert!(total > 20_000, "pages link to each other: {total} links");
    assert!(top * 4 > total, "the top 1% of pages hold a quarter of the links: {top} of {total}");
    // The most linked page ranks above a page with none.
    let best = (0..index.len()).max_by_key(|&r| t.signals(r).unwrap().unwrap().incoming_links).unwrap();
    let none = (0..index.len()).find(|&r| t.signals(r).unwrap().unwrap().incoming_links == 0).unwrap();
    assert!(t.rank(best).unwrap() > t.rank(none).unwrap());
}

#[test]
fn no_search_builds_a_smaller_index_without_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    build_ok(&sample_bz2(), &with);
    let o =
        run(&["build", sample_bz2().to_str().unwrap(), "--out", without.to_str().unwrap(), "--quiet", "--no-search"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let index = Index::open(&without).unwrap();
    index.verify().unwrap();
    assert!(!without.join("search_keys.fst").exists() && with.join("search_keys.fst").exists());
    let e = index
        .suggest(&SuggestQuery { query: "Ana", limit: 5, ns: None, disambiguation: Default::default() })
        .unwrap_err();
    assert_eq!(e.code(), "search_missing");
    let row = index.get("Anarchism").unwrap().unwrap().row as usize;
    assert_eq!(index.page_table().rank(row).unwrap(), 0.0);
    assert_eq!(index.page_table().signals(row).unwrap().unwrap().incoming_links, 0);
    // Everything else answers the same.
    let full = Index::open(&with).unwrap();
    assert_eq!(index.len(), full.len());
    assert_eq!(index.page(row).unwrap(), full.page(row).unwrap());
}

/// Whether a page's text (XML-escaped) calls a disambiguation template, read naively: a
/// lowercase search for each template's call, anywhere in the text.
fn naive_disambiguation(title: &str, page_xml: &str) -> bool {
    let text = page_xml.to_lowercase().replace('_', " ");
    title.ends_with("(disambiguation)")
        || ["{{disambiguation", "{{disambig}", "{{disambig|", "{{geodis", "{{hndis", "{{dab}", "{{dab|"]
            .iter()
            .any(|t| text.contains(t) && !text.contains("{{disambiguation needed"))
}

#[test]
fn disambiguation_pages_are_recorded_and_filtered() {
    use folio_engine::search::Disambiguation;
    let tmp = tempfile::tempdir().unwrap();
    for (dir, pages, xml) in real_indexes(tmp.path()) {
        let index = Index::open(&dir).unwrap();
        let mut found = 0;
        for (row, p) in pages.iter().enumerate() {
            let page_xml = String::from_utf8_lossy(&xml[p.start as usize..=p.end as usize]);
            let want = p.ns == 0 && p.redirect.is_none() && naive_disambiguation(&p.title, &page_xml);
            assert_eq!(index.is_disambiguation(row as u32), Some(want), "{}", p.title);
            found += usize::from(want);
        }
        assert!(found >= 3, "the excerpts hold disambiguation pages");
        // Every title's first three letters: excluded ones never come, `only` gives nothing else.
        for p in pages.iter().filter(|p| p.ns == 0 && p.title.chars().count() >= 3).take(200) {
            let query: String = p.title.chars().take(3).collect();
            for (filter, wanted) in [(Disambiguation::Exclude, false), (Disambiguation::Only, true)] {
                let q = SuggestQuery { query: &query, limit: 10, ns: Some(0), disambiguation: filter };
                for s in index.suggest(&q).unwrap() {
                    assert_eq!(index.is_disambiguation(s.row), Some(wanted), "{query}: {filter:?}");
                }
            }
        }
    }
}
