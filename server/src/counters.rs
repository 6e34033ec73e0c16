//! Request counters and latency histograms, per route and per worker thread: lock-free atomics,
//! two clock reads per request. Each worker thread (an event loop) counts into a shard of its
//! own, so that no cache line is written by two cores per request; readers add the shards up.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::routes::table::ROUTES;
use crate::serve::Runtime;

/// The name of route `i`: the table's routes by their paths, then `other` (no route matched).
fn route_name(i: usize) -> &'static str {
    ROUTES.get(i).map_or("other", |r| r.path)
}

/// Histogram buckets: bucket `b` holds latencies in `[2^(b/4) .. 2^((b+1)/4))` microseconds,
/// four buckets per power of two (about 19% wide), up to about 2^31 µs (35 minutes).
const BUCKETS: usize = 128;
/// Worker threads counted apart (more share the last slot).
const WORKERS: usize = 64;

fn bucket(d: Duration) -> usize {
    let us = d.as_micros().max(1) as f64;
    ((us.log2() * 4.0) as usize).min(BUCKETS - 1)
}

fn bucket_upper_us(b: usize) -> f64 {
    2f64.powf((b + 1) as f64 / 4.0)
}

struct RouteStats {
    count: AtomicU64,
    sum_ns: AtomicU64,
    histogram: [AtomicU64; BUCKETS],
    max_us: AtomicU64,
}

impl RouteStats {
    fn new() -> RouteStats {
        RouteStats {
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            histogram: std::array::from_fn(|_| AtomicU64::new(0)),
            max_us: AtomicU64::new(0),
        }
    }
}

/// One route's figures at one moment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RouteSummary {
    /// The route pattern.
    pub route: &'static str,
    /// Requests answered.
    pub requests: u64,
    /// Median latency, microseconds (upper bound of its histogram bucket).
    pub p50_us: f64,
    /// 90th percentile, microseconds.
    pub p90_us: f64,
    /// 99th percentile, microseconds.
    pub p99_us: f64,
    /// Slowest request, microseconds.
    pub max_us: u64,
}

/// One route's latency histogram, cumulative, in seconds.
#[derive(Debug, Clone)]
pub struct RouteHistogram {
    /// The route pattern.
    pub route: &'static str,
    /// (upper bound in seconds, requests that took less).
    pub buckets: Vec<(f64, u64)>,
    /// Seconds of all requests together.
    pub sum_seconds: f64,
    /// Requests.
    pub count: u64,
}

/// One route's counts, added up over the shards.
struct Merged {
    count: u64,
    sum_ns: u64,
    histogram: [u64; BUCKETS],
    max_us: u64,
}

/// Counters of the whole server.
pub struct Stats {
    started: Instant,
    // Per worker thread, every route's counters (made when the thread counts its first request).
    shards: Box<[std::sync::OnceLock<Box<[RouteStats]>>]>,
    next_worker: AtomicUsize,
    connections: AtomicU64,
    accepted: [AtomicU64; WORKERS],
    serving: std::sync::OnceLock<(Runtime, usize)>,
    refused: AtomicU64,
    shed: AtomicU64,
}

/// How the server takes connections, and how many each event loop accepted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServingSummary {
    /// `per-core` or `shared`.
    pub runtime: Option<Runtime>,
    /// Event loops (per core), or worker threads of the shared runtime.
    pub workers: usize,
    /// Connections accepted by each accept loop (one per event loop, one for the shared runtime).
    pub accepted: Vec<u64>,
}

/// Connection and load-shedding counters at one moment.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct LoadSummary {
    /// Connections open now.
    pub connections_open: u64,
    /// Connections refused with a 503 because too many were open.
    pub connections_refused: u64,
    /// Requests answered 503 because too many were in flight.
    pub requests_shed: u64,
}

thread_local! {
    static WORKER: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            started: Instant::now(),
            shards: (0..WORKERS).map(|_| std::sync::OnceLock::new()).collect(),
            next_worker: AtomicUsize::new(0),
            connections: AtomicU64::new(0),
            accepted: std::array::from_fn(|_| AtomicU64::new(0)),
            serving: std::sync::OnceLock::new(),
            refused: AtomicU64::new(0),
            shed: AtomicU64::new(0),
        }
    }
}

