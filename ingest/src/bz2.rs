//! bzip2 decompression, in parallel when the dump has several streams.
//!
//! Wikimedia's `pages-articles-multistream` dumps are many independent bz2 streams of 100 pages
//! each. Every stream starts byte-aligned with `BZh1`..`BZh9` followed by the 48-bit block magic
//! (or the end-of-stream magic for an empty stream), so the stream starts can be found with a
//! byte search; groups of streams are then decoded in parallel and written out in order. A
//! single-stream file is decoded on one core (bzip2 has no other way).

use std::io::{Read, Write};
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use crate::error::{IngestError, Result};

/// Where the decompressed bytes go: the file (for errors) and its writer.
pub struct Output<'a, W> {
    /// The decompressed copy's path.
    pub path: &'a Path,
    /// Its writer.
    pub writer: &'a mut W,
}

impl<W: Write> Output<'_, W> {
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        // A full disk, most often.
        self.writer.write_all(bytes).map_err(IngestError::io(self.path, "writing the decompressed dump"))
    }
}

/// True when `bytes` starts like a bz2 stream.
pub fn is_bz2(bytes: &[u8]) -> bool {
    matches!(bytes, [b'B', b'Z', b'h', b'1'..=b'9', ..])
}

const BLOCK_MAGIC: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const EOS_MAGIC: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/// Offsets at which a bz2 stream starts.
pub fn stream_starts(data: &[u8]) -> Vec<usize> {
    memchr::memmem::find_iter(data, b"BZh")
        .filter(|&p| {
            let magic = data.get(p + 4..p + 10);
            is_bz2(&data[p..]) && (magic == Some(&BLOCK_MAGIC[..]) || magic == Some(&EOS_MAGIC[..]))
        })
        .collect()
}

/// Groups of consecutive streams of at least `target` compressed bytes each.
fn jobs(data: &[u8], target: usize) -> Vec<Range<usize>> {
    let mut starts = stream_starts(data);
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut jobs = Vec::new();
    let mut begin = 0;
    for &s in &starts[1..] {
        if s - begin >= target {
            jobs.push(begin..s);
            begin = s;
        }
    }
    jobs.push(begin..data.len());
    jobs
}

/// Jobs above this many compressed bytes (one huge stream: a single-stream dump) are decoded
/// straight into the output rather than into memory.
const STREAM_ALONE: usize = 64 << 20;

/// Decompresses `data` (the bytes of `name`) into `out`; calls `progress` with compressed bytes
/// as they are consumed. Returns the number of bytes written.
pub fn decompress(
    name: &str,
    data: &[u8],
    out: &mut Output<'_, impl Write>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    decompress_jobs(name, data, out, progress, STREAM_ALONE)
}

fn decompress_jobs(
    name: &str,
    data: &[u8],
    out: &mut Output<'_, impl Write>,
    progress: &(dyn Fn(u64) + Sync),
    stream_alone: usize,
) -> Result<u64> {
    let jobs = jobs(data, 8 << 20);
    let window = rayon::current_num_threads() * 2;
    let mut written = 0u64;
    let mut i = 0;
    while i < jobs.len() {
        if jobs[i].len() > stream_alone {
            written += decode_into(name, data, jobs[i].clone(), out, progress)?;
            i += 1;
            continue;
        }
        let n = jobs[i..].iter().take(window).take_while(|j| j.len() <= stream_alone).count();
        let decoded: Vec<Result<Vec<u8>>> = jobs[i..i + n]
            .par_iter()
            .map(|range| {
                let mut buf = Vec::with_capacity(range.len() * 5);
                let mut into = Output { path: out.path, writer: &mut buf };
                decode_into(name, data, range.clone(), &mut into, progress).map(|_| buf)
            })
            .collect();
        for part in decoded {
            let part = part?;
            out.write_all(&part)?;
            written += part.len() as u64;
        }
        i += n;
    }
    Ok(written)
}

/// A reader that reports how many bytes were read from it.
struct Counted<'a> {
    inner: &'a [u8],
    progress: &'a (dyn Fn(u64) + Sync),
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// Decodes the streams in `data[range]` into `out`, returning the bytes written.
fn decode_into(
    name: &str,
    data: &[u8],
    range: Range<usize>,
    out: &mut Output<'_, impl Write>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    let input = Counted { inner: &data[range.clone()], progress };
    let mut decoder = bzip2::read::MultiBzDecoder::new(std::io::BufReader::with_capacity(1 << 16, input));
    let mut buf = vec![0u8; 1 << 20];
    let mut written = 0u64;
    loop {
        let n = match decoder.read(&mut buf) {
            Ok(0) => return Ok(written),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof || range.end == data.len() && written == 0 => {
                return Err(IngestError::input(
                    name,
                    format!(
                        "byte {}: the bz2 data ends early, in the stream(s) starting at byte {}: the file is truncated (an interrupted download?)",
                        range.end, range.start
                    ),
                ));
            }
            Err(e) => {
                return Err(IngestError::input(
                    name,
                    format!("bytes {}-{}: corrupt bz2 data: {e}", range.start, range.end),
                ));
            }
        };
        out.write_all(&buf[..n])?;
        written += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(text: &[u8]) -> Vec<u8> {
        let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn decodes_multistream_in_order() {
        let parts: Vec<Vec<u8>> = (0..50).map(|i| format!("stream {i} ").repeat(1000).into_bytes()).collect();
        let data: Vec<u8> = parts.iter().flat_map(|p| compress(p)).collect();
        assert_eq!(stream_starts(&data).len(), 50);
        let mut out = Vec::new();
        let n = decompress("x.bz2", &data, &mut Output { path: Path::new("x"), writer: &mut out }, &|_| {}).unwrap();
        assert_eq!(out, parts.concat());
        assert_eq!(n as usize, out.len());
        // Small jobs too: every stream on its own.
        let small = jobs(&data, 1);
        assert_eq!(small.len(), 50);
    }

    #[test]
    fn one_huge_stream_is_decoded_without_a_copy_in_memory() {
        let text = b"0123456789abcdef".repeat(1 << 22); // 64 MiB, compresses to a few hundred bytes
        let data = compress(&text);
        let seen = std::sync::atomic::AtomicU64::new(0);
        let mut out = Vec::new();
        let count = |b| {
            seen.fetch_add(b, std::sync::atomic::Ordering::Relaxed);
        };
        // Every job counts as huge: decoded in 1 MiB pieces straight into `out`.
        let n =
            decompress_jobs("x.bz2", &data, &mut Output { path: Path::new("x"), writer: &mut out }, &count, 0).unwrap();
        assert_eq!((n as usize, out == text), (text.len(), true));
        assert_eq!(seen.into_inner(), data.len() as u64, "progress counts every compressed byte");
    }

    #[test]
    fn truncated_stream_is_an_error() {
        let data = compress(&b"hello world ".repeat(10_000));
        let cut = &data[..data.len() / 2];
        let e = decompress("x.bz2", cut, &mut Output { path: Path::new("x"), writer: &mut Vec::new() }, &|_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("ends early"), "{e}");
    }
}
