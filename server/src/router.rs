//! [`Routes`]: the router of the route table ([`crate::routes::table`]). A request's path is
//! matched once, with matchit (the matcher axum's own router is built on, so paths match
//! exactly as they did), to its entry, whose handler is called directly.
//!
//! axum's `Router` matched the same way, then copied every path parameter into the request's
//! extensions (percent-decoded, into shared strings, in a new map, even for a route with none:
//! about 560 of `/plaintext`'s 14,900 instructions and 1,640 of `/wiki/{title}`'s 23,900), and
//! called the handler through a method router and a boxed service. Here a route's parameter,
//! always the rest of its path ([`Tail`]), is noted as where it starts and decoded only by the
//! handler that asks for it; a route answers GET (and HEAD) or POST, as the table declares
//! ([`get`], [`post`]); another method gets the table's JSON 405 with `Allow`, a path of no
//! route the JSON 404.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Code};
use crate::state::AppState;

/// A handler's answer, boxed (as axum boxes the future of every handler).
type Answer = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The method a route answers, and how it is called.
pub struct Endpoint {
    post: bool,
    call: Box<dyn Fn(Request, AppState) -> Answer + Send + Sync>,
}

/// `handler` for GET, which also answers HEAD (the same head, no body).
pub fn get<H: Handler<T, AppState>, T: 'static>(handler: H) -> Endpoint {
    Endpoint { post: false, call: Box::new(move |request, state| Box::pin(handler.clone().call(request, state))) }
}

/// `handler` for POST.
pub fn post<H: Handler<T, AppState>, T: 'static>(handler: H) -> Endpoint {
    Endpoint { post: true, call: Box::new(move |request, state| Box::pin(handler.clone().call(request, state))) }
}

/// Where a route's parameter starts in the request's path (see [`Tail`]).
#[derive(Debug, Clone, Copy)]
struct TailAt(usize);

/// The router of the route table (see the [module](self)).
#[derive(Clone)]
pub struct Routes {
    inner: Arc<Inner>,
}

struct Inner {
    paths: matchit::Router<usize>,
    /// Each route's endpoint and where its parameter starts, if it has one: the length of the
    /// fixed part of its path, which a matching path repeats byte for byte.
    endpoints: Vec<(Endpoint, Option<usize>)>,
    state: AppState,
}

impl Routes {
    /// `routes` (path and endpoint), answered over `state`. Fails when a path does not parse or
    /// has a parameter that is not the rest of the path.
    pub fn new(routes: impl IntoIterator<Item = (&'static str, Endpoint)>, state: AppState) -> Result<Routes, String> {
        let mut paths = matchit::Router::new();
        let mut endpoints = Vec::new();
        for (path, endpoint) in routes {
            let open = path.matches('{').count();
            if open > 1 || (open == 1 && !path.ends_with('}')) {
                return Err(format!("{path}: a route's one parameter must be the rest of its path"));
            }
            paths.insert(path, endpoints.len()).map_err(|e| format!("{path}: {e}"))?;
            endpoints.push((endpoint, path.find('{')));
        }
        Ok(Routes { inner: Arc::new(Inner { paths, endpoints, state }) })
    }

    /// The handler's answer to `request` and whether it is to a HEAD request, or why none.
    fn route(&self, mut request: Request) -> Result<(Answer, bool), ApiError> {
        let path = request.uri().path();
        let Ok(matched) = self.inner.paths.at(path) else {
            return Err(ApiError::new(Code::RouteNotFound, "no such route; see /openapi.json"));
        };
        let (endpoint, tail) = &self.inner.endpoints[*matched.value];
        let method = request.method();
        let head = method == Method::HEAD && !endpoint.post;
        let allowed = if endpoint.post { method == Method::POST } else { head || method == Method::GET };
        if !allowed {
            let mut refused = ApiError::new(
                Code::MethodNotAllowed,
                "this route does not answer this method (/sql takes POST, every other route GET and HEAD)",
            )
            .into_response();
            let allow = if endpoint.post { "POST" } else { "GET,HEAD" };
            refused.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
            return Ok((Box::pin(std::future::ready(refused)), false));
        }
        if let Some(at) = *tail {
            request.extensions_mut().insert(TailAt(at));
        }
        Ok(((endpoint.call)(request, self.inner.state.clone()), head))
    }
}

impl tower::Service<Request> for Routes {
    type Response = Response;
    type Error = Infallible;
    type Future = RouteFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> RouteFuture {
        match self.route(request) {
            Ok((answer, head)) => RouteFuture { answer: Some(answer), head, refused: None },
            Err(e) => RouteFuture { answer: None, head: false, refused: Some(e.into_response()) },
        }
    }
}

/// The future of [`Routes`]: the handler's answer, or the refusal of a path of no route. An
/// answer of a known size says it in `Content-Length` (as axum's router did); the answer to a
/// HEAD request is the GET's, its length kept and its body dropped.
pub struct RouteFuture {
    answer: Option<Answer>,
    head: bool,
    refused: Option<Response>,
}

impl Future for RouteFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match &mut this.answer {
            Some(answer) => {
                let mut response = std::task::ready!(answer.as_mut().poll(cx));
                if !response.headers().contains_key(header::CONTENT_LENGTH)
                    && let Some(n) = http_body::Body::size_hint(response.body()).exact()
                {
                    response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(n));
                }
                if this.head {
                    *response.body_mut() = axum::body::Body::empty();
                }
                Poll::Ready(Ok(response))
            }
            None => Poll::Ready(Ok(this
                .refused
                .take()
                .unwrap_or_else(|| ApiError::new(Code::Internal, "an answer polled twice").into_response()))),
        }
    }
}

/// The parameter of a route (`/wiki/{*title}`, `/assets/{file}`: the rest of the path),
/// percent-decoded; a JSON 400 when it is not UTF-8 once decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Tail {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Tail, ApiError> {
        let at = parts.extensions.get::<TailAt>().map(|t| t.0);
        let raw = at.and_then(|at| parts.uri.path().get(at..)).unwrap_or("");
        match percent_encoding::percent_decode_str(raw).decode_utf8() {
            Ok(decoded) => Ok(Tail(decoded.into_owned())),
            Err(_) => {
                Err(ApiError::new(Code::BadRequest, format!("bad path: {raw:?} is not UTF-8 once percent-decoded")))
            }
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Tail {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Tail>, ApiError> {
        match parts.extensions.get::<TailAt>() {
            Some(_) => <Tail as FromRequestParts<S>>::from_request_parts(parts, state).await.map(Some),
            None => Ok(None),
        }
    }
}
