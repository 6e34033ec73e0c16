//! From the scan's counts to each page's rank: links to a redirect count for its target, each
//! redirect counts for the page it leads to, and [`folio_engine::rank::rank`] weighs the
//! signals. Also each row's suggestion weight: its rank quantized, a redirect's its target's
//! minus one (so a redirect never outranks the page it stands for).

use folio_engine::rank::{self, Signals};
use folio_engine::{MAX_REDIRECT_HOPS, PageColumns, normalize_title};
use rayon::prelude::*;

use crate::signals::{LinkCounts, title_hash};

/// Fills the link counts and ranks of a build without search: all zero. No weights.
pub fn none(pages: &mut PageColumns) -> Option<Vec<u16>> {
    let n = pages.len();
    pages.incoming_links = vec![0; n];
    pages.redirects_in = vec![0; n];
    pages.rank = vec![0.0; n];
    None
}

/// Fills `incoming_links`, `redirects_in` and `rank` of `pages` (whose `text_bytes` and
/// `headings` the scan filled) and returns every row's suggestion weight.
pub fn rank(pages: &mut PageColumns, links: &LinkCounts) -> Vec<u16> {
    let n = pages.len();
    let hashes: Vec<u64> = (0..n).into_par_iter().map(|r| title_hash(pages.title.get(r))).collect();
    // Title hash to the first row with that title: sorted pairs, searched by binary search.
    let mut by_hash: Vec<(u64, u32)> = hashes.par_iter().enumerate().map(|(r, &h)| (h, r as u32)).collect();
    by_hash.par_sort_unstable();
    let row_of = |title: &str| -> Option<u32> {
        let h = title_hash(title);
        let k = by_hash.partition_point(|&(x, _)| x < h);
        by_hash.get(k).filter(|&&(x, _)| x == h).map(|&(_, r)| r)
    };
    // Looked up in hash order, shard after shard ([`LinkCounts::get`]), not in row order, which
    // jumps to a random shard's map for every title (in builds, a gain within the noise:
    // benches/RESULTS.md, 2026-12-06).
    let found: Vec<u32> = by_hash.par_iter().map(|&(h, _)| links.get(h)).collect();
    let mut direct = vec![0u32; n];
    for (&(_, r), c) in by_hash.iter().zip(found) {
        direct[r as usize] = c;
    }
    // Where each redirect leads, as MediaWiki follows it (at most MAX_REDIRECT_HOPS hops).
    let target: Vec<Option<u32>> = (0..n)
        .into_par_iter()
        .map(|r| {
            if !pages.redirect.is_valid(r) {
                return None;
            }
            let mut at = r as u32;
            for _ in 0..MAX_REDIRECT_HOPS {
                if !pages.redirect.is_valid(at as usize) {
                    break;
                }
                let to = pages.redirect.get(at as usize);
                let next = row_of(&normalize_title(to.split('#').next().unwrap_or(to)))?;
                if next == r as u32 {
                    return None;
                }
                at = next;
            }
            (!pages.redirect.is_valid(at as usize)).then_some(at)
        })
        .collect();
    let mut incoming = direct.clone();
    let mut redirects_in = vec![0u32; n];
    for (r, t) in target.iter().enumerate() {
        if let Some(t) = *t {
            let t = t as usize;
            incoming[t] = incoming[t].saturating_add(direct[r]);
            redirects_in[t] = redirects_in[t].saturating_add(1);
        }
    }
    let articles = (0..n).filter(|&r| pages.ns[r] == 0 && !pages.redirect.is_valid(r)).count() as u64;
    let ranks: Vec<f32> = (0..n)
        .into_par_iter()
        .map(|r| {
            if pages.redirect.is_valid(r) {
                return 0.0;
            }
            let signals = Signals {
                incoming_links: incoming[r],
                redirects_in: redirects_in[r],
                text_bytes: pages.text_bytes[r],
                headings: pages.headings[r],
            };
            rank::rank(&signals, articles)
        })
        .collect();
    let weights = (0..n)
        .into_par_iter()
        .map(|r| match target[r] {
            Some(t) => rank::weight(ranks[t as usize]).saturating_sub(1).max(1),
            None => rank::weight(ranks[r]),
        })
        .collect();
    pages.incoming_links = incoming;
    pages.redirects_in = redirects_in;
    pages.rank = ranks;
    weights
}
