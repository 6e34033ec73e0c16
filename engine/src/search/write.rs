//! Writing the suggestion files of an index (format 2 on): the search-key FST, the rows in
//! search-key order with their weights, and the weights in title order.

use rayon::prelude::*;

use crate::columns::Strings;
use crate::error::{Error, Result};
use crate::format;
use crate::title_fst;
use crate::write::IndexWriter;

impl IndexWriter {
    /// Writes `search_keys.fst`, `search_order.npy` and `search_weights.npy` from each row's
    /// search key (`keys`, by row), the rows sorted by `(key, weight descending, row)` (`order`)
    /// and each row's suggestion weight (`weights`, by row).
    pub fn write_search(&self, keys: &Strings, order: &[u32], weights: &[u16]) -> Result<()> {
        if keys.len() != order.len() || weights.len() != order.len() {
            let what = format!("{} keys, {} rows in order, {} weights", keys.len(), order.len(), weights.len());
            return Err(Error::InvalidInput(what));
        }
        let key = |position: usize| keys.bytes(order[position] as usize);
        let firsts = crate::write::first_of_runs(order.len(), key);
        let ordered: Vec<u16> = order.par_iter().map(|&row| weights[row as usize]).collect();
        let (fst, npys) = rayon::join(
            || self.write(format::SEARCH_KEYS_FILE, |w| title_fst::write(w, &firsts, |i| key(firsts[i] as usize))),
            || {
                self.write_npy(format::SEARCH_ORDER_FILE, order)?;
                self.write_npy(format::SEARCH_WEIGHTS_FILE, &ordered)
            },
        );
        fst?;
        npys
    }

    /// Writes `disambiguation.npy`: the rows whose flag is set, ascending.
    pub fn write_disambiguation(&self, flags: &[bool]) -> Result<()> {
        let rows: Vec<u32> = flags.iter().enumerate().filter(|(_, f)| **f).map(|(r, _)| r as u32).collect();
        self.write_npy(format::DISAMBIGUATION_FILE, &rows)
    }

    /// Writes `title_weights.npy`: the weight of each row of `title_order` (rows in title order).
    pub fn write_title_weights(&self, title_order: &[u32], weights: &[u16]) -> Result<()> {
        let ordered: Vec<u16> = title_order
            .par_iter()
            .map(|&row| weights.get(row as usize).copied())
            .collect::<Option<_>>()
            .ok_or_else(|| Error::InvalidInput("a row past the weights".into()))?;
        self.write_npy(format::TITLE_WEIGHTS_FILE, &ordered)
    }
}
