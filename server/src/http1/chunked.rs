//! [`Dechunk`]: a request body sent with `Transfer-Encoding: chunked`, taken out of the
//! connection's read buffer as it arrives (RFC 9112, section 7.1).

use bytes::{Buf, BytesMut};

/// Longest chunk-size line (with its extensions) or trailer line taken.
const MAX_LINE: usize = 4096;
/// Most bytes of trailer fields taken (they are read and dropped).
const MAX_TRAILERS: usize = 16 << 10;

/// Where the decoder is in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before a chunk-size line.
    Size,
    /// Inside a chunk's data, this many bytes left.
    Data(u64),
    /// After a chunk's data: its CRLF.
    DataEnd,
    /// After the last chunk: trailer lines until an empty one.
    Trailers(usize),
}

/// Why a chunked body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Bad {
    /// Not chunked encoding (400).
    Malformed(&'static str),
    /// Longer than the body limit (413).
    TooLarge,
}

/// The decoder of one chunked body, gathering its data up to a limit.
#[derive(Debug)]
pub struct Dechunk {
    at: At,
    body: BytesMut,
    limit: usize,
}

impl Dechunk {
    /// A decoder taking at most `limit` bytes of data.
    pub fn new(limit: usize) -> Dechunk {
        Dechunk { at: At::Size, body: BytesMut::new(), limit }
    }

    /// Takes what it can of the body from the front of `buf`; `Ok(true)` once the body is
    /// complete (then [`Dechunk::body`] holds it, and `buf` starts at what follows it).
    pub fn feed(&mut self, buf: &mut BytesMut) -> Result<bool, Bad> {
        loop {
            match self.at {
                At::Size => {
                    let Some(line) = line(buf)? else { return Ok(false) };
                    let digits = line.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
                    let size = (!digits.is_empty() && digits.len() <= 15)
                        .then(|| std::str::from_utf8(digits).ok().and_then(|d| u64::from_str_radix(d, 16).ok()))
                        .flatten()
                        .ok_or(Bad::Malformed("a chunk size is not a hexadecimal number"))?;
                    let end = line.len() + 2;
                    buf.advance(end);
                    if self.body.len() as u64 + size > self.limit as u64 {
                        return Err(Bad::TooLarge);
                    }
                    self.at = if size == 0 { At::Trailers(0) } else { At::Data(size) };
                }
                At::Data(left) => {
                    if buf.is_empty() {
                        return Ok(false);
                    }
                    let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.body.extend_from_slice(&buf[..n]);
                    buf.advance(n);
                    self.at = if left == n as u64 { At::DataEnd } else { At::Data(left - n as u64) };
                }
                At::DataEnd => {
                    if buf.len() < 2 {
                        return Ok(false);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(Bad::Malformed("a chunk's data does not end with CRLF"));
                    }
                    buf.advance(2);
                    self.at = At::Size;
                }
                At::Trailers(taken) => {
                    let Some(line) = line(buf)? else { return Ok(false) };
                    let n = line.len();
                    buf.advance(n + 2);
                    if n == 0 {
                        return Ok(true);
                    }
                    if taken + n > MAX_TRAILERS {
                        return Err(Bad::Malformed("the trailer fields are too long"));
                    }
                    self.at = At::Trailers(taken + n);
                }
            }
        }
    }

    /// The body's data, once [`Dechunk::feed`] said it is complete.
    pub fn body(self) -> BytesMut {
        self.body
    }
}

/// The line at the front of `buf`, without its CRLF: `None` while it is incomplete.
fn line(buf: &BytesMut) -> Result<Option<&[u8]>, Bad> {
    match buf.windows(2).position(|w| w == b"\r\n") {
        Some(end) => Ok(Some(&buf[..end])),
        None if buf.len() > MAX_LINE => Err(Bad::Malformed("a chunk-size or trailer line is too long")),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` one piece of `step` bytes at a time, as a slow client sends it.
    fn decode(wire: &[u8], step: usize, limit: usize) -> Result<(Vec<u8>, Vec<u8>), Bad> {
        let mut d = Dechunk::new(limit);
        let mut buf = BytesMut::new();
        for piece in wire.chunks(step) {
            buf.extend_from_slice(piece);
            if d.feed(&mut buf)? {
                return Ok((d.body().to_vec(), buf.to_vec()));
            }
        }
        Err(Bad::Malformed("incomplete"))
    }

    #[test]
    fn chunks_are_joined_whatever_the_pieces_they_arrive_in() {
        let wire = b"5;ext=1\r\nSELEC\r\n2\r\nT \r\n1\r\n1\r\n0\r\nX-Trailer: y\r\n\r\n";
        for step in [1, 2, 3, 7, wire.len()] {
            assert_eq!(decode(wire, step, 100).unwrap().0, b"SELECT 1", "{step}");
        }
        let (_, rest) = decode(b"3\r\nabc\r\n0\r\n\r\nGET", 1000, 100).unwrap();
        assert_eq!(rest, b"GET", "the next request's bytes stay");
    }

    #[test]
    fn bad_or_long_bodies_are_refused() {
        assert_eq!(decode(b"8\r\nSELECT 1\r\n0\r\n\r\n", 1, 7), Err(Bad::TooLarge));
        assert!(matches!(decode(b"zz\r\nab\r\n0\r\n\r\n", 1, 100), Err(Bad::Malformed(_))));
        assert!(matches!(decode(b"2\r\nabc\r\n0\r\n\r\n", 1, 100), Err(Bad::Malformed(_))));
        assert!(matches!(decode(b"ffffffffffffffffff\r\n", 1, 100), Err(Bad::Malformed(_))));
        assert!(matches!(decode(&[b'1'; 5000], 100, 100), Err(Bad::Malformed(_))));
    }
}
