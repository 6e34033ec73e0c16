//! [`TitleSlots`]: the page of an exact title in one probe of a hash table (`title_slots.npy`,
//! format 7 on), for the lookups that serve a page (`/wiki/{title}`).
//!
//! `titles.fst` answers every title query (exact, prefix, fuzzy), but an exact lookup walks one
//! node per byte of the title, and on a large index the nodes past the first few levels are not
//! in the processor's caches: on the 1M-page synthetic index a lookup of a random title cost
//! 1.5–1.7 µs, a probe of this table and the check of the title 0.22–0.24 µs
//! (benches/RESULTS.md).
//!
//! The table has a power of two of slots, at least twice as many as there are distinct titles. A
//! title's first slot is the low bits of its xxh3-64 hash (a fixed function: the file means the
//! same to every build); the next slots follow until an empty one. A slot holds the row of the
//! title's first page in the low `row_bits` bits of a `u32` key (the fewest bits that can hold the
//! page count, so a row never fills them with ones and a key is never [`EMPTY`]) and, above them,
//! as many bits of the hash's high half as fit: most slots of other titles are passed over
//! without reading anything else.
//!
//! In format 7 a slot is the key alone (`u32`), and a page's span is read from the page table.
//! From format 8 on a slot is two `u64` words: the key and the page's length less one (its last
//! byte's offset from its first; [`LONG`] for a page of 4 GiB or more, whose span the page table
//! gives), then the page's start. A lookup that serves the page then touches the slot and the
//! dump, and nothing else: on a large index each of the page table's columns is a cache and TLB
//! miss of its own (benches/RESULTS.md, "Format 8").
//!
//! A slot whose bits match is a candidate, not an answer: the caller confirms it ([`Candidate`]),
//! against the page table's title or against the dump's `<title>` at the slot's span, so a
//! collision, or a damaged table, never gives another page. A damaged table can still miss a
//! title it holds: [`crate::Index`] then asks `titles.fst`, and `folio-ingest verify` checks that
//! every title is found at its row and span.

use crate::error::{Error, Result};
use crate::npy::NpyArray;

/// The key of an empty slot.
pub const EMPTY: u32 = u32::MAX;

/// The length field of a slot whose page is too long for it (4 GiB or more): its span is the
/// page table's.
pub const LONG: u32 = u32::MAX;

/// A page a slot holds for a title whose bits it matches, to be confirmed by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The row in `pages.arrow` (below the page count: a slot past it is passed over).
    pub row: u32,
    /// The offsets of the page's first and last bytes, when the slot holds them (format 8 on,
    /// a page shorter than 4 GiB).
    pub span: Option<(u64, u64)>,
}

/// The hash table of distinct titles (see the [module](self)).
pub struct TitleSlots {
    table: Table,
    rows: u64,
    row_bits: u32,
}

/// The slots as a file of each format holds them.
enum Table {
    /// Format 7: the key alone.
    Keys(NpyArray<u32>),
    /// Format 8 on: the key and the length, then the start (two words per slot).
    Spans(NpyArray<u64>),
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

/// One title of a table to build: its bytes, the row of its first page and that page's span
/// (the offsets of its first and last bytes).
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The title's bytes.
    pub title: &'a [u8],
    /// The row of its first page.
    pub row: u32,
    /// The offset of that page's first byte.
    pub start: u64,
    /// The offset of its last byte.
    pub end: u64,
}

/// The words of a table (format 8: two per slot) holding `titles`, for an index of `rows`
/// pages. Fails when there are more titles than rows, a row is out of range or a span is
/// reversed.
pub fn build<'a>(rows: u64, titles: impl ExactSizeIterator<Item = Entry<'a>>) -> Result<Vec<u64>> {
    if titles.len() as u64 > rows || rows > u64::from(u32::MAX) {
        let what = format!("{} titles for {rows} pages", titles.len());
        return Err(Error::InvalidInput(what));
    }
    let bits = row_bits(rows);
    let len = (titles.len() * 2).next_power_of_two().max(2);
    let mask = len - 1;
    let mut words = vec![u64::MAX; len * 2];
    for Entry { title, row, start, end } in titles {
        if u64::from(row) >= rows || end < start {
            let what = format!("row {row} of {title:?} (bytes {start}-{end}) is not a page of {rows}");
            return Err(Error::InvalidInput(what));
        }
        let (mut at, tag) = place(title, mask, bits);
        while words[at * 2] != u64::MAX {
            at = (at + 1) & mask;
        }
        let length = length_field(start, end);
        words[at * 2] = u64::from(tag | row) | u64::from(length) << 32;
        words[at * 2 + 1] = start;
    }
    Ok(words)
}

