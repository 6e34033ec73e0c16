//! Read-only memory maps and the `SIGBUS` guard: the only `unsafe` code in the engine.
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
//! so changed bytes can give wrong answers but never undefined behaviour in safe code.
//!
//! The remaining hazard is a file truncated by someone else while mapped (a dump being
//! re-downloaded in place, say): reading its lost tail raises `SIGBUS`, which kills the process.
//! [`Mmap`] registers every map with a process-wide `SIGBUS` handler (installed once, chaining to
//! any handler that was there before). When a fault lands inside a registered map, the handler
//! maps anonymous zero pages over the lost part (`MAP_FIXED`, from the faulting page to the end of
//! the map), counts the fault, and returns, so the read completes with zeros instead of killing
//! every request in flight. Callers that serve bytes check [`Mmap::faults`] (and the file's size
//! and mtime, see `Index::check_dump`) after reading, so zeros are never served as page bytes. A
//! fault outside every registered map is handed to the previous handler, or to the default action.
//! `mmap(2)` is not on POSIX's list of async-signal-safe functions, but on Linux it is a plain
//! system call that takes no user-space lock, which is what matters inside a handler; the handler
//! otherwise only reads and writes atomics.

use std::fs::File;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use super::residency::Probe;
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
    Map(Mapped),
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
            let slot = guard::register(map.as_ptr() as usize, map.len());
            Inner::Map(Mapped { map, slot, probe: Probe::for_file(file) })
        };
        Ok(Mmap { inner: Arc::new(inner) })
    }

    /// Tells the kernel the map will be read front to back (a scan); errors are ignored.
    pub fn advise_sequential(&self) {
        if let Inner::Map(m) = &*self.inner {
            let _ = m.map.advise(memmap2::Advice::Sequential);
        }
    }

    /// Tells the kernel the map will be read at random (lookups); errors are ignored.
    pub fn advise_random(&self) {
        if let Inner::Map(m) = &*self.inner {
            let _ = m.map.advise(memmap2::Advice::Random);
        }
    }

    /// Whether every page of `range` is in memory now (`cachestat(2)` on the file, or
    /// `mincore(2)` on the map: see `sys/residency.rs`), so that reading it takes
    /// no disk read. Out of bounds or on error: false (the careful answer).
    pub fn resident(&self, range: std::ops::Range<usize>) -> bool {
        let Inner::Map(m) = &*self.inner else { return true };
        if range.start >= range.end {
            return true;
        }
        if range.end > m.map.len() {
            return false;
        }
        m.probe.resident(&m.map, range, page_size())
    }

    /// Brings `range` into memory: asks the kernel to read it ahead (`MADV_WILLNEED`, one
    /// request for the whole range) and then reads a byte of each page, so that the faults are
    /// taken here (on a thread that may block) and not by whoever reads the range next.
    pub fn fault_in(&self, range: std::ops::Range<usize>) {
        let Inner::Map(m) = &*self.inner else { return };
        let end = range.end.min(m.map.len());
        if range.start >= end {
            return;
        }
        let _ = m.map.advise_range(memmap2::Advice::WillNeed, range.start, end - range.start);
        let page = page_size();
        let mut sum = 0u8;
        for at in (range.start / page * page..end).step_by(page) {
            sum = sum.wrapping_add(m.map[at.max(range.start)]);
        }
        std::hint::black_box(sum);
    }

    /// How many reads of this map faulted because its file shrank after it was mapped (the lost
    /// part now reads as zeros; see the module documentation). Zero for a healthy map.
    pub fn faults(&self) -> u64 {
        match &*self.inner {
            Inner::Map(m) => m.slot.map_or(0, guard::faults),
            Inner::Empty => 0,
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

/// The size of a memory page.
fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: `sysconf` reads a configuration value and has no preconditions.
        #[allow(unsafe_code)]
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(n).ok().filter(|n| n.is_power_of_two()).unwrap_or(4096)
    })
}

/// A live map, its slot in the `SIGBUS` guard's table (none when the table is full), and how
/// its residency is asked.
struct Mapped {
    map: memmap2::Mmap,
    slot: Option<usize>,
    probe: Probe,
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // Unregister before `memmap2` unmaps (fields drop after this body).
        if let Some(slot) = self.slot {
            guard::unregister(slot);
        }
    }
}

impl Deref for Mmap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &*self.inner {
            Inner::Map(m) => &m.map,
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

/// The process-wide `SIGBUS` handler and its table of registered maps.
#[allow(unsafe_code)]
mod guard {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use super::super::signal::Previous;

    const SLOTS: usize = 1024;

    struct Slot {
        start: AtomicUsize,
        len: AtomicUsize,
        faults: AtomicU64,
    }

