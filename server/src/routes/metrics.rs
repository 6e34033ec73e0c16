//! `GET /metrics`: the counters of `/stats` in the Prometheus text format (0.0.4), encoded by the
//! `prometheus` crate. Latencies are histograms (`folio_request_duration_seconds`), so they add
//! up across replicas. The hot path keeps its own lock-free counters ([`crate::counters`]); the
//! metric families are built from them at scrape time.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use prometheus::proto::{Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType};

use crate::counters::memory;
use crate::error::{ApiError, Code};
use crate::routes::stats::index_bytes;
use crate::state::AppState;

/// Metric families under construction.
#[derive(Default)]
struct Families(Vec<MetricFamily>);

fn label(name: &str, value: impl Into<String>) -> LabelPair {
    let mut l = LabelPair::default();
    l.set_name(name.into());
    l.set_value(value.into());
    l
}

impl Families {
    fn family(&mut self, name: &str, help: &str, kind: MetricType, metrics: Vec<Metric>) {
        let mut f = MetricFamily::default();
        f.set_name(name.into());
        f.set_help(help.into());
        f.set_field_type(kind);
        f.set_metric(metrics);
        self.0.push(f);
    }

    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        let mut g = Gauge::default();
        g.set_value(value);
        self.family(name, help, MetricType::GAUGE, vec![Metric::from_gauge(g)]);
    }

    fn counters(&mut self, name: &str, help: &str, values: impl IntoIterator<Item = (Vec<LabelPair>, u64)>) {
        let metrics = values
            .into_iter()
            .map(|(labels, v)| {
                let mut c = Counter::default();
                c.set_value(v as f64);
                let mut m = Metric::from_label(labels);
                m.set_counter(c);
                m
            })
            .collect();
        self.family(name, help, MetricType::COUNTER, metrics);
    }

    fn counter(&mut self, name: &str, help: &str, value: u64) {
        self.counters(name, help, [(vec![], value)]);
    }
}

/// `GET /metrics`.
pub async fn prometheus(State(state): State<AppState>) -> Result<Response, ApiError> {
    let mut f = Families::default();
    let loaded = state.library.first().current();
    let index = loaded.index();
    let m = index.manifest();
    let (rss, anon, _) = memory();
    f.gauge("folio_uptime_seconds", "Seconds since the server started.", state.stats.uptime().as_secs_f64());
    f.gauge("folio_pages", "Pages in the default dataset's index.", m.counts.pages as f64);
    f.gauge("folio_redirects", "Redirect pages in the default dataset's index.", m.counts.redirects as f64);
    f.gauge("folio_dump_bytes", "Bytes of the default dataset's dump.", index.dump_len() as f64);
    f.gauge("folio_index_bytes", "Bytes of the default dataset's index files.", index_bytes(index) as f64);
    f.gauge("folio_resident_bytes", "Resident memory of the process.", rss as f64);
    f.gauge("folio_resident_anon_bytes", "Anonymous resident memory (not the mapped files).", anon as f64);
    let sql = state.catalog.counters();
    f.counter("folio_world_rows_read_total", "Rows read from the world table.", sql.world_rows_read);
    f.counter("folio_world_rows_updated_total", "World rows changed by acknowledged updates.", sql.world_rows_updated);
    f.counter("folio_world_commits_total", "Group commits written to the world log.", sql.world_commits);
    f.counter("folio_fortune_reads_total", "Reads of the fortune table.", sql.fortune_reads);
    f.counter("folio_sql_queries_total", "Ad-hoc SQL queries run.", sql.queries);
    let pool = state.catalog.workers().unwrap_or_default();
    f.counter("folio_sql_workers_started_total", "SQL worker processes started.", pool.started);
    f.counter("folio_sql_stopped_time_total", "Ad-hoc queries stopped at the time limit.", pool.killed_time);
    f.counter("folio_sql_stopped_memory_total", "Ad-hoc queries stopped at the memory limit.", pool.killed_memory);
    let load = state.stats.load();
    f.counter(
        "folio_connections_refused_total",
        "Connections refused with 503: too many open.",
        load.connections_refused,
    );
    f.counter("folio_requests_shed_total", "Requests answered 503: too many in flight.", load.requests_shed);
    f.gauge("folio_connections_open", "Connections open now.", load.connections_open as f64);
    let histograms = state.stats.histograms();
    f.counters(
        "folio_requests_total",
        "Requests answered, by route.",
        histograms.iter().map(|h| (vec![label("route", h.route)], h.count)),
    );
    let latencies = histograms
        .iter()
        .map(|h| {
            let mut hist = Histogram::default();
            hist.set_sample_count(h.count);
            hist.set_sample_sum(h.sum_seconds);
            hist.set_bucket(
                h.buckets
                    .iter()
                    .map(|&(le, n)| {
                        let mut b = Bucket::default();
                        b.set_upper_bound(le);
                        b.set_cumulative_count(n);
                        b
                    })
                    .collect(),
            );
            let mut m = Metric::from_label(vec![label("route", h.route)]);
            m.set_histogram(hist);
            m
        })
        .collect();
    f.family(
        "folio_request_duration_seconds",
        "Time to answer a request (until its head is ready), by route.",
        MetricType::HISTOGRAM,
        latencies,
    );
    f.counters(
        "folio_worker_requests_total",
        "Requests answered, by worker thread.",
        state.stats.workers().into_iter().enumerate().map(|(i, n)| (vec![label("worker", i.to_string())], n)),
    );
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&f.0)
        .map_err(|e| ApiError::new(Code::Internal, format!("encoding the metrics: {e}")))?;
    let mut r = text.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(prometheus::TEXT_FORMAT));
    Ok(r)
}
