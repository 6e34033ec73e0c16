//! SQL worker processes: where ad-hoc queries run, so that no query can take the server down.
//!
//! DataFusion holds its operators to a memory pool, but a scalar function whose output size
//! comes from an argument (`repeat('x', 1e9)`, `array_repeat`, `lpad`) allocates what it is
//! asked for, and a query only stops at its next yield point. So the server runs every ad-hoc
//! query in a worker process ([`serve`]: `folio-server __sql-worker`), one query at a time per
//! worker, and keeps these promises:
//!
//! - **Memory**: the worker's global allocator is [`Metered`](crate::alloc::Metered), armed with
//!   the query's limit; an allocation past it is refused and the worker dies, never the server.
//!   The server sees the marker on the worker's standard error and answers `sql_limit` (memory).
//! - **Time**: when the limit passes, the server kills the worker (`SIGKILL`) and reaps it before
//!   answering: no CPU is spent on the query after its answer.
//! - **Total**: at most [`SqlLimits::slots`](crate::sql::SqlLimits::slots) workers, so all ad-hoc
//!   queries together hold at most `memory_total`; past the queue, `overloaded`.
//! - **Isolation**: a worker maps the index's `pages.arrow` itself (shared page cache), holds a
//!   copy of `fortune` and a copy of `world` refreshed whenever an update changed it, and runs
//!   at a lower CPU priority than the server. The TechEmpower routes never wait on a worker.
//!
//! A killed or crashed worker is replaced in the background. [`wire`] is the protocol.

mod pool;
mod serve;
pub mod wire;

pub use pool::{Pool, PoolStats, WorkerCommand};
pub use serve::serve;
