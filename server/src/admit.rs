//! Admission: it turns away requests that are too big (URL, headers) and requests beyond the
//! in-flight limit, each with its error from the table, before any route sees them. One
//! admission per server: HTTP requests and Arrow Flight SQL calls ([`crate::flight`]) count
//! against the same in-flight limit. (What
//! depends on the route, such as refusing an index that failed verification, is decided once
//! it matched: [`crate::routed`].)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::Request;

use crate::counters::Stats;
use crate::error::{ApiError, Code};
use crate::state::Limits;

/// The admission of every request of one server.
#[derive(Clone)]
pub struct Admission {
    limits: Arc<Limits>,
    stats: Arc<Stats>,
    inflight: Arc<AtomicUsize>,
}

impl Admission {
    /// Admits requests within `limits`, counting the shed ones in `stats`.
    pub fn new(limits: Arc<Limits>, stats: Arc<Stats>) -> Admission {
        Admission { limits, stats, inflight: Arc::default() }
    }

    /// Admits `request`, counted in flight until the guard is dropped, or says why not.
    pub fn admit(&self, request: &Request) -> Result<InFlight, ApiError> {
        let limits = &self.limits;
        let uri = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
        if uri > limits.max_uri_bytes {
            let what = format!("the URL has {uri} bytes; at most {} are accepted", limits.max_uri_bytes);
            return Err(ApiError::new(Code::UriTooLong, what));
        }
        let headers: usize = request.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
        if headers > limits.max_header_bytes {
            let what = format!("the headers have {headers} bytes; at most {} are accepted", limits.max_header_bytes);
            return Err(ApiError::new(Code::HeadersTooLarge, what));
        }
        self.enter()
    }

    /// Counts one more request in flight until the guard is dropped, or refuses it when
    /// [`Limits::max_inflight`] are already in flight.
    pub fn enter(&self) -> Result<InFlight, ApiError> {
        let limits = &self.limits;
        let inflight = self.inflight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(self.inflight.clone());
        if inflight >= limits.max_inflight {
            self.stats.shed_request();
            return Err(ApiError::new(Code::Overloaded, "too many requests in flight; retry in a second"));
        }
        Ok(guard)
    }
}

/// One request in flight; counted down when it is dropped.
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
