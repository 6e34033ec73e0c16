//! Counting a request: its time, its route in [`Stats`], and the request log when it is on.
//! Started by the [gate](crate::gate) when a request comes in, finished when its answer is
//! ready; two clock reads, no allocation unless the log is on. (The `Server` header is the
//! connection's, as `Date` is: [`http1::answer`](crate::http1::answer).)

use std::time::Instant;

use axum::extract::Request;
use axum::http::{Method, Uri};
use axum::response::Response;

use crate::counters::Stats;
use crate::routed::RouteId;

/// One request being counted.
pub struct Counted {
    started: Instant,
    // The method and URI, kept only when the request log is on.
    access: Option<Box<(Method, Uri)>>,
}

impl Counted {
    /// Starts counting `request`; keeps what the request log needs if `access_log`.
    pub fn start(request: &Request, access_log: bool) -> Counted {
        let access = access_log.then(|| Box::new((request.method().clone(), request.uri().clone())));
        Counted { started: Instant::now(), access }
    }

    /// Counts `response` in `stats` under the route that answered it (`other` when none did),
    /// and logs it when the log is on.
    pub fn finish(self, stats: &Stats, route: Option<RouteId>, response: &Response) {
        let took = self.started.elapsed();
        stats.record(route.map(|r| r.0), took);
        if let Some(access) = self.access {
            let (method, uri) = *access;
            tracing::info!(
                target: crate::logging::ACCESS,
                %method,
                %uri,
                status = response.status().as_u16(),
                micros = took.as_micros() as u64,
                bytes = http_body::Body::size_hint(response.body()).exact(),
            );
        }
    }
}
