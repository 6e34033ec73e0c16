//! Folio's HTTP/1.1 server connection: requests off a socket into the [`App`](crate::App)
//! service, its answers back onto the socket, in order, for as long as the client keeps the
//! connection open.
//!
//! The server once handed each connection to hyper. hyper's HTTP/1 server is general (client
//! and server roles, upgrades, streamed request bodies, a dispatcher of boxed timers and
//! channels), and it cost `/plaintext` about 10,000 of its 17,700 instructions per request
//! (benches/RESULTS.md). This module does what the API needs and no more:
//!
//! - a request's head is parsed in place and split off the read buffer; its URI and header
//!   values are slices of that buffer ([`head`]);
//! - a body is read whole before the request is answered: with `Content-Length` or chunked
//!   ([`chunked`]), at most [`Http1::max_body`] bytes (a route's own, smaller limit answers its
//!   JSON 413); `Expect: 100-continue` is answered first;
//! - an answer's head is written into the connection's write buffer ([`answer`]), and small
//!   bodies are copied after it so that head and body leave with one `send(2)`; bodies over
//!   [`COALESCE_BYTES`] (a slice of the mapped dump, say) go out with one `writev(2)` of the head
//!   and the slice, copied only by the kernel. (`writev` on a socket costs about 0.4 µs more than
//!   `send`: RESULTS.md, "Small answers leave with send".) A body that fails (a dump found
//!   changed by [`MapBody`](crate::body::MapBody)) ends the connection before its answer is
//!   complete;
//! - pipelined requests are answered in order, their answers gathered into one write;
//! - one timer per connection: a client has [`Http1::header_timeout`] to send each head (or
//!   body), which is also how long an idle connection is kept; a stopping server closes idle
//!   connections at once and the others after the answer in progress (`Connection: close`);
//! - a head that does not parse, is longer than [`Http1::max_head`] or has too many fields gets
//!   its JSON error from the [table](crate::error) and the connection closes, after the client
//!   had a moment to read it (a lingering close, so that the answer is not lost to a reset).
//!
//! Answers are HTTP/1.1 (`Content-Length` when the body's size is known, chunked otherwise,
//! HTTP/1.0 clients get bodies delimited by the close), lower-case header names, and a `Date`
//! header (formatted once a second per thread).

pub mod answer;
pub mod chunked;
pub mod head;

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::io::{self, IoSlice, Write as _};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, Version};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use crate::error::{ApiError, Code};
use answer::{For, Framing};
use head::Refused;

/// Bodies up to this many bytes (with what is already gathered) are copied into the write buffer
/// and leave with the head in one `send`; larger ones go out with `writev`.
pub const COALESCE_BYTES: usize = 16 * 1024;

/// What each connection may take.
#[derive(Debug, Clone)]
pub struct Http1 {
    /// Longest a client may take to send a request's head (or its body), and longest an idle
    /// connection is kept.
    pub header_timeout: Duration,
    /// Longest request head; longer ones get a 431.
    pub max_head: usize,
    /// Longest request body read; longer ones get a 413 and the connection closes.
    pub max_body: usize,
}

/// Resolves once the server is stopping.
pub type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Serves HTTP/1.1 on `stream` with `service` (see the [module](self)) until the client
/// closes, a timeout, an error, or `stop` resolves while the connection is idle.
pub async fn serve<S>(stream: TcpStream, service: S, config: &Http1, stop: Stop)
where
    S: tower::Service<Request<Body>, Response = Response, Error = Infallible>,
{
    let mut connection = Connection {
        stream,
        read: BytesMut::with_capacity(8 << 10),
        write: Vec::with_capacity(8 << 10),
        config,
        service,
        stop,
        stopping: false,
        timer: Box::pin(tokio::time::sleep(config.header_timeout)),
        armed: false,
    };
    if let Err(e) = connection.run().await {
        tracing::debug!("connection ended: {e}");
    }
}

/// One connection's state.
struct Connection<'a, S> {
    stream: TcpStream,
    read: BytesMut,
    write: Vec<u8>,
    config: &'a Http1,
    service: S,
    stop: Stop,
    // Whether `stop` resolved (it is not polled again).
    stopping: bool,
    timer: Pin<Box<Sleep>>,
    // Whether `timer` runs for the head or body being read now.
    armed: bool,
}

