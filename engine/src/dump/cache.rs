//! [`StreamCache`]: decoded bz2 streams (or their first bytes) kept in memory, bounded in
//! bytes, shared by every thread; concurrent misses on one stream decode it once.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use bytes::Bytes;
use quick_cache::sync::{Cache, GuardResult};

use crate::error::Result;

/// Weighs a decoded stream by its bytes (and a little for its entry).
#[derive(Clone, Copy)]
struct ByLen;

impl quick_cache::Weighter<u32, Bytes> for ByLen {
    fn weight(&self, _: &u32, bytes: &Bytes) -> u64 {
        bytes.len() as u64 + 64
    }
}

/// What the cache did, since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    /// Reads answered from decoded bytes in memory.
    pub hits: u64,
    /// Reads that decoded a stream (or waited for another thread decoding it).
    pub misses: u64,
    /// Bytes decoded, in all.
    pub decoded_bytes: u64,
    /// CPU time the decoding took, in all (the decoding threads' own CPU clocks), in
    /// nanoseconds: with `misses`, what one stream costs to decode.
    pub decode_cpu_ns: u64,
    /// Bytes held now.
    pub held_bytes: u64,
    /// The most it holds (`--stream-cache`).
    pub capacity_bytes: u64,
}

/// Decoded streams by stream number, each held whole.
pub struct StreamCache {
    cache: Cache<u32, Bytes, ByLen>,
    capacity: u64,
    hits: AtomicU64,
    misses: AtomicU64,
    decoded: AtomicU64,
    decode_cpu: AtomicU64,
}

impl StreamCache {
    /// A cache holding at most `capacity` bytes of decoded streams (0 keeps none).
    pub fn new(capacity: u64) -> StreamCache {
        // Streams of about 100 pages decode to about 0.5-2 MB.
        let items = usize::try_from(capacity / (512 << 10)).unwrap_or(usize::MAX).max(16);
        StreamCache {
            cache: Cache::with_weighter(items, capacity, ByLen),
            capacity,
            hits: AtomicU64::default(),
            misses: AtomicU64::default(),
            decoded: AtomicU64::default(),
            decode_cpu: AtomicU64::default(),
        }
    }

    /// At least the first `need` decoded bytes of stream `k`: from memory, or from
    /// `decode(again)`. `again` is false when the stream is not in memory (the caller may
    /// decode only what it needs) and true when fewer than `need` of its bytes are (a second
    /// read further into a stream: the caller decodes it whole, so that a stream is decoded at
    /// most twice however its pages are read). Blocks while another thread decodes a stream
    /// that is not in memory, then shares its bytes.
    pub fn get(&self, k: u32, need: usize, decode: impl FnOnce(bool) -> Result<Bytes>) -> Result<Bytes> {
        match self.cache.get_value_or_guard(&k, None) {
            GuardResult::Value(bytes) if bytes.len() >= need => {
                self.hits.fetch_add(1, Relaxed);
                Ok(bytes)
            }
            GuardResult::Value(_) => {
                // Two threads reading past the same prefix at once may both decode: rare, and
                // each answer is right.
                let bytes = self.count(|| decode(true))?;
                self.cache.insert(k, bytes.clone());
                Ok(bytes)
            }
            GuardResult::Guard(guard) => {
                // An error drops the guard: the next reader of this stream tries again.
                let bytes = self.count(|| decode(false))?;
                let _ = guard.insert(bytes.clone());
                Ok(bytes)
            }
            GuardResult::Timeout => self.count(|| decode(false)),
        }
    }

    /// Runs `decode`, counting the miss, the bytes and the CPU time.
    fn count(&self, decode: impl FnOnce() -> Result<Bytes>) -> Result<Bytes> {
        let cpu = || {
            let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
            t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
        };
        let before = cpu();
        let decoded = decode();
        self.decode_cpu.fetch_add(cpu().saturating_sub(before), Relaxed);
        self.misses.fetch_add(1, Relaxed);
        if let Ok(bytes) = &decoded {
            self.decoded.fetch_add(bytes.len() as u64, Relaxed);
        }
        decoded
    }

    /// Whether the first `need` bytes of stream `k` are in memory (no decoding needed).
    pub fn holds(&self, k: u32, need: usize) -> bool {
        self.cache.peek(&k).is_some_and(|b| b.len() >= need)
    }

    /// Counters and sizes.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Relaxed),
            misses: self.misses.load(Relaxed),
            decoded_bytes: self.decoded.load(Relaxed),
            decode_cpu_ns: self.decode_cpu.load(Relaxed),
            held_bytes: self.cache.weight(),
            capacity_bytes: self.capacity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn concurrent_misses_on_one_stream_decode_it_once() {
        let cache = StreamCache::new(1 << 20);
        let (decodes, entered) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        entered.fetch_add(1, Relaxed);
                        cache.get(7, 10, |_| {
                            decodes.fetch_add(1, Relaxed);
                            // Decode only once every reader has asked for the stream: the
                            // others are then waiting for this decode, not starting their own.
                            while entered.load(Relaxed) < 4 {
                                std::thread::yield_now();
                            }
                            Ok(Bytes::from(vec![b'x'; 10]))
                        })
                    })
                })
                .collect();
            for r in readers {
                assert_eq!(r.join().unwrap().unwrap().len(), 10);
            }
        });
        assert_eq!(decodes.load(Relaxed), 1, "one decode for four readers");
        let stats = cache.stats();
        assert_eq!((stats.misses, stats.hits, stats.decoded_bytes), (1, 3, 10));
    }

    #[test]
    fn held_bytes_stay_within_the_capacity() {
        let cache = StreamCache::new(1 << 20);
        for k in 0..64 {
            cache.get(k, 1, |_| Ok(Bytes::from(vec![0; 100_000]))).unwrap();
        }
        let stats = cache.stats();
        assert!(stats.held_bytes <= 1 << 20, "{stats:?}");
        assert_eq!(stats.decoded_bytes, 6_400_000);
        let zero = StreamCache::new(0);
        zero.get(1, 10, |_| Ok(Bytes::from(vec![0; 10]))).unwrap();
        assert!(!zero.holds(1, 1));
        assert_eq!(zero.stats().held_bytes, 0, "a cache of 0 bytes keeps nothing");
    }

    #[test]
    fn a_read_past_a_decoded_prefix_decodes_again_once() {
        let cache = StreamCache::new(1 << 20);
        let calls = std::sync::Mutex::new(Vec::new());
        let decode = |again: bool| {
            calls.lock().unwrap().push(again);
            Ok(Bytes::from(vec![b'x'; if again { 100 } else { 30 }]))
        };
        assert_eq!(cache.get(3, 30, decode).unwrap().len(), 30, "first read: its prefix");
        assert!(cache.holds(3, 30) && !cache.holds(3, 31));
        assert_eq!(cache.get(3, 20, decode).unwrap().len(), 30, "within the prefix: a hit");
        assert_eq!(cache.get(3, 60, decode).unwrap().len(), 100, "past it: decoded whole");
        assert_eq!(cache.get(3, 100, decode).unwrap().len(), 100, "then a hit");
        assert_eq!(*calls.lock().unwrap(), [false, true]);
        let stats = cache.stats();
        assert_eq!((stats.misses, stats.hits, stats.decoded_bytes), (2, 2, 130));
    }
}
