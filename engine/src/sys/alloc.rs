//! [`Metered`]: a global allocator wrapper that counts live heap bytes and, once armed, refuses
//! any allocation that would take them past a limit.
//!
//! The SQL worker process (`sql::worker`) installs it (the binary declares
//! `#[global_allocator] static A: Metered<MiMalloc> = Metered::new(MiMalloc);`), arms it with a
//! query's memory limit when the query starts ([`arm`]) and disarms it when the answer is written
//! ([`disarm`]). DataFusion reserves memory for its operators from its own pool, but a scalar
//! function whose output size comes from an argument (`repeat`, `lpad`, `array_repeat`) allocates
//! whatever it is asked for; at the allocator nothing escapes the count. A refused allocation is
//! fatal to the worker (Rust aborts on allocation failure); before refusing, the wrapper writes
//! [`MEMORY_LIMIT_MARKER`] to standard error so the server can tell the worker's death apart from
//! any other crash and answer "memory limit".
//!
//! While disarmed (the server process, or a worker between queries) the wrapper costs one relaxed
//! load of a flag per call and counts nothing.
//!
//! # Safety
//!
//! `GlobalAlloc` is an `unsafe` trait: the implementation must return memory that satisfies the
//! layout or null. [`Metered`] forwards every call unchanged to the wrapped allocator, with the
//! same pointer and layout, and returns the wrapped allocator's result, or null without calling
//! it; so it upholds exactly the contract the wrapped allocator upholds. It never allocates itself
//! and never unwinds: its bookkeeping is atomics, and the marker is one `write(2)` of a static
//! byte string, which is async-signal-safe and takes no lock.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// What a worker writes to standard error just before an allocation past its limit is refused
/// (and the process aborts).
pub const MEMORY_LIMIT_MARKER: &str = "folio-sql-worker: memory limit reached, allocation refused";

static ARMED: AtomicBool = AtomicBool::new(false);
/// Bytes allocated and not yet freed since the meter was armed (frees of older blocks may take
/// it below zero).
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// The most `LIVE` may reach while armed.
static LIMIT: AtomicIsize = AtomicIsize::new(isize::MAX);
/// Whether an allocation was refused since the meter was armed (a fallible one, such as
/// `try_reserve`, returns an error instead of aborting: the query fails, the worker lives).
static REFUSED: AtomicBool = AtomicBool::new(false);

/// Wraps a global allocator `A` with a meter; see the module documentation.
#[derive(Debug, Default)]
pub struct Metered<A>(A);

impl<A> Metered<A> {
    /// Wraps `inner`.
    pub const fn new(inner: A) -> Metered<A> {
        Metered(inner)
    }
}

/// Starts counting from zero and refuses allocations past `limit` bytes live.
pub fn arm(limit: usize) {
    LIVE.store(0, Ordering::SeqCst);
    REFUSED.store(false, Ordering::SeqCst);
    LIMIT.store(isize::try_from(limit).unwrap_or(isize::MAX), Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
}

/// Stops counting and limiting.
pub fn disarm() {
    ARMED.store(false, Ordering::SeqCst);
    LIMIT.store(isize::MAX, Ordering::SeqCst);
}

/// Whether an allocation was refused since [`arm`].
pub fn refused() -> bool {
    REFUSED.load(Ordering::SeqCst)
}

/// Bytes allocated and not freed since [`arm`] (for tests and logs).
pub fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Whether [`Metered`] is this process's global allocator: arms the meter briefly, allocates, and
/// looks for the count. A worker refuses to start without it, since its limit would not hold.
pub fn installed() -> bool {
    arm(usize::MAX >> 1);
    let probe = std::hint::black_box(vec![1u8; 4096]);
    let counted = live() >= 4096;
    drop(probe);
    disarm();
    counted
}

/// Counts `by` more bytes; false (and nothing counted) if that passes the limit.
#[inline]
fn grow(by: usize) -> bool {
    let by = by as isize;
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    if now <= LIMIT.load(Ordering::Relaxed) {
        return true;
    }
    LIVE.fetch_sub(by, Ordering::Relaxed);
    REFUSED.store(true, Ordering::Relaxed);
    // SAFETY: write(2) on the standard error descriptor from static buffers; no allocation.
    unsafe {
        libc::write(2, MEMORY_LIMIT_MARKER.as_ptr().cast(), MEMORY_LIMIT_MARKER.len());
        libc::write(2, b"\n".as_ptr().cast(), 1);
    }
    false
}

#[inline]
fn shrink(by: usize) {
    LIVE.fetch_sub(by as isize, Ordering::Relaxed);
}

/// Gives back the count of an allocation the wrapped allocator itself refused.
#[inline]
fn counted(ptr: *mut u8, size: usize) -> *mut u8 {
    if ptr.is_null() {
        shrink(size);
    }
    ptr
}

// SAFETY: see the module documentation: every call is forwarded unchanged, or answered with null.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Metered<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // One load of the flag per call: the server's hot path pays only this.
        let armed = ARMED.load(Ordering::Relaxed);
        if armed && !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded.
        let ptr = unsafe { self.0.alloc(layout) };
        if armed { counted(ptr, layout.size()) } else { ptr }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // One load of the flag per call: the server's hot path pays only this.
        let armed = ARMED.load(Ordering::Relaxed);
        if armed && !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout, forwarded.
        let ptr = unsafe { self.0.alloc_zeroed(layout) };
        if armed { counted(ptr, layout.size()) } else { ptr }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) {
            shrink(layout.size());
        }
        // SAFETY: the caller's pointer and layout, forwarded.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let armed = ARMED.load(Ordering::Relaxed);
        let (old, grows) = (layout.size(), new_size > layout.size());
        if armed {
            if grows {
                if !grow(new_size - old) {
                    return std::ptr::null_mut();
                }
            } else {
                shrink(old - new_size);
            }
        }
        // SAFETY: the caller's pointer, layout and size, forwarded.
        let new = unsafe { self.0.realloc(ptr, layout, new_size) };
        if armed && new.is_null() {
            // The old block stays as it was: undo the count.
            if grows {
                shrink(new_size - old);
            } else {
                LIVE.fetch_add((old - new_size) as isize, Ordering::Relaxed);
            }
        }
        new
    }
}
