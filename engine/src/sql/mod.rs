//! SQL over Folio's tables, on Apache DataFusion (the `sql` feature).
//!
//! A [`Catalog`] holds three tables:
//! - `world (id int, randomNumber int)`: 10,000 rows, updatable and durable. The rows live in
//!   memory; every acknowledged update is first written to a write-ahead log and `fdatasync`ed
//!   (group commit), and checkpoints of the whole table are published atomically as
//!   `world.arrow`. A point query `id = $1` is answered from the row index by a prepared,
//!   pre-planned statement (see [`Catalog::world_row`]).
//! - `fortune (id int, message text)`: the TechEmpower fortunes, read-only.
//! - the page tables of the served datasets, each its index's `pages.arrow` read zero-copy
//!   from its memory map: `{dataset}.pages` for each, `pages` for the first (the default),
//!   and the view `all_pages`, every table's rows with a `dataset` column naming where each
//!   row comes from ([`register_page_tables`], which `folio-cluster` uses too).
//!   [`Catalog::renew_pages`] makes them follow a reloaded index.
//!
//! Ad-hoc queries ([`Catalog::query`]) run in [`worker`] processes, each a [`Replica`] of the
//! tables: they pass the read-only [`guard`] first and run within [`SqlLimits`] (time, memory,
//! rows, answer bytes), which hold whatever the query does, because a query that passes one is
//! stopped by killing its worker, never the server. Answers come back encoded ([`Encoded`]) as
//! JSON rows or as an Arrow IPC stream.
//!
//! # Example
//!
//! ```no_run
//! use folio_engine::sql::{Catalog, Format, Seed, SqlLimits, TablesMode, WorkerCommand};
//!
//! # async fn run() -> folio_engine::Result<()> {
//! let seed = Seed { world: "1\t42\n", fortune: "1\tHello\n" };
//! // Ad-hoc queries run in worker processes: a program that calls `sql::worker::serve()`.
//! let worker = WorkerCommand { program: "folio-server".into(), args: vec!["__sql-worker".into()] };
//! let catalog =
//!     Catalog::open("data/tables".as_ref(), seed, Vec::new(), SqlLimits::default(), Some(worker), TablesMode::Write).await?;
//! let row = catalog.world_row(1).await?;
//! let answer = catalog.query("SELECT count(*) AS n FROM fortune", &[], Format::Json).await?;
//! println!("{row:?} {}", String::from_utf8_lossy(&answer.bytes));
//! # Ok(()) }
//! ```

mod catalog;
pub use crate::sql_guard as guard;
mod follow;
mod limits;
mod page_views;
mod pages_table;
mod params;
mod replica;
mod session;
pub mod tables;
pub mod wal;
pub mod worker;
mod world;
mod world_exec;

pub use crate::error::Limit;
pub use catalog::{Catalog, Fortune, SqlCounters, TablesMode, WorldRow};
pub use datafusion::common::ScalarValue;
pub use limits::SqlLimits;
pub use page_views::register_page_tables;
pub use params::{param_from_json, param_to_json, params_from_row};
pub use replica::{Encoded, Format, Replica};
pub use tables::Seed;
pub use worker::{PoolStats, WorkerCommand};
pub use world::{CHECKPOINT_BYTES, Recovery};

#[cfg(test)]
mod follow_tests;
#[cfg(test)]
mod tests;
