//! bzip2 decompression, in parallel when the dump has several streams.
//!
//! Wikimedia's `pages-articles-multistream` dumps are many independent bz2 streams of 100 pages
//! each. Every stream starts byte-aligned with `BZh1`..`BZh9` followed by the 48-bit block magic
//! (or the end-of-stream magic for an empty stream), so the stream starts can be found with a
//! byte search; groups of streams are then decoded in parallel and written out in order. A
//! single-stream file is decoded on one core (bzip2 has no other way).

use std::io::{Read, Write};
use std::ops::Range;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

/// True when `bytes` starts like a bz2 stream.
pub fn is_bz2(bytes: &[u8]) -> bool {
    matches!(bytes, [b'B', b'Z', b'h', b'1'..=b'9', ..])
}

const BLOCK_MAGIC: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const EOS_MAGIC: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/// Offsets at which a bz2 stream starts.
fn stream_starts(data: &[u8]) -> Vec<usize> {
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

/// Decompresses `data` (the bytes of `name`) into `out`; calls `progress` with compressed bytes
/// done. Returns the number of bytes written.
pub fn decompress(name: &str, data: &[u8], out: &mut impl Write, progress: &(dyn Fn(u64) + Sync)) -> Result<u64> {
    let jobs = jobs(data, 8 << 20);
    let window = rayon::current_num_threads() * 2;
    let mut written = 0u64;
    for group in jobs.chunks(window) {
        let decoded: Vec<Result<Vec<u8>>> = group
            .par_iter()
            .map(|range| {
                let r = decode(name, data, range.clone());
                progress(range.len() as u64);
                r
            })
            .collect();
        for part in decoded {
            let part = part?;
            out.write_all(&part).context("writing the decompressed dump")?;
            written += part.len() as u64;
        }
    }
    Ok(written)
}

fn decode(name: &str, data: &[u8], range: Range<usize>) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(range.len() * 5);
    let mut decoder = bzip2::read::MultiBzDecoder::new(&data[range.clone()]);
    match decoder.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof || range.end == data.len() && out.is_empty() => {
            bail!(
                "{name}: byte {}: the bz2 data ends early, in the stream(s) starting at byte {}: the file is truncated (an interrupted download?)",
                range.end,
                range.start
            )
        }
        Err(e) => bail!("{name}: bytes {}-{}: corrupt bz2 data: {e}", range.start, range.end),
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
        let n = decompress("x.bz2", &data, &mut out, &|_| {}).unwrap();
        assert_eq!(out, parts.concat());
        assert_eq!(n as usize, out.len());
        // Small jobs too: every stream on its own.
        let small = jobs(&data, 1);
        assert_eq!(small.len(), 50);
    }

    #[test]
    fn truncated_stream_is_an_error() {
        let data = compress(&b"hello world ".repeat(10_000));
        let cut = &data[..data.len() / 2];
        let e = decompress("x.bz2", cut, &mut Vec::new(), &|_| {}).unwrap_err().to_string();
        assert!(e.contains("ends early"), "{e}");
    }
}
