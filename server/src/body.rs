//! [`MapBody`]: an answer made of zero-copy slices of the mapped dump, completed only while the
//! dump is intact.
//!
//! A dump truncated or rewritten while the server runs must never be served as page bytes. The
//! body keeps back the answer's last byte (copied out of the map when the body is made) and,
//! before handing it over, asks [`Index::check_dump`] whether the dump is still the file the
//! index describes and no read of it faulted. If not, the body fails instead: the connection
//! ([`crate::http1`]) ends before the answer is complete, so the client sees a broken answer,
//! never a whole wrong one. (The bytes before it were either copied before the check, into the
//! connection's write buffer with a small answer's head, where a fault would show, or went out
//! with `writev(2)`, which fails with `EFAULT` on a lost page.)

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use folio_engine::Index;
use http_body::{Frame, SizeHint};

/// A response body of dump slices (and small header chunks) checked against the dump's health.
pub struct MapBody {
    /// The frames still to send, the next one last (taken with `pop`).
    frames: Vec<Bytes>,
    remaining: u64,
    index: Arc<Index>,
}

impl MapBody {
    /// A body sending `frames` in order, the last one's final byte only after the dump checks out.
    pub fn new(index: Arc<Index>, mut frames: Vec<Bytes>) -> MapBody {
        frames.retain(|b| !b.is_empty());
        if let Some(last) = frames.pop() {
            let n = last.len();
            let byte = last[n - 1];
            if n > 1 {
                frames.push(last.slice(..n - 1));
            }
            frames.push(one_byte(byte));
        }
        frames.reverse();
        let remaining = frames.iter().map(|b| b.len() as u64).sum();
        MapBody { frames, remaining, index }
    }
}

/// `byte` as a frame of its own, copied out of wherever it was read (a static table: no
/// allocation per answer).
fn one_byte(byte: u8) -> Bytes {
    static ALL: [u8; 256] = {
        let mut all = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            all[i] = i as u8;
            i += 1;
        }
        all
    };
    let i = usize::from(byte);
    Bytes::from_static(&ALL[i..=i])
}

impl http_body::Body for MapBody {
    type Data = Bytes;
    type Error = folio_engine::Error;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let Some(frame) = this.frames.pop() else { return Poll::Ready(None) };
        if this.frames.is_empty()
            && let Err(e) = this.index.check_dump()
        {
            static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
                tracing::error!("answers from the dump are refused from now on: {e}");
            }
            return Poll::Ready(Some(Err(e)));
        }
        this.remaining -= frame.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(frame))))
    }

    fn is_end_stream(&self) -> bool {
        self.frames.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_byte_is_that_byte() {
        for b in 0..=255u8 {
            assert_eq!(&super::one_byte(b)[..], &[b]);
        }
    }
}
