//! The one middleware every request goes through: it times the request, counts it under its
//! route in [`Stats`], and sets the `Server` header. A plain tower service with its own future:
//! no boxing and no state clone per request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::counters::Stats;

/// The layer adding [`Count`].
#[derive(Clone)]
pub struct CountLayer {
    stats: Arc<Stats>,
}

impl CountLayer {
    /// Counts into `stats`.
    pub fn new(stats: Arc<Stats>) -> CountLayer {
        CountLayer { stats }
    }
}

impl<S> tower::Layer<S> for CountLayer {
    type Service = Count<S>;
    fn layer(&self, inner: S) -> Count<S> {
        Count { inner, stats: self.stats.clone() }
    }
}

/// The service of [`CountLayer`].
#[derive(Clone)]
pub struct Count<S> {
    inner: S,
    stats: Arc<Stats>,
}

impl<S> tower::Service<Request> for Count<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = CountFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().cloned();
        CountFuture { inner: self.inner.call(request), started: Instant::now(), route, stats: self.stats.clone() }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Count`].
    pub struct CountFuture<F> {
        #[pin]
        inner: F,
        started: Instant,
        route: Option<MatchedPath>,
        stats: Arc<Stats>,
    }
}

impl<F, E> Future for CountFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r?,
        };
        response.headers_mut().insert(header::SERVER, HeaderValue::from_static(crate::SERVER));
        this.stats.record(this.route.as_ref().map_or("other", |r| r.as_str()), this.started.elapsed());
        Poll::Ready(Ok(response))
    }
}
