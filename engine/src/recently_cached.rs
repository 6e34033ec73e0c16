//! [`RecentlyCached`]: which pages of a plain dump were found in the page cache a moment ago, so
//! that an answer need not ask the kernel again for a page another answer just found there.
//!
//! Before an event loop reads dump bytes, [`Index::holds`](crate::Index::holds) asks whether they
//! are in memory (a read of a page on disk would block the loop and every connection on it).
//! The kernel answers that with a system call (`cachestat(2)`, about 0.8 µs; `sys/residency.rs`),
//! once per answer. A page found cached stays cached for a while: the kernel evicts pages long
//! unused first, and a page an answer read is used. So a page found cached is noted here, and
//! the note is taken for the kernel's answer for the rest of a short window of the coarse clock
//! ([`WINDOW_SECONDS`]); after it the kernel is asked again. The cost of a stale note is bounded
//! by the window: a page evicted within it is read by a loop that blocks for that read, once
//! (the next window asks the kernel again); the bytes read are the same either way.
//!
//! The notes are one atomic word per block of 32 pages of 4 KiB: 32 bits of "found cached" and
//! the 32-bit number of the window they were noted in (a word of an older window counts as
//! empty, so nothing is ever cleared). 8 bytes per 128 KiB of dump: 270 KB for a 4.4 GB dump,
//! 6 MB for 100 GB. Racing notes of one block are merged by compare-and-swap; none blocks.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long a note holds, at most: notes are kept per window of this many seconds of the coarse
/// clock.
pub const WINDOW_SECONDS: u64 = 4;

/// The unit of a note (any multiple of it is a page of the kernel's too; smaller pages only make
/// a note cover more than one).
const PAGE: usize = 4096;

/// Pages per block (per word).
const BLOCK_PAGES: usize = 32;

/// A note covers at most this many blocks (4 MiB); longer ranges are asked of the kernel.
const MAX_BLOCKS: usize = 32;

/// Which pages of a map of `len` bytes were found cached in the current window (see the
/// [module](self)).
pub struct RecentlyCached {
    blocks: Box<[AtomicU64]>,
}

/// The window of `unix_seconds`: never 0 (the window of a word never written).
pub fn window_of(unix_seconds: u64) -> u32 {
    ((unix_seconds / WINDOW_SECONDS) as u32).max(1)
}

impl RecentlyCached {
    /// No notes, for a map of `len` bytes.
    pub fn new(len: usize) -> RecentlyCached {
        let blocks = len.div_ceil(PAGE * BLOCK_PAGES);
        RecentlyCached { blocks: (0..blocks).map(|_| AtomicU64::new(0)).collect() }
    }

    /// Whether every page of `range` (non-empty, inside the map) was noted in `window`.
    pub fn all(&self, range: Range<usize>, window: u32) -> bool {
        self.each_block(range, |word, mask| {
            let w = word.load(Ordering::Relaxed);
            (w >> 32) as u32 == window && (w as u32) & mask == mask
        })
        .unwrap_or(false)
    }

    /// Notes that every page of `range` (non-empty, inside the map) was found cached in `window`.
    pub fn note(&self, range: Range<usize>, window: u32) {
        let _ = self.each_block(range, |word, mask| {
            let mut w = word.load(Ordering::Relaxed);
            loop {
                let bits = if (w >> 32) as u32 == window { w as u32 | mask } else { mask };
                let new = (u64::from(window) << 32) | u64::from(bits);
                if new == w {
                    return true;
                }
                match word.compare_exchange_weak(w, new, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => return true,
                    Err(now) => w = now,
                }
            }
        });
    }

