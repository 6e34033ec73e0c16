//! `folio-ingest synth`: a deterministic generator of realistic MediaWiki dumps.
//!
//! The output has the schema of a real `pages-articles` dump (export schema 0.10) and the traits
//! that matter to an index: Unicode titles in many scripts, titles with `&`, `<`, `>`, `"` and `'`
//! (escaped as a real dump escapes them), several namespaces, about 40% redirects pointing at
//! other pages, text sizes drawn from a log-normal law (mean near 4 KB, long tail, some empty
//! texts) and clusters of titles under common prefixes (`List of `, `History of `, ...). Pages
//! link to each other with a skew (a few pages get most links) and their words follow Zipf's
//! law, so that ranking and full-text benchmarks mean something. Titles are unique by
//! construction. The same `--pages` and `--seed` give the same bytes, on any
//! machine and any number of threads.

use std::io::Write;

use folio_engine::Escape;

use rayon::prelude::*;

use crate::synth_words::{NAMESPACES, PREFIXES, TEXT_WORDS, TITLE_WORDS};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SynthConfig {
    /// Number of pages.
    pub pages: u64,
    /// Seed of the generator.
    pub seed: u64,
}

/// A small, fast, deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Page `i`'s namespace index into [`NAMESPACES`], from a per-page hash.
fn namespace(h: u64) -> usize {
    match h % 100 {
        0..85 => 0,
        85..90 => 1,
        90..94 => 2,
        94..97 => 3,
        _ => 4,
    }
}

/// The title of page `i`: unique for every `i < 2^32`, a pure function of `i` and `seed`.
pub fn title(i: u64, seed: u64) -> String {
    // An odd multiplier is a bijection on u32: distinct pages get distinct words.
    let x = (i as u32).wrapping_mul(0x9e37_79b1) ^ (seed as u32);
    let h = Rng::new(i ^ seed.rotate_left(17)).next();
    let w = &*TITLE_WORDS;
    let b = w.len() as u32;
    let (d0, d1, d2) = (x % b, x / b % b, x / b / b);
    let mut t = String::new();
    t.push_str(NAMESPACES[namespace(h)].1);
    let prefix = (h >> 8) % 1000;
    let cluster = PREFIXES.iter().scan(0, |acc, &(p, share)| {
        *acc += share;
        Some((p, *acc))
    });
    let mut first_word = true;
    for (p, upto) in cluster {
        if prefix < upto {
            t.push_str(p);
            first_word = false;
            break;
        }
    }
    let mut push = |word: &str| {
        if !t.is_empty() && !t.ends_with(' ') && !t.ends_with(':') {
            t.push(' ');
        }
        if first_word {
            let mut cs = word.chars();
            if let Some(c) = cs.next() {
                t.extend(c.to_uppercase());
                t.push_str(cs.as_str());
            }
            first_word = false;
        } else {
            t.push_str(word);
        }
    };
    push(&w[d0 as usize]);
    push(&w[d1 as usize]);
    if d2 > 0 {
        // d2 - 1 = q * b + r: a third word r, and the number q when it is not 0. Injective.
        let (q, r) = ((d2 - 1) / b, (d2 - 1) % b);
        push(&w[r as usize]);
        if q > 0 {
            t.push_str(&format!(" {q}"));
        }
    }
    t
}

/// XML-escapes `s` as MediaWiki's exporter does (`'` only in attributes).
fn escape(s: &str, out: &mut Vec<u8>, attribute: bool) {
    let mode = if attribute { Escape::Attribute } else { Escape::Text };
    let _ = write!(out, "{}", folio_engine::escape(s, mode));
}

/// Appends the XML of page `i` to `out`.
fn page(i: u64, cfg: SynthConfig, out: &mut Vec<u8>) {
    let mut rng = Rng::new(i.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ cfg.seed);
    let title = title(i, cfg.seed);
    let h = Rng::new(i ^ cfg.seed.rotate_left(17)).next();
    let ns = NAMESPACES[namespace(h)].0;
    let id = 10 + i * 3 + rng.below(3);
    out.extend_from_slice(b"  <page>\n    <title>");
    escape(&title, out, false);
    let _ = write!(out, "</title>\n    <ns>{ns}</ns>\n    <id>{id}</id>\n");
    let redirect = cfg.pages > 1 && rng.below(100) < 40;
    let mut text = Vec::new();
    if redirect {
        let target = title_of_other(i, cfg, &mut rng);
        out.extend_from_slice(b"    <redirect title=\"");
        escape(&target, out, true);
        out.extend_from_slice(b"\" />\n");
        text.extend_from_slice(b"#REDIRECT [[");
        escape(&target, &mut text, false);
        text.extend_from_slice(b"]]");
    } else if rng.below(200) != 0 {
        // Log-normal: mean exp(mu + sigma^2 / 2) = 6.4 KB of text per article, so about 3.9 KB
        // of text and 4.4 KB of XML per page over all pages, as in English Wikipedia (110 GB of
        // XML for 25 million pages).
        let size = (8.16 + 1.1 * rng.normal()).exp().min(2.0e6) as usize;
        body(&mut rng, size, cfg, &mut text);
    }
    let rev = 1_000_000 + i * 7;
    let _ = write!(
        out,
        "    <revision>\n      <id>{rev}</id>\n      <parentid>{}</parentid>\n      <timestamp>2026-0{}-1{}T12:00:00Z</timestamp>\n      <contributor>\n        <username>Editor{}</username>\n        <id>{}</id>\n      </contributor>\n      <comment>synthetic</comment>\n      <model>wikitext</model>\n      <format>text/x-wiki</format>\n",
        rev - 3,
        1 + rng.below(9),
        rng.below(10),
        rng.below(5000),
        rng.below(100_000)
    );
    if text.is_empty() {
        out.extend_from_slice(b"      <text bytes=\"0\" xml:space=\"preserve\" />\n");
    } else {
        let _ = write!(out, "      <text bytes=\"{}\" xml:space=\"preserve\">", text.len());
        out.extend_from_slice(&text);
        out.extend_from_slice(b"</text>\n");
    }
    let _ = writeln!(out, "      <sha1>{:031x}</sha1>\n    </revision>\n  </page>", rng.next() >> 4);
}

