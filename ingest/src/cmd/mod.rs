//! One file per subcommand; each prints its result on stdout and returns the library's error.

pub mod build;
pub mod cli;
pub mod fulltext;
pub mod info;
pub mod synth;
pub mod verify;

use std::io::Write;

use folio_ingest::IngestError;

/// Writes `line` and a newline to stdout.
fn say(line: impl std::fmt::Display) -> folio_ingest::Result<()> {
    writeln!(std::io::stdout().lock(), "{line}").map_err(IngestError::io("stdout".as_ref(), "writing the result"))
}
