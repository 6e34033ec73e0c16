//! `titles.fst`: every distinct title, mapped to the row of its page in `pages.arrow`.
//!
//! When a title occurs on several pages, its value is the first of them in dump order. An exact
//! lookup is one FST walk. A prefix listing is two lower-bound walks whose rows `title_rank.npy`
//! turns into positions in `title_order.npy` (rows sorted by title, then row): the hits are the
//! slice between them, with no enumeration of the FST whatever their number.
//!
//! The keys are cut into shards by key range, one fst map each, so that the shards are built in
//! parallel; a small directory at the head of the file lists each shard's first key, and a
//! lookup first picks the shard by binary search over those keys. Layout in `engine/FORMAT.md`.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::sys::mmap::{Mmap, MmapSlice};

/// Magic bytes at the start of `titles.fst`.
pub const MAGIC: &[u8; 8] = b"FOLIOFST";
/// Version of the `titles.fst` container.
pub const VERSION: u32 = 1;
/// Keys per shard (the last shard may hold fewer).
pub const SHARD_KEYS: usize = 1 << 16;
const ENTRY: usize = 32;

struct Shard {
    first_key: Vec<u8>,
    first_row: u64,
    fst: fst::Map<MmapSlice>,
}

/// The mapped title FST.
pub struct Titles {
    shards: Vec<Shard>,
    path: PathBuf,
}

impl Titles {
    /// Maps `path` and reads its shard directory; checks magic and versions (the container's
    /// and each fst's).
    pub fn open(path: &Path) -> Result<Titles> {
        let map = Mmap::open(path)?;
        let corrupt = |what: String| Error::corrupt(path, what);
        if map.len() < 16 || &map[..8] != MAGIC {
            return Err(Error::BadMagic { path: path.into(), expected: "Folio titles FST" });
        }
        let u32_at = |at: usize| u32::from_le_bytes(map[at..at + 4].try_into().expect("4 bytes"));
        let version = u32_at(8);
        if version != VERSION {
            return Err(Error::Version { path: path.into(), expected: VERSION, found: version.to_string() });
        }
        let count = u32_at(12) as usize;
        if count.checked_mul(ENTRY).and_then(|n| n.checked_add(16)).is_none_or(|end| end > map.len()) {
            return Err(corrupt(format!("{count} shards do not fit in the file")));
        }
        let mut shards = Vec::with_capacity(count);
        for i in 0..count {
            let e = &map[16 + i * ENTRY..16 + (i + 1) * ENTRY];
            let u64_at = |at: usize| u64::from_le_bytes(e[at..at + 8].try_into().expect("8 bytes"));
            let (offset, len, first_row) = (u64_at(0) as usize, u64_at(8) as usize, u64_at(16));
            let (key_at, key_len) = (u32_at(16 + i * ENTRY + 24) as usize, u32_at(16 + i * ENTRY + 28) as usize);
            let first_key =
                map.get(key_at..key_at + key_len).ok_or_else(|| corrupt(format!("shard {i}: key out of range")))?;
            let bytes =
                map.slice(offset..offset + len).ok_or_else(|| corrupt(format!("shard {i}: fst out of range")))?;
            let fst = fst::Map::new(bytes).map_err(|e| match e {
                fst::Error::Fst(fst::raw::Error::Version { expected, got }) => {
                    Error::Version { path: path.into(), expected: expected as u32, found: got.to_string() }
                }
                e => corrupt(format!("shard {i}: {e}")),
            })?;
            shards.push(Shard { first_key: first_key.to_vec(), first_row, fst });
        }
        if shards.windows(2).any(|w| w[0].first_key >= w[1].first_key) {
            return Err(corrupt("shard directory is not in key order".into()));
        }
        Ok(Titles { shards, path: path.into() })
    }