    /// Calls `f` with the word and the mask of `range`'s pages for each block `range` touches,
    /// until one returns false; `None` when the range is empty, too long or outside the map.
    fn each_block(&self, range: Range<usize>, mut f: impl FnMut(&AtomicU64, u32) -> bool) -> Option<bool> {
        if range.start >= range.end {
            return None;
        }
        let (first, last) = (range.start / PAGE, (range.end - 1) / PAGE);
        let (first_block, last_block) = (first / BLOCK_PAGES, last / BLOCK_PAGES);
        if last_block - first_block >= MAX_BLOCKS || last_block >= self.blocks.len() {
            return None;
        }
        for block in first_block..=last_block {
            let from = first.max(block * BLOCK_PAGES) - block * BLOCK_PAGES;
            let to = last.min(block * BLOCK_PAGES + BLOCK_PAGES - 1) - block * BLOCK_PAGES;
            // Bits from..=to.
            let mask = (u32::MAX >> (BLOCK_PAGES - 1 - to)) & (u32::MAX << from);
            if !f(&self.blocks[block], mask) {
                return Some(false);
            }
        }
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_note_holds_for_its_window_only() {
        let notes = RecentlyCached::new(10 << 20);
        let w = window_of(1_700_000_000);
        assert!(!notes.all(0..1, w), "nothing is noted at first");
        notes.note(5000..9000, w);
        assert!(notes.all(4096..8192, w) && notes.all(5000..5001, w) && notes.all(8191..8193, w));
        assert!(!notes.all(4095..5000, w), "page 0 was not noted");
        assert!(!notes.all(8192..12289, w), "page 3 was not noted");
        assert!(!notes.all(5000..9000, w + 1), "a note of an earlier window counts for nothing");
        notes.note(0..4096, w + 1);
        assert!(notes.all(0..4096, w + 1) && !notes.all(4096..8192, w + 1), "a new window starts empty");
    }

    #[test]
    fn ranges_across_blocks_and_out_of_bounds() {
        let block = PAGE * BLOCK_PAGES;
        let notes = RecentlyCached::new(3 * block);
        let w = window_of(0);
        assert_eq!(w, 1);
        notes.note(block - 1..block + 1, w);
        assert!(notes.all(block - 1..block + 1, w));
        assert!(!notes.all(block - PAGE - 1..block + 1, w));
        notes.note(0..3 * block, w);
        assert!(notes.all(0..3 * block, w));
        assert!(!notes.all(0..3 * block + 1, w), "past the end");
        assert!(!notes.all(5..5, w), "an empty range is never noted");
        let big = RecentlyCached::new((MAX_BLOCKS + 2) * block);
        big.note(0..(MAX_BLOCKS + 1) * block, w);
        assert!(!big.all(0..(MAX_BLOCKS + 1) * block, w), "too long to note: asked of the kernel");
    }

    proptest! {
        /// Notes and questions in any order answer as a map of blocks to the window of their
        /// last note and the pages noted in it would; and a range is never said noted unless
        /// each of its pages was, in that window.
        #[test]
        fn answers_as_a_map_of_blocks(ops in prop::collection::vec((any::<bool>(), 0usize..300_000, 1usize..70_000, 1u32..4), 1..60)) {
            let len = 400_000;
            let notes = RecentlyCached::new(len);
            let mut blocks: HashMap<usize, (u32, HashSet<usize>)> = HashMap::new();
            let mut ever: HashSet<(u32, usize)> = HashSet::new();
            for (note, start, n, window) in ops {
                let range = start..(start + n).min(len);
                let pages = range.start / PAGE..=(range.end - 1) / PAGE;
                if note {
                    notes.note(range.clone(), window);
                    for p in pages.clone() {
                        let block = blocks.entry(p / BLOCK_PAGES).or_insert((window, HashSet::new()));
                        if block.0 != window {
                            *block = (window, HashSet::new());
                        }
                        block.1.insert(p);
                        ever.insert((window, p));
                    }
                    prop_assert!(notes.all(range, window), "a range just noted");
                } else {
                    let said = notes.all(range, window);
                    let want = pages.clone().all(|p| {
                        blocks.get(&(p / BLOCK_PAGES)).is_some_and(|(w, noted)| *w == window && noted.contains(&p))
                    });
                    prop_assert_eq!(said, want);
                    prop_assert!(!said || pages.clone().all(|p| ever.contains(&(window, p))));
                }
            }
        }
    }
}
