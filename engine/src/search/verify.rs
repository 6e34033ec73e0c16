//! `folio-ingest verify` for the suggestion files: each checked against the page table.

use std::path::Path;

use super::*;

impl crate::Index {
    /// Checks the suggestion files against the page table: `search_order` a permutation sorted
    /// by (key, weight descending, row), the weights of both orders agreeing row by row, and
    /// the key FST mapping exactly the distinct keys to their first positions, the
    /// disambiguation rows ascending.
    pub(crate) fn verify_search(&self) -> Result<()> {
        let Some(files) = &self.search else { return Ok(()) };
        let (order, weights) = (files.order.as_slice(), files.weights.as_slice());
        let n = order.len();
        let bad = |path: &Path, what: String| Err(Error::corrupt(path, what));
        let mut weight_of = vec![0u16; n];
        let mut keys: Vec<String> = Vec::with_capacity(n);
        for (p, &row) in order.iter().enumerate() {
            let Some(slot) = weight_of.get_mut(row as usize).filter(|w| **w == 0) else {
                return bad(files.order.path(), format!("position {p}: row {row} out of range or repeated"));
            };
            *slot = weights[p].max(1);
            keys.push(crate::search_key(self.page_table().title(row as usize)?));
            if p > 0 {
                let (a, b) = (&keys[p - 1], &keys[p]);
                let previous = (a.as_bytes(), std::cmp::Reverse(weights[p - 1]), order[p - 1]);
                if previous >= (b.as_bytes(), std::cmp::Reverse(weights[p]), row) {
                    return bad(files.order.path(), format!("positions {} and {p} are out of order", p - 1));
                }
            }
        }
        for (rank, &row) in self.order(crate::Case::Sensitive).as_slice().iter().enumerate() {
            if files.title_weights.as_slice().get(rank) != weight_of.get(row as usize) {
                return bad(files.title_weights.path(), format!("rank {rank}: a weight other than search order's"));
            }
        }
        let mut distinct = 0;
        let mut problem = None;
        files.keys.for_each(|key, position| {
            let p = position as usize;
            let first = keys.get(p).is_some_and(|k| k.as_bytes() == key) && (p == 0 || keys[p - 1].as_bytes() != key);
            if !first && problem.is_none() {
                problem = Some(format!("{:?} does not map to its first position", String::from_utf8_lossy(key)));
            }
            distinct += 1;
            Ok(())
        })?;
        files.keys.verify()?;
        if let Some(d) = &files.disambiguation {
            let rows = d.as_slice();
            if !rows.windows(2).all(|w| w[0] < w[1]) || rows.last().is_some_and(|&r| r as usize >= self.len()) {
                return bad(d.path(), "rows not ascending, or past the last page".into());
            }
        }
        let want = (0..n).filter(|&p| p == 0 || keys[p - 1] != keys[p]).count();
        match problem {
            Some(what) => bad(&self.dir.join(format::SEARCH_KEYS_FILE), what),
            None if distinct != want => {
                bad(&self.dir.join(format::SEARCH_KEYS_FILE), format!("{distinct} keys, the titles have {want}"))
            }
            None => Ok(()),
        }
    }
}
