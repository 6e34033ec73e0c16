//! [`SqlLimits`]: what an ad-hoc query may use, and how many run at once.
//!
//! Going over a limit is an [`Error::SqlLimit`](crate::Error::SqlLimit) naming the limit, never a
//! cut answer. The promises, and how each is kept:
//!
//! | limit | kept by |
//! |---|---|
//! | `timeout` | the server kills the worker process running the query when it passes |
//! | `memory` | the worker's allocator refuses to pass it (and DataFusion's pool, a little below) |
//! | `memory_total` | at most `memory_total / memory` workers, each one query at a time |
//! | `max_rows`, `max_bytes` | the worker counts while it encodes the answer |
//! | `queue` | queries running or waiting for a worker; past it, [`Error::Overloaded`](crate::Error::Overloaded) |

use std::time::Duration;

/// Limits of ad-hoc queries (see the module documentation).
#[derive(Debug, Clone)]
pub struct SqlLimits {
    /// Longest a query may run.
    pub timeout: Duration,
    /// Most heap memory one query may hold, its answer included.
    pub memory: usize,
    /// Most memory all ad-hoc queries together may hold: `memory_total / memory` run at once.
    pub memory_total: usize,
    /// Most rows an answer may have.
    pub max_rows: usize,
    /// Most bytes an encoded answer may have (a one-row answer can be huge).
    pub max_bytes: usize,
    /// Most ad-hoc queries running or waiting for a worker at once.
    pub queue: usize,
    /// Partitions a scan is split into (parallelism); defaults to the number of cores.
    pub partitions: usize,
}

impl Default for SqlLimits {
    fn default() -> SqlLimits {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SqlLimits {
            timeout: Duration::from_secs(10),
            memory: 512 << 20,
            memory_total: 1 << 30,
            max_rows: 100_000,
            max_bytes: 64 << 20,
            queue: 64,
            partitions: cores,
        }
    }
}

impl SqlLimits {
    /// How many ad-hoc queries run at once (one worker process each): `memory_total / memory`,
    /// at least one.
    pub fn slots(&self) -> usize {
        (self.memory_total / self.memory.max(1)).max(1)
    }

    /// The part of `memory` given to DataFusion's own pool (sorts, joins, aggregates), so that
    /// operators that reserve memory fail with a clean error before the allocator's hard limit.
    pub fn pool_bytes(&self) -> usize {
        self.memory - self.memory / 8
    }
}
