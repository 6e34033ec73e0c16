//! The engine's only `unsafe` code, in seven rooms, each with its safety argument:
//!
//! - [`mmap`]: read-only memory maps of the index and the dump, and the `SIGBUS` guard that keeps
//!   a file truncated under a map from killing the process;
//! - [`lease`]: [`Lease`](lease::Lease), a read lease on the dump, so that whether anyone wrote
//!   to it since the server opened it is an atomic load, not an `fstat` per answer;
//! - [`alloc`]: [`Metered`], a global allocator wrapper that counts live heap bytes and refuses an
//!   allocation past a limit. The SQL worker process uses it to hold each ad-hoc query to its
//!   memory limit, whatever DataFusion allocates;
//! - [`block`]: [`Block`](block::Block), sixteen bytes compared with one value at once (SSE2),
//!   for the ingest's walk over every byte of a dump's text;
//! - [`clock`]: the wall clock's whole seconds from the kernel's coarse clock, for the `Date`
//!   header of every answer;
//! - `residency`: whether a map's pages are in the page cache (`cachestat(2)`, else
//!   `mincore(2)`), asked before an event loop reads dump bytes;
//! - `signal`: installing a signal handler that chains to the one it replaced, for the
//!   `SIGBUS` guard and the lease's `SIGIO` handler.
//!
//! Everything else in the engine is safe Rust (`unsafe_code` is denied crate-wide).

pub mod alloc;
pub mod block;
pub mod clock;
pub mod lease;
pub mod mmap;
mod residency;
mod signal;
