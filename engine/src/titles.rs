//! `titles.fst`: every distinct title, mapped to its rank in bytewise title order.
//!
//! The value of a title is the position of its first page in `title_order.npy` (rows sorted by
//! title, then by row). So an exact lookup is one FST walk and one array read, and a prefix
//! listing is two lower-bound walks that give a contiguous slice of `title_order.npy`: no
//! enumeration of the FST, whatever the number of hits.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::mmap::Mmap;

/// The mapped title FST.
#[derive(Clone)]
pub struct Titles {
    fst: fst::Map<Mmap>,
    path: PathBuf,
}

impl Titles {
    /// Maps `path` and checks the fst header (magic and version) and length.
    pub fn open(path: &Path) -> Result<Titles> {
        let map = Mmap::open(path)?;
        let fst = fst::Map::new(map).map_err(|e| match e {
            fst::Error::Fst(fst::raw::Error::Version { expected, got }) => Error::Version {
                path: path.into(),
                expected: expected as u32,
                found: got.to_string(),
            },
            e => Error::corrupt(path, e.to_string()),
        })?;
        Ok(Titles {
            fst,
            path: path.into(),
        })
    }

    /// Number of distinct titles.
    pub fn len(&self) -> usize {
        self.fst.len()
    }

    /// True when there are no titles.
    pub fn is_empty(&self) -> bool {
        self.fst.is_empty()
    }

    /// The rank of `title`'s first page, if the title exists.
    pub fn rank(&self, title: &[u8]) -> Option<u64> {
        self.fst.get(title)
    }

    /// The rank of the first title that is `>= key` bytewise, or `None` past the last title.
    pub fn lower_bound(&self, key: &[u8]) -> Option<u64> {
        use fst::{IntoStreamer, Streamer};
        let mut stream = self.fst.range().ge(key).into_stream();
        stream.next().map(|(_, rank)| rank)
    }

    /// Checks the FST's own checksum and that its values increase with its keys.
    pub fn verify(&self) -> Result<()> {
        use fst::Streamer;
        self.fst
            .as_fst()
            .verify()
            .map_err(|e| Error::corrupt(&self.path, e.to_string()))?;
        let mut stream = self.fst.stream();
        let mut last: Option<u64> = None;
        while let Some((key, rank)) = stream.next() {
            if last.is_some_and(|l| rank <= l) {
                let key = String::from_utf8_lossy(key);
                return Err(Error::corrupt(
                    &self.path,
                    format!("rank of {key:?} does not increase"),
                ));
            }
            last = Some(rank);
        }
        Ok(())
    }

    /// Every `(title, rank)` in order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], u64) -> Result<()>) -> Result<()> {
        use fst::Streamer;
        let mut stream = self.fst.stream();
        while let Some((key, rank)) = stream.next() {
            f(key, rank)?;
        }
        Ok(())
    }
}

/// Streams `(title, rank)` pairs, strictly increasing by title, into an FST written to `w`.
pub fn write<'a, W: Write>(w: W, pairs: impl Iterator<Item = (&'a str, u64)>) -> Result<W> {
    let fst_err = |e: fst::Error| Error::InvalidInput(format!("titles FST: {e}"));
    let mut builder = fst::MapBuilder::new(w).map_err(fst_err)?;
    for (title, rank) in pairs {
        builder.insert(title, rank).map_err(fst_err)?;
    }
    builder.into_inner().map_err(fst_err)
}
