//! `folio-server`: the multicore HTTP API over a Folio index and its memory-mapped dump.
//!
//! [`app`] builds the [router](router::Routes) of the route table over an [`AppState`] (the
//! datasets, a [`Library`](folio_engine::library::Library) of indexes that can be reloaded while
//! served, and the SQL [`Catalog`](folio_engine::sql::Catalog)); the binary (`main.rs`) picks the
//! datasets, binds, and serves them on an event loop per core ([`serve`]) with graceful shutdown,
//! reloading a dataset when a new index is published over its directory ([`reload`]). Handlers
//! hold no query logic: they turn `folio_engine` answers into HTTP, and page bytes go out as
//! zero-copy slices of the map. Errors come from one table
//! ([`error::Code`]) and are always JSON.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use folio_engine::OpenOptions;
//! use folio_engine::library::{Dataset, Library};
//! use folio_engine::sql::{Catalog, SqlLimits, TablesMode, WorkerCommand};
//! use folio_server::{AppState, Limits, app, dataset::{TABLES_SEED, page_tables}};
//!
//! # async fn run() -> anyhow::Result<()> {
//! let enwiki = Dataset::open("enwiki", "data/enwiki".as_ref(), OpenOptions::default())?;
//! let library = Arc::new(Library::new(vec![enwiki])?);
//! // Ad-hoc SQL runs in worker processes: this binary's hidden `__sql-worker` command.
//! let worker = WorkerCommand { program: "/proc/self/exe".into(), args: vec!["__sql-worker".into()] };
//! let limits = SqlLimits::default();
//! let (tables, pages) = ("data/tables".as_ref(), page_tables(&library));
//! let catalog = Catalog::open(tables, TABLES_SEED, pages, limits, Some(worker), TablesMode::Write).await?;
//! // Asked in-process here; `serve::serve` answers the same service on every core.
//! use tower::ServiceExt;
//! let service = app(AppState::new(library, catalog, Limits::default()));
//! let request = axum::http::Request::get("/wiki/Anarchism").body(axum::body::Body::empty())?;
//! let page = service.oneshot(request).await?;
//! assert_eq!(page.status(), 200);
//! # Ok(()) }
//! ```

pub mod admit;
pub mod body;
pub mod cache;
pub mod compress;
pub mod conditional;
pub mod config;
pub mod count;
pub mod counters;
pub mod dataset;
pub mod error;
pub mod flight;
pub mod gate;
pub mod http1;
pub mod listen;
pub mod logging;
pub mod or_answer;
pub mod reload;
pub mod routed;
pub mod router;
pub mod routes;
pub mod scope;
pub mod serve;
pub mod state;

pub use error::{ApiError, Code};
pub use state::{AppState, Limits};

/// The value of the `Server` header.
pub const SERVER: &str = concat!("folio/", env!("CARGO_PKG_VERSION"));

/// The service that answers every request: the [gate] in front of the dataset prefixes
/// ([`scope::Pick`]) in front of the [router] of the route table.
pub type App = gate::Gate<scope::Pick<router::Routes>>;

/// The router of every route of the table ([`routes::table::ROUTES`]), over `state`, at the
/// root paths (the default dataset) and under `/d/{name}/` for each dataset ([`scope`]), behind
/// the [gate].
///
/// # Panics
///
/// When a path of the table does not parse as a route (a test of the table proves they all do).
pub fn app(state: AppState) -> App {
    let library = state.library.clone();
    let routes = routes::table::ROUTES
        .iter()
        .enumerate()
        .map(|(i, r)| (r.path, (r.handler)(routed::Entry::new(&state.limits, i, r))));
    // As axum's router did: a table that is no router is a bug, found by every test.
    let router = router::Routes::new(routes, state.clone()).unwrap_or_else(|e| panic!("the route table: {e}"));
    gate::Gate::new(&state, scope::Pick::new(&library, router))
}
