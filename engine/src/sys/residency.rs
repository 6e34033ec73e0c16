//! Whether a mapped file's pages are in the page cache, asked of the kernel once per answer that
//! serves dump bytes from an event loop ([`Mmap::resident`](super::mmap::Mmap::resident)).
//!
//! Two ways, chosen once per map:
//!
//! - `cachestat(2)` (Linux 6.5 and later) counts the cached pages of a range of the *file*: a
//!   walk of the file's page-cache tree under RCU. It takes no lock of the process's address
//!   space and allocates nothing.
//! - `mincore(2)` asks the same of the *map*: it takes the address space's lock, finds the
//!   mapping, allocates a page for its answer and walks the page tables. On the 2-core VM of
//!   benches/RESULTS.md it cost 1.4–1.8 µs a call against 0.75–0.9 µs for `cachestat`.
//!
//! `cachestat` is used when a first call on the file succeeds; kernels without it (`ENOSYS`), or
//! that refuse it for a file the process neither owns nor could write (`EPERM`), get `mincore`.
//! Both say whether a read of the range needs no disk: a page cached but not yet mapped into the
//! process costs a minor fault, never a wait for a disk.

#![allow(unsafe_code)]

use std::fs::File;
use std::ops::Range;
use std::os::fd::AsRawFd;

/// `cachestat`'s number, the same on every architecture (it is newer than the unified table).
const SYS_CACHESTAT: libc::c_long = 451;

/// `struct cachestat_range` of `<linux/mman.h>`.
#[repr(C)]
struct CachestatRange {
    off: u64,
    len: u64,
}

/// `struct cachestat` of `<linux/mman.h>`: counts of pages.
#[repr(C)]
#[derive(Default)]
struct Cachestat {
    nr_cache: u64,
    nr_dirty: u64,
    nr_writeback: u64,
    nr_evicted: u64,
    nr_recently_evicted: u64,
}

/// How a map's residency is asked.
pub(super) enum Probe {
    /// `cachestat(2)` on the mapped file (a duplicate of its descriptor, kept with the map).
    Cachestat(File),
    /// `mincore(2)` on the map.
    Mincore,
}

impl Probe {
    /// `cachestat` on `file` when the kernel answers it for this file, else `mincore`.
    pub(super) fn for_file(file: &File) -> Probe {
        match file.try_clone() {
            Ok(own) if cachestat(&own, 0, 1).is_some() => Probe::Cachestat(own),
            _ => Probe::Mincore,
        }
    }

    /// Whether every page of `range` of `map` (a live map of the file this probe was made for)
    /// is in memory. `range` is non-empty and inside the map. On error: false (the careful answer).
    pub(super) fn resident(&self, map: &[u8], range: Range<usize>, page: usize) -> bool {
        match self {
            Probe::Cachestat(file) => {
                let first = range.start / page;
                let pages = (range.end - 1) / page - first + 1;
                let Ok(len) = u64::try_from(range.end - range.start) else { return false };
                cachestat(file, range.start as u64, len).is_some_and(|cached| cached == pages as u64)
            }
            Probe::Mincore => mincore(map, range, page),
        }
    }
}

/// The number of pages of `off..off + len` (rounded out to whole pages) in the page cache.
fn cachestat(file: &File, off: u64, len: u64) -> Option<u64> {
    let range = CachestatRange { off, len };
    let mut stat = Cachestat::default();
    // SAFETY: `range` and `stat` are valid, properly laid-out `repr(C)` structs that live for the
    // whole call; the kernel reads `range` and writes only `stat`. The descriptor is open (owned
    // by `file`). An unknown system call fails with `ENOSYS` and touches neither.
    let r = unsafe {
        libc::syscall(SYS_CACHESTAT, file.as_raw_fd(), &range as *const CachestatRange, &mut stat as *mut Cachestat, 0)
    };
    (r == 0).then_some(stat.nr_cache)
}

/// `mincore(2)` over `range` of `map`, a megabyte of pages per call.
fn mincore(map: &[u8], range: Range<usize>, page: usize) -> bool {
    let mut flags = [0u8; 256];
    let mut at = range.start / page * page;
    while at < range.end {
        let len = (range.end - at).min(flags.len() * page);
        let pages = len.div_ceil(page);
        // SAFETY: `at` is page-aligned and `at..at + len` lies inside `map` (a live mapping that
        // the caller keeps alive); `mincore` writes one byte per page of that range, `pages` <=
        // `flags.len()` bytes, into `flags`, and reads nothing else.
        let r = unsafe { libc::mincore(map.as_ptr().add(at) as *mut libc::c_void, len, flags.as_mut_ptr()) };
        if r != 0 || flags[..pages].iter().any(|f| f & 1 == 0) {
            return false;
        }
        at += len;
    }
    true
}
