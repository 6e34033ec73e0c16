//! `manifest.json`: what an index holds, what it was built from, and every file's checksum.
//!
//! The manifest is a public interface: it opens with any JSON reader, and README.md documents
//! its fields. It is written last, so an index directory with a manifest is complete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};
use crate::format::{FORMAT_VERSION, FileSum, hex_u64};

/// The name written in the manifest's `format` field.
pub const FORMAT_NAME: &str = "folio-index";

/// Bytes hashed at each end of the dump for its fingerprint.
pub const FINGERPRINT_SPAN: usize = 1 << 20;

/// The parsed `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `folio-index`.
    pub format: String,
    /// The index layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// The program that wrote it, such as `folio-ingest 0.1.0`.
    pub tool: String,
    /// When the build finished, seconds since the Unix epoch.
    pub created_unix: f64,
    /// Wall-clock seconds the build took.
    pub build_seconds: f64,
    /// The XML dump the index points into.
    pub dump: DumpInfo,
    /// What the dump holds.
    pub counts: Counts,
    /// Size and checksum of every other file in the directory, by file name (files of the
    /// full-text index as `fulltext-<id>/<name>`).
    pub files: BTreeMap<String, FileSum>,
    /// The full-text index, when one was built (`folio-ingest build --fulltext` or
    /// `folio-ingest fulltext`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulltext: Option<crate::fulltext::FullTextInfo>,
    /// For a dataset served from a multistream `.bz2` (`folio-ingest build --compressed`): the
    /// compressed file. `dump` then describes the XML its streams decode to, as if it existed
    /// (`dump.path` names the `.bz2`: no XML file exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compressed: Option<CompressedDump>,
}

/// The multistream `.bz2` a compressed dataset is served from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompressedDump {
    /// Always `bz2-multistream`.
    pub format: String,
    /// Size of the `.bz2` in bytes.
    pub bytes: u64,
    /// Modification time of the `.bz2` when it was indexed, seconds since the Unix epoch.
    pub mtime_unix: f64,
    /// [`fingerprint`] of the `.bz2`'s bytes.
    #[serde(with = "hex_u64")]
    pub fingerprint: u64,
    /// Number of bz2 streams (rows of `streams.npy`, less its closing row).
    pub streams: u64,
    /// When every stream was last decoded and found whole (its CRCs checked, its length the
    /// table's, and from format 5 its sum recorded): by the build, then by each `folio-ingest
    /// verify`. Seconds since the Unix epoch.
    pub verified_unix: f64,
}

/// The name written in [`CompressedDump::format`].
pub const BZ2_MULTISTREAM: &str = "bz2-multistream";

/// The dump an index was built from and points into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DumpInfo {
    /// The XML file the offsets refer to: relative to the index directory (`dump.xml`, when it was
    /// decompressed from a `.bz2`) or absolute.
    pub path: PathBuf,
    /// The file given to `folio-ingest build` (the `.bz2` when there was one).
    pub source: PathBuf,
    /// Size of the XML in bytes.
    pub bytes: u64,
    /// Modification time of the XML when it was indexed, seconds since the Unix epoch.
    pub mtime_unix: f64,
    /// xxh3-64 of the size and the first and last MiB of the XML (see [`fingerprint`]).
    #[serde(with = "hex_u64")]
    pub fingerprint: u64,
}

/// Counts of what the dump holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Every `<page>` of the dump.
    pub pages: u64,
    /// Pages with a `<redirect title="..."/>`.
    pub redirects: u64,
    /// Distinct titles (fewer than `pages` only when a title occurs more than once).
    pub distinct_titles: u64,
    /// Total UTF-8 bytes of all titles.
    pub title_bytes: u64,
    /// Pages per namespace number.
    pub namespaces: BTreeMap<i32, u64>,
}

impl Manifest {
    /// Reads and checks the format name and version of `dir/manifest.json`.
    pub fn read(path: &Path) -> Result<Manifest> {
        Manifest::read_with_id(path).map(|(manifest, _)| manifest)
    }

    /// [`Manifest::read`], and the xxh3-64 of the file's bytes: an id of this build of the
    /// index (every build writes its own time into its manifest).
    pub fn read_with_id(path: &Path) -> Result<(Manifest, u64)> {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let id = xxhash_rust::xxh3::xxh3_64(&text);
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| Error::corrupt(path, format!("not valid JSON: {e}")))?;
        if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT_NAME) {
            return Err(Error::BadMagic { path: path.into(), expected: "folio manifest" });
        }
        let version = value.get("format_version").cloned().unwrap_or_default();
        if !version.as_u64().is_some_and(crate::format::readable) {
            return Err(Error::Version { path: path.into(), expected: FORMAT_VERSION, found: version.to_string() });
        }
        let manifest = serde_json::from_value(value)
            .map_err(|e| Error::corrupt(path, format!("unexpected manifest layout: {e}")))?;
        Ok((manifest, id))
    }

    /// Serializes the manifest as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        s.push('\n');
        s
    }

    /// The dump's path, resolved against the index directory `dir`.
    pub fn dump_path(&self, dir: &Path) -> PathBuf {
        if self.dump.path.is_absolute() { self.dump.path.clone() } else { dir.join(&self.dump.path) }
    }
}

/// The dump fingerprint: xxh3-64 over the length and the first and last [`FINGERPRINT_SPAN`] bytes.
///
/// Cheap on a 100 GB file (two MiB read), and it changes when a dump is replaced by another one.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let head = &bytes[..bytes.len().min(FINGERPRINT_SPAN)];
    let tail = &bytes[bytes.len().saturating_sub(FINGERPRINT_SPAN)..];
    fingerprint_of(bytes.len() as u64, head, tail)
}

/// [`fingerprint`] of a file of `len` bytes that is not in memory as a whole (a compressed
/// dump's XML) from its first and last [`FINGERPRINT_SPAN`] bytes (or all of it, twice, when
/// it is shorter).
pub fn fingerprint_of(len: u64, head: &[u8], tail: &[u8]) -> u64 {
    let mut h = Xxh3::new();
    h.update(&len.to_le_bytes());
    h.update(head);
    h.update(tail);
    h.digest()
}

/// Seconds since the Unix epoch of a file time (0 before the epoch or when unknown).
pub fn unix_seconds(t: std::io::Result<SystemTime>) -> f64 {
    t.ok().and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()).map_or(0.0, |d| d.as_secs_f64())
}
