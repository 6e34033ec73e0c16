//! `folio-server`: the multicore HTTP API over a Folio index and its memory-mapped dump.
//!
//! [`app`] builds the [`axum::Router`] over an [`AppState`] (one shared `Arc<Index>` and the SQL
//! [`Catalog`](folio_engine::sql::Catalog)); the binary
//! (`main.rs`) picks the dataset, binds, and serves it on a multi-threaded tokio runtime with
//! graceful shutdown. Handlers hold no query logic: they turn `folio_engine` answers into HTTP,
//! and page bytes go out as zero-copy slices of the map. Errors come from one table
//! ([`error::Code`]) and are always JSON.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use folio_engine::sql::{Catalog, SqlLimits, WorkerCommand};
//! use folio_server::{AppState, Limits, app, dataset::TABLES_SEED};
//!
//! # async fn run() -> anyhow::Result<()> {
//! let index = Arc::new(folio_engine::Index::open("data/enwiki-sample")?);
//! // Ad-hoc SQL runs in worker processes: this binary's hidden `__sql-worker` command.
//! let worker = WorkerCommand { program: "/proc/self/exe".into(), args: vec!["__sql-worker".into()] };
//! let limits = SqlLimits::default();
//! let catalog = Catalog::open("data/tables".as_ref(), TABLES_SEED, Some(index.clone()), limits, Some(worker)).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app(AppState::new(index, catalog, Limits::default()))).await?;
//! # Ok(()) }
//! ```

pub mod admit;
pub mod body;
pub mod cache;
pub mod config;
pub mod count;
pub mod counters;
pub mod dataset;
pub mod error;
pub mod logging;
pub mod routes;
pub mod serve;
pub mod state;

use axum::Router;

pub use error::{ApiError, Code};
pub use state::{AppState, Limits};

/// The value of the `Server` header.
pub const SERVER: &str = concat!("folio/", env!("CARGO_PKG_VERSION"));

/// The router of every route of the table ([`routes::table::ROUTES`]), over `state`.
pub fn app(state: AppState) -> Router {
    let router =
        routes::table::ROUTES.iter().fold(Router::new(), |router, r| router.route(r.path, (r.handler)(&state.limits)));
    router
        .fallback(|| async { ApiError::new(Code::RouteNotFound, "no such route; see /openapi.json") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                Code::MethodNotAllowed,
                "this route does not answer this method (/sql takes POST, every other route GET and HEAD)",
            )
        })
        .layer(admit::AdmitLayer::new(&state))
        .layer(count::CountLayer::new(state.stats.clone()))
        .with_state(state)
}
