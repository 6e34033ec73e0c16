//! `/stats` (JSON) and `/metrics` (Prometheus text): the same counters, two formats.

use std::fmt::Write;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::counters::memory;
use crate::state::AppState;

fn index_bytes(state: &AppState) -> u64 {
    state.index.manifest().files.values().map(|f| f.bytes).sum()
}

/// `GET /stats`: uptime, the dataset, requests and latency percentiles per route, requests per
/// worker thread, memory.
pub async fn json(State(state): State<AppState>) -> Json<Value> {
    let m = state.index.manifest();
    let routes = state.stats.routes();
    let (rss, anon, file) = memory();
    let dump_bytes = state.index.dump().len() as u64;
    let sql = state.catalog.counters();
    let limits = state.catalog.limits();
    let pool = state.catalog.workers().unwrap_or_default();
    Json(json!({
        "uptime_seconds": state.stats.uptime().as_secs_f64(),
        "dataset": {
            "dump": state.index.dump_path(),
            "pages": m.counts.pages,
            "redirects": m.counts.redirects,
            "distinct_titles": m.counts.distinct_titles,
            "dump_bytes": dump_bytes,
            "index_bytes": index_bytes(&state),
            "verified": state.verification.get().map(|v| v.is_ok()),
            "verify_error": state.verification.get().and_then(|v| v.as_ref().err()),
        },
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

fn gauge_after(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

/// `GET /metrics`: the counters of `/stats` in the Prometheus text format.
pub async fn prometheus(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    let m = state.index.manifest();
    let (rss, anon, _) = memory();
    let mut gauge = |name: &str, help: &str, value: f64| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
    };
    gauge("folio_uptime_seconds", "Seconds since the server started.", state.stats.uptime().as_secs_f64());
    gauge("folio_pages", "Pages in the served index.", m.counts.pages as f64);
    gauge("folio_redirects", "Redirect pages in the served index.", m.counts.redirects as f64);
    gauge("folio_dump_bytes", "Bytes of the served dump.", state.index.dump().len() as f64);
    gauge("folio_index_bytes", "Bytes of the index files.", index_bytes(&state) as f64);
    gauge("folio_resident_bytes", "Resident memory of the process.", rss as f64);
    gauge("folio_resident_anon_bytes", "Anonymous resident memory (not the mapped files).", anon as f64);
    let sql = state.catalog.counters();
    let mut counter = |name: &str, help: &str, value: u64| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
    };
    counter("folio_world_rows_read_total", "Rows read from the world table.", sql.world_rows_read);
    counter("folio_world_rows_updated_total", "World rows changed by acknowledged updates.", sql.world_rows_updated);
    counter("folio_world_commits_total", "Group commits written to the world log.", sql.world_commits);
    counter("folio_fortune_reads_total", "Reads of the fortune table.", sql.fortune_reads);
    counter("folio_sql_queries_total", "Ad-hoc SQL queries run.", sql.queries);
    let pool = state.catalog.workers().unwrap_or_default();
    counter("folio_sql_workers_started_total", "SQL worker processes started.", pool.started);
    counter("folio_sql_stopped_time_total", "Ad-hoc queries stopped at the time limit.", pool.killed_time);
    counter("folio_sql_stopped_memory_total", "Ad-hoc queries stopped at the memory limit.", pool.killed_memory);
    let load = state.stats.load();
    counter(
        "folio_connections_refused_total",
        "Connections refused with 503: too many open.",
        load.connections_refused,
    );
    counter("folio_requests_shed_total", "Requests answered 503: too many in flight.", load.requests_shed);
    gauge_after(&mut out, "folio_connections_open", "Connections open now.", load.connections_open as f64);
    let routes = state.stats.routes();
    let _ =
        writeln!(out, "# HELP folio_requests_total Requests answered, by route.\n# TYPE folio_requests_total counter");
    for r in &routes {
        let _ = writeln!(out, "folio_requests_total{{route=\"{}\"}} {}", r.route, r.requests);
    }
    let _ = writeln!(
        out,
        "# HELP folio_request_duration_seconds Request latency by route (histogram bucket upper bounds).\n# TYPE folio_request_duration_seconds summary"
    );
    for r in &routes {
        for (q, v) in [("0.5", r.p50_us), ("0.9", r.p90_us), ("0.99", r.p99_us)] {
            let _ =
                writeln!(out, "folio_request_duration_seconds{{route=\"{}\",quantile=\"{q}\"}} {}", r.route, v / 1e6);
        }
        let _ = writeln!(out, "folio_request_duration_seconds_count{{route=\"{}\"}} {}", r.route, r.requests);
    }
    let _ = writeln!(
        out,
        "# HELP folio_worker_requests_total Requests answered, by worker thread.\n# TYPE folio_worker_requests_total counter"
    );
    for (i, n) in state.stats.workers().iter().enumerate() {
        let _ = writeln!(out, "folio_worker_requests_total{{worker=\"{i}\"}} {n}");
    }
    let mut r = out.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r
}
