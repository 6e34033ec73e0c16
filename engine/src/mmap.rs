//! Read-only memory maps: the only `unsafe` code in the engine.
//!
//! # Safety
//!
//! Mapping a file is `unsafe` because the bytes behind a `&[u8]` can change if another process
//! writes to or truncates the file while it is mapped: a write changes bytes the program assumed
//! immutable, and a truncation turns a read of the lost tail into `SIGBUS`.
//!
//! Folio's files are written once, to a temporary directory, and published by an atomic rename;
//! nothing Folio does ever writes to a published file again, and a rebuild replaces the directory
//! rather than rewriting files in place. The engine never hands out `&str` or typed views that it
//! did not re-check on access (string offsets are bounds-checked and UTF-8 validated when read),
//! so changed bytes can give wrong answers but never undefined behaviour in safe code. The
//! remaining hazard, a dump file truncated by someone else while mapped, is documented in
//! ARCHITECTURE.md and checked at open (size and fingerprint against the manifest).

use std::fs::File;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};

/// A cheaply cloneable, read-only memory map of a whole file.
///
/// Clones share one mapping; the mapping lives until the last clone is dropped, so slices handed
/// to other threads (or to an HTTP response body) stay valid even after the file is unlinked.
#[derive(Clone)]
pub struct Mmap {
    inner: Arc<Inner>,
}

enum Inner {
    Map(memmap2::Mmap),
    // `mmap(2)` refuses zero-length files; an empty file is an empty slice.
    Empty,
}

impl Mmap {
    /// Maps the file at `path` read-only.
    pub fn open(path: &Path) -> Result<Mmap> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        Mmap::from_file(&file, path)
    }

    /// Maps an open file read-only; `path` is only used in error messages.
    pub fn from_file(file: &File, path: &Path) -> Result<Mmap> {
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let inner = if len == 0 {
            Inner::Empty
        } else {
            // SAFETY: see the module documentation. The map is read-only, and every file Folio
            // maps is either published immutable by Folio or a dump that the index checks
            // against its manifest (size and fingerprint) before use.
            #[allow(unsafe_code)]
            let map = unsafe { memmap2::MmapOptions::new().map(file) }.map_err(|e| Error::io(path, e))?;
            Inner::Map(map)
        };
        Ok(Mmap { inner: Arc::new(inner) })
    }

    /// Tells the kernel the map will be read front to back (a scan); errors are ignored.
    pub fn advise_sequential(&self) {
        if let Inner::Map(m) = &*self.inner {
            let _ = m.advise(memmap2::Advice::Sequential);
        }
    }

    /// Tells the kernel the map will be read at random (lookups); errors are ignored.
    pub fn advise_random(&self) {
        if let Inner::Map(m) = &*self.inner {
            let _ = m.advise(memmap2::Advice::Random);
        }
    }

    /// A clone of the map restricted to `range`; `None` when the range is out of bounds.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Option<MmapSlice> {
        if range.start <= range.end && range.end <= self.len() {
            Some(MmapSlice { map: self.clone(), range })
        } else {
            None
        }
    }
}

impl Deref for Mmap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &*self.inner {
            Inner::Map(m) => m,
            Inner::Empty => &[],
        }
    }
}

impl AsRef<[u8]> for Mmap {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for Mmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mmap({} bytes)", self.len())
    }
}

/// An owned, zero-copy slice of a [`Mmap`]: a page's bytes, handed to an HTTP body without copying.
#[derive(Clone)]
pub struct MmapSlice {
    map: Mmap,
    range: std::ops::Range<usize>,
}

impl MmapSlice {
    /// The byte range of the mapped file this slice covers.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.range.clone()
    }
}

impl Deref for MmapSlice {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map[self.range.clone()]
    }
}

impl AsRef<[u8]> for MmapSlice {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for MmapSlice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MmapSlice({:?})", self.range)
    }
}
