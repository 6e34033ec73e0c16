//! SQL over Folio's tables, on Apache DataFusion (the `sql` feature).
//!
//! A [`Catalog`] registers three tables in one DataFusion session:
//! - `world (id int, randomNumber int)`: 10,000 rows, updatable and durable. The rows live in
//!   memory; every acknowledged update is first written to a write-ahead log and `fdatasync`ed
//!   (group commit), and checkpoints of the whole table are published atomically as
//!   `world.arrow`. A point query `id = $1` is answered from the row index by a prepared,
//!   pre-planned statement (see [`Catalog::world_row`]).
//! - `fortune (id int, message text)`: the TechEmpower fortunes, read-only.
//! - `pages`: the index's `pages.arrow`, read zero-copy from its memory map.
//!
//! Ad-hoc queries ([`Catalog::query`]) pass the read-only [`guard`] first and run within
//! [`SqlLimits`] (time, memory, rows). Answers come back as an [`Answer`], which encodes itself
//! as JSON rows or as an Arrow IPC stream.
//!
//! # Example
//!
//! ```no_run
//! use folio_engine::sql::{Catalog, Seed, SqlLimits};
//!
//! # async fn run() -> folio_engine::Result<()> {
//! let seed = Seed { world: "1\t42\n", fortune: "1\tHello\n" };
//! let catalog = Catalog::open("data/tables".as_ref(), seed, None, SqlLimits::default()).await?;
//! let row = catalog.world_row(1).await?;
//! let answer = catalog.query("SELECT count(*) AS n FROM fortune", &[]).await?;
//! println!("{row:?} {}", String::from_utf8_lossy(&answer.to_json()?));
//! # Ok(()) }
//! ```

mod answer;
mod catalog;
pub use crate::sql_guard as guard;
mod pages;
pub mod tables;
pub mod wal;
mod world;
mod world_exec;

pub use answer::{Answer, param_from_json};
pub use catalog::{Catalog, Fortune, Prepared, SqlCounters, SqlLimits, WorldRow};
pub use datafusion::common::ScalarValue;
pub use tables::Seed;
pub use world::{CHECKPOINT_BYTES, Recovery};

#[cfg(test)]
mod tests;
