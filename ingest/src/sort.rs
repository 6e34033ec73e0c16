//! Sorting rows by their string key, cache-friendly: a multikey sort on 8-byte slices of the key.
//!
//! Comparing strings through an index means two random reads per comparison, `n log n` times.
//! Instead each row is sorted with the next 8 bytes of its key packed in a `u64` (and how many
//! bytes are left), so comparisons run on the array being sorted; only rows that tie on those
//! bytes are sorted again on their next 8 bytes, and so on. Every key byte is read about once.

use folio_engine::Strings;
use rayon::prelude::*;

#[derive(Clone, Copy)]
struct Entry {
    /// Key bytes `depth..depth + 8`, big-endian, zero-padded.
    bytes: u64,
    /// Key bytes left from `depth`, capped at 9 ("more than 8").
    left: u8,
    row: u32,
}

impl Entry {
    fn at(keys: &Strings, row: u32, depth: usize) -> Entry {
        let key = keys.bytes(row as usize);
        let rest = key.get(depth..).unwrap_or_default();
        let n = rest.len().min(8);
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&rest[..n]);
        Entry { bytes: u64::from_be_bytes(b), left: rest.len().min(9) as u8, row }
    }

    fn rank(&self) -> (u64, u8, u32) {
        (self.bytes, self.left, self.row)
    }

    fn ties_with(&self, other: &Entry) -> bool {
        self.bytes == other.bytes && self.left == 9 && other.left == 9
    }
}

/// Row numbers of `keys`, sorted by `(key bytes, row)`.
pub fn sort_rows(keys: &Strings) -> Vec<u32> {
    let mut entries: Vec<Entry> = (0..keys.len() as u32).into_par_iter().map(|r| Entry::at(keys, r, 0)).collect();
    entries.par_sort_unstable_by_key(Entry::rank);
    entries.par_chunk_by_mut(Entry::ties_with).for_each(|run| refine(keys, run, 8));
    entries.into_par_iter().map(|e| e.row).collect()
}

/// Sorts a run of entries that tie on their first `depth` key bytes by the rest of their keys.
fn refine(keys: &Strings, run: &mut [Entry], depth: usize) {
    if run.len() < 2 || !run[0].ties_with(&run[1]) {
        return;
    }
    for e in run.iter_mut() {
        *e = Entry::at(keys, e.row, depth);
    }
    run.sort_unstable_by_key(Entry::rank);
    for sub in run.chunk_by_mut(Entry::ties_with) {
        refine(keys, sub, depth + 8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_a_plain_comparison_sort() {
        let words = [
            "List of a",
            "List of b",
            "List of",
            "",
            "List of aa",
            "b",
            "\u{0}",
            "List of a",
            "Łódź",
            "List\u{0}",
            "List of abcdefghij",
            "List of abcdefghi",
            "List of abcdefghij",
            "a",
            "a\u{0}",
            "Talk:x",
            "Talk:",
        ];
        let mut keys = Strings::new();
        for w in words {
            keys.push(w);
        }
        let mut expected: Vec<u32> = (0..words.len() as u32).collect();
        expected.sort_by(|&a, &b| words[a as usize].as_bytes().cmp(words[b as usize].as_bytes()).then(a.cmp(&b)));
        assert_eq!(sort_rows(&keys), expected);
    }
}