impl Stats {
    /// Time since the server started.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Counts one request of route `route` of the table (`None`: no route answered it) that
    /// took `took`, on the current thread.
    pub fn record(&self, route: Option<usize>, took: Duration) {
        let i = route.unwrap_or(ROUTES.len()).min(ROUTES.len());
        let worker = WORKER.with(|w| {
            *w.get().get_or_insert_with(|| {
                let slot = self.next_worker.fetch_add(1, Ordering::Relaxed).min(WORKERS - 1);
                w.set(Some(slot));
                slot
            })
        });
        let shard = self.shards[worker].get_or_init(|| (0..=ROUTES.len()).map(|_| RouteStats::new()).collect());
        let r = &shard[i];
        r.count.fetch_add(1, Ordering::Relaxed);
        r.sum_ns.fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
        r.histogram[bucket(took)].fetch_add(1, Ordering::Relaxed);
        r.max_us.fetch_max(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Route `i`'s counts over every shard.
    fn merged(&self, i: usize) -> Merged {
        let mut m = Merged { count: 0, sum_ns: 0, histogram: [0; BUCKETS], max_us: 0 };
        for r in self.shards.iter().filter_map(|s| s.get()).map(|s| &s[i]) {
            m.count += r.count.load(Ordering::Relaxed);
            m.sum_ns += r.sum_ns.load(Ordering::Relaxed);
            m.max_us = m.max_us.max(r.max_us.load(Ordering::Relaxed));
            for (sum, b) in m.histogram.iter_mut().zip(&r.histogram) {
                *sum += b.load(Ordering::Relaxed);
            }
        }
        m
    }

    /// Says how the server serves: `runtime` with `workers` workers (set once).
    pub fn serving(&self, runtime: Runtime, workers: usize) {
        let _ = self.serving.set((runtime, workers));
    }

    /// A connection was accepted by accept loop `n`.
    pub fn opened_connection(&self, n: usize) {
        self.connections.fetch_add(1, Ordering::Relaxed);
        self.accepted[n.min(WORKERS - 1)].fetch_add(1, Ordering::Relaxed);
    }

    /// An accepted connection closed.
    pub fn closed_connection(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// A connection was refused (too many open).
    pub fn refused_connection(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A request was shed (too many in flight).
    pub fn shed_request(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    /// Connection and shedding counters.
    pub fn load(&self) -> LoadSummary {
        LoadSummary {
            connections_open: self.connections.load(Ordering::Relaxed),
            connections_refused: self.refused.load(Ordering::Relaxed),
            requests_shed: self.shed.load(Ordering::Relaxed),
        }
    }

    /// The runtime and the connections each accept loop took.
    pub fn serving_summary(&self) -> ServingSummary {
        let (runtime, workers) = self.serving.get().map_or((None, 0), |&(r, w)| (Some(r), w));
        let loops = match runtime {
            Some(r) => r.listeners(workers).min(WORKERS),
            None => 0,
        };
        ServingSummary {
            runtime,
            workers,
            accepted: self.accepted[..loops].iter().map(|a| a.load(Ordering::Relaxed)).collect(),
        }
    }

    /// Per-route figures, routes with no request left out.
    pub fn routes(&self) -> Vec<RouteSummary> {
        (0..=ROUTES.len())
            .map(|i| (i, self.merged(i)))
            .filter_map(|(i, r)| {
                let route = route_name(i);
                let counts = r.histogram;
                let total: u64 = counts.iter().sum();
                if total == 0 {
                    return None;
                }
                let quantile = |q: f64| {
                    let target = (q * total as f64).ceil().max(1.0) as u64;
                    let mut seen = 0;
                    for (b, c) in counts.iter().enumerate() {
                        seen += c;
                        if seen >= target {
                            return (bucket_upper_us(b) * 10.0).round() / 10.0;
                        }
                    }
                    bucket_upper_us(BUCKETS - 1)
                };
                Some(RouteSummary {
                    route,
                    requests: r.count,
                    p50_us: quantile(0.5),
                    p90_us: quantile(0.9),
                    p99_us: quantile(0.99),
                    max_us: r.max_us,
                })
            })
            .collect()
    }

    /// Per-route latency histograms for Prometheus, routes with no request left out: cumulative
    /// counts at every power of two of microseconds from 4 µs to 2^25 µs (about 34 s; the
    /// fine buckets' own boundaries, so the counts are exact), plus the sum and the count.
    pub fn histograms(&self) -> Vec<RouteHistogram> {
        (0..=ROUTES.len())
            .map(|i| (i, self.merged(i)))
            .filter_map(|(i, r)| {
                let counts = r.histogram;
                let count: u64 = counts.iter().sum();
                (count > 0).then(|| RouteHistogram {
                    route: route_name(i),
                    // Fine bucket b holds [2^(b/4), 2^((b+1)/4)) µs: those below 2^k µs are b < 4k.
                    buckets: (2..=25).map(|k| (2f64.powi(k) / 1e6, counts[..4 * k as usize].iter().sum())).collect(),
                    sum_seconds: r.sum_ns as f64 / 1e9,
                    count,
                })
            })
            .collect()
    }

    /// Requests answered by each worker thread that answered any.
    pub fn workers(&self) -> Vec<u64> {
        let n = self.next_worker.load(Ordering::Relaxed).min(WORKERS);
        self.shards[..n]
            .iter()
            .map(|s| s.get().map_or(0, |s| s.iter().map(|r| r.count.load(Ordering::Relaxed)).sum()))
            .collect()
    }
}

/// Resident memory of this process from `/proc/self/status`: (total, anonymous, file-backed),
/// in bytes; zeros where unavailable.
pub fn memory() -> (u64, u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_histogram() {
        let s = Stats::default();
        let json = ROUTES.iter().position(|r| r.path == "/json");
        for us in 1..=100u64 {
            s.record(json, Duration::from_micros(us * 10));
        }
        let r = &s.routes()[0];
        assert_eq!((r.route, r.requests, r.max_us), ("/json", 100, 1000));
        // Buckets are about 19% wide: the percentiles land within one bucket above the truth.
        assert!((500.0..=600.0).contains(&r.p50_us), "{r:?}");
        assert!((990.0..=1200.0).contains(&r.p99_us), "{r:?}");
        s.record(None, Duration::from_micros(5));
        assert_eq!(s.routes().last().unwrap().route, "other");
        assert_eq!(s.workers(), vec![101]);
        // The Prometheus view of the same counts: 10..=1000 µs, 100 requests.
        let h = &s.histograms()[0];
        assert_eq!((h.route, h.count), ("/json", 100));
        assert!((h.sum_seconds - 0.0505).abs() < 1e-9, "{h:?}");
        let below = |us: f64| h.buckets.iter().find(|b| (b.0 * 1e6 - us).abs() < 1e-6).unwrap().1;
        // Requests of 10·i µs below 2^k µs: i < 2^k / 10.
        assert_eq!((below(16.0), below(64.0), below(512.0), below(1024.0)), (1, 6, 51, 100));
    }
}
