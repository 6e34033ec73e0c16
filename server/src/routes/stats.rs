//! `GET /stats`: the server's counters as JSON (`/metrics` has them for Prometheus).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::counters::memory;
use crate::state::AppState;

pub(crate) fn index_bytes(state: &AppState) -> u64 {
    state.index.manifest().files.values().map(|f| f.bytes).sum()
}

/// The dataset served: the `dataset` object of `/stats`, and the facts of the home page.
#[derive(serde::Serialize)]
pub(crate) struct Dataset {
    pub dump: std::path::PathBuf,
    /// The file the index was built from (the `.bz2` when `dump` is its decompressed copy).
    pub source: std::path::PathBuf,
    pub pages: u64,
    pub redirects: u64,
    pub distinct_titles: u64,
    pub dump_bytes: u64,
    pub index_bytes: u64,
    /// For a compressed dataset: the `.bz2`'s size and what the decoded-stream cache did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressed: Option<Compressed>,
    /// `None` while verification runs.
    pub verified: Option<bool>,
    pub verify_error: Option<String>,
}

#[derive(serde::Serialize)]
pub(crate) struct Compressed {
    pub bytes: u64,
    pub streams: u64,
    pub stream_cache: folio_engine::dump::CacheStats,
}

pub(crate) fn dataset(state: &AppState) -> Dataset {
    let m = state.index.manifest();
    Dataset {
        dump: state.index.dump_path().to_path_buf(),
        source: m.dump.source.clone(),
        pages: m.counts.pages,
        redirects: m.counts.redirects,
        distinct_titles: m.counts.distinct_titles,
        dump_bytes: state.index.dump_len(),
        index_bytes: index_bytes(state),
        compressed: m.compressed.as_ref().zip(state.index.multistream()).map(|(c, streams)| Compressed {
            bytes: c.bytes,
            streams: c.streams,
            stream_cache: streams.cache_stats(),
        }),
        verified: state.verification.get().map(|v| v.is_ok()),
        verify_error: state.verification.get().and_then(|v| v.as_ref().err()).cloned(),
    }
}

/// `GET /stats`: uptime, the dataset, requests and latency percentiles per route, requests per
/// worker thread, memory.
pub async fn json(State(state): State<AppState>) -> Json<Value> {
    let routes = state.stats.routes();
    let (rss, anon, file) = memory();
    let dump_bytes = state.index.dump_len();
    let sql = state.catalog.counters();
    let limits = state.catalog.limits();
    let pool = state.catalog.workers().unwrap_or_default();
    Json(json!({
        "uptime_seconds": state.stats.uptime().as_secs_f64(),
        "dataset": dataset(&state),
        "requests": {
            "total": routes.iter().map(|r| r.requests).sum::<u64>(),
            "routes": routes,
        },
        "workers": state.stats.workers(),
        "load": state.stats.load(),
        "sql": {
            "world_rows_read": sql.world_rows_read,
            "world_rows_updated": sql.world_rows_updated,
            "world_commits": sql.world_commits,
            "fortune_reads": sql.fortune_reads,
            "queries": sql.queries,
            "cached_world_rows": state.cache.len(),
            "limits": {
                "timeout_seconds": limits.timeout.as_secs_f64(),
                "memory_bytes": limits.memory,
                "memory_total_bytes": limits.memory_total,
                "max_rows": limits.max_rows,
                "max_bytes": limits.max_bytes,
                "queue": limits.queue,
            },
            "workers": {
                "slots": pool.slots,
                "busy": pool.busy,
                "pids": pool.pids,
                "started": pool.started,
                "stopped_time": pool.killed_time,
                "stopped_memory": pool.killed_memory,
                "stopped_stack": pool.killed_stack,
                "retired_after_panic": pool.retired,
                "lost": pool.lost,
            },
        },
        "memory": {
            "rss_bytes": rss,
            "rss_anon_bytes": anon,
            "rss_file_bytes": file,
            "mapped_bytes": dump_bytes + index_bytes(&state),
        },
    }))
}
