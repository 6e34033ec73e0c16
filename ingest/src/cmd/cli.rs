//! Command-line parsing with clap; everything after this file sees plain config structs.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  # Index the bundled sample (bz2 is decompressed into DIR/dump.xml on the way)
  folio-ingest build datasets/enwiki-sample.xml.bz2 --out data/enwiki-sample

  # Index a full English Wikipedia dump, mapped in place
  folio-ingest build enwiki-latest-pages-articles.xml --out /srv/folio/enwiki

  # Add full-text search (/search) to it
  folio-ingest fulltext data/enwiki-sample

  # Check every checksum and page boundary of an index
  folio-ingest verify data/enwiki-sample

  # Make a 1-million-page synthetic dump (about 4.4 GB) for benchmarks
  folio-ingest synth --pages 1000000 --out /tmp/synth-1m.xml";

const SYNTH_EXAMPLES: &str = "\
Examples:
  # A 1-million-page dump (about 4.4 GB), then its index
  folio-ingest synth --pages 1000000 --out /tmp/synth-1m.xml
  folio-ingest build /tmp/synth-1m.xml --out /tmp/synth-1m

  # Another dump of the same size: another seed
  folio-ingest synth --pages 1000000 --seed 2 --out /tmp/synth-1m-b.xml";

/// Streams a MediaWiki XML dump into a memory-mappable Folio index.
#[derive(Debug, Parser)]
#[command(name = "folio-ingest", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Worker threads (default: one per core).
    #[arg(long, global = true, env = "FOLIO_THREADS", value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short, global = true, env = "FOLIO_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index a dump (.xml or .xml.bz2) into a directory, replacing it atomically.
    #[command(
        long_about = "Index a dump (.xml, or .xml.bz2 single- or multi-stream) into DIR.\n\n\
        DIR gets pages.arrow, offsets.npy, titles.fst, the title orders, a title-ordered copy and manifest.json (and \
        dump.xml, the decompressed dump, when the input is bz2). The index is built beside DIR \
        and moved into place in one atomic step: DIR always holds either the old complete index \
        or the new one.",
        after_help = EXAMPLES
    )]
    Build {
        /// The dump: a MediaWiki pages-articles .xml or .xml.bz2 file.
        dump: PathBuf,
        /// The index directory to create or replace.
        #[arg(long, short, value_name = "DIR")]
        out: PathBuf,
        /// Build no suggestion files and count no links (a smaller index and a faster build;
        /// /suggest then answers search_missing, and every rank is 0).
        #[arg(long)]
        no_search: bool,
        /// Count no links: a faster build whose suggestions are ranked by size, headings and
        /// redirects only.
        #[arg(long, conflicts_with = "no_search")]
        no_links: bool,
        /// Also build the full-text index of every article's text (for /search): about as
        /// large as the text itself, and the longest stage of a build.
        #[arg(long)]
        fulltext: bool,
        /// Serve a multistream .bz2 (Wikimedia's pages-articles-multistream) as it is: no
        /// decompressed copy is written; a page read decodes its one bz2 stream (about 100
        /// pages, milliseconds), and the server keeps decoded streams in a bounded cache.
        #[arg(long)]
        compressed: bool,
    },
    /// Add the full-text index (for /search) to an existing index, or rebuild it.
    #[command(long_about = "Add the full-text index (for /search) to an existing index directory, or rebuild it.\n\n\
        It is built inside DIR as fulltext-<id>/ and named in manifest.json by one atomic \
        replacement of the manifest: DIR always holds a complete full-text index or none. A \
        server already running keeps the index it opened; restart it to search the new one.",
        after_help = EXAMPLES)]
    Fulltext {
        /// The index directory.
        dir: PathBuf,
    },
    /// Check every checksum of an index and every page boundary against the dump.
    Verify {
        /// The index directory.
        dir: PathBuf,
    },
    /// Print what an index holds (its manifest, summarized).
    Info {
        /// The index directory.
        dir: PathBuf,
    },
    /// Write a deterministic synthetic dump for tests and benchmarks.
    #[command(long_about = "Write a deterministic synthetic dump in the MediaWiki export schema 0.10.\n\n\
        Titles in many scripts and with &, <, >, \" and ' (escaped), five namespaces, about 40% \
        redirects, text sizes with a mean near 4 KB and a long tail, and clusters of titles under \
        common prefixes (\"List of \" holds about 1.6% of pages). About 4.4 KB of XML per page.",
        after_help = SYNTH_EXAMPLES)]
    Synth {
        /// Number of pages.
        #[arg(long, value_name = "N")]
        pages: u64,
        /// The XML file to write.
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// Seed: the same seed and page count give the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write a multistream .bz2 as Wikimedia packs pages-articles-multistream (a header
        /// stream, 100 pages per stream, a footer stream) and its index beside it
        /// (FILE's name with -index.txt.bz2 for .xml.bz2: `offset:page_id:title` lines). The XML
        /// is held in memory while it is compressed, on all cores.
        #[arg(long)]
        multistream: bool,
    },
}