fn title_of_other(i: u64, cfg: SynthConfig, rng: &mut Rng) -> String {
    let mut j = rng.below(cfg.pages);
    if j == i {
        j = (j + 1) % cfg.pages;
    }
    title(j, cfg.seed)
}

/// A draw from Zipf's law over `0..n` (exponent 1): `k` comes about `1 / (k + 1)` as often as
/// `0`, by inverting the log-uniform distribution.
fn zipf(rng: &mut Rng, n: u64) -> u64 {
    (((n as f64 + 1.0).powf(rng.unit()) - 1.0) as u64).min(n.saturating_sub(1))
}

/// The page a link points at: a Zipf draw over the pages, scattered over the dump by a
/// multiplicative hash, so a few pages (anywhere) get most links, as on Wikipedia.
fn link_target(rng: &mut Rng, cfg: SynthConfig) -> u64 {
    let k = zipf(rng, cfg.pages);
    ((u128::from(k.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ cfg.seed) * u128::from(cfg.pages)) >> 64) as u64
}

/// About `size` bytes of wikitext, escaped as it is in a dump: words drawn by Zipf's law (most
/// from a list of common English words in frequency order, some from the title vocabulary, so
/// that rare terms exist), links to other pages (skewed, some with labels), headings and
/// references.
fn body(rng: &mut Rng, size: usize, cfg: SynthConfig, out: &mut Vec<u8>) {
    let start = out.len();
    let titles = &*TITLE_WORDS;
    while out.len() - start < size {
        match rng.below(60) {
            0 => out.extend_from_slice(b"&lt;ref&gt;{{cite web |title=Synthetic &amp; true}}&lt;/ref&gt; "),
            1 => out.extend_from_slice(b"\n\n== Section ==\n"),
            2 | 3 if cfg.pages > 1 => {
                let target = title(link_target(rng, cfg), cfg.seed);
                out.extend_from_slice(b"[[");
                escape(&target, out, false);
                if rng.below(3) == 0 {
                    out.extend_from_slice(b"|");
                    out.extend_from_slice(TEXT_WORDS[zipf(rng, TEXT_WORDS.len() as u64) as usize].as_bytes());
                }
                out.extend_from_slice(b"]] ");
            }
            4..=11 => {
                escape(&titles[zipf(rng, titles.len() as u64) as usize], out, false);
                out.push(b' ');
            }
            _ => {
                out.extend_from_slice(TEXT_WORDS[zipf(rng, TEXT_WORDS.len() as u64) as usize].as_bytes());
                out.push(b' ');
            }
        }
    }
}

const HEADER: &str = r#"<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.10/ http://www.mediawiki.org/xml/export-0.10.xsd" version="0.10" xml:lang="en">
  <siteinfo>
    <sitename>Folio Synthetic</sitename>
    <dbname>synthwiki</dbname>
    <base>https://synthetic.invalid/wiki/Main_Page</base>
    <generator>folio-ingest synth</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
      <namespace key="4" case="first-letter">Wikipedia</namespace>
      <namespace key="10" case="first-letter">Template</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
    </namespaces>
  </siteinfo>
"#;

/// Writes a dump of `cfg.pages` pages to `out`; calls `progress(bytes, pages)` as it goes.
/// Returns the number of bytes written.
pub fn generate(cfg: SynthConfig, out: &mut impl Write, progress: &(dyn Fn(u64, u64) + Sync)) -> std::io::Result<u64> {
    const BATCH: u64 = 2048;
    let mut written = HEADER.len() as u64;
    out.write_all(HEADER.as_bytes())?;
    let batches = cfg.pages.div_ceil(BATCH);
    let window = rayon::current_num_threads() as u64 * 4;
    for w in (0..batches).step_by(window as usize) {
        let parts: Vec<Vec<u8>> = (w..batches.min(w + window))
            .into_par_iter()
            .map(|b| {
                let mut buf = Vec::with_capacity(BATCH as usize * 5000);
                for i in b * BATCH..cfg.pages.min((b + 1) * BATCH) {
                    page(i, cfg, &mut buf);
                }
                buf
            })
            .collect();
        for (k, part) in parts.iter().enumerate() {
            out.write_all(part)?;
            written += part.len() as u64;
            let pages = cfg.pages.min((w + k as u64 + 1) * BATCH) - (w + k as u64) * BATCH;
            progress(part.len() as u64, pages);
        }
    }
    out.write_all(b"</mediawiki>\n")?;
    Ok(written + 13)
}
