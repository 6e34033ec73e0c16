//! [`Lease`]: a read lease on the dump (`fcntl(F_SETLEASE, F_RDLCK)`), so that "has anyone
//! written to it since?" costs an atomic load instead of an `fstat` per answer.
//!
//! # What a lease promises
//!
//! While a process holds a read lease on a file, the kernel lets no one open that file for
//! writing or truncate it without telling the holder first: the opener (or `truncate(2)`) is
//! held in the kernel, and the holder gets a signal (`SIGIO`), until the holder gives the lease
//! up (or `/proc/sys/fs/lease-break-time` seconds pass). A lease is refused while anyone has
//! the file open for writing or mapped writable, so a lease taken means no writer exists yet.
//!
//! The handler installed here asks each lease Folio holds whether it is being broken
//! (`F_GETLEASE` reads `F_UNLCK` once a break is pending) and, for each that is, first counts
//! the break (a counter per lease, `SeqCst`) and then gives the lease up. A writer therefore
//! changes a byte only after the count has moved. A reader that read page bytes, then (after an
//! acquire fence) sees the count unchanged since its lease was taken, read bytes no writer has
//! touched: [`Lease::intact`]. Once the count moved, the lease reads as broken for good and
//! callers go back to checking the file's size and mtime themselves (`Index::check_dump`), which
//! is what they did before leases; a break that was only an open, not a write, costs speed, not
//! correctness. The one gap: a process stopped (`SIGSTOP`) for longer than the break time lets
//! the writer go ahead, and once continued, a thread may finish an answer before another has
//! run the pending handler.
//!
//! # Safety
//!
//! The handler does two things, both async-signal-safe: atomic adds and `fcntl(2)` on file
//! descriptors read from a table of atomics. A descriptor is removed from the table before the
//! lease's own duplicate of it is closed, so the handler can at worst call `F_SETLEASE, F_UNLCK`
//! on a descriptor number just closed and reused, which on a file without our lease does
//! nothing. Any handler installed for `SIGIO` before ours is chained to
//! ([`super::signal::Previous`]), as the `SIGBUS` guard does.

#![allow(unsafe_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering, fence};

use super::signal::Previous;

/// How many leases can be held at once (one per open dataset); past it, none is taken.
const SLOTS: usize = 256;

/// The descriptors of the leases held (-1: a free slot), and how many times each slot's lease
/// was broken.
static FDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(-1) }; SLOTS];
static BREAKS: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

/// A read lease on a file, held until dropped.
pub struct Lease {
    /// Our own descriptor of the file (a duplicate: the lease belongs to the open file).
    file: File,
    slot: usize,
    /// The slot's count of [`BREAKS`] when the lease was taken.
    taken_at: u64,
}

impl Lease {
    /// Takes a read lease on `file`; `None` when the kernel refuses (the file is open for
    /// writing somewhere, belongs to another user, lives on a file system without leases, or
    /// leases are turned off) or the handler cannot be installed.
    pub fn take(file: &File) -> Option<Lease> {
        if !install() {
            return None;
        }
        let file = file.try_clone().ok()?;
        let fd = file.as_raw_fd();
        let slot = FDS.iter().position(|s| s.compare_exchange(-1, fd, Ordering::AcqRel, Ordering::Acquire).is_ok())?;
        // Read before the lease exists: a break counted from here on makes this lease read as
        // broken, even one counted before it was granted (the handler found none yet).
        let taken_at = BREAKS[slot].load(Ordering::SeqCst);
        // SAFETY: `fcntl` on a descriptor we own, with integer arguments.
        let r = unsafe { libc::fcntl(fd, libc::F_SETLEASE, libc::F_RDLCK) };
        if r != 0 {
            FDS[slot].store(-1, Ordering::Release);
            return None;
        }
        Some(Lease { file, slot, taken_at })
    }