    static TABLE: [Slot; SLOTS] =
        [const { Slot { start: AtomicUsize::new(0), len: AtomicUsize::new(0), faults: AtomicU64::new(0) } }; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(4096);

    /// The action that was installed before ours, to chain to.
    static PREVIOUS: OnceLock<Option<Previous>> = OnceLock::new();

    fn install() -> bool {
        PREVIOUS
            .get_or_init(|| {
                // SAFETY: sysconf reads a configuration value and has no preconditions.
                let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
                if page > 0 {
                    PAGE.store(page as usize, Ordering::Relaxed);
                }
                // The handler only touches atomics, the table and mmap (see the module docs).
                Previous::install(libc::SIGBUS, on_sigbus, libc::SA_ONSTACK)
            })
            .is_some()
    }

    /// Registers the map at `start..start + len`; `None` when the handler could not be
    /// installed or the table is full (the map then works unguarded, as any map does).
    pub(super) fn register(start: usize, len: usize) -> Option<usize> {
        if !install() {
            return None;
        }
        let slot = TABLE
            .iter()
            .position(|s| s.start.compare_exchange(0, usize::MAX, Ordering::AcqRel, Ordering::Acquire).is_ok())?;
        let s = &TABLE[slot];
        s.faults.store(0, Ordering::Relaxed);
        s.len.store(len, Ordering::Release);
        s.start.store(start, Ordering::Release);
        Some(slot)
    }

    pub(super) fn unregister(slot: usize) {
        let s = &TABLE[slot];
        s.len.store(0, Ordering::Release);
        s.start.store(0, Ordering::Release);
    }

    pub(super) fn faults(slot: usize) -> u64 {
        TABLE[slot].faults.load(Ordering::Acquire)
    }

    extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        // SAFETY: the kernel hands a valid siginfo to an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        for s in &TABLE {
            let start = s.start.load(Ordering::Acquire);
            if start == 0 || start == usize::MAX {
                continue;
            }
            let len = s.len.load(Ordering::Acquire);
            if addr < start || addr - start >= len {
                continue;
            }
            let page = PAGE.load(Ordering::Relaxed);
            let from = addr & !(page - 1);
            let to = (start + len).div_ceil(page) * page;
            // SAFETY: `from..to` lies inside a live, registered, read-only map (it is unregistered
            // before it is unmapped); replacing those pages with zero pages changes what reads
            // see but never makes any address invalid.
            let zeros = unsafe {
                libc::mmap(
                    from as *mut libc::c_void,
                    to - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if zeros != libc::MAP_FAILED {
                s.faults.fetch_add(1, Ordering::AcqRel);
                return;
            }
            break;
        }
        // Not ours: chain to the previous handler, or restore the default action and return so
        // the faulting read happens again and ends the process as it would have without us.
        if let Some(Some(prev)) = PREVIOUS.get()
            && prev.chain(signal, info, context)
        {
            return;
        }
        // SAFETY: sigaction with a zeroed struct (the default action); async-signal-safe.
        unsafe {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &default, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Mmap;
    use crate::sys::residency::Probe;

    #[test]
    fn residency_follows_the_page_cache_and_fault_in_brings_pages_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.xml");
        let len = 4 << 20;
        std::fs::write(&path, vec![b'x'; len]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        file.sync_all().unwrap();
        // Clean pages no process maps: the kernel drops them on request.
        rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::DontNeed).unwrap();
        let map = Mmap::from_file(&file, &path).unwrap();
        // What `resident` answers, and what each way of asking answers (`cachestat` only where
        // this kernel has it): all the same.
        let mut probes = vec![Probe::Mincore];
        if let probe @ Probe::Cachestat(_) = Probe::for_file(&file) {
            probes.push(probe);
        }
        let says = |range: std::ops::Range<usize>| {
            let answer = map.resident(range.clone());
            for probe in &probes {
                if !range.is_empty() && range.end <= len {
                    assert_eq!(probe.resident(&map, range.clone(), super::page_size()), answer, "{range:?}");
                }
            }
            answer
        };
        assert!(!says(0..len), "the file's pages were dropped from the page cache");
        assert!(!says(len - 10..len));
        map.fault_in(4096..(2 << 20));
        assert!(says(4096..(2 << 20)), "fault_in read the range");
        assert!(says(5000..6000));
        assert!(!says(len - 4096..len), "and not the whole file");
        map.fault_in(0..len);
        assert!(says(0..len));
        assert!(says(7..7), "an empty range takes no read");
        assert!(!says(0..len + 1), "out of bounds: not served from memory");
    }

    #[test]
    fn a_file_truncated_under_its_map_reads_zeros_and_counts_the_fault() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.xml");
        let page = 64 << 10; // at least one page on every platform
        std::fs::write(&path, vec![b'x'; 4 * page]).unwrap();
        let map = Mmap::open(&path).unwrap();
        assert_eq!(map[3 * page], b'x');
        assert_eq!(map.faults(), 0);
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(page as u64).unwrap();
        // Without the guard this read would kill the test process with SIGBUS.
        let tail = std::hint::black_box(map[3 * page + 7]);
        assert_eq!(tail, 0);
        assert!(map.faults() >= 1);
        assert_eq!(map[10], b'x', "the part that is still in the file reads as before");
        let other = Mmap::open(&path).unwrap();
        assert_eq!(other.faults(), 0, "faults are counted per map");
    }
}
