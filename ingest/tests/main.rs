//! Integration tests of folio-ingest and the index it builds; one binary, helpers in `util`.

mod bad_input;
mod cli;
mod compressed;
mod crash;
mod fulltext;
mod props;
mod real_dumps;
mod search;
mod util;
