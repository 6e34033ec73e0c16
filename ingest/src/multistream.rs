//! `folio-ingest build --compressed`: a multistream `.bz2` scanned in place, with no
//! decompressed copy. Its streams (found by their headers: the dump's `-index.txt.bz2` is not
//! needed) are decoded in parallel, a group at a time per task, and each group's XML is scanned
//! as soon as it is decoded, then dropped; the stream table records where each stream's XML
//! starts, so that the server decodes one stream to serve a page.

use std::ops::Range;
use std::path::Path;

use folio_engine::dump::decode_stream;
use folio_engine::manifest::{BZ2_MULTISTREAM, FINGERPRINT_SPAN, unix_seconds};
use folio_engine::{CompressedDump, DumpInfo, Mmap, fingerprint, fingerprint_of};
use rayon::prelude::*;

use crate::error::{IngestError, Result};
use crate::scan::{self, ScanError, Scanned};

/// Compressed bytes decoded and scanned by one task: a few streams (about 100 pages each).
const GROUP_BYTES: usize = 4 << 20;

/// A stream that decodes to more XML than this cannot be kept in the server's cache, and every
/// page read would decode it again: such a file is not a multistream dump.
const MAX_STREAM_XML: usize = 256 << 20;

/// What the scan of a compressed dump found.
pub struct Compressed {
    /// Every page and the links between them, with offsets in the decoded XML.
    pub scanned: Scanned,
    /// For each stream, its offset in the `.bz2` and the offset of its XML, then both sizes.
    pub streams: Vec<(u64, u64)>,
    /// For each stream, the xxh3-64 of its compressed bytes (checked before a read that stops
    /// decoding at a page instead of at the stream's end).
    pub sums: Vec<u64>,
    /// What the manifest says of the XML the streams decode to.
    pub info: DumpInfo,
    /// What the manifest says of the `.bz2`.
    pub compressed: CompressedDump,
}

/// One group's outcome: its streams' XML sizes, and its pages (or where its scan failed).
type Group = (Vec<u64>, std::result::Result<(folio_engine::PageColumns, crate::signals::Shards), ScanError>);

