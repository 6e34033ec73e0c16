//! The admission middleware: it turns away requests that are too big (URL, headers), requests
//! beyond the in-flight limit, and, once an index failed verification, every request that would
//! be answered from it; each with its error from the table. A request a route answers from an
//! index gets its [`Scope`] here (the dataset's index as it is now, kept for the whole request),
//! and its answer the `Folio-Index` header naming that index.
//!
//! A tower service with its own future (no boxing), like [`Count`](crate::count::Count).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::response::Response;
use folio_engine::library::Library;

use crate::counters::Stats;
use crate::error::{ApiError, Code};
use crate::or_answer::OrAnswer;
use crate::routes::table::route;
use crate::scope::{INDEX_HEADER, Picked, Scope};
use crate::state::{AppState, Limits};

/// The layer adding [`Admit`].
#[derive(Clone)]
pub struct AdmitLayer {
    limits: Arc<Limits>,
    stats: Arc<Stats>,
    library: Arc<Library>,
    inflight: Arc<AtomicUsize>,
}

impl AdmitLayer {
    /// Admits requests within the state's limits, counting the shed ones in its stats, and
    /// refuses routes that answer from an index once that index failed verification.
    pub fn new(state: &AppState) -> AdmitLayer {
        AdmitLayer {
            limits: state.limits.clone(),
            stats: state.stats.clone(),
            library: state.library.clone(),
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
    /// Admits `request` (giving it its [`Scope`] if its route answers from an index), or says
    /// why not; the id of the index it answers from.
    fn check(&self, request: &mut Request) -> Result<(InFlight, Option<HeaderValue>), ApiError> {
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
        // The layer runs once the router matched a route: the table says if it reads an index.
        let matched = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
        let reads_index = matched.and_then(route).map(|r| r.index);
        let picked = request.extensions().get::<Picked>();
        let id = match (reads_index, picked) {
            (Some(true), picked) => {
                let scope = Scope::of(picked, &self.layer.library);
                if let Some(problem) = scope.loaded.failed() {
                    let what = format!("the index of {} failed verification: {problem}", scope.dataset.name());
                    return Err(ApiError::new(Code::IndexError, what));
                }
                // The id's bytes are shared, not copied, into the header.
                let id = HeaderValue::from_maybe_shared(scope.loaded.id_bytes()).ok();
                request.extensions_mut().insert(scope);
                id
            }
            (Some(false), Some(p)) => {
                let path = matched.unwrap_or_default();
                let what = format!("{path} is not a route of a dataset: ask {path} without the {} prefix", p.base);
                return Err(ApiError::new(Code::RouteNotFound, what));
            }
            _ => None,
        };
        let inflight = self.layer.inflight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(self.layer.inflight.clone());
        if inflight >= limits.max_inflight {
            self.layer.stats.shed_request();
            return Err(ApiError::new(Code::Overloaded, "too many requests in flight; retry in a second"));
        }
        Ok((guard, id))
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

    fn call(&mut self, mut request: Request) -> Self::Future {
        match self.check(&mut request) {
            Ok((guard, id)) => AdmitFuture { inner: OrAnswer::call(self.inner.call(request)), guard: Some(guard), id },
            Err(e) => AdmitFuture { inner: OrAnswer::answer(e), guard: None, id: None },
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Admit`]: the router's answer (the request counted in flight until it is
    /// ready, the index that answered named on it), or a refusal ready at once.
    pub struct AdmitFuture<F> {
        #[pin]
        inner: OrAnswer<F>,
        guard: Option<InFlight>,
        id: Option<HeaderValue>,
    }
}

impl<F, E> Future for AdmitFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut done = this.inner.poll(cx);
        if done.is_ready() {
            this.guard.take();
            if let (Poll::Ready(Ok(answer)), Some(id)) = (&mut done, this.id.take()) {
                answer.headers_mut().insert(INDEX_HEADER, id);
            }
        }
        done
    }
}
