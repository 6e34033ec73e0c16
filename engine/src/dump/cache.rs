//! [`StreamCache`]: decoded bz2 streams kept in memory, bounded in bytes, shared by every
//! thread; concurrent misses on one stream decode it once.

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

    /// The decoded bytes of stream `k`: from memory, or from `decode()`. Blocks while another
    /// thread decodes the same stream, then shares its bytes.
    pub fn get(&self, k: u32, decode: impl FnOnce() -> Result<Bytes>) -> Result<Bytes> {
        match self.cache.get_value_or_guard(&k, None) {
            GuardResult::Value(bytes) => {
                self.hits.fetch_add(1, Relaxed);
                Ok(bytes)
            }
            GuardResult::Guard(guard) => {
                // An error drops the guard: the next reader of this stream tries again.
                let bytes = self.count(decode)?;
                let _ = guard.insert(bytes.clone());
                Ok(bytes)
            }
            GuardResult::Timeout => self.count(decode),
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

    /// Whether stream `k` is in memory (no decoding needed).
    pub fn holds(&self, k: u32) -> bool {
        self.cache.peek(&k).is_some()
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
                        cache.get(7, || {
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
            cache.get(k, || Ok(Bytes::from(vec![0; 100_000]))).unwrap();
        }
        let stats = cache.stats();
        assert!(stats.held_bytes <= 1 << 20, "{stats:?}");
        assert_eq!(stats.decoded_bytes, 6_400_000);
        let zero = StreamCache::new(0);
        zero.get(1, || Ok(Bytes::from(vec![0; 10]))).unwrap();
        assert!(!zero.holds(1));
        assert_eq!(zero.stats().held_bytes, 0, "a cache of 0 bytes keeps nothing");
    }
}
