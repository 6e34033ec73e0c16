//! Building the full-text index of an index directory, and publishing it there atomically.
//!
//! The documents are made in parallel on rayon's pool (a page's text read from the dump and
//! rendered to plain text) and handed to tantivy's own indexing threads. Everything is written
//! into `.fulltext-staging-<pid>-<n>/` inside the index directory; when tantivy has committed and
//! merged, each file is checksummed and fsynced, the directory is renamed to `fulltext-<id>/`,
//! and the manifest is replaced (one atomic rename) by one that names it. The old full-text
//! directory, if any, is removed last. At every instant the manifest names a complete full-text
//! index or none; a killed build leaves a staging directory that the next build removes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use tantivy::TantivyDocument;

use super::{FullTextInfo, schema};
use crate::error::{Error, Result};
use crate::format;
use crate::publish::{remove_stale, sync_dir, write_file_atomic};
use crate::{Index, Manifest};

const STAGING_PREFIX: &str = ".fulltext-staging-";
const DIR_PREFIX: &str = "fulltext-";

/// Memory for tantivy's indexing buffers, per indexing thread.
const MEMORY_PER_THREAD: usize = 256 << 20;

/// What a full-text build did.
#[derive(Debug, Clone)]
pub struct FullTextBuild {
    /// The manifest now in the index directory.
    pub manifest: Manifest,
    /// Bytes of the full-text index's files.
    pub bytes: u64,
    /// Bytes of page XML read (the namespace-0 articles').
    pub xml_bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Builds the full-text index of `index` with `threads` indexing threads and publishes it into
/// the index's directory, replacing the one there. `progress` is told the XML bytes of each
/// batch of pages read. The open `index` keeps its old view; open the directory again to search.
pub fn build_fulltext(index: &Index, threads: usize, progress: &(dyn Fn(u64) + Sync)) -> Result<FullTextBuild> {
    let started = Instant::now();
    let dir = index.dir().to_path_buf();
    remove_stale(&dir, STAGING_PREFIX);
    let staging = Staging::create(&dir)?;
    let (documents, xml_bytes) = write_documents(index, &staging.0, threads.max(1), progress)?;

    // Checksum and fsync every file tantivy left (its lock files are not part of the index).
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&staging.0).map_err(|e| Error::io(&staging.0, e))? {
        let entry = entry.map_err(|e| Error::io(&staging.0, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".lock") {
            continue;
        }
        let path = entry.path();
        format::sync_file(&path)?;
        files.push((name, format::checksum_file(&path)?));
    }
    sync_dir(&staging.0)?;
    let id = format!("{:016x}", files.iter().fold(documents, |h, (_, s)| h.rotate_left(7) ^ s.xxh3));
    let name = format!("{DIR_PREFIX}{id}");
    let dest = dir.join(&name);
    if dest.exists() {
        std::fs::remove_dir_all(&dest).map_err(|e| Error::io(&dest, e))?;
    }
    std::fs::rename(&staging.0, &dest).map_err(|e| Error::io(&dest, e))?;
    std::mem::forget(staging);
    sync_dir(&dir)?;

    let mut manifest = index.manifest().clone();
    let old = manifest.fulltext.take().map(|f| f.dir).filter(|d| *d != name);
    manifest.files.retain(|k, _| !k.starts_with(DIR_PREFIX));
    let bytes = files.iter().map(|(_, s)| s.bytes).sum();
    for (file, sum) in files {
        manifest.files.insert(format!("{name}/{file}"), sum);
    }
    let seconds = started.elapsed().as_secs_f64();
    manifest.fulltext =
        Some(FullTextInfo { dir: name, documents, analyzer: schema::ANALYZER.into(), build_seconds: seconds });
    let json = manifest.to_json();
    write_file_atomic(&dir.join(format::MANIFEST_FILE), |mut f| {
        std::io::Write::write_all(&mut f, json.as_bytes())
            .map_err(|e| Error::io(dir.join(format::MANIFEST_FILE), e))?;
        Ok(f)
    })?;
    if let Some(old) = old {
        // Nothing names it any more; a crash before this leaves an unnamed directory that the
        // next build removes.
        let _ = std::fs::remove_dir_all(dir.join(old));
    }
    remove_unnamed(&dir, &manifest);
    Ok(FullTextBuild { manifest, bytes, xml_bytes, seconds })
}

/// Adds every namespace-0 article to a new tantivy index in `path`; returns (documents, XML
/// bytes read).
fn write_documents(index: &Index, path: &Path, threads: usize, progress: &(dyn Fn(u64) + Sync)) -> Result<(u64, u64)> {
    let (schema, fields) = schema::schema();
    let tantivy_error = |e: tantivy::TantivyError| Error::Io { path: path.into(), source: std::io::Error::other(e) };
    let settings =
        tantivy::IndexSettings { docstore_compression: tantivy::store::Compressor::None, ..Default::default() };
    let tindex =
        tantivy::Index::builder().schema(schema).settings(settings).create_in_dir(path).map_err(tantivy_error)?;
    schema::register(&tindex);
    let mut writer: tantivy::IndexWriter<TantivyDocument> =
        tindex.writer_with_num_threads(threads, threads * MEMORY_PER_THREAD).map_err(tantivy_error)?;
    const BATCH: usize = 256;
    let n = index.len();
    let counts: Vec<(u64, u64)> = (0..n.div_ceil(BATCH))
        .into_par_iter()
        .map(|b| -> Result<(u64, u64)> {
            let (mut docs, mut bytes) = (0u64, 0u64);
            for row in b * BATCH..n.min((b + 1) * BATCH) {
                let page = index.page(row)?;
                if page.ns != 0 || page.redirect.is_some() {
                    continue;
                }
                let xml = index.page_bytes(&page)?;
                bytes += xml.len() as u64;
                let text = crate::article::wikitext(&xml).map(|w| crate::render::text::plain_text(&w));
                let mut doc = TantivyDocument::default();
                doc.add_text(fields.title, page.title);
                doc.add_text(fields.text, text.as_deref().unwrap_or(""));
                doc.add_u64(fields.row, row as u64);
                doc.add_f64(fields.rank, f64::from(index.page_table().rank(row)?));
                writer.add_document(doc).map_err(tantivy_error)?;
                docs += 1;
            }
            progress(bytes);
            Ok((docs, bytes))
        })
        .collect::<Result<_>>()?;
    writer.commit().map_err(tantivy_error)?;
    writer.wait_merging_threads().map_err(tantivy_error)?;
    Ok(counts.iter().fold((0, 0), |(d, b), (d2, b2)| (d + d2, b + b2)))
}

/// Removes `fulltext-*` directories the manifest does not name (left by a crash).
fn remove_unnamed(dir: &Path, manifest: &Manifest) {
    let named = manifest.fulltext.as_ref().map(|f| f.dir.as_str());
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(DIR_PREFIX) && Some(&*name) != named && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The staging directory, removed unless it was published.
struct Staging(PathBuf);

impl Staging {
    fn create(dir: &Path) -> Result<Staging> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let path = dir.join(format!("{STAGING_PREFIX}{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Staging(path))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
