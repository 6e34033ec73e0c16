//! [`TitleSlots`]: the row of an exact title in one probe of a hash table (`title_slots.npy`,
//! format 7 on), for the lookups that serve a page (`/wiki/{title}`).
//!
//! `titles.fst` answers every title query (exact, prefix, fuzzy), but an exact lookup walks one
//! node per byte of the title, and on a large index the nodes past the first few levels are not
//! in the processor's caches: on the 1M-page synthetic index a lookup of a random title cost
//! 1.5–1.7 µs, a probe of this table and the check of the title 0.22–0.24 µs
//! (benches/RESULTS.md).
//!
//! The table has a power of two of `u32` slots, at least twice as many as there are distinct
//! titles. A title's first slot is the low bits of its xxh3-64 hash (a fixed function: the file
//! means the same to every build); the next slots follow until an empty one (`u32::MAX`). A
//! slot holds the row of the title's first page in its low `row_bits` bits (the fewest bits
//! that can hold the page count, so a row never fills them with ones) and, above them, as many
//! bits of the hash's high half as fit: most slots of other titles are passed over without
//! reading the page table. A slot whose bits match is confirmed against the page table's title,
//! so a collision, or a damaged table, never gives another page. A damaged table can still miss
//! a title it holds: [`crate::Index`] then asks `titles.fst`, and `folio-ingest verify` checks
//! that every title is found at its row.

use crate::error::{Error, Result};
use crate::npy::NpyArray;

/// An empty slot.
const EMPTY: u32 = u32::MAX;

/// The hash table of distinct titles (see the [module](self)).
pub struct TitleSlots {
    slots: NpyArray<u32>,
    row_bits: u32,
}

/// The fewest bits that hold every row of `rows` pages with a value that is not all ones.
fn row_bits(rows: u64) -> u32 {
    (64 - rows.leading_zeros()).clamp(1, 32)
}

/// Where `title` starts probing in a table of `mask + 1` slots, and the bits of its hash a slot
/// holds above the row.
fn place(title: &[u8], mask: usize, row_bits: u32) -> (usize, u32) {
    let hash = xxhash_rust::xxh3::xxh3_64(title);
    let tag = match row_bits {
        32 => 0,
        bits => ((hash >> 32) as u32) << bits,
    };
    (hash as usize & mask, tag)
}

/// The slots of a table holding `titles` (each distinct title with its row), for an index of
/// `rows` pages. Fails when there are more titles than rows or a row is out of range.
pub fn build<'a>(rows: u64, titles: impl ExactSizeIterator<Item = (&'a [u8], u32)>) -> Result<Vec<u32>> {
    if titles.len() as u64 > rows || rows > u64::from(u32::MAX) {
        let what = format!("{} titles for {rows} pages", titles.len());
        return Err(Error::InvalidInput(what));
    }
    let bits = row_bits(rows);
    let len = (titles.len() * 2).next_power_of_two().max(2);
    let mask = len - 1;
    let mut slots = vec![EMPTY; len];
    for (title, row) in titles {
        if u64::from(row) >= rows {
            return Err(Error::InvalidInput(format!("row {row} of {title:?} is past the {rows} pages")));
        }
        let (mut at, tag) = place(title, mask, bits);
        while slots[at] != EMPTY {
            at = (at + 1) & mask;
        }
        slots[at] = tag | row;
    }
    Ok(slots)
}

impl TitleSlots {
    /// The table in `slots` (opened from `title_slots.npy`) for an index of `rows` pages: its
    /// length must be a power of two.
    pub fn new(slots: NpyArray<u32>, rows: u64) -> Result<TitleSlots> {
        let len = slots.as_slice().len();
        if !len.is_power_of_two() || len < 2 {
            return Err(Error::corrupt(slots.path(), format!("{len} slots, not a power of two")));
        }
        Ok(TitleSlots { slots, row_bits: row_bits(rows) })
    }

