//! The gate: the one service every request passes before the router and every answer after it.
//! In: [admission](crate::admit) (sizes, requests in flight) and what the client asks of the
//! answer's [coding](crate::compress). Out: the answer compressed when asked, counted under the
//! route that answered it, named with the `Server` header ([`crate::count`]). A service with its
//! own future in front of the router: nothing boxed, nothing looked up by path per request.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::admit::{Admission, InFlight};
use crate::compress::{Asked, Encoding};
use crate::count::Counted;
use crate::counters::Stats;
use crate::routed::{RouteId, take_routed};
use crate::state::AppState;

/// What the gate of one server holds.
struct Shared {
    admission: Admission,
    stats: Arc<Stats>,
    // Permits to compress large answers off the event loops.
    pool: Arc<Semaphore>,
    access_log: bool,
}

/// The gate in front of `inner` (see the [module](self)).
#[derive(Clone)]
pub struct Gate<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Gate<S> {
    /// The gate of `state`'s server in front of `inner`.
    pub fn new(state: &AppState, inner: S) -> Gate<S> {
        let shared = Shared {
            admission: state.admission.clone(),
            stats: state.stats.clone(),
            pool: Arc::new(Semaphore::new(state.limits.heavy_running.max(1))),
            access_log: crate::logging::access_enabled(),
        };
        Gate { inner, shared: Arc::new(shared) }
    }
}

impl<S, B> tower::Service<axum::http::Request<B>> for Gate<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GateFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::http::Request<B>) -> Self::Future {
        // The body as axum's (no allocation when it is one already, as it is from `http1`).
        let request = request.map(axum::body::Body::new);
        let counted = Some(Counted::start(&request, self.shared.access_log));
        let shared = self.shared.clone();
        match shared.admission.admit(&request) {
            Ok(guard) => {
                let asked = Some(Asked::of(&request));
                take_routed();
                let step = Step::Routing { inner: self.inner.call(request), asked };
                GateFuture { step, counted, shared, inflight: Some(guard), route: take_routed() }
            }
            Err(e) => {
                let step = Step::Refused { answer: Some(e.into_response()) };
                GateFuture { step, counted, shared, inflight: None, route: None }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Gate`].
    pub struct GateFuture<F> {
        #[pin]
        step: Step<F>,
        counted: Option<Counted>,
        shared: Arc<Shared>,
        // Counts the request in flight until its answer is ready (compressed, if it is).
        inflight: Option<InFlight>,
        // The route that answers, once the router called its handler.
        route: Option<RouteId>,
    }
}

pin_project_lite::pin_project! {
    #[project = StepProj]
    enum Step<F> {
        // Refused at the gate: the answer, ready.
        Refused { answer: Option<Response> },
        // With its route: its answer is not there yet.
        Routing { #[pin] inner: F, asked: Option<Asked> },
        // Its answer being compressed.
        Encoding { encoding: Encoding },
    }
}

impl<F> Future for GateFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let response = loop {
            match this.step.as_mut().project() {
                StepProj::Refused { answer } => match answer.take() {
                    Some(answer) => break answer,
                    None => return Poll::Pending,
                },
                StepProj::Encoding { encoding } => break std::task::ready!(encoding.as_mut().poll(cx)),
                StepProj::Routing { inner, asked } => {
                    take_routed();
                    let polled = inner.poll(cx);
                    if let Some(route) = take_routed() {
                        *this.route = Some(route);
                    }
                    let Ok(response) = std::task::ready!(polled);
                    let Some(asked) = asked.take() else { return Poll::Pending };
                    match asked.answer(response, &this.shared.pool) {
                        Ok(response) => break response,
                        Err(encoding) => this.step.set(Step::Encoding { encoding }),
                    }
                }
            }
        };
        this.inflight.take();
        if let Some(counted) = this.counted.take() {
            counted.finish(&this.shared.stats, *this.route, &response);
        }
        Poll::Ready(Ok(response))
    }
}
