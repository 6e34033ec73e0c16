//! `folio-ingest build`: dump in, published index directory out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use folio_engine::fulltext::{FullTextBuild, build_fulltext};
use folio_engine::{Counts, IndexWriter, Manifest, PageColumns, Strings, fold_into, publish, search_key_into};
use rayon::prelude::*;

use crate::error::{IngestError, Result};
use crate::progress::Progress;
use crate::sort::sort_rows;
use crate::{scan, source};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildConfig {
    /// The dump: `.xml` or `.xml.bz2`.
    pub dump: PathBuf,
    /// The index directory to create or replace.
    pub out: PathBuf,
    /// Draw a progress bar (when stderr is a terminal).
    pub progress: bool,
    /// What to build for search: ranks from links and the suggestion files (the default),
    /// the suggestion files without a link scan, or neither.
    pub search: Search,
    /// Also build the full-text index (`--fulltext`).
    pub fulltext: bool,
    /// Serve the multistream `.bz2` as it is, with no decompressed copy (`--compressed`).
    pub compressed: bool,
}

/// What a build does for search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Search {
    /// Count every article's links in the scan, rank every page, write the suggestion files.
    #[default]
    Ranked,
    /// Write the suggestion files, ranked without links (size, headings and redirects only):
    /// `folio-ingest build --no-links`.
    Unranked,
    /// Neither ranks nor suggestion files: `folio-ingest build --no-search`.
    Off,
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// The published manifest.
    pub manifest: Manifest,
    /// Wall-clock seconds, start to publish.
    pub seconds: f64,
}

/// Removes the staging directory unless the build published it.
struct Staging(Option<PathBuf>);

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Builds the index of `config.dump` into `config.out`, atomically replacing what was there.
pub fn build(config: &BuildConfig) -> Result<BuildReport> {
    let started = Instant::now();
    let progress = Progress::new(config.progress);
    let out = &config.out;
    let staging_dir = publish::create_staging(out)?;
    let staging = Staging(Some(staging_dir.clone()));
    let mut writer_streams = None;

    let ranked = config.search == Search::Ranked;
    let on_progress = |bytes, n| {
        progress.inc(bytes);
        progress.add_pages(n);
    };
    let (scanned, info, compressed, name) = if config.compressed {
        let shown = source::check_input(&config.dump, out)?;
        progress.stage("decode and scan", std::fs::metadata(&config.dump).ok().map(|m| m.len()));
        let c = crate::multistream::scan(&config.dump, &shown, ranked, &on_progress)?;
        writer_streams = Some((c.streams, c.sums));
        (c.scanned, c.info, Some(c.compressed), shown)
    } else {
        let source = source::prepare(&config.dump, &staging_dir, out, &progress)?;
        progress.stage("scan", Some(source.xml.len() as u64));
        source.xml.advise_sequential();
        let scanned = scan::scan(&source.xml, ranked, &on_progress)
            .map_err(|source_error| IngestError::Scan { name: source.name.clone(), source: source_error })?;
        (scanned, source.info, None, source.name)
    };
    let scan::Scanned { mut pages, links } = scanned;
    if u32::try_from(pages.len()).is_err() {
        return Err(IngestError::input(
            &name,
            format!("{} pages; an index holds at most 2^32 - 1: split the dump", pages.len()),
        ));
    }

    let t_scan = started.elapsed();
    progress.stage("write index", None);
    let writer = IndexWriter::new(&staging_dir);
    if let Some((rows, sums)) = &writer_streams {
        writer.write_streams(rows, sums)?;
    }
    let mut counts = count(&pages);
    let weights = match config.search {
        Search::Ranked | Search::Unranked => Some(crate::ranking::rank(&mut pages, &links)),
        Search::Off => crate::ranking::none(&mut pages),
    };
    drop(links);
    let weights = weights.as_deref();
    let (written, distinct) = rayon::join(
        || {
            rayon::join(
                || writer.write_pages(&pages, writer_streams.as_ref().map(|(rows, _)| rows.as_slice())),
                || {
                    weights.map_or(Ok(()), |w| {
                        write_search(&writer, &pages.title, w)?;
                        writer.write_disambiguation(&pages.disambiguation)
                    })
                },
            )
        },
        || {
            write_orders(
                &writer,
                &pages,
                weights,
                folio_engine::format::lean(folio_engine::FORMAT_VERSION, compressed.is_some()),
            )
        },
    );
    written.0?;
    written.1?;
    counts.distinct_titles = distinct?;
    let t_write = started.elapsed();
    drop(pages);

    let tool = concat!("folio-ingest ", env!("CARGO_PKG_VERSION"));
    let manifest = writer.finish(tool, info, compressed, counts, started.elapsed().as_secs_f64())?;
    let manifest = if config.fulltext {
        let index = folio_engine::Index::open(&staging_dir)?;
        fulltext(&index, &progress)?.manifest
    } else {
        manifest
    };
    publish::publish(&staging_dir, out)?;
    std::mem::forget(staging);
    tracing::debug!(
        scan_seconds = t_scan.as_secs_f64(),
        write_seconds = (t_write - t_scan).as_secs_f64(),
        publish_seconds = (started.elapsed() - t_write).as_secs_f64(),
        "build stages"
    );
    progress.finish();
    Ok(BuildReport { manifest, seconds: started.elapsed().as_secs_f64() })
}

