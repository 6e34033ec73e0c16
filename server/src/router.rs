//! [`Routes`]: the router of the route table ([`crate::routes::table`]). A request's path is
//! matched once, with matchit (the matcher axum's own router is built on, so paths match
//! exactly as they did), to its entry, whose handler is called directly.
//!
//! axum's `Router` matched the same way, then copied every path parameter into the request's
//! extensions (percent-decoded, into shared strings, in a new map, even for a route with none:
//! about 560 of `/plaintext`'s 14,900 instructions and 1,640 of `/wiki/{title}`'s 23,900), and
//! called the handler through a method router and a boxed service. Here a route's parameter,
//! always the rest of its path ([`Tail`]), starts where the fixed part of its path ends
//! ([`tail_at`], known when the table is built and handed to the handler in its [`Call`]), and
//! is decoded only by the handler that asks for it; a route answers GET (and HEAD) or POST, as
//! the table declares ([`get`], [`post`]); another method gets the table's JSON 405 with
//! `Allow`, a path of no route the JSON 404.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, Code};
use crate::routed::Call;
use crate::state::AppState;

/// A handler's answer, boxed (as axum boxes the future of every handler).
type Answer = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The method a route answers, and how it is called.
pub struct Endpoint {
    post: bool,
    call: Box<dyn Fn(Request, AppState) -> Answer + Send + Sync>,
}

/// `handler` for GET, which also answers HEAD (the same head, no body).
pub fn get<H: Handler<T, AppState>, T>(handler: H) -> Endpoint {
    Endpoint { post: false, call: Box::new(move |request, state| Box::pin(handler.clone().call(request, state))) }
}

/// `handler` for POST.
pub fn post<H: Handler<T, AppState>, T>(handler: H) -> Endpoint {
    Endpoint { post: true, call: Box::new(move |request, state| Box::pin(handler.clone().call(request, state))) }
}

/// Where the parameter of a route of path `path` starts in a request's path, if it has one:
/// the length of the path's fixed part, which a matching path repeats byte for byte (the
/// router refuses a table whose parameter is not the rest of its path).
pub fn tail_at(path: &str) -> Option<usize> {
    path.find('{')
}

/// The router of the route table (see the [module](self)).
#[derive(Clone)]
pub struct Routes {
    inner: Arc<Inner>,
}

struct Inner {
    paths: matchit::Router<usize>,
    endpoints: Vec<Endpoint>,
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
            endpoints.push(endpoint);
        }
        Ok(Routes { inner: Arc::new(Inner { paths, endpoints, state }) })
    }

    /// The handler's answer to `request`, or the answer that refuses it (no route, or a method
    /// the route does not take).
    fn route(&self, request: Request) -> RouteFuture {
        let head = request.method() == Method::HEAD;
        let refuse = |refused| RouteFuture { answer: None, refused: Some(refused), head };
        let path = request.uri().path();
        let Ok(matched) = self.inner.paths.at(path) else {
            return refuse(ApiError::new(Code::RouteNotFound, "no such route; see /openapi.json").into_response());
        };
        let endpoint = &self.inner.endpoints[*matched.value];
        let method = request.method();
        let allowed = match endpoint.post {
            true => method == Method::POST,
            false => method == Method::GET || method == Method::HEAD,
        };
        if !allowed {
            let mut refused = ApiError::new(
                Code::MethodNotAllowed,
                "this route does not answer this method (/sql takes POST, every other route GET and HEAD)",
            )
            .into_response();
            let allow = if endpoint.post { "POST" } else { "GET,HEAD" };
            refused.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
            return refuse(refused);
        }
        RouteFuture { answer: Some((endpoint.call)(request, self.inner.state.clone())), refused: None, head }
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
        self.route(request)
    }
}

/// The future of [`Routes`]: the handler's answer, or the answer that refused the request.
/// Either says its length in `Content-Length` when its body's size is known and it has none (as
/// axum's router did); the answer to a HEAD request is the GET's head, its length kept, no body.
pub struct RouteFuture {
    answer: Option<Answer>,
    refused: Option<Response>,
    head: bool,
}

impl Future for RouteFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut response = match &mut this.answer {
            Some(answer) => std::task::ready!(answer.as_mut().poll(cx)),
            None => match this.refused.take() {
                Some(refused) => refused,
                None => ApiError::new(Code::Internal, "an answer polled twice").into_response(),
            },
        };
        if !response.headers().contains_key(header::CONTENT_LENGTH)
            && let Some(n) = http_body::Body::size_hint(response.body()).exact()
        {
            response.headers_mut().insert(header::CONTENT_LENGTH, content_length(n));
        }
        if this.head {
            *response.body_mut() = axum::body::Body::empty();
        }
        Poll::Ready(Ok(response))
    }
}

/// Answers shorter than this get their `Content-Length` value from a table made once.
const SMALL: usize = 4096;

/// The `Content-Length` value of `size` bytes: below [`SMALL`], a static value copied without
/// allocating and without a shared counter between cores; above, formatted (one allocation).
fn content_length(size: u64) -> HeaderValue {
    static LENGTHS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
        (0..SMALL).map(|n| HeaderValue::from_static(Box::leak(n.to_string().into_boxed_str()))).collect()
    });
    match usize::try_from(size).ok().and_then(|n| LENGTHS.get(n)) {
        Some(value) => value.clone(),
        None => HeaderValue::from(size),
    }
}

/// The parameter of a route (`/wiki/{*title}`, `/assets/{file}`: the rest of the path),
/// percent-decoded; a JSON 400 when it is not UTF-8 once decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail(pub String);

impl FromRequestParts<Call> for Tail {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, call: &Call) -> Result<Tail, ApiError> {
        let raw = call.tail().and_then(|at| parts.uri.path().get(at..)).unwrap_or("");
        // A path is ASCII (the URI's parser refuses anything else): with no escape in it, it is
        // its own decoding, taken without a byte-by-byte decoder or a UTF-8 check.
        if !raw.contains('%') {
            return Ok(Tail(raw.to_owned()));
        }
        match percent_encoding::percent_decode_str(raw).decode_utf8() {
            Ok(decoded) => Ok(Tail(decoded.into_owned())),
            Err(_) => {
                Err(ApiError::new(Code::BadRequest, format!("bad path: {raw:?} is not UTF-8 once percent-decoded")))
            }
        }
    }
}

impl OptionalFromRequestParts<Call> for Tail {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, call: &Call) -> Result<Option<Tail>, ApiError> {
        match call.tail() {
            Some(_) => <Tail as FromRequestParts<Call>>::from_request_parts(parts, call).await.map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_the_sizes_written_out() {
        for n in [0u64, 1, 13, 27, 999, 4095, 4096, 1 << 40, u64::MAX] {
            assert_eq!(content_length(n).to_str().unwrap(), n.to_string());
        }
    }
}
