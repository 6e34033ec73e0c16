//! What a route knows of itself: [`Routed`] wraps each route's handler with its entry of the
//! table ([`crate::routes::table`]), so that what depends on the route is decided once the
//! [router](crate::router) matched it, with no lookup by path and no layer of its own (a layer
//! costs each request a boxed service and a boxed future; a wrapped handler costs nothing).
//!
//! A route that answers from an index takes the dataset's index as it is now for the whole
//! request ([`Scope`]), is refused with `index_error` once that index failed verification, and
//! names it in its answer's `Folio-Index` header; a route that is not a dataset's is refused
//! under `/d/{name}/`. What the wrapper decided reaches the handler in its state, a [`Call`]
//! (the request's scope, where the route's parameter starts), not in the request's extensions:
//! a map there costs a request its allocation, a hash insert, a lookup and a drop (about 850 of
//! `/wiki/{title}`'s 21,800 instructions). Calling a route's handler leaves its [`RouteId`] for
//! the [gate](crate::gate), which counts the answer under it ([`take_routed`]).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{FromRef, Request};
use axum::handler::Handler;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Code};
use crate::routes::table::{ROUTES, Route};
use crate::scope::{INDEX_HEADER, Picked, Scope};
use crate::state::{AppState, Limits};

/// Which route answered: its position in [`ROUTES`], for the gate's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteId(pub usize);

thread_local! {
    /// The route whose handler this thread called last, until the gate takes it.
    static ROUTED: Cell<Option<RouteId>> = const { Cell::new(None) };
}

/// Takes the route whose handler was called on this thread since the last call, if any.
///
/// The gate calls it right after each call or poll of the router, on the same thread: a
/// handler is called inside one of those (the router calls it from its own `call`; a layered
/// handler, such as `/sql`'s, when its future is first polled), and nothing else runs on the
/// thread between the handler's call and the gate's take, so the route taken is the one of the
/// request the gate is polling, however many requests a thread interleaves. This is how the
/// route reaches the gate without a map in each answer's extensions (three allocations a
/// request: the map, its table and the boxed value).
pub fn take_routed() -> Option<RouteId> {
    ROUTED.take()
}

/// The state a route's handler is called with: the server's, and what the route's wrapper
/// decided for this one request. `State<AppState>` takes the server's state from it; the
/// [`Scope`] and [`Tail`](crate::router::Tail) extractors take the rest.
#[derive(Clone)]
pub struct Call {
    /// The server's state.
    pub app: AppState,
    /// The request's scope, on a route that answers from an index.
    scope: Option<Scope>,
    /// Where the route's parameter starts in the request's path, on a route that has one.
    tail: Option<usize>,
}

impl Call {
    /// The request's scope, if its route answers from an index.
    pub fn scope(&self) -> Option<&Scope> {
        self.scope.as_ref()
    }

    /// Where the route's parameter starts in the (dataset-stripped) path, if it has one.
    pub fn tail(&self) -> Option<usize> {
        self.tail
    }
}

impl FromRef<Call> for AppState {
    fn from_ref(call: &Call) -> AppState {
        call.app.clone()
    }
}

/// A route of the table as its handlers are built: its position, whether it answers from an
/// index, where its parameter starts, and the API's limits.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    /// The API's limits (for routes with limits of their own, such as `/sql`'s body size).
    pub limits: &'a Limits,
    route: usize,
    index: bool,
    tail: Option<usize>,
}

impl<'a> Entry<'a> {
    /// Route `of`, the `route`th of the table: whether it answers from an index and where its
    /// parameter starts are read from its entry.
    pub fn new(limits: &'a Limits, route: usize, of: &Route) -> Entry<'a> {
        Entry { limits, route, index: of.index, tail: crate::router::tail_at(of.path) }
    }

    /// `handler` as this route's.
    pub fn wrap<H>(&self, handler: H) -> Routed<H> {
        Routed { handler, route: RouteId(self.route), index: self.index, tail: self.tail }
    }
}

/// A handler wrapped with its route (see the [module](self)).
#[derive(Clone)]
pub struct Routed<H> {
    handler: H,
    route: RouteId,
    index: bool,
    tail: Option<usize>,
}

impl<H> Routed<H> {
    /// Admits `request` to this route: its [`Scope`] if the route answers from an index, or why
    /// it is refused.
    fn admit(&self, request: &Request, state: &AppState) -> Result<Option<Scope>, ApiError> {
        let picked = request.extensions().get::<Picked>();
        if !self.index {
            return match picked {
                None => Ok(None),
                Some(p) => {
                    let path = ROUTES[self.route.0].path;
                    let what = format!("{path} is not a route of a dataset: ask it without the {} prefix", p.base);
                    Err(ApiError::new(Code::RouteNotFound, what))
                }
            };
        }
        let scope = Scope::of(picked, &state.library);
        if let Some(problem) = scope.loaded.failed() {
            let what = format!("the index of {} failed verification: {problem}", scope.dataset.name());
            return Err(ApiError::new(Code::IndexError, what));
        }
        Ok(Some(scope))
    }
}

impl<H, T> Handler<T, AppState> for Routed<H>
where
    H: Handler<T, Call>,
{
    type Future = RoutedFuture<H::Future>;

    fn call(self, request: Request, app: AppState) -> Self::Future {
        ROUTED.set(Some(self.route));
        match self.admit(&request, &app) {
            Ok(scope) => {
                // The id's bytes are shared, not copied, into the header.
                let id = scope.as_ref().and_then(|s| HeaderValue::from_maybe_shared(s.loaded.id_bytes()).ok());
                let call = Call { app, scope, tail: self.tail };
                RoutedFuture { inner: Some(self.handler.call(request, call)), refused: None, id }
            }
            Err(e) => RoutedFuture { inner: None, refused: Some(e), id: None },
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Routed`]: the handler's answer, or its refusal; either marked with the
    /// index it came from.
    pub struct RoutedFuture<F> {
        #[pin]
        inner: Option<F>,
        refused: Option<ApiError>,
        id: Option<HeaderValue>,
    }
}

impl<F: Future<Output = Response>> Future for RoutedFuture<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.project();
        let mut answer = match this.inner.as_pin_mut() {
            Some(inner) => std::task::ready!(inner.poll(cx)),
            None => match this.refused.take() {
                Some(e) => e.into_response(),
                None => ApiError::new(Code::Internal, "an answer polled twice").into_response(),
            },
        };
        if let Some(id) = this.id.take() {
            answer.headers_mut().insert(INDEX_HEADER, id);
        }
        Poll::Ready(answer)
    }
}