/// Scans the multistream `.bz2` at `path` (named `name` in errors); `progress` is called with
/// compressed bytes and pages, group by group.
pub fn scan(path: &Path, name: &str, links: bool, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Compressed> {
    scan_grouped(path, name, links, progress, GROUP_BYTES)
}

/// [`scan`] with groups of at least `group_bytes` compressed bytes. A page may lie across two
/// streams of one group (pbzip2 cuts streams anywhere), but not across two groups.
fn scan_grouped(
    path: &Path,
    name: &str,
    links: bool,
    progress: &(dyn Fn(u64, u64) + Sync),
    group_bytes: usize,
) -> Result<Compressed> {
    let bz2 = Mmap::open(path)?;
    if !crate::bz2::is_bz2(&bz2) {
        return Err(IngestError::input(name, "byte 0: --compressed needs a .bz2 file (no 'BZh' header)"));
    }
    bz2.advise_sequential();
    let mut starts: Vec<usize> = crate::bz2::stream_starts(&bz2);
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let bounds: Vec<usize> = starts.iter().copied().chain([bz2.len()]).collect();
    let groups = group(&bounds, group_bytes);
    let last = groups.len() - 1;
    let outcomes: Vec<Result<Group>> = groups
        .par_iter()
        .enumerate()
        .map(|(g, streams)| {
            let (xml, sizes) = decode_group(&bz2, &bounds, streams.clone(), name)?;
            let scanned = scan::scan_piece(&xml, g == 0, g == last, links);
            let compressed = bounds[streams.end] - bounds[streams.start];
            progress(compressed as u64, scanned.as_ref().map_or(0, |(c, _)| c.len() as u64));
            Ok((sizes, scanned))
        })
        .collect();

    // Offsets in the XML: each group's pages move by the XML of the groups before it.
    let mut base = 0u64;
    let mut rows = Vec::with_capacity(bounds.len());
    let mut parts = Vec::with_capacity(groups.len());
    for (g, (streams, outcome)) in groups.iter().zip(outcomes).enumerate() {
        let (sizes, scanned) = outcome?;
        let mut cols = scanned.map_err(|e| not_multistream(name, e, base, g == last))?;
        for s in cols.0.start.iter_mut().chain(cols.0.end.iter_mut()) {
            *s += base;
        }
        for (k, size) in streams.clone().zip(sizes) {
            rows.push((bounds[k] as u64, base));
            base += size;
        }
        parts.push(cols);
    }
    rows.push((bz2.len() as u64, base));
    let xml_bytes = base;
    let print = xml_fingerprint(&bz2, &bounds, &rows, name)?;
    let canonical = path.canonicalize().map_err(IngestError::io(path, "cannot resolve the path"))?;
    let mtime_unix = unix_seconds(std::fs::metadata(path).and_then(|m| m.modified()));
    let info =
        DumpInfo { path: canonical.clone(), source: canonical, bytes: xml_bytes, mtime_unix, fingerprint: print };
    let compressed = CompressedDump {
        format: BZ2_MULTISTREAM.into(),
        bytes: bz2.len() as u64,
        mtime_unix,
        fingerprint: fingerprint(&bz2),
        streams: (rows.len() - 1) as u64,
        verified_unix: unix_seconds(Ok(std::time::SystemTime::now())),
    };
    // The streams all decoded: their bytes are the ones their sums vouch for.
    let sums = bounds.par_windows(2).map(|w| xxhash_rust::xxh3::xxh3_64(&bz2[w[0]..w[1]])).collect();
    Ok(Compressed { scanned: scan::assemble(parts), streams: rows, sums, info, compressed })
}

/// Consecutive streams (indexes into `bounds`) of at least `group_bytes` compressed bytes.
fn group(bounds: &[usize], group_bytes: usize) -> Vec<Range<usize>> {
    let streams = bounds.len() - 1;
    let mut groups = Vec::new();
    let mut first = 0;
    for k in 1..streams {
        if bounds[k] - bounds[first] >= group_bytes {
            groups.push(first..k);
            first = k;
        }
    }
    groups.push(first..streams);
    groups
}

/// The XML of `streams` end to end, and each one's size.
fn decode_group(bz2: &[u8], bounds: &[usize], streams: Range<usize>, name: &str) -> Result<(Vec<u8>, Vec<u64>)> {
    let mut xml = Vec::new();
    let mut sizes = Vec::with_capacity(streams.len());
    for k in streams {
        let (start, end) = (bounds[k], bounds[k + 1]);
        let out = decode_stream(&bz2[start..end], MAX_STREAM_XML + 1, (end - start) * 5).map_err(|e| {
            let what = if e.kind() == std::io::ErrorKind::UnexpectedEof && end == bz2.len() {
                format!("byte {end}: the bz2 data ends early, in the stream starting at byte {start}: the file is truncated (an interrupted download?)")
            } else {
                format!("bytes {start}-{end}: the bz2 stream does not decode: {e}")
            };
            IngestError::input(name, what)
        })?;
        if out.len() > MAX_STREAM_XML {
            return Err(IngestError::input(
                name,
                format!(
                    "byte {start}: this bz2 stream holds more than {} MB of XML: the file is not a multistream dump (Wikimedia's pages-articles-multistream files hold 100 pages per stream); build without --compressed to decompress it",
                    MAX_STREAM_XML >> 20
                ),
            ));
        }
        sizes.push(out.len() as u64);
        xml.extend_from_slice(&out);
    }
    Ok((xml, sizes))
}

/// A scan error in a group whose XML starts at `base`: offsets made the XML's, and a group
/// that does not start or end at a page (but for the dump's end) named for what it is.
fn not_multistream(name: &str, e: ScanError, base: u64, last: bool) -> IngestError {
    let offset = e.offset + base;
    let cut = e.what.starts_with("expected <page>") || !last && e.what.contains("has no </page>");
    let what = if cut {
        format!(
            "byte {offset} of the XML: {}: a bz2 stream starts inside a page, so this is not a multistream dump split at pages; build without --compressed to decompress it",
            e.what
        )
    } else {
        format!("byte {offset} of the XML: {}", e.what)
    };
    IngestError::input(&format!("{name} (compressed)"), what)
}

/// [`fingerprint`] of the XML, from the streams at both ends decoded again.
fn xml_fingerprint(bz2: &[u8], bounds: &[usize], rows: &[(u64, u64)], name: &str) -> Result<u64> {
    let xml_bytes = rows.last().map_or(0, |r| r.1);
    let span = (FINGERPRINT_SPAN as u64).min(xml_bytes);
    let streams = rows.len() - 1;
    let covering = |lo: u64, hi: u64| -> Result<Vec<u8>> {
        let first = rows.partition_point(|r| r.1 <= lo).saturating_sub(1);
        let last = rows.partition_point(|r| r.1 < hi).min(streams);
        let (xml, _) = decode_group(bz2, bounds, first..last, name)?;
        let skip = (lo - rows[first].1) as usize;
        Ok(xml[skip..skip + (hi - lo) as usize].to_vec())
    };
    let head = covering(0, span)?;
    let tail = covering(xml_bytes - span, xml_bytes)?;
    Ok(fingerprint_of(xml_bytes, &head, &tail))
}

/// Packs an XML dump as Wikimedia packs `pages-articles-multistream`: a stream for the header
/// (up to the first `<page>`), one stream per `pages_per_stream` pages, a stream for the rest
/// (`</mediawiki>`), each compressed at `level` (1-9), written to `bz2`; and the index lines
/// `stream_offset:page_id:title` of every page written to `index` (uncompressed; Wikimedia
/// ships them as `-index.txt.bz2`). The streams are compressed in parallel.
pub fn pack(
    xml: &[u8],
    pages_per_stream: usize,
    level: u32,
    bz2: &mut impl std::io::Write,
    index: &mut impl std::io::Write,
) -> Result<()> {
    let scanned = scan::scan(xml, false, &|_, _| {})
        .map_err(|e| IngestError::input("the XML to pack", format!("byte {}: {}", e.offset, e.what)))?;
    let pages = &scanned.pages;
    let mut cuts: Vec<usize> = vec![0];
    cuts.extend((0..pages.len()).step_by(pages_per_stream.max(1)).map(|r| pages.start[r] as usize));
    let footer = pages.end.last().map_or(xml.len(), |&e| e as usize + 1);
    cuts.push(footer);
    cuts.push(xml.len());
    cuts.dedup();
    let streams = compress_between(xml, &cuts, level)?;
    let mut offset = 0u64;
    let mut row = 0;
    for (w, stream) in cuts.windows(2).zip(&streams) {
        while row < pages.len() && (pages.start[row] as usize) < w[1] {
            writeln!(index, "{offset}:{}:{}", pages.page_id[row], pages.title.get(row))
                .map_err(IngestError::io(Path::new("index"), "writing the index"))?;
            row += 1;
        }
        bz2.write_all(stream).map_err(IngestError::io(Path::new("bz2"), "writing the dump"))?;
        offset += stream.len() as u64;
    }
    Ok(())
}

/// `xml` compressed as one bz2 stream per span between consecutive `cuts` (which start at 0
/// and end at `xml.len()`), at `level` (1-9), in parallel; the streams end to end make a
/// multistream `.bz2` (cut anywhere, as pbzip2 cuts, or at pages, as [`pack`] cuts).
pub fn compress_between(xml: &[u8], cuts: &[usize], level: u32) -> Result<Vec<Vec<u8>>> {
    cuts.par_windows(2)
        .map(|w| {
            let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level.clamp(1, 9)));
            std::io::Write::write_all(&mut enc, &xml[w[0]..w[1]])?;
            enc.finish()
        })
        .collect::<std::io::Result<_>>()
        .map_err(IngestError::io(Path::new("bz2"), "compressing a stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_cut_inside_pages_across_groups_are_refused_with_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let mut xml = Vec::new();
        crate::synth::generate(crate::synth::SynthConfig { pages: 30, seed: 3 }, &mut xml, &|_, _| {}).unwrap();
        let bz2 = compress_between(&xml, &[0, xml.len() / 2, xml.len()], 1).unwrap().concat();
        let path = tmp.path().join("cut.xml.bz2");
        std::fs::write(&path, &bz2).unwrap();
        // One stream per group: the second group starts inside a page.
        let e = scan_grouped(&path, "cut.xml.bz2", true, &|_, _| {}, 1).err().expect("refused").to_string();
        assert!(e.contains("not a multistream dump") && e.contains("build without --compressed"), "{e}");
        // Both streams in one group: the page across them is read whole.
        let whole = scan_grouped(&path, "cut.xml.bz2", true, &|_, _| {}, usize::MAX).unwrap();
        assert_eq!(whole.scanned.pages.len(), 30);
        assert_eq!(whole.streams.len(), 3, "two streams and the closing row");
    }
}
