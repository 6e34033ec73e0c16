//! End-to-end tests: the real `folio-server` binary on a free port, a real HTTP client.

mod faults;
mod lifecycle;
mod limits;
mod ranges;
mod routes;
mod sql;
mod sql_limits;
mod tfb;
mod util;
