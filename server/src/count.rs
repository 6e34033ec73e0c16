//! The one middleware every request goes through: it times the request, counts it under its
//! route in [`Stats`], sets the `Server` header, and writes the request log when it is on. A plain tower service with its own future:
//! no boxing and no state clone per request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::Response;

use crate::counters::Stats;

/// The layer adding [`Count`].
#[derive(Clone)]
pub struct CountLayer {
    stats: Arc<Stats>,
    access_log: bool,
}

impl CountLayer {
    /// Counts into `stats`; logs every request too when the subscriber wants the request log
    /// ([`crate::logging::ACCESS`]).
    pub fn new(stats: Arc<Stats>) -> CountLayer {
        CountLayer { stats, access_log: crate::logging::access_enabled() }
    }
}

impl<S> tower::Layer<S> for CountLayer {
    type Service = Count<S>;
    fn layer(&self, inner: S) -> Count<S> {
        Count { inner, stats: self.stats.clone(), access_log: self.access_log }
    }
}

/// The service of [`CountLayer`].
#[derive(Clone)]
pub struct Count<S> {
    inner: S,
    stats: Arc<Stats>,
    access_log: bool,
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
        let access = self.access_log.then(|| Box::new((request.method().clone(), request.uri().clone())));
        CountFuture {
            inner: self.inner.call(request),
            started: Instant::now(),
            route,
            stats: self.stats.clone(),
            access,
        }
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
        // The method and URI, kept only when the request log is on.
        access: Option<Box<(Method, Uri)>>,
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
        let took = this.started.elapsed();
        this.stats.record(this.route.as_ref().map_or("other", |r| r.as_str()), took);
        if let Some(access) = this.access.take() {
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
        Poll::Ready(Ok(response))
    }
}