    /// The row of the page titled `title`, or `None` when the table does not hold it.
    /// `title_of(row)` reads a row's title from the page table, to confirm a slot whose bits
    /// match.
    pub fn get<'t>(&self, title: &[u8], title_of: impl Fn(u32) -> Result<&'t [u8]>) -> Result<Option<u32>> {
        let slots = self.slots.as_slice();
        let mask = slots.len() - 1;
        let (mut at, tag) = place(title, mask, self.row_bits);
        let rows = row_mask(self.row_bits);
        // At most one pass over the table, even when a damaged one has no empty slot.
        for _ in 0..slots.len() {
            let slot = slots[at];
            if slot == EMPTY {
                return Ok(None);
            }
            if slot & !rows == tag {
                let row = slot & rows;
                if title_of(row)? == title {
                    return Ok(Some(row));
                }
            }
            at = (at + 1) & mask;
        }
        Ok(None)
    }

    /// The number of slots that hold a title.
    pub fn held(&self) -> usize {
        self.slots.as_slice().iter().filter(|&&s| s != EMPTY).count()
    }

    /// The file the table was read from.
    pub fn path(&self) -> &std::path::Path {
        self.slots.path()
    }
}

/// The bits of a slot that hold the row.
fn row_mask(row_bits: u32) -> u32 {
    match row_bits {
        32 => u32::MAX,
        bits => (1 << bits) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Titles that share a first slot and tag bits: every lookup must still find its own.
    #[test]
    fn every_title_is_found_at_its_row_and_absent_ones_are_not() {
        for count in [1usize, 2, 3, 100, 5000] {
            let titles: Vec<String> = (0..count).map(|i| format!("Title {i} é")).collect();
            let rows = count as u64 * 3 + 1;
            // Rows spread out, as a table of pages with redirects and talk pages has them.
            let row_of = |i: usize| (i * 3) as u32;
            let slots = build(rows, titles.iter().enumerate().map(|(i, t)| (t.as_bytes(), row_of(i)))).unwrap();
            assert!(slots.len() >= 2 * count && slots.len().is_power_of_two());
            assert_eq!(slots.iter().filter(|&&s| s != EMPTY).count(), count);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("title_slots.npy");
            let mut file = std::fs::File::create(&path).unwrap();
            crate::npy::write(&slots, &mut file).unwrap();
            let table = TitleSlots::new(NpyArray::open(&path).unwrap(), rows).unwrap();
            let title_of = |row: u32| -> Result<&[u8]> {
                assert_eq!(row % 3, 0, "only rows of titles are confirmed");
                Ok(titles[row as usize / 3].as_bytes())
            };
            for (i, t) in titles.iter().enumerate() {
                assert_eq!(table.get(t.as_bytes(), title_of).unwrap(), Some(row_of(i)), "{t}");
            }
            for absent in ["Title", "title 0 é", "", "Title 0 e"] {
                assert_eq!(table.get(absent.as_bytes(), title_of).unwrap(), None, "{absent}");
            }
            assert_eq!(table.held(), count);
        }
    }

    #[test]
    fn a_slot_never_reads_as_empty_and_the_rows_fit() {
        for rows in [1u64, 2, 3, 4, 255, 256, 257, (1 << 31) - 1, 1 << 31, u64::from(u32::MAX)] {
            let bits = row_bits(rows);
            let max_row = rows - 1;
            assert!(max_row <= u64::from(row_mask(bits)), "{rows}");
            assert_ne!(max_row, u64::from(row_mask(bits)), "{rows}: the row field is never all ones");
        }
    }

    #[test]
    fn more_titles_than_rows_or_a_row_past_them_is_refused() {
        let titles = [("A".as_bytes(), 0u32), ("B".as_bytes(), 1)];
        assert!(build(1, titles.into_iter()).is_err());
        assert!(build(2, [("A".as_bytes(), 2u32)].into_iter()).is_err());
    }
}
