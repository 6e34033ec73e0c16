//! What a route knows of itself: [`Routed`] wraps each route's handler with its entry of the
//! table ([`crate::routes::table`]), so that what depends on the route is decided once the
//! router matched it, with no lookup by path and no layer of its own (a layer on axum's router
//! costs each request a boxed service and a boxed future; a wrapped handler costs nothing).
//!
//! A route that answers from an index takes the dataset's index as it is now for the whole
//! request ([`Scope`]), is refused with `index_error` once that index failed verification, and
//! names it in its answer's `Folio-Index` header; a route that is not a dataset's is refused
//! under `/d/{name}/`. Every answer carries a [`RouteId`], which the [gate](crate::gate) counts
//! it under.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::handler::Handler;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Code};
use crate::scope::{INDEX_HEADER, Picked, Scope};
use crate::state::{AppState, Limits};

/// Which route answered: its position in [`ROUTES`](crate::routes::table::ROUTES), left in the
/// answer's extensions for the gate's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteId(pub usize);

/// A route of the table as its handlers are built: its position, whether it answers from an
/// index, and the API's limits.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    /// The API's limits (for routes with limits of their own, such as `/sql`'s body size).
    pub limits: &'a Limits,
    route: usize,
    index: bool,
}

impl<'a> Entry<'a> {
    /// Route `route` of the table, which answers from an index if `index`.
    pub fn new(limits: &'a Limits, route: usize, index: bool) -> Entry<'a> {
        Entry { limits, route, index }
    }

    /// `handler` as this route's.
    pub fn wrap<H>(&self, handler: H) -> Routed<H> {
        Routed { handler, route: RouteId(self.route), index: self.index }
    }
}

/// A handler wrapped with its route (see the [module](self)).
#[derive(Clone)]
pub struct Routed<H> {
    handler: H,
    route: RouteId,
    index: bool,
}

impl<H> Routed<H> {
    /// Admits `request` to this route: its [`Scope`] if the route answers from an index (the id
    /// of that index for the answer's header), or why it is refused.
    fn admit(&self, request: &mut Request, state: &AppState) -> Result<Option<HeaderValue>, ApiError> {
        let picked = request.extensions().get::<Picked>();
        if !self.index {
            return match picked {
                None => Ok(None),
                Some(p) => {
                    let path = crate::routes::table::ROUTES[self.route.0].path;
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
        // The id's bytes are shared, not copied, into the header.
        let id = HeaderValue::from_maybe_shared(scope.loaded.id_bytes()).ok();
        request.extensions_mut().insert(scope);
        Ok(id)
    }
}

impl<H, T> Handler<T, AppState> for Routed<H>
where
    H: Handler<T, AppState>,
{
    type Future = RoutedFuture<H::Future>;

    fn call(self, mut request: Request, state: AppState) -> Self::Future {
        match self.admit(&mut request, &state) {
            Ok(id) => {
                RoutedFuture { inner: Some(self.handler.call(request, state)), refused: None, id, route: self.route }
            }
            Err(e) => RoutedFuture { inner: None, refused: Some(e), id: None, route: self.route },
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Routed`]: the handler's answer, or its refusal; either marked with the
    /// route and the index it came from.
    pub struct RoutedFuture<F> {
        #[pin]
        inner: Option<F>,
        refused: Option<ApiError>,
        id: Option<HeaderValue>,
        route: RouteId,
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
        answer.extensions_mut().insert(*this.route);
        Poll::Ready(answer)
    }
}
