//! The server's tests: routes in-process over a shared index (`inproc`), and the real
//! `folio-server` binary on a free port where a process is needed (`util::Server`).

mod compressed;
mod datasets;
mod encoding;
mod faults;
mod flight;
mod http1;
mod inproc;
mod lifecycle;
mod limits;
mod loops;
mod ranges;
mod reader;
mod replicas;
mod routes;
mod search;
mod sql;
mod sql_limits;
mod suggest;
mod tfb;
mod util;