/// What a slot of format 8 holds as the length of the page at `start..=end` (`start <= end`):
/// its last byte's offset from its first, or [`LONG`] when that does not fit (the span is then
/// the page table's).
pub(crate) fn length_field(start: u64, end: u64) -> u32 {
    u32::try_from(end - start).ok().filter(|&n| n != LONG).unwrap_or(LONG)
}

impl TitleSlots {
    /// The table of format 7 in `keys` (opened from `title_slots.npy`) for an index of `rows`
    /// pages: its length must be a power of two.
    pub fn keys(keys: NpyArray<u32>, rows: u64) -> Result<TitleSlots> {
        let slots = keys.as_slice().len();
        TitleSlots::checked(Table::Keys(keys), slots, rows)
    }

    /// The table of format 8 on in `words` (opened from `title_slots.npy`, two words per slot)
    /// for an index of `rows` pages: its number of slots must be a power of two.
    pub fn spans(words: NpyArray<u64>, rows: u64) -> Result<TitleSlots> {
        let len = words.as_slice().len();
        let slots = if len.is_multiple_of(2) { len / 2 } else { 0 };
        TitleSlots::checked(Table::Spans(words), slots, rows)
    }

    fn checked(table: Table, slots: usize, rows: u64) -> Result<TitleSlots> {
        let t = TitleSlots { table, rows, row_bits: row_bits(rows) };
        if !slots.is_power_of_two() || slots < 2 {
            return Err(Error::corrupt(t.path(), format!("{slots} slots, not a power of two")));
        }
        Ok(t)
    }

    /// The page the table holds for `title`: the first candidate whose bits match and that
    /// `confirm` accepts (it checks the candidate's title, in the page table or in the dump),
    /// or `None` when there is none. An error of `confirm` is the lookup's.
    pub fn get(&self, title: &[u8], mut confirm: impl FnMut(Candidate) -> Result<bool>) -> Result<Option<Candidate>> {
        let slots = self.len();
        let mask = slots - 1;
        let (mut at, tag) = place(title, mask, self.row_bits);
        let rows = row_mask(self.row_bits);
        // At most one pass over the table, even when a damaged one has no empty slot.
        for _ in 0..slots {
            let (key, span) = self.slot(at);
            if key == EMPTY {
                return Ok(None);
            }
            let row = key & rows;
            if key & !rows == tag && u64::from(row) < self.rows {
                let candidate = Candidate { row, span };
                if confirm(candidate)? {
                    return Ok(Some(candidate));
                }
            }
            at = (at + 1) & mask;
        }
        Ok(None)
    }

    /// Slot `at`'s key and, when it holds one, its span.
    #[inline]
    fn slot(&self, at: usize) -> (u32, Option<(u64, u64)>) {
        match &self.table {
            Table::Keys(keys) => (keys.as_slice()[at], None),
            Table::Spans(words) => {
                let w = &words.as_slice()[at * 2..at * 2 + 2];
                let (key, length) = (w[0] as u32, (w[0] >> 32) as u32);
                let span = (length != LONG).then(|| w[1].checked_add(u64::from(length)).map(|end| (w[1], end)));
                (key, span.flatten())
            }
        }
    }

    /// The number of slots.
    fn len(&self) -> usize {
        match &self.table {
            Table::Keys(keys) => keys.as_slice().len(),
            Table::Spans(words) => words.as_slice().len() / 2,
        }
    }

    /// The number of slots that hold a title.
    pub fn held(&self) -> usize {
        (0..self.len()).filter(|&at| self.slot(at).0 != EMPTY).count()
    }

    /// Whether the slots hold spans (format 8 on).
    pub fn has_spans(&self) -> bool {
        matches!(self.table, Table::Spans(_))
    }

    /// The file the table was read from.
    pub fn path(&self) -> &std::path::Path {
        match &self.table {
            Table::Keys(keys) => keys.path(),
            Table::Spans(words) => words.path(),
        }
    }
}

