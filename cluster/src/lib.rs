//! Folio's page tables as SQL on an [Apache DataFusion Ballista](https://datafusion.apache.org/ballista/)
//! cluster: the same statements `POST /sql` answers, over the `pages.arrow` of many datasets,
//! planned by a scheduler and run by executors on any number of machines.
//!
//! - [`Datasets`]: the page tables named on the command line (`[NAME=]DIR`, as `folio-server
//!   --data` takes them), each opened and checked by the engine, and registered in a session as
//!   DataFusion listing tables over the Arrow IPC files, which Ballista serializes into its plans
//!   and every executor reads from the same path. Their names are the server's
//!   ([`folio_engine::sql::register_page_tables`]): `{dataset}.pages` for each, and `all_pages`
//!   (also `pages` here: a cluster has no default dataset) with a `dataset` column.
//! - [`query`]: a statement through the server's read-only guard, run within [`Limits`] (time,
//!   rows), its answer written as a table, CSV, JSON or an Arrow IPC stream ([`Format`]).
//! - [`nodes`]: a Ballista scheduler and executors in this binary, so that one program starts
//!   the whole cluster (`folio-cluster scheduler`, `folio-cluster executor`).
//!
//! # Example
//!
//! ```no_run
//! use folio_cluster::{Datasets, Limits, query};
//!
//! # async fn run() -> anyhow::Result<()> {
//! let datasets = Datasets::open(&["enwiki=data/enwiki".into(), "dewiki=data/dewiki".into()])?;
//! // In-process scheduler and executor; `query::remote("df://host:50050")` for a cluster.
//! let ctx = query::standalone(&datasets).await?;
//! let sql = "SELECT dataset, ns, count(*) AS n FROM pages GROUP BY dataset, ns";
//! let answer = query::run(&ctx, sql, &Limits::default()).await?;
//! println!("{} rows", answer.rows());
//! # Ok(()) }
//! ```

pub mod nodes;
pub mod query;
mod tables;

pub use query::{Answer, Format, Limits};
pub use tables::{Dataset, Datasets};
