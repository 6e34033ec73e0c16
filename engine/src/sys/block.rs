//! [`Block`]: sixteen bytes compared with one byte value at once, for the loops that read every
//! byte of a dump's text (the ingest's link reader). Each comparison gives a 16-bit mask, bit
//! `i` for byte `i`, so a loop tests a whole block for the bytes it stops at with a few
//! instructions and finds the first with `trailing_zeros`, with no call and no setup per block
//! (`memchr`'s calls cost more than the scan itself between two links a few hundred bytes apart).
//!
//! On x86-64 a block is an SSE2 register; elsewhere, an array compared byte by byte (the same
//! answers, which a test holds to the obvious definition).
//!
//! # Safety
//!
//! The SSE2 intrinsics are `unsafe` to call only because they require the `sse2` target feature;
//! this code is compiled only where that feature is enabled at build time (`cfg(target_feature =
//! "sse2")`, part of every x86-64 target's baseline), so every call runs on a CPU that has it.
//! The one load, `_mm_loadu_si128`, reads 16 bytes through a pointer with no alignment
//! requirement, and the pointer comes from a `&[u8; 16]`: all 16 bytes are in bounds and
//! initialized. No other intrinsic touches memory.

#![allow(unsafe_code)]

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8};

/// Sixteen bytes of text, compared with one byte value at a time (see the module docs).
#[derive(Clone, Copy)]
pub struct Block {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    v: __m128i,
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    v: [u8; 16],
}

impl Block {
    /// The first 16 bytes of `bytes`; when fewer remain, those followed by copies of `pad`.
    #[inline]
    pub fn new(bytes: &[u8], pad: u8) -> Block {
        match bytes.first_chunk::<16>() {
            Some(chunk) => Block::from_array(chunk),
            None => {
                let mut padded = [pad; 16];
                padded[..bytes.len()].copy_from_slice(bytes);
                Block::from_array(&padded)
            }
        }
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline]
    fn from_array(bytes: &[u8; 16]) -> Block {
        // SAFETY: an unaligned load of 16 bytes from a reference to 16 bytes (module docs).
        Block { v: unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) } }
    }

    /// Bit `i` set when byte `i` is `b`.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline]
    pub fn eq(self, b: u8) -> u16 {
        // SAFETY: register-only SSE2 intrinsics, compiled only where SSE2 is enabled.
        unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(self.v, _mm_set1_epi8(b as i8))) as u16 }
    }

    /// Bit `i` set when byte `i` is at most `b` (unsigned).
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline]
    pub fn at_most(self, b: u8) -> u16 {
        // SAFETY: register-only SSE2 intrinsics, compiled only where SSE2 is enabled.
        unsafe {
            let limit = _mm_set1_epi8(b as i8);
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(self.v, limit), self.v)) as u16
        }
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline]
    fn from_array(bytes: &[u8; 16]) -> Block {
        Block { v: *bytes }
    }

    /// Bit `i` set when byte `i` is `b`.
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline]
    pub fn eq(self, b: u8) -> u16 {
        self.mask(|x| x == b)
    }

    /// Bit `i` set when byte `i` is at most `b` (unsigned).
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline]
    pub fn at_most(self, b: u8) -> u16 {
        self.mask(|x| x <= b)
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline]
    fn mask(self, test: impl Fn(u8) -> bool) -> u16 {
        self.v.iter().enumerate().fold(0, |m, (i, &x)| m | (u16::from(test(x)) << i))
    }
}

/// Where the first byte `b` of `haystack` at or after `from` is: `memchr`'s answer, inlined, for
/// hops of a few hundred bytes where a call's dispatch and setup cost more than the scan. Reads
/// 64 bytes (four blocks) per step.
#[inline]
pub fn find_byte(haystack: &[u8], from: usize, b: u8) -> Option<usize> {
    let rest = haystack.get(from..)?;
    let (blocks, tail) = rest.as_chunks::<16>();
    let mut quads = blocks.chunks_exact(4);
    let mut base = from;
    for quad in &mut quads {
        if let [q0, q1, q2, q3] = quad {
            let m = u64::from(Block::from_array(q0).eq(b))
                | u64::from(Block::from_array(q1).eq(b)) << 16
                | u64::from(Block::from_array(q2).eq(b)) << 32
                | u64::from(Block::from_array(q3).eq(b)) << 48;
            if m != 0 {
                return Some(base + m.trailing_zeros() as usize);
            }
        }
        base += 64;
    }
    for block in quads.remainder() {
        let m = Block::from_array(block).eq(b);
        if m != 0 {
            return Some(base + m.trailing_zeros() as usize);
        }
        base += 16;
    }
    // Padded with a byte that is not `b`.
    let m = Block::new(tail, !b).eq(b);
    (m != 0).then(|| base + m.trailing_zeros() as usize)
}

#[cfg(test)]
mod tests {
    use super::{Block, find_byte};

    fn obvious(bytes: &[u8], pad: u8, test: impl Fn(u8) -> bool) -> u16 {
        (0..16).fold(0, |m, i| m | (u16::from(test(bytes.get(i).copied().unwrap_or(pad))) << i))
    }

    proptest::proptest! {
        #[test]
        fn masks_are_the_bytes_compared_one_by_one(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..24),
            pad in proptest::num::u8::ANY,
            b in proptest::num::u8::ANY,
        ) {
            let block = Block::new(&bytes, pad);
            proptest::prop_assert_eq!(block.eq(b), obvious(&bytes, pad, |x| x == b));
            proptest::prop_assert_eq!(block.at_most(b), obvious(&bytes, pad, |x| x <= b));
            for edge in [0u8, 0x1f, 0x7f, 0x80, 0xff] {
                proptest::prop_assert_eq!(block.at_most(edge), obvious(&bytes, pad, |x| x <= edge));
            }
        }

        #[test]
        fn find_byte_finds_what_memchr_finds(
            bytes in proptest::collection::vec(proptest::sample::select(b"ab[\xff".to_vec()), 0..300),
            from in 0usize..320,
        ) {
            let want = bytes.get(from..).and_then(|r| memchr::memchr(b'[', r)).map(|k| from + k);
            proptest::prop_assert_eq!(find_byte(&bytes, from, b'['), want);
            let want = bytes.get(from..).and_then(|r| memchr::memchr(0xff, r)).map(|k| from + k);
            proptest::prop_assert_eq!(find_byte(&bytes, from, 0xff), want);
        }
    }
}
