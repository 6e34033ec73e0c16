//! Search over titles: ranked, typo-tolerant suggestions ([`crate::Index::suggest`]).
//!
//! The files (format 2 on, `engine/FORMAT.md`): `search_keys.fst` maps every distinct search
//! key ([`crate::search_key`]: case and accents folded) to its first position in
//! `search_order.npy`, the rows sorted by `(key, weight descending, row)`;
//! `search_weights.npy` holds each position's weight, and `title_weights.npy` the weight of each
//! position of `title_order.npy`. A weight is a page's rank quantized to 16 bits
//! ([`crate::rank::weight`]), a redirect's is its target's minus one. So every tier of a
//! suggestion is a few contiguous slices of an order array, and its best pages are the largest
//! weights in those slices, read sequentially.

mod excerpt;
mod fuzzy;
mod suggest;
mod verify;
mod write;

use std::ops::Range;
use std::path::Path;

pub use excerpt::{EXCERPT_SCAN_BYTES, excerpt_of_xml};
pub use fuzzy::allowed_distance;
pub(crate) use fuzzy::warm;
pub use suggest::{Disambiguation, MAX_LIMIT, SuggestItem, SuggestQuery, Suggestion, Tier};

use crate::error::{Error, Result};
use crate::format;
use crate::manifest::Manifest;
use crate::npy::NpyArray;
use crate::title_fst::Titles;

/// The mapped suggestion files of an index.
pub(crate) struct SearchFiles {
    pub(crate) keys: Titles,
    pub(crate) order: NpyArray<u32>,
    pub(crate) weights: NpyArray<u16>,
    pub(crate) title_weights: NpyArray<u16>,
    /// The rows of the disambiguation pages, ascending (absent from older indexes).
    pub(crate) disambiguation: Option<NpyArray<u32>>,
}

impl SearchFiles {
    /// Maps the suggestion files of the index in `dir`, or `None` when its manifest lists none
    /// (an index of format 1).
    pub(crate) fn open(dir: &Path, manifest: &Manifest, pages: usize) -> Result<Option<SearchFiles>> {
        if !manifest.files.contains_key(format::SEARCH_KEYS_FILE) {
            return Ok(None);
        }
        let file = |name: &str| -> Result<std::path::PathBuf> {
            let sum = manifest
                .files
                .get(name)
                .ok_or_else(|| Error::corrupt(dir.join(format::MANIFEST_FILE), format!("no entry for {name}")))?;
            let path = dir.join(name);
            format::check_size(&path, sum.bytes)?;
            Ok(path)
        };
        let files = SearchFiles {
            keys: Titles::open(&file(format::SEARCH_KEYS_FILE)?)?,
            order: NpyArray::open(&file(format::SEARCH_ORDER_FILE)?)?,
            weights: NpyArray::open(&file(format::SEARCH_WEIGHTS_FILE)?)?,
            title_weights: NpyArray::open(&file(format::TITLE_WEIGHTS_FILE)?)?,
            disambiguation: match manifest.files.contains_key(format::DISAMBIGUATION_FILE) {
                true => Some(NpyArray::open(&file(format::DISAMBIGUATION_FILE)?)?),
                false => None,
            },
        };
        for (path, len) in [
            (files.order.path(), files.order.as_slice().len()),
            (files.weights.path(), files.weights.as_slice().len()),
            (files.title_weights.path(), files.title_weights.as_slice().len()),
        ] {
            if len != pages {
                return Err(Error::corrupt(path, format!("{len} entries for {pages} pages")));
            }
        }
        Ok(Some(files))
    }

    /// The positions in search order of every key that starts with `key`.
    pub(crate) fn key_range(&self, key: &[u8]) -> Range<usize> {
        let n = self.order.as_slice().len();
        let lo = self.keys.lower_bound(key).map_or(n, |p| p as usize);
        let hi = match crate::prefix::successor(key) {
            Some(next) => self.keys.lower_bound(&next).map_or(n, |p| p as usize),
            None => n,
        };
        lo..hi.max(lo)
    }
}

/// The positions of the `k` largest weights in `weights[r]` over the ranges `ranges`, largest
/// first (ties: the first visited first). One sequential pass over the ranges.
pub(crate) fn top(weights: &[u16], ranges: &[Range<usize>], k: usize) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    if k == 0 {
        return Vec::new();
    }
    // A min-heap of the best k so far: the root is the weakest (lowest weight, latest position).
    let mut heap: BinaryHeap<Reverse<(u16, Reverse<usize>)>> = BinaryHeap::with_capacity(k + 1);
    for r in ranges {
        let Some(slice) = weights.get(r.clone()) else { continue };
        for (i, &w) in slice.iter().enumerate() {
            if heap.len() == k && heap.peek().is_some_and(|Reverse((worst, _))| w <= *worst) {
                continue;
            }
            heap.push(Reverse((w, Reverse(r.start + i))));
            if heap.len() > k {
                heap.pop();
            }
        }
    }
    let mut best: Vec<(u16, usize)> = heap.into_iter().map(|Reverse((w, Reverse(p)))| (w, p)).collect();
    best.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    best.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::top;

    #[test]
    fn top_picks_the_largest_weights_first_and_ties_in_order() {
        let w = [5, 1, 9, 9, 3, 7, 9, 0];
        let one = |r: std::ops::Range<usize>| vec![r];
        assert_eq!(top(&w, &one(0..8), 3), vec![2, 3, 6]);
        assert_eq!(top(&w, &[4..8, 0..2], 3), vec![6, 5, 0]);
        assert_eq!(top(&w, &one(0..2), 5), vec![0, 1]);
        assert_eq!(top(&w, &one(0..8), 0), Vec::<usize>::new());
        assert_eq!(top(&w, &one(6..20), 2), Vec::<usize>::new(), "a range past the end is skipped");
    }
}
