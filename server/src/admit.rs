//! The admission middleware: it turns away requests that are too big (URL, headers), requests
//! beyond the in-flight limit, and, once the index failed verification, every request that would
//! be answered from it; each with its error from the table.
//!
//! A tower service with its own future (no boxing), like [`Count`](crate::count::Count).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};

use crate::counters::Stats;
use crate::error::{ApiError, Code};
use crate::routes::table::route;
use crate::state::{AppState, Limits};

/// The layer adding [`Admit`].
#[derive(Clone)]
pub struct AdmitLayer {
    limits: Arc<Limits>,
    stats: Arc<Stats>,
    verification: Arc<OnceLock<Result<(), String>>>,
    inflight: Arc<AtomicUsize>,
}

impl AdmitLayer {
    /// Admits requests within the state's limits, counting the shed ones in its stats, and
    /// refuses routes that answer from the index once the index failed verification.
    pub fn new(state: &AppState) -> AdmitLayer {
        AdmitLayer {
            limits: state.limits.clone(),
            stats: state.stats.clone(),
            verification: state.verification.clone(),
            inflight: Arc::default(),
        }
    }
}

impl<S> tower::Layer<S> for AdmitLayer {
    type Service = Admit<S>;
    fn layer(&self, inner: S) -> Admit<S> {
        Admit { inner, layer: self.clone() }
    }
}

/// The service of [`AdmitLayer`].
#[derive(Clone)]
pub struct Admit<S> {
    inner: S,
    layer: AdmitLayer,
}

impl<S> Admit<S> {
    fn check(&self, request: &Request) -> Result<InFlight, ApiError> {
        let limits = &self.layer.limits;
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
        if let Some(Err(problem)) = self.layer.verification.get() {
            // The layer runs once the router matched a route: the table says if it reads the index.
            let matched = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
            if matched.and_then(route).is_some_and(|r| r.index) {
                return Err(ApiError::new(Code::IndexError, format!("the index failed verification: {problem}")));
            }
        }
        let inflight = self.layer.inflight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(self.layer.inflight.clone());
        if inflight >= limits.max_inflight {
            self.layer.stats.shed_request();
            return Err(ApiError::new(Code::Overloaded, "too many requests in flight; retry in a second"));
        }
        Ok(guard)
    }
}

/// One request in flight; counted down when its answer is ready or it is dropped.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<S> tower::Service<Request> for Admit<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = AdmitFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.check(&request) {
            Ok(guard) => AdmitFuture { inner: Some(self.inner.call(request)), answer: None, guard: Some(guard) },
            Err(e) => AdmitFuture { inner: None, answer: Some(e.into_response()), guard: None },
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Admit`]: the router's, or an error answer ready at once.
    pub struct AdmitFuture<F> {
        #[pin]
        inner: Option<F>,
        answer: Option<Response>,
        guard: Option<InFlight>,
    }
}

impl<F, E> Future for AdmitFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.as_pin_mut() {
            Some(inner) => {
                let done = inner.poll(cx);
                if done.is_ready() {
                    this.guard.take();
                }
                done
            }
            None => Poll::Ready(Ok(this.answer.take().expect("polled after completion"))),
        }
    }
}