    /// Whether the lease is still held: nobody has opened the file for writing or truncated it
    /// since it was taken. Call it after reading the bytes it vouches for.
    pub fn intact(&self) -> bool {
        // The reads of the file's bytes before this call happen before the load below.
        fence(Ordering::Acquire);
        BREAKS[self.slot].load(Ordering::SeqCst) == self.taken_at
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Out of the handler's table first, then given up; `file` closes after this body.
        FDS[self.slot].store(-1, Ordering::SeqCst);
        // SAFETY: as in `take`.
        unsafe {
            libc::fcntl(self.file.as_raw_fd(), libc::F_SETLEASE, libc::F_UNLCK);
        }
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("intact", &self.intact()).finish()
    }
}

/// The action that was installed for `SIGIO` before ours, to chain to.
static PREVIOUS: OnceLock<Option<Previous>> = OnceLock::new();

fn install() -> bool {
    // SA_RESTART: a system call of ours interrupted by the break (a test opening its own dump
    // for writing) is restarted.
    PREVIOUS.get_or_init(|| Previous::install(libc::SIGIO, on_break, libc::SA_RESTART)).is_some()
}

extern "C" fn on_break(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    for (fd, breaks) in FDS.iter().zip(&BREAKS) {
        let fd = fd.load(Ordering::SeqCst);
        // SAFETY: see the module docs; fcntl is async-signal-safe.
        if fd >= 0 && unsafe { libc::fcntl(fd, libc::F_GETLEASE) } != libc::F_RDLCK {
            breaks.fetch_add(1, Ordering::SeqCst);
            // SAFETY: as above.
            unsafe {
                libc::fcntl(fd, libc::F_SETLEASE, libc::F_UNLCK);
            }
        }
    }
    if let Some(Some(prev)) = PREVIOUS.get() {
        prev.chain(signal, info, context);
    }
}

#[cfg(test)]
mod tests {
    use super::Lease;
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;

    /// Whether `/proc/locks` lists a read lease of this process on the file `inode`.
    fn leased(inode: u64) -> bool {
        let me = std::process::id().to_string();
        std::fs::read_to_string("/proc/locks").unwrap().lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.contains(&"LEASE")
                && f.contains(&"READ")
                && f.contains(&me.as_str())
                && f.iter().any(|x| x.rsplit(':').next() == Some(&inode.to_string()))
        })
    }

    /// Whether the kernel grants leases on files under `dir`: leases enabled, and a local file
    /// system known to support them (ext2/3/4, xfs, btrfs, tmpfs).
    fn grants_leases(dir: &std::path::Path) -> bool {
        let enabled = std::fs::read_to_string("/proc/sys/fs/leases-enable").is_ok_and(|s| s.trim() == "1");
        let kind = rustix::fs::statfs(dir).unwrap().f_type as u64;
        enabled && [0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994].contains(&kind)
    }

    #[test]
    fn a_lease_is_held_until_someone_opens_the_file_for_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.xml");
        std::fs::write(&path, b"<mediawiki>").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let inode = file.metadata().unwrap().ino();
        let lease = Lease::take(&file);
        if lease.is_none() && !grants_leases(dir.path()) {
            // Callers fall back to an fstat per check there, which the index's tests cover.
            return;
        }
        let lease = lease.expect("a local file system with leases enabled grants a read lease");
        assert!(lease.intact());
        assert!(leased(inode), "the kernel lists the lease");
        // Readers do not break it.
        drop(std::fs::File::open(&path).unwrap());
        assert!(lease.intact());
        // A writer does: its open waits until the handler has counted the break and given the
        // lease up (on this thread or another), then goes ahead.
        let mut w = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        assert!(!lease.intact(), "the break was counted before the writer could write");
        assert!(!leased(inode), "and the lease was given up");
        w.write_all(b"changed").unwrap();
        drop(w);
        // A lease taken after the break is good again.
        let again = std::fs::File::open(&path).unwrap();
        let second = Lease::take(&again).expect("no writer is left");
        assert!(second.intact());
        assert!(!lease.intact(), "a broken lease stays broken");
        drop(second);
        assert!(!leased(inode), "dropping a lease gives it up");
    }

    #[test]
    fn no_lease_while_the_file_is_open_for_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.xml");
        let w = std::fs::File::create(&path).unwrap();
        let r = std::fs::File::open(&path).unwrap();
        assert!(Lease::take(&r).is_none(), "a writer exists: the kernel refuses");
        drop(w);
    }
}
