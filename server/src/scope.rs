//! Which dataset a request addresses: the [`Pick`] service in front of the router, and the
//! [`Scope`] handlers answer from.
//!
//! `/d/{name}/rest` is the route `/rest` of the dataset `name`: [`Pick`] checks the name, strips
//! the prefix before the router sees the path (so every route is declared once, in
//! [`routes::table`](crate::routes::table), for every dataset) and leaves a [`Picked`] in the
//! request's extensions; any other path addresses the default dataset (the first). Once a route
//! matched, its [wrapper](crate::routed) takes the dataset's current index once for the whole request
//! ([`Scope`]): a reload while it runs does not change what it answers from, and the answer
//! names that index in its `Folio-Index` header.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderName, Uri};
use axum::response::Response;
use folio_engine::Index;
use folio_engine::library::{Dataset, Library, Loaded};

use crate::error::{ApiError, Code};
use crate::or_answer::OrAnswer;
use crate::routed::Call;

/// The response header naming the index an answer came from ([`Index::id`]).
pub const INDEX_HEADER: HeaderName = HeaderName::from_static("folio-index");

/// The prefix of a dataset's routes.
pub const PREFIX: &str = "/d/";

/// A request under `/d/{name}/`: its dataset and the path prefix of its links.
#[derive(Clone)]
pub struct Picked {
    /// The dataset.
    pub dataset: Arc<Dataset>,
    /// `/d/{name}`.
    pub base: Arc<str>,
}

/// What a handler answers from: a dataset, its index as it was when the request was admitted,
/// and the prefix of the links it writes (empty for the default dataset at the root paths).
#[derive(Clone)]
pub struct Scope {
    /// The dataset.
    pub dataset: Arc<Dataset>,
    /// Its index, taken once for the request.
    pub loaded: Arc<Loaded>,
    /// `""` at the root paths, `/d/{name}` under a dataset's prefix.
    pub base: Arc<str>,
}

impl Scope {
    /// The scope of `request` (admitted already, or the default dataset's).
    pub fn of(picked: Option<&Picked>, library: &Library) -> Scope {
        match picked {
            Some(p) => Scope { dataset: p.dataset.clone(), loaded: p.dataset.current(), base: p.base.clone() },
            None => {
                // One shared empty prefix: no allocation on the root paths' requests.
                static ROOT: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| Arc::from(""));
                let dataset = library.first().clone();
                Scope { loaded: dataset.current(), dataset, base: ROOT.clone() }
            }
        }
    }

    /// The index.
    pub fn index(&self) -> &Arc<Index> {
        self.loaded.index()
    }

    /// The part of every ETag that changes with the index: its id.
    pub fn etag(&self) -> &str {
        self.loaded.id()
    }
}

impl FromRequestParts<Call> for Scope {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, call: &Call) -> Result<Scope, Infallible> {
        // The one the route's wrapper took when it admitted the request.
        match call.scope() {
            Some(scope) => Ok(scope.clone()),
            None => Ok(Scope::of(parts.extensions.get::<Picked>(), &call.app.library)),
        }
    }
}

/// The service in front of the router that resolves `/d/{name}/` (see the [module](self)).
#[derive(Clone)]
pub struct Pick<S> {
    inner: S,
    datasets: Arc<[Picked]>,
}

impl<S> Pick<S> {
    /// `inner` (the router) behind the dataset prefixes of `library`.
    pub fn new(library: &Library, inner: S) -> Pick<S> {
        let datasets = library
            .iter()
            .map(|d| Picked { dataset: d.clone(), base: Arc::from(format!("/d/{}", d.name())) })
            .collect();
        Pick { inner, datasets }
    }

    /// The request with its path stripped of `/d/{name}` and its [`Picked`], or the answer to
    /// a name that is no dataset's.
    fn pick(&self, mut request: Request) -> Result<Request, ApiError> {
        let path = request.uri().path();
        let Some(rest) = path.strip_prefix(PREFIX) else { return Ok(request) };
        let (name, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let Some(picked) = self.datasets.iter().find(|p| p.dataset.name() == name) else {
            let names: Vec<&str> = self.datasets.iter().map(|p| p.dataset.name()).collect();
            return Err(ApiError::new(
                Code::DatasetNotFound,
                format!("no dataset is named {name:?}; this server has {} (see /datasets)", names.join(", ")),
            ));
        };
        let tail = if tail.is_empty() { "/" } else { tail };
        let uri = match request.uri().query() {
            Some(q) => format!("{tail}?{q}"),
            None => tail.to_owned(),
        };
        let uri = Uri::try_from(uri).map_err(|e| ApiError::new(Code::BadRequest, format!("bad path: {e}")))?;
        let picked = picked.clone();
        *request.uri_mut() = uri;
        request.extensions_mut().insert(picked);
        Ok(request)
    }
}

impl<S> tower::Service<Request> for Pick<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = OrAnswer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.pick(request) {
            Ok(request) => OrAnswer::call(self.inner.call(request)),
            Err(e) => OrAnswer::answer(e),
        }
    }
}
