//! [`Coalesced`]: a connection's socket as hyper writes to it.
//!
//! hyper hands an answer's head and body to the socket as separate buffers (the body of a
//! `/wiki` answer is a slice of the mapped dump, never copied by hyper) and writes them with
//! one `writev(2)`. On Linux, `writev` on a socket goes through the generic file layer
//! (`vfs_writev`, `import_iovec`, `rw_verify_area`, ...) before it reaches TCP, which costs
//! about 0.4 µs more per call than the socket's own `send(2)` (benches/RESULTS.md: "Small
//! answers leave with send"). Most answers are small, so writes of at most
//! [`COALESCE_BYTES`] in all are copied into one buffer per thread and leave with one
//! `send`; larger ones keep `writev`, and their bytes are copied only by the kernel.
//!
//! Copying a slice of the dump here reads the map in user space; a dump truncated under the
//! map then reads as zeros through the engine's `SIGBUS` guard, counted as a fault, and the
//! answer's body fails before its last byte (see `crate::body`), as with `writev`.

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Writes of at most this many bytes in all are sent as one buffer with `send`.
pub const COALESCE_BYTES: usize = 16 * 1024;

thread_local! {
    /// The buffer writes are gathered in: one per thread, reused, never larger than
    /// [`COALESCE_BYTES`].
    static GATHERED: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(COALESCE_BYTES));
}

/// A socket whose vectored writes of up to [`COALESCE_BYTES`] leave as one buffer.
pub struct Coalesced<T> {
    inner: T,
}

impl<T> Coalesced<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Coalesced { inner }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Coalesced<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Coalesced<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let inner = Pin::new(&mut self.inner);
        let mut nonempty = bufs.iter().filter(|b| !b.is_empty());
        let (Some(first), second) = (nonempty.next(), nonempty.next()) else { return Poll::Ready(Ok(0)) };
        if second.is_none() {
            return inner.poll_write(cx, first);
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total > COALESCE_BYTES {
            return inner.poll_write_vectored(cx, bufs);
        }
        GATHERED.with(|gathered| match gathered.try_borrow_mut() {
            Ok(mut gathered) => {
                gathered.clear();
                for b in bufs {
                    gathered.extend_from_slice(b);
                }
                // Written or not, the bytes stay in hyper's buffers until it is told how many
                // left: a `Pending` here gathers them again on the next call.
                inner.poll_write(cx, &gathered)
            }
            // Not reentered in practice (a write does not write); if it were, as it was.
            Err(_) => inner.poll_write_vectored(cx, bufs),
        })
    }

    fn is_write_vectored(&self) -> bool {
        // hyper then queues a body's buffers instead of copying them into its own.
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Writes `parts` with vectored writes until all of it is written, as hyper does (advancing
    /// past what each write took), and returns what the other end read.
    async fn send_all(parts: &[&[u8]], pipe_bytes: usize) -> Vec<u8> {
        let (a, mut b) = tokio::io::duplex(pipe_bytes);
        let want: usize = parts.iter().map(|p| p.len()).sum();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            while got.len() < want {
                let mut chunk = [0u8; 4096];
                let n = b.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the pipe closed early");
                got.extend_from_slice(&chunk[..n]);
            }
            got
        });
        let mut socket = Coalesced::new(a);
        let (mut part, mut offset) = (0, 0);
        while part < parts.len() {
            let slices: Vec<IoSlice<'_>> = std::iter::once(&parts[part][offset..])
                .chain(parts[part + 1..].iter().copied())
                .map(IoSlice::new)
                .collect();
            let mut n = socket.write_vectored(&slices).await.unwrap();
            assert!(n > 0 || want == 0);
            while part < parts.len() && n >= parts[part].len() - offset {
                n -= parts[part].len() - offset;
                (part, offset) = (part + 1, 0);
            }
            offset += n;
        }
        reader.await.unwrap()
    }

    #[tokio::test]
    async fn every_byte_arrives_in_order_whatever_the_sizes() {
        let big = vec![b'x'; COALESCE_BYTES + 1];
        let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let cases: Vec<Vec<&[u8]>> = vec![
            vec![b"HTTP/1.1 200 OK\r\n\r\n", b"Hello, World!"],
            vec![b"", b"head", b"", b"body", b""],
            vec![b"only one"],
            vec![b"head\r\n\r\n", &body, b"!"],
            vec![b"head\r\n\r\n", &big, b"!"],
        ];
        for parts in cases {
            let want = parts.concat();
            // A pipe roomier than any write, and one that takes 100 bytes at a time (every
            // write partial).
            for pipe in [1 << 20, 100] {
                assert_eq!(send_all(&parts, pipe).await, want, "{} bytes, pipe {pipe}", want.len());
            }
        }
    }
}
