//! One-dimensional NumPy `.npy` arrays: written with ndarray-npy, read zero-copy from a map.
//!
//! `offsets.npy` (uint64) is a public interface (`numpy.load` opens it); the two order arrays
//! (uint32) use the same container so that they, too, carry a magic string, a version and a
//! dtype, and open in NumPy for anyone who wants to look.

use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use ndarray::ArrayView1;
use ndarray_npy::{ViewElement, ViewNpyExt, WritableElement, WriteNpyExt};

use crate::error::{Error, Result};
use crate::sys::mmap::Mmap;

/// A mapped 1-D `.npy` array of `T` (`u32` or `u64`, little-endian).
#[derive(Clone)]
pub struct NpyArray<T> {
    map: Mmap,
    data: std::ops::Range<usize>,
    path: PathBuf,
    _t: PhantomData<T>,
}

impl<T: bytemuck::Pod + ViewElement> NpyArray<T> {
    /// Maps `path` and checks its header: magic, version, dtype, one dimension, alignment.
    pub fn open(path: &Path) -> Result<NpyArray<T>> {
        let map = Mmap::open(path)?;
        if !map.starts_with(b"\x93NUMPY") {
            return Err(Error::BadMagic { path: path.into(), expected: "NumPy .npy" });
        }
        let view = ArrayView1::<T>::view_npy(&map).map_err(|e| Error::corrupt(path, format!("{e}")))?;
        let start = view.as_ptr() as usize - map.as_ptr() as usize;
        let data = start..start + view.len() * size_of::<T>();
        Ok(NpyArray { map, data, path: path.into(), _t: PhantomData })
    }

    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        // `open` checked alignment and length through ndarray-npy; this cannot fail.
        bytemuck::cast_slice(&self.map[self.data.clone()])
    }

    /// The file this array was mapped from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes `values` as a 1-D `.npy` array to `w`.
pub fn write<T: WritableElement, W: Write>(values: &[T], w: W) -> std::io::Result<()> {
    ArrayView1::from(values).write_npy(w).map_err(|e| match e {
        ndarray_npy::WriteNpyError::Io(e) => e,
        e => std::io::Error::other(e),
    })
}
