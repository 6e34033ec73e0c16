//! `GET /stats`: the server's counters as JSON (`/metrics` has them for Prometheus).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use folio_engine::Index;
use folio_engine::library::Loaded;

use crate::counters::memory;
use crate::state::AppState;

pub(crate) fn index_bytes(index: &Index) -> u64 {
    index.manifest().files.values().map(|f| f.bytes).sum()
}

/// A dataset served: an item of `/datasets` and of `/stats`' `datasets`, and the facts of the
/// home page.
#[derive(serde::Serialize)]
pub(crate) struct Dataset {
    /// Its name (`/d/{name}/`, the SQL schema of its `pages`).
    pub name: String,
    /// Where its routes are: `/d/{name}/`.
    pub path: String,
    /// Whether it is also served at the root paths.
    pub default: bool,
    /// The id of the index served now (the `Folio-Index` header of its answers).
    pub index_id: String,
    /// How many times a new index was loaded since the server started.
    pub reloads: u64,
    /// The index directory.
    pub dir: std::path::PathBuf,
    /// The wiki, from the dump's `<siteinfo>`.
    pub site: Option<String>,
    /// The index's format version.
    pub format_version: u32,
    /// When the index was built (Unix seconds).
    pub built_unix: f64,
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
    /// Whether the server holds a read lease on the dump: nobody has opened it for writing
    /// since, and answers are checked against it without a system call each.
    pub dump_leased: bool,
}

#[derive(serde::Serialize)]
pub(crate) struct Compressed {
    pub bytes: u64,
    pub streams: u64,
    pub stream_cache: folio_engine::dump::CacheStats,
}

/// The facts of `dataset`, whose index now is `loaded`.
pub(crate) fn dataset(state: &AppState, dataset: &folio_engine::library::Dataset, loaded: &Loaded) -> Dataset {
    let index = loaded.index();
    let m = index.manifest();
    Dataset {
        name: dataset.name().to_owned(),
        path: format!("/d/{}/", dataset.name()),
        default: state.library.first().name() == dataset.name(),
        index_id: loaded.id().to_owned(),
        reloads: dataset.reloads(),
        dir: dataset.dir().to_owned(),
        site: index.site().name.clone(),
        format_version: m.format_version,
        built_unix: m.created_unix,
        dump: index.dump_path().to_path_buf(),
        source: m.dump.source.clone(),
        pages: m.counts.pages,
        redirects: m.counts.redirects,
        distinct_titles: m.counts.distinct_titles,
        dump_bytes: index.dump_len(),
        index_bytes: index_bytes(index),
        compressed: m.compressed.as_ref().zip(index.multistream()).map(|(c, streams)| Compressed {
            bytes: c.bytes,
            streams: c.streams,
            stream_cache: streams.cache_stats(),
        }),
        verified: loaded.check().map(|v| v.is_ok()),
        verify_error: loaded.failed().map(str::to_owned),
        dump_leased: index.dump_leased(),
    }
}

/// Every dataset's facts, the default first.
pub(crate) fn datasets(state: &AppState) -> Vec<Dataset> {
    state.library.iter().map(|d| dataset(state, d, &d.current())).collect()
}

/// `GET /datasets`: `{"datasets": [...]}`, every dataset served with its manifest's facts, the
/// default (also served at the root paths) first.
pub async fn list(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "datasets": datasets(&state) }))
}

/// `GET /stats`: uptime, the dataset, requests and latency percentiles per route, requests per
/// worker thread, memory.
pub async fn json(State(state): State<AppState>) -> Json<Value> {
    let routes = state.stats.routes();
    let (rss, anon, file) = memory();
    let all = datasets(&state);
    let mapped: u64 = all.iter().map(|d| d.dump_bytes + d.index_bytes).sum();
    let sql = state.catalog.counters();
    let limits = state.catalog.limits();
    let pool = state.catalog.workers().unwrap_or_default();
    Json(json!({
        "uptime_seconds": state.stats.uptime().as_secs_f64(),
        "dataset": all.first(),
        "datasets": &all,
        "requests": {
            "total": routes.iter().map(|r| r.requests).sum::<u64>(),
            "routes": routes,
        },
        "workers": state.stats.workers(),
        "serving": state.stats.serving_summary(),
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
            "mapped_bytes": mapped,
        },
    }))
}