/// The bits of a key that hold the row.
fn row_mask(row_bits: u32) -> u32 {
    match row_bits {
        32 => u32::MAX,
        bits => (1 << bits) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy<T: ndarray_npy::WritableElement + bytemuck::Pod + ndarray_npy::ViewElement>(
        dir: &tempfile::TempDir,
        values: &[T],
    ) -> NpyArray<T> {
        let path = dir.path().join("title_slots.npy");
        crate::npy::write(values, std::fs::File::create(&path).unwrap()).unwrap();
        NpyArray::open(&path).unwrap()
    }

    /// Every title is found at its row (and, from format 8 on, its span), among titles that share
    /// first slots, and with no tag bits at all (an index of 2^32 - 1 pages: every slot on the
    /// way is a candidate the caller must turn down). Format 7's table is the same placement with
    /// the key alone.
    #[test]
    fn every_title_is_found_at_its_row_and_span_and_absent_ones_are_not() {
        for count in [1usize, 2, 3, 100, 5000] {
            let titles: Vec<String> = (0..count).map(|i| format!("Title {i} é")).collect();
            for rows in [count as u64 * 3 + 1, u64::from(u32::MAX)] {
                // Rows spread out, as a table of pages with redirects and talk pages has them.
                let row_of = |i: usize| (i * 3) as u32;
                let span_of = |i: usize| (i as u64 * 1000, i as u64 * 1000 + 13 + i as u64);
                let entries = titles.iter().enumerate().map(|(i, t)| {
                    let (start, end) = span_of(i);
                    Entry { title: t.as_bytes(), row: row_of(i), start, end }
                });
                let words = build(rows, entries).unwrap();
                let slots = words.len() / 2;
                assert!(slots >= 2 * count && slots.is_power_of_two());
                let dir = tempfile::tempdir().unwrap();
                let keys: Vec<u32> = words.iter().step_by(2).map(|&w| w as u32).collect();
                let v8 = TitleSlots::spans(npy(&dir, &words), rows).unwrap();
                let dir7 = tempfile::tempdir().unwrap();
                let v7 = TitleSlots::keys(npy(&dir7, &keys), rows).unwrap();
                assert!(v8.has_spans() && !v7.has_spans());
                let all = &titles;
                let confirm = |title: &str| {
                    let title = title.to_string();
                    move |c: Candidate| -> Result<bool> {
                        assert_eq!(c.row % 3, 0, "only rows of titles are candidates");
                        Ok(all[c.row as usize / 3] == title)
                    }
                };
                for (i, t) in titles.iter().enumerate() {
                    let want = Candidate { row: row_of(i), span: Some(span_of(i)) };
                    assert_eq!(v8.get(t.as_bytes(), confirm(t)).unwrap(), Some(want), "{t}");
                    assert_eq!(v7.get(t.as_bytes(), confirm(t)).unwrap(), Some(Candidate { span: None, ..want }));
                }
                for absent in ["Title", "title 0 é", "", "Title 0 e"] {
                    assert_eq!(v8.get(absent.as_bytes(), confirm(absent)).unwrap(), None, "{absent}");
                    assert_eq!(v7.get(absent.as_bytes(), confirm(absent)).unwrap(), None, "{absent}");
                }
                assert_eq!((v8.held(), v7.held()), (count, count));
            }
        }
    }

    #[test]
    fn a_page_of_4_gib_or_more_leaves_its_span_to_the_page_table() {
        for (end, span) in [
            (u64::from(u32::MAX) - 1, Some((0, u64::from(u32::MAX) - 1))),
            (u64::from(u32::MAX), None),
            (u64::MAX, None),
        ] {
            let words = build(1, [Entry { title: b"Big", row: 0, start: 0, end }].into_iter()).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let table = TitleSlots::spans(npy(&dir, &words), 1).unwrap();
            assert_eq!(table.get(b"Big", |_| Ok(true)).unwrap(), Some(Candidate { row: 0, span }), "{end}");
        }
    }

    /// A slot whose row is past the page count (a damaged table) is passed over, never a
    /// candidate; a confirmation's error is the lookup's.
    #[test]
    fn a_row_past_the_pages_is_passed_over_and_an_error_is_kept() {
        // 5 and 7 pages both take 3 bits of row: the slot reads as row 6 in either.
        let words = build(7, [Entry { title: b"A", row: 6, start: 0, end: 9 }].into_iter()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let table = TitleSlots::spans(npy(&dir, &words), 5).unwrap();
        assert_eq!(table.get(b"A", |_| panic!("no candidate")).unwrap(), None);
        let table = TitleSlots::spans(npy(&dir, &words), 7).unwrap();
        let e = table.get(b"A", |_| Err(Error::InvalidInput("boom".into()))).unwrap_err();
        assert!(e.to_string().contains("boom"), "{e}");
        let odd = tempfile::tempdir().unwrap();
        assert!(TitleSlots::spans(npy(&odd, &words[..3]), 4).is_err(), "an odd number of words");
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
    fn more_titles_than_rows_a_row_past_them_or_a_reversed_span_is_refused() {
        let entry = |title: &'static str, row| Entry { title: title.as_bytes(), row, start: 0, end: 9 };
        assert!(build(1, [entry("A", 0), entry("B", 1)].into_iter()).is_err());
        assert!(build(2, [entry("A", 2)].into_iter()).is_err());
        assert!(build(2, [Entry { end: 0, start: 1, ..entry("A", 0) }].into_iter()).is_err(), "a reversed span");
    }
}