    /// Number of distinct titles.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.fst.len()).sum()
    }

    /// True when there are no titles.
    pub fn is_empty(&self) -> bool {
        self.shards.is_empty()
    }

    /// Index of the shard whose key range holds `key`, or `None` when `key` sorts before all.
    fn shard_of(&self, key: &[u8]) -> Option<usize> {
        self.shards.partition_point(|s| s.first_key.as_slice() <= key).checked_sub(1)
    }

    /// The maps of the shards that may hold keys starting with `prefix`, each with the value of
    /// the next shard's first key (`None` for the last shard).
    pub(crate) fn maps_with_prefix(&self, prefix: &[u8]) -> impl Iterator<Item = (&fst::Map<MmapSlice>, Option<u64>)> {
        let lo = self.shard_of(prefix).unwrap_or(0);
        let hi = match crate::prefix::successor(prefix) {
            Some(next) => self.shard_of(&next).map_or(0, |i| i + 1),
            None => self.shards.len(),
        };
        let next = |i: usize| self.shards.get(i + 1).map(|s| s.first_row);
        (lo..hi.max(lo)).map(move |i| (&self.shards[i].fst, next(i)))
    }

    /// The row of `title`'s first page, if the title exists.
    pub fn get(&self, title: &[u8]) -> Option<u64> {
        self.shards[self.shard_of(title)?].fst.get(title)
    }

    /// The row of the first title that is `>= key` bytewise, or `None` past the last title.
    pub fn lower_bound(&self, key: &[u8]) -> Option<u64> {
        use fst::{IntoStreamer, Streamer};
        let Some(i) = self.shard_of(key) else { return self.shards.first().map(|s| s.first_row) };
        let mut stream = self.shards[i].fst.range().ge(key).into_stream();
        match stream.next() {
            Some((_, row)) => Some(row),
            None => self.shards.get(i + 1).map(|s| s.first_row),
        }
    }

    /// Checks each fst's own checksum and that each shard starts at its directory entry; keys
    /// increasing across shards is checked by [`Titles::for_each`]'s callers.
    pub fn verify(&self) -> Result<()> {
        for (i, shard) in self.shards.iter().enumerate() {
            shard.fst.as_fst().verify().map_err(|e| Error::corrupt(&self.path, format!("shard {i}: {e}")))?;
            if shard.fst.get(&shard.first_key) != Some(shard.first_row) {
                return Err(Error::corrupt(&self.path, format!("shard {i}: first key does not match the directory")));
            }
        }
        Ok(())
    }

    /// Every `(title, row)` in title order.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], u64) -> Result<()>) -> Result<()> {
        use fst::Streamer;
        for shard in &self.shards {
            let mut stream = shard.fst.stream();
            while let Some((key, row)) = stream.next() {
                f(key, row)?;
            }
        }
        Ok(())
    }
}

/// Builds `titles.fst` from the distinct titles in increasing order and their rows
/// (`key(i)` is the i-th distinct title, `rows[i]` the row of its first page), one shard per
/// [`SHARD_KEYS`] keys, the shards in parallel, and writes it to `w`.
pub fn write<'a, W: Write>(mut w: W, rows: &[u32], key: impl Fn(usize) -> &'a [u8] + Sync) -> Result<()> {
    let fst_err = |e: fst::Error| Error::InvalidInput(format!("titles FST: {e}"));
    let pieces: Vec<std::ops::Range<usize>> =
        (0..rows.len()).step_by(SHARD_KEYS).map(|s| s..rows.len().min(s + SHARD_KEYS)).collect();
    let fsts: Vec<Vec<u8>> = pieces
        .par_iter()
        .map(|piece| {
            // About one byte of FST per key byte for unrelated titles: avoids regrowing the buffer.
            let capacity: usize = piece.clone().map(|i| key(i).len()).sum();
            let mut builder = fst::MapBuilder::new(Vec::with_capacity(capacity)).map_err(fst_err)?;
            for i in piece.clone() {
                builder.insert(key(i), u64::from(rows[i])).map_err(fst_err)?;
            }
            builder.into_inner().map_err(fst_err)
        })
        .collect::<Result<_>>()?;
    let keys: Vec<&[u8]> = pieces.iter().map(|p| key(p.start)).collect();
    let dir_end = 16 + pieces.len() * ENTRY;
    let keys_len: usize = keys.iter().map(|k| k.len()).sum();
    let mut offset = (dir_end + keys_len).next_multiple_of(8);
    let mut head = Vec::with_capacity(offset);
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&VERSION.to_le_bytes());
    head.extend_from_slice(&(pieces.len() as u32).to_le_bytes());
    let mut key_at = dir_end;
    for ((piece, fst), key) in pieces.iter().zip(&fsts).zip(&keys) {
        head.extend_from_slice(&(offset as u64).to_le_bytes());
        head.extend_from_slice(&(fst.len() as u64).to_le_bytes());
        head.extend_from_slice(&u64::from(rows[piece.start]).to_le_bytes());
        head.extend_from_slice(&(key_at as u32).to_le_bytes());
        head.extend_from_slice(&(key.len() as u32).to_le_bytes());
        key_at += key.len();
        offset = (offset + fst.len()).next_multiple_of(8);
    }
    keys.iter().for_each(|k| head.extend_from_slice(k));
    head.resize(head.len().next_multiple_of(8), 0);
    let io = |e| Error::io("titles.fst", e);
    w.write_all(&head).map_err(io)?;
    for fst in &fsts {
        w.write_all(fst).map_err(io)?;
        w.write_all(&[0u8; 8][..fst.len().next_multiple_of(8) - fst.len()]).map_err(io)?;
    }
    Ok(())
}
