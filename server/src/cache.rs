//! [`WorldCache`]: `/cached-queries`' in-process cache of world rows, on `quick_cache`.
//!
//! Rows are filled on a miss by the prepared point query and dropped when an update of theirs is
//! acknowledged. A fill races an update only if it read the row before the update was applied;
//! the fill checks the update counter before and after, and takes its entry back out when an
//! update happened in between, so the cache never keeps a value older than the table's.

use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::sync::Cache;

/// The cache of world rows, id → randomNumber.
pub struct WorldCache {
    rows: Cache<i32, i32>,
    updates: AtomicU64,
}

impl Default for WorldCache {
    fn default() -> WorldCache {
        WorldCache::new()
    }
}

impl WorldCache {
    /// A cache that holds the whole table (10,000 rows).
    pub fn new() -> WorldCache {
        WorldCache { rows: Cache::new(10_000), updates: AtomicU64::new(0) }
    }

    /// The cached randomNumber of `id`.
    pub fn get(&self, id: i32) -> Option<i32> {
        self.rows.get(&id)
    }

    /// The update counter, read before a fill's read of the table.
    pub fn epoch(&self) -> u64 {
        self.updates.load(Ordering::SeqCst)
    }

    /// Fills `id` with a value read from the table after [`WorldCache::epoch`] gave `epoch`.
    pub fn fill(&self, epoch: u64, id: i32, value: i32) {
        self.rows.insert(id, value);
        if self.updates.load(Ordering::SeqCst) != epoch {
            self.rows.remove(&id);
        }
    }

    /// Drops the rows of an acknowledged update.
    pub fn invalidate(&self, ids: impl IntoIterator<Item = i32>) {
        self.updates.fetch_add(1, Ordering::SeqCst);
        for id in ids {
            self.rows.remove(&id);
        }
    }

    /// How many rows are cached.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
