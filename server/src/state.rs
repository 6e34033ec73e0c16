//! [`AppState`]: what every handler shares: the datasets ([`Library`]), the SQL catalog, the
//! world cache, limits, and the bounded pool for CPU-heavy listings (ad-hoc SQL has its own, in
//! the catalog). Which dataset and index a request answers from is its [`Scope`](crate::scope::Scope).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use folio_engine::Index;
use folio_engine::library::Library;
use folio_engine::sql::Catalog;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult, Code};

/// Limits and knobs of the API.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most pages one `/offsets` or `/title` answer lists.
    pub max_listing: usize,
    /// Most items a `/titles` page holds.
    pub max_page: usize,
    /// Most ranges one `/xml` answer carries.
    pub max_ranges: usize,
    /// Most listings running or waiting at once; more get 503 (ad-hoc SQL has its own queue).
    pub heavy_queue: usize,
    /// Most listings built at once (the rest of the queue waits): each holds its whole answer
    /// in memory, so this bounds memory as well as CPU. Default: the number of cores.
    pub heavy_running: usize,
    /// Largest `/sql` request body, in bytes.
    pub max_sql_body: usize,
    /// Longest URL (path and query), in bytes; longer gets 414.
    pub max_uri_bytes: usize,
    /// Most bytes of request headers; more gets 431.
    pub max_header_bytes: usize,
    /// Most requests being handled at once; more get 503 with `Retry-After`.
    pub max_inflight: usize,
    /// Most bytes one `/xml` answer carries.
    pub max_range_bytes: u64,
    /// Most bytes one `/xml` answer carries from a compressed dataset (decoded to answer).
    pub max_range_bytes_compressed: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_listing: 1_000_000,
            max_page: 10_000,
            max_ranges: 16,
            heavy_queue: 64,
            heavy_running: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_sql_body: 64 << 10,
            max_uri_bytes: 8 << 10,
            max_header_bytes: 16 << 10,
            max_inflight: 4096,
            max_range_bytes: 1 << 30,
            max_range_bytes_compressed: 16 << 20,
        }
    }
}

/// The state shared by all handlers: one reference-counted pointer, so that a handler's copy
/// costs one atomic increment (every request's extractors clone it; with one event loop per core,
/// each shared counter touched per request is a cache line passed between cores).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] points to.
pub struct Shared {
    /// The datasets served, the default first.
    pub library: Arc<Library>,
    /// Limits of the API.
    pub limits: Arc<Limits>,
    /// Request counters and latencies.
    pub stats: Arc<crate::counters::Stats>,
    /// The SQL tables (world, fortune, pages).
    pub catalog: Arc<Catalog>,
    /// `/cached-queries`' cache of world rows (id → randomNumber).
    pub cache: Arc<crate::cache::WorldCache>,
    /// Requests in flight, HTTP and Flight SQL alike, within [`Limits::max_inflight`].
    pub admission: crate::admit::Admission,
    heavy: Arc<Semaphore>,
    running: Arc<Semaphore>,
    draining: AtomicBool,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State over the datasets of `library` and `catalog` with `limits`.
    pub fn new(library: Arc<Library>, catalog: Catalog, limits: Limits) -> AppState {
        let heavy = Arc::new(Semaphore::new(limits.heavy_queue));
        let running = Arc::new(Semaphore::new(limits.heavy_running.max(1)));
        let stats: Arc<crate::counters::Stats> = Arc::default();
        let limits = Arc::new(limits);
        let admission = crate::admit::Admission::new(limits.clone(), stats.clone());
        let catalog = Arc::new(catalog);
        let cache = Arc::new(crate::cache::WorldCache::new());
        let draining = AtomicBool::new(false);
        AppState(Arc::new(Shared { library, limits, stats, catalog, cache, admission, heavy, running, draining }))
    }

    /// Marks the server as stopping (after SIGTERM): `/ready` answers 503 from now on, so that a
    /// load balancer takes this server out of its pool while it still answers everything else.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Whether [`drain`](Self::drain) was called.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    /// Runs CPU-heavy `work` over `index` on a blocking thread, never on an async worker, at most
    /// [`Limits::heavy_running`] at a time. When the bounded queue is full, answers 503 at once
    /// (with `Retry-After`) instead of queueing without bound.
    pub async fn heavy<T: Send + 'static>(
        &self,
        index: &Arc<Index>,
        work: impl FnOnce(&Index) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let permit = self
            .heavy
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::new(Code::Overloaded, "too many listings in progress; retry in a second"))?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::new(Code::Overloaded, "the server is shutting down; retry in a second"))?;
        let index = index.clone();
        tokio::task::spawn_blocking(move || {
            let _permits = (permit, running);
            work(&index)
        })
        .await
        .map_err(|e| ApiError::new(Code::IndexError, format!("listing task failed: {e}")))?
    }
}