/// Builds the full-text index of `index` (on all of rayon's threads) into its directory, with a
/// progress stage: `build --fulltext` runs it in the staging directory before publishing, and
/// `folio-ingest fulltext DIR` on a published index.
pub fn fulltext(index: &folio_engine::Index, progress: &Progress) -> Result<FullTextBuild> {
    progress.stage("full text", Some(index.dump_len()));
    let built = build_fulltext(index, rayon::current_num_threads(), &|bytes| progress.inc(bytes))?;
    progress.finish();
    Ok(built)
}

/// The line printed at the end of `folio-ingest fulltext`.
pub fn fulltext_line(built: &FullTextBuild, dir: &Path) -> String {
    let documents = built.manifest.fulltext.as_ref().map_or(0, |f| f.documents);
    format!(
        "indexed the text of {documents} articles ({:.2} GB of XML) in {:.2} s ({:.1} MB/s): {:.1} MB in {}",
        built.xml_bytes as f64 / 1e9,
        built.seconds,
        built.xml_bytes as f64 / 1e6 / built.seconds.max(1e-9),
        built.bytes as f64 / 1e6,
        dir.display()
    )
}

fn count(pages: &PageColumns) -> Counts {
    let mut namespaces = BTreeMap::new();
    for &ns in &pages.ns {
        *namespaces.entry(ns).or_insert(0) += 1;
    }
    Counts {
        pages: pages.len() as u64,
        redirects: (0..pages.len()).filter(|&i| pages.redirect.is_valid(i)).count() as u64,
        distinct_titles: 0,
        title_bytes: pages.title.data_len() as u64,
        namespaces,
    }
}

/// Sorts the rows by title and by folded title and writes the FST, both orders, the
/// title-ordered copy (unless `lean`: [`folio_engine::format::lean`]) and the weights in title
/// order; returns the number of distinct titles.
fn write_orders(
    writer: &IndexWriter,
    pages: &PageColumns,
    weights: Option<&[u16]>,
    lean: bool,
) -> folio_engine::Result<u64> {
    let titles = &pages.title;
    let order = sort_rows(titles);
    let ((distinct, sorted), (folded, title_weights)) = rayon::join(
        || {
            rayon::join(
                || writer.write_titles(pages, &order, lean),
                || if lean { Ok(()) } else { writer.write_sorted(pages, &order) },
            )
        },
        || {
            rayon::join(
                || writer.write_folded_order(&sort_rows(&map_all(titles, fold_into))),
                || weights.map_or(Ok(()), |w| writer.write_title_weights(&order, w)),
            )
        },
    );
    sorted?;
    folded?;
    title_weights?;
    distinct
}

/// Writes the suggestion files: every title's search key, the rows sorted by key, then by
/// weight (highest first), then by row.
fn write_search(writer: &IndexWriter, titles: &Strings, weights: &[u16]) -> folio_engine::Result<()> {
    let keys = map_all(titles, search_key_into);
    let mut order = sort_rows(&keys);
    order
        .par_chunk_by_mut(|&a, &b| keys.bytes(a as usize) == keys.bytes(b as usize))
        .for_each(|run| run.sort_unstable_by_key(|&r| (std::cmp::Reverse(weights[r as usize]), r)));
    writer.write_search(&keys, &order, weights)
}

/// `f` applied to every title (a folding into a buffer), in parallel.
fn map_all(titles: &Strings, f: fn(&str, &mut String)) -> Strings {
    const ROWS: usize = 1 << 16;
    let parts: Vec<Strings> = (0..titles.len().div_ceil(ROWS))
        .into_par_iter()
        .map(|c| {
            let mut part = Strings::new();
            let mut buf = String::new();
            for row in c * ROWS..titles.len().min((c + 1) * ROWS) {
                buf.clear();
                f(titles.get(row), &mut buf);
                part.push(&buf);
            }
            part
        })
        .collect();
    let mut all = Strings::new();
    for part in parts {
        all.extend(&part);
    }
    all
}

/// The one summary line printed at the end of a build.
pub fn summary_line(report: &BuildReport, out: &Path) -> String {
    let m = &report.manifest;
    let gb = m.dump.bytes as f64 / 1e9;
    format!(
        "indexed {} pages ({} redirects, {} namespaces) from {:.2} GB of XML in {:.2} s ({:.2} GB/s) into {}",
        m.counts.pages,
        m.counts.redirects,
        m.counts.namespaces.len(),
        gb,
        report.seconds,
        gb / report.seconds.max(1e-9),
        out.display()
    )
}

/// A few lines describing an index from its manifest: what it holds and its files.
pub fn describe(m: &Manifest, dir: &Path) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let c = &m.counts;
    let _ = writeln!(
        s,
        "index {} (format {}, built by {} in {:.2} s)",
        dir.display(),
        m.format_version,
        m.tool,
        m.build_seconds
    );
    let _ =
        writeln!(s, "dump  {} ({} bytes, from {})", m.dump_path(dir).display(), m.dump.bytes, m.dump.source.display());
    let _ = writeln!(
        s,
        "pages {} ({} redirects, {} distinct titles, {} title bytes)",
        c.pages, c.redirects, c.distinct_titles, c.title_bytes
    );
    let ns: Vec<String> = c.namespaces.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let _ = writeln!(s, "namespaces {}", ns.join(", "));
    for (name, sum) in &m.files {
        let _ = writeln!(s, "  {name:<18} {:>14} bytes  xxh3 {:016x}", sum.bytes, sum.xxh3);
    }
    s.pop();
    s
}