/// What a wait for bytes ended with.
enum Woke {
    Bytes,
    Closed,
    TimedOut,
    Stopping,
}

impl<S> Connection<'_, S>
where
    S: tower::Service<Request<Body>, Response = Response, Error = Infallible>,
{
    async fn run(&mut self) -> io::Result<()> {
        loop {
            let head = match head::parse(&mut self.read) {
                Ok(Some(head)) => head,
                Ok(None) if self.read.len() >= self.config.max_head => {
                    let what = format!("the request head is over {} bytes", self.config.max_head);
                    return self.refuse(ApiError::new(Code::HeadersTooLarge, what)).await;
                }
                Ok(None) => {
                    if self.stopping && self.read.is_empty() {
                        return self.flush().await;
                    }
                    self.flush().await?;
                    match self.wait().await? {
                        Woke::Bytes | Woke::Stopping => continue,
                        Woke::Closed | Woke::TimedOut => return Ok(()),
                    }
                }
                Err(Refused::TooManyHeaders) => {
                    let what = format!("the request has more than {} header fields", head::MAX_HEADERS);
                    return self.refuse(ApiError::new(Code::HeadersTooLarge, what)).await;
                }
                Err(Refused::Malformed(what)) => return self.refuse(ApiError::new(Code::BadRequest, what)).await,
            };
            // The head is in: the body (if any) has a timeout of its own, and so has the next head.
            self.armed = false;
            let Some(body) = self.body(&head).await? else { return Ok(()) };
            self.armed = false;
            let (method, version) = (head.request.method().clone(), head.request.version());
            let keep_alive = head.keep_alive && !self.stopping;
            let (parts, ()) = head.request.into_parts();
            let request = Request::from_parts(parts, body);
            let Ok(()) = poll_fn(|cx| self.service.poll_ready(cx)).await;
            let Ok(response) = self.service.call(request).await;
            let written = self.answer(response, For { method: &method, version, keep_alive }).await?;
            if !written.keep_alive {
                self.flush().await?;
                return self.stream.shutdown().await;
            }
            // Answers to pipelined requests are gathered while the next request is already in.
            if self.read.is_empty() || self.write.len() >= COALESCE_BYTES {
                self.flush().await?;
            }
        }
    }

    /// Reads the body `head` announces, whole: `None` when the connection ends instead.
    async fn body(&mut self, head: &head::Head) -> io::Result<Option<Body>> {
        let max = self.config.max_body;
        let too_large = || ApiError::new(Code::BodyTooLarge, format!("the request body is over {max} bytes"));
        match head.framing {
            head::Framing::Empty => Ok(Some(Body::empty())),
            head::Framing::Length(n) => {
                let Some(n) = usize::try_from(n).ok().filter(|&n| n <= max) else {
                    self.refuse(too_large()).await?;
                    return Ok(None);
                };
                if head.expect_continue && self.read.len() < n {
                    self.write.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                    self.flush().await?;
                }
                while self.read.len() < n {
                    self.read.reserve(n - self.read.len());
                    if !self.more().await? {
                        return Ok(None);
                    }
                }
                Ok(Some(Body::from(self.read.split_to(n).freeze())))
            }
            head::Framing::Chunked => {
                if head.expect_continue && self.read.is_empty() {
                    self.write.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                    self.flush().await?;
                }
                let mut dechunk = chunked::Dechunk::new(max);
                loop {
                    match dechunk.feed(&mut self.read) {
                        Ok(true) => return Ok(Some(Body::from(dechunk.body().freeze()))),
                        Ok(false) => {
                            if !self.more().await? {
                                return Ok(None);
                            }
                        }
                        Err(chunked::Bad::TooLarge) => {
                            self.refuse(too_large()).await?;
                            return Ok(None);
                        }
                        Err(chunked::Bad::Malformed(what)) => {
                            self.refuse(ApiError::new(Code::BadRequest, what)).await?;
                            return Ok(None);
                        }
                    }
                }
            }
        }
    }

    /// Waits for more of a request's bytes: false when the client closed or timed out.
    async fn more(&mut self) -> io::Result<bool> {
        loop {
            match self.wait().await? {
                Woke::Bytes => return Ok(true),
                // A request under way is answered; the connection closes after it.
                Woke::Stopping => continue,
                Woke::Closed | Woke::TimedOut => return Ok(false),
            }
        }
    }

    /// Waits until bytes arrive, the client closes, the timer runs out or the server stops.
    async fn wait(&mut self) -> io::Result<Woke> {
        if self.read.capacity() - self.read.len() < 1024 {
            self.read.reserve(8 << 10);
        }
        poll_fn(|cx| {
            if !self.stopping && self.stop.as_mut().poll(cx).is_ready() {
                self.stopping = true;
                return Poll::Ready(Ok(Woke::Stopping));
            }
            match tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, &mut self.read) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Ok(Woke::Closed)),
                Poll::Ready(Ok(_)) => return Poll::Ready(Ok(Woke::Bytes)),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
            if !self.armed {
                self.armed = true;
                let deadline = Instant::now() + self.config.header_timeout;
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Ok(Woke::TimedOut)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }

    /// Writes `response` for a request of `asked`: its head, then its body (see the
    /// [module](self)). Returns what the head said.
    async fn answer(&mut self, response: Response, asked: For<'_>) -> io::Result<answer::Written> {
        let (parts, body) = response.into_parts();
        let size = http_body::Body::size_hint(&body).exact();
        // What of the write buffer is whole answers: kept if this one fails (none once part of
        // this one left).
        let mut whole = self.write.len();
        let written = answer::head(&mut self.write, &parts, size, asked);
        if written.framing == Framing::Nothing {
            return Ok(written);
        }
        let chunked = written.framing == Framing::Chunked;
        let mut body = pin!(body);
        loop {
            // Frames ready now are gathered; before waiting for one, what is gathered leaves.
            let frame = match poll_fn(|cx| Poll::Ready(http_body::Body::poll_frame(body.as_mut(), cx))).await {
                Poll::Ready(frame) => frame,
                Poll::Pending => {
                    self.flush().await?;
                    whole = 0;
                    poll_fn(|cx| http_body::Body::poll_frame(body.as_mut(), cx)).await
                }
            };
            let data = match frame {
                None => break,
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => data,
                    Err(_) => continue, // trailers: not sent
                },
                Some(Err(e)) => {
                    // The answers before this one are whole: they leave; this one never completes.
                    self.write.truncate(whole);
                    self.flush().await?;
                    return Err(io::Error::other(e));
                }
            };
            if data.is_empty() {
                continue;
            }
            if chunked {
                // (Writing into a Vec cannot fail.)
                let _ = write!(self.write, "{:x}\r\n", data.len());
            }
            if self.put(data).await? {
                whole = 0;
            }
            if chunked {
                self.write.extend_from_slice(b"\r\n");
            }
        }
        if chunked {
            self.write.extend_from_slice(b"0\r\n\r\n");
        }
        Ok(written)
    }

    /// Adds `data` to what is being written: copied when small, else written now with what is
    /// gathered, in one `writev` (then true).
    async fn put(&mut self, data: Bytes) -> io::Result<bool> {
        if self.write.len() + data.len() <= COALESCE_BYTES {
            self.write.extend_from_slice(&data);
            return Ok(false);
        }
        let mut slices = [IoSlice::new(&self.write), IoSlice::new(&data)];
        let mut left = &mut slices[..];
        while !left.is_empty() {
            let n = self.stream.write_vectored(left).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            IoSlice::advance_slices(&mut left, n);
        }
        self.write.clear();
        Ok(true)
    }

    /// Writes what is gathered.
    async fn flush(&mut self) -> io::Result<()> {
        if !self.write.is_empty() {
            self.stream.write_all(&self.write).await?;
            self.write.clear();
        }
        Ok(())
    }

    /// Answers `error` and closes the connection, after giving the client a moment to read it
    /// (what it still sends is read and dropped, so that closing does not reset the connection
    /// before the answer arrived).
    async fn refuse(&mut self, error: ApiError) -> io::Result<()> {
        let response = error.into_response();
        let asked = For { method: &Method::GET, version: Version::HTTP_11, keep_alive: false };
        self.answer(response, asked).await?;
        self.flush().await?;
        self.stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut left = 1usize << 20;
        let linger = tokio::time::sleep(Duration::from_secs(1));
        let mut linger = pin!(linger);
        while left > 0 {
            tokio::select! {
                () = &mut linger => break,
                read = self.stream.read(&mut sink) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => left = left.saturating_sub(n),
                },
            }
        }
        Ok(())
    }
}
