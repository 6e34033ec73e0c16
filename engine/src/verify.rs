//! [`Index::verify`]: reads every byte of the index and checks it against the manifest and the dump.

use std::cmp::Ordering;

use crate::error::{Error, Result};
use crate::fold::fold;
use crate::format::{self, verify_file};
use crate::index::Index;

/// What [`Index::verify`] checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Index files whose checksum matched.
    pub files: usize,
    /// Bytes of index files read.
    pub file_bytes: u64,
    /// Pages whose row, boundaries in the dump and sort positions were checked.
    pub pages: usize,
}

impl Index {
    /// Checks every file's checksum, then the structure: each row's strings and its `<page>` …
    /// `</page>` boundaries in the dump, both sort orders, and the FST against the titles.
    /// Costs a read of the whole index (not of the whole dump); returns the first problem found.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.verify_reading_dump(true)
    }

    /// [`Index::verify`] as a server runs it at every start: for a compressed dataset, without
    /// decoding the dump (hours for English Wikipedia). Its streams were decoded whole and
    /// checked by the build (the manifest's `compressed.verified_unix`); every page read checks
    /// its stream's bytes against their recorded sum (or, in formats 3 and 4, its CRCs) again.
    /// A plain dump is read as [`Index::verify`] reads it.
    pub fn verify_without_decoding(&self) -> Result<VerifyReport> {
        self.verify_reading_dump(self.streams.is_none())
    }

    fn verify_reading_dump(&self, dump: bool) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        for (name, sum) in &self.manifest.files {
            verify_file(&self.dir.join(name), *sum)?;
            report.files += 1;
            report.file_bytes += sum.bytes;
        }
        self.titles.verify()?;
        if dump {
            self.verify_streams()?;
        }
        // A compressed dump's pages were checked stream by stream, each stream decoded once.
        self.verify_rows(dump && self.streams.is_none())?;
        self.verify_order(crate::Case::Sensitive)?;
        self.verify_order(crate::Case::Insensitive)?;
        self.verify_titles()?;
        self.verify_title_slots()?;
        self.verify_sorted()?;
        self.verify_search()?;
        report.pages = self.len();
        Ok(report)
    }

    /// For a compressed dataset: every stream has its recorded sum (format 5 on) and decodes
    /// whole (its CRCs checked by the decoder)
    /// to exactly the bytes the stream table gives it, the pages that start in it are `<page>`
    /// elements at their offsets, and the XML's fingerprint is the manifest's. In parallel, one
    /// stream per task, each decoded once.
    fn verify_streams(&self) -> Result<()> {
        use rayon::prelude::*;
        let Some(m) = &self.streams else { return Ok(()) };
        m.table().check_order()?;
        let starts = self.offsets.as_slice();
        (0..m.table().len()).into_par_iter().try_for_each(|k| {
            let xml = m.decode_whole(&self.dump, k)?;
            let span = m.table().decoded(k);
            for row in starts.partition_point(|&s| s < span.start)..self.len() {
                let page = self.page(row)?;
                if page.start >= span.end {
                    break;
                }
                // A page cut by the end of its stream is read across streams (rare: Wikimedia's
                // streams hold whole pages).
                let ok = if page.end < span.end {
                    let at = |x: u64| (x - span.start) as usize;
                    xml.get(at(page.start)..=at(page.end)).is_some_and(crate::page_check::is_page_element)
                } else {
                    page.end < self.dump_len()
                        && crate::page_check::is_page_element(&self.read(page.start, page.end + 1)?)
                };
                if !ok {
                    let what = format!(
                        "row {row} ({:?}): bytes {}-{} of the XML are not a <page> element",
                        page.title, page.start, page.end
                    );
                    return Err(Error::corrupt(self.pages.path(), what));
                }
            }
            Ok(())
        })?;
        let len = self.dump_len();
        let span = (crate::manifest::FINGERPRINT_SPAN as u64).min(len);
        let (head, tail) = (self.read(0, span)?, self.read(len - span, len)?);
        if crate::manifest::fingerprint_of(len, &head, &tail) != self.manifest.dump.fingerprint {
            let what = "its XML's first or last MiB is not the one indexed".to_string();
            return Err(Error::DumpChanged { path: self.dump_path.clone(), what });
        }
        Ok(())
    }

    /// Each row against `offsets.npy` and the manifest's counts, and with `dump`, against the
    /// dump's bytes (a `<page>` element at its offsets).
    fn verify_rows(&self, dump: bool) -> Result<()> {
        let starts = self.offsets.as_slice();
        let mut redirects = 0u64;
        let mut title_bytes = 0u64;
        for row in 0..self.len() {
            let page = self.page(row)?;
            let bad = |what: String| Error::corrupt(self.pages.path(), format!("row {row} ({:?}): {what}", page.title));
            if starts[row] != page.start {
                return Err(bad(format!("start {} but offsets.npy says {}", page.start, starts[row])));
            }
            if row > 0 && starts[row - 1] >= page.start {
                return Err(bad("starts are not increasing".into()));
            }
            let (s, e) = (page.start, page.end);
            let in_range = e < self.dump_len() && e >= s;
            let ok = in_range
                && (!dump
                    || crate::page_check::is_page_element(&self.read(s, e + 1).map_err(|e| match e {
                        e @ Error::DumpDamaged { .. } => e,
                        e => bad(e.to_string()),
                    })?));
            if !ok {
                return Err(bad(format!("bytes {s}-{e} of the dump are not a <page> element")));
            }
            redirects += u64::from(page.redirect.is_some());
            title_bytes += page.title.len() as u64;
        }
        let c = &self.manifest.counts;
        if (redirects, title_bytes) != (c.redirects, c.title_bytes) {
            let what = format!(
                "{redirects} redirects and {title_bytes} title bytes, the manifest says {} and {}",
                c.redirects, c.title_bytes
            );
            return Err(Error::corrupt(self.pages.path(), what));
        }
        Ok(())
    }

    /// Checks that an order array is a permutation sorted by `(key, row)`.
    fn verify_order(&self, case: crate::Case) -> Result<()> {
        let order = self.order(case);
        let key = |row: u32| -> Result<String> {
            let title = self.pages.title(row as usize)?;
            Ok(if case == crate::Case::Sensitive { title.to_string() } else { fold(title) })
        };
        let mut seen = vec![false; self.len()];
        let mut prev: Option<(String, u32)> = None;
        for (rank, &row) in order.as_slice().iter().enumerate() {
            let bad = |what: &str| Error::corrupt(order.path(), format!("rank {rank}: {what}"));
            match seen.get_mut(row as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err(bad("row out of range or listed twice")),
            }
            let cur = (key(row)?, row);
            if prev.as_ref().is_some_and(|p| p.cmp(&cur) != Ordering::Less) {
                return Err(bad("not in sorted order"));
            }
            prev = Some(cur);
        }
        Ok(())
    }

    /// Checks the title-ordered copy against the page table, rank by rank (read in blocks of
    /// 65,536 ranks).
    fn verify_sorted(&self) -> Result<()> {
        let Some(copy) = &self.sorted else { return Ok(()) };
        let order = self.title_order.as_slice();
        for from in (0..order.len()).step_by(1 << 16) {
            let to = order.len().min(from + (1 << 16));
            for ((rank, &row), sorted) in (from..).zip(&order[from..to]).zip(self.sorted_spans_of(from..to)?) {
                let page = self.page(row as usize)?;
                if (sorted.title, sorted.start, sorted.end) != (page.title, page.start, page.end) {
                    let what = format!("rank {rank} holds {:?}, the page table {:?}", sorted.title, page.title);
                    return Err(Error::corrupt(copy.titles.path(), what));
                }
            }
        }
        Ok(())
    }

    /// Checks that the FST holds exactly the distinct titles, each mapped to the row of its
    /// first page, and that `title_rank.npy` is the inverse of `title_order.npy`.
    fn verify_titles(&self) -> Result<()> {
        let order = self.title_order.as_slice();
        if let Some(title_rank) = &self.title_rank {
            let ranks = title_rank.as_slice();
            if let Some(rank) = (0..order.len()).find(|&r| ranks.get(order[r] as usize) != Some(&(r as u32))) {
                let what = format!("not the inverse of title_order at rank {rank}");
                return Err(Error::corrupt(title_rank.path(), what));
            }
        }
        let path = self.dir.join(format::TITLES_FILE);
        let mut rank = 0usize;
        self.titles.for_each(|key, row| {
            let bad = |what: String| Error::corrupt(&path, format!("{:?}: {what}", String::from_utf8_lossy(key)));
            if order.get(rank).map(|&r| u64::from(r)) != Some(row) {
                return Err(bad(format!("maps to row {row}, expected the row at rank {rank}")));
            }
            let mut next = rank;
            while next < order.len() && self.pages.title(order[next] as usize)?.as_bytes() == key {
                next += 1;
            }
            if next == rank {
                return Err(bad(format!("is not the title at rank {rank}")));
            }
            rank = next;
            Ok(())
        })?;
        if rank != order.len() {
            return Err(Error::corrupt(&path, format!("titles from rank {rank} on are missing")));
        }
        Ok(())
    }

    /// Checks that `title_slots.npy` (format 7 on) finds every title at the row `titles.fst`
    /// gives it (checked against the page table above), from format 8 on with that row's span,
    /// and holds nothing else.
    fn verify_title_slots(&self) -> Result<()> {
        let Some(slots) = &self.title_slots else { return Ok(()) };
        self.titles.for_each(|key, row| {
            let title = std::str::from_utf8(key).map_err(|_| Error::corrupt(slots.path(), "a title is not UTF-8"))?;
            let found = slots.get(key, |c| self.row_titled(c.row, title))?;
            let Some(found) = found.filter(|c| u64::from(c.row) == row) else {
                let what = format!("finds {title:?} at {:?}, not at row {row}", found.map(|c| c.row));
                return Err(Error::corrupt(slots.path(), what));
            };
            let span = self.pages.start_end(found.row as usize)?;
            // A slot holds no span in format 7, nor for a page of 4 GiB or more.
            let long = span.1 < span.0 || crate::title_slots::length_field(span.0, span.1) == crate::title_slots::LONG;
            let want = (slots.has_spans() && !long).then_some(span);
            if found.span != want {
                let what = format!("holds {:?} for {title:?}, whose page is at bytes {span:?}", found.span);
                return Err(Error::corrupt(slots.path(), what));
            }
            Ok(())
        })?;
        let held = slots.held();
        if held != self.titles.len() {
            let what = format!("{held} slots hold a title; there are {} titles", self.titles.len());
            return Err(Error::corrupt(slots.path(), what));
        }
        Ok(())
    }
}
