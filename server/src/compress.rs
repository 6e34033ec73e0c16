//! Content codings: answers compressed with zstd or gzip when the client asks for one
//! (`Accept-Encoding`), with `Vary: Accept-Encoding` on every answer that could be.
//!
//! What is compressed: `200` answers of a textual type (JSON, HTML, XML, text, CSS, JavaScript)
//! of at least [`MIN_BYTES`] and at most [`MAX_BYTES`]. Smaller ones fit in one TCP segment
//! already and would only cost CPU; larger ones (`/xml` of whole dump ranges) stream from the
//! map as they are. Answers of [`OFF_LOOP_BYTES`] or more are compressed on the blocking pool, at
//! most as many at once as there are workers, never on an event loop. A client that asks for
//! no coding gets the zero-copy answer untouched.
//!
//! A compressed answer is its own representation: its ETag is the identity one with `-zstd` or
//! `-gzip` inside the quotes ([`crate::conditional`]). An answer of the dump's bytes is read
//! whole before it is compressed, so its check of the dump (see [`crate::body`]) has passed
//! before a compressed byte leaves; if it fails, the client gets the error, not a compressed
//! answer of damaged bytes.

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::conditional;
use crate::error::{ApiError, Code};

/// Smallest answer compressed: one TCP segment's payload on Ethernet (1500 − 40 − 60 bytes of
/// IP and TCP headers with options). An answer below it leaves in one packet either way.
pub const MIN_BYTES: u64 = 1400;
/// Largest answer compressed (in memory, whole): larger ones stream from the map uncompressed.
pub const MAX_BYTES: u64 = 16 << 20;
/// Answers this large or larger are compressed off the event loops.
pub const OFF_LOOP_BYTES: usize = 64 << 10;
/// zstd's level: its default, about 300 MB/s per core on Wikipedia XML.
const ZSTD_LEVEL: i32 = 3;
/// gzip's level: 2, zlib-ng's fastest with its own Huffman codes (level 1 uses fixed codes and
/// leaves Wikipedia XML at half its size; level 4 takes about twice the CPU: benches/RESULTS.md).
const GZIP_LEVEL: u32 = 2;

/// A content coding Folio answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// Zstandard (RFC 8878): smaller than gzip and several times faster to make.
    Zstd,
    /// gzip (RFC 1952), for clients without zstd.
    Gzip,
}

impl Coding {
    /// Its `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Zstd => "zstd",
            Coding::Gzip => "gzip",
        }
    }

    /// What it adds to an ETag.
    pub fn tag_suffix(self) -> &'static str {
        match self {
            Coding::Zstd => conditional::CODING_SUFFIXES[0],
            Coding::Gzip => conditional::CODING_SUFFIXES[1],
        }
    }

    /// `bytes` encoded.
    pub fn encode(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Coding::Zstd => zstd::bulk::compress(bytes, ZSTD_LEVEL),
            Coding::Gzip => {
                let out = Vec::with_capacity(bytes.len() / 4);
                let mut e = flate2::write::GzEncoder::new(out, flate2::Compression::new(GZIP_LEVEL));
                e.write_all(bytes)?;
                e.finish()
            }
        }
    }
}

/// The coding to answer with, from the values of the request's `Accept-Encoding` (RFC 9110
/// §12.5.3): the one with the highest weight, zstd on a tie; `*` stands for every coding not
/// named; `q=0` refuses.
pub fn negotiate<'a>(values: impl IntoIterator<Item = &'a HeaderValue>) -> Option<Coding> {
    let (mut zstd, mut gzip, mut any) = (None, None, None);
    for item in values.into_iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')) {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let is = |token: &str| name.eq_ignore_ascii_case(token);
        let slot = if is("zstd") {
            &mut zstd
        } else if is("gzip") || is("x-gzip") {
            &mut gzip
        } else if name == "*" {
            &mut any
        } else {
            continue;
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        *slot = Some(q);
    }
    let (z, g) = (zstd.or(any).unwrap_or(0.0), gzip.or(any).unwrap_or(0.0));
    if z <= 0.0 && g <= 0.0 {
        None
    } else if z >= g {
        Some(Coding::Zstd)
    } else {
        Some(Coding::Gzip)
    }
}

/// Whether an answer of this type is worth compressing (text; images and archives are not).
fn textual(content_type: Option<&HeaderValue>) -> bool {
    let Some(t) = content_type.and_then(|t| t.to_str().ok()) else { return false };
    let t = t.split(';').next().unwrap_or_default().trim();
    t.starts_with("text/") || matches!(t, "application/json" | "application/xml" | "application/javascript")
}

/// Whether `response` is one the client may get compressed.
fn compressible(response: &Response) -> bool {
    let size = http_body::Body::size_hint(response.body()).exact();
    // The size first: most answers are too small, and are let go without a look at their
    // headers; then one pass over the answer's few headers (cheaper than three lookups by hash).
    if response.status() != StatusCode::OK || !size.is_some_and(|n| (MIN_BYTES..=MAX_BYTES).contains(&n)) {
        return false;
    }
    let mut content_type = None;
    for (name, value) in response.headers() {
        if name == header::CONTENT_ENCODING || name == header::CONTENT_RANGE {
            return false;
        } else if name == header::CONTENT_TYPE {
            content_type = Some(value);
        }
    }
    textual(content_type)
}

/// What a request asked of the answer's coding, taken before the request goes to its route.
pub struct Asked {
    // The codings it accepts, weighed only for an answer worth compressing.
    accepts: Accepts,
    // The request's headers when it revalidates a compressed answer (only its 304 needs them).
    held: Option<HeaderMap>,
}

/// A request's `Accept-Encoding`, kept as it came (a shared copy of its one value) until an
/// answer is worth compressing: most answers are too small to be, and are never weighed.
enum Accepts {
    /// No coding (no header, or a `HEAD`, whose answer has no body to code).
    Nothing,
    /// The header's one value.
    One(HeaderValue),
    /// The header sent several times: weighed at once.
    Weighed(Option<Coding>),
}

impl Accepts {
    fn coding(&self) -> Option<Coding> {
        match self {
            Accepts::Nothing => None,
            // Every coding taken (zstd, gzip, x-gzip, `*`) has a z, a g or a star: a value with
            // none of them (`identity`, `br`) names none, and is not parsed.
            Accepts::One(v) if !v.as_bytes().iter().any(|b| matches!(b, b'z' | b'Z' | b'g' | b'G' | b'*')) => None,
            Accepts::One(v) => negotiate([v]),
            Accepts::Weighed(c) => *c,
        }
    }
}

impl Asked {
    /// What `request` asks for (`HEAD` asks for no coding: its answer has no body to code).
    pub fn of(request: &Request) -> Asked {
        let headers = request.headers();
        // One pass over a request's few headers, names compared as the known names they are:
        // cheaper than two lookups by hash.
        let (mut first, mut several, mut held) = (None, false, false);
        for (name, value) in headers {
            if name == header::ACCEPT_ENCODING {
                several |= first.replace(value).is_some();
            } else if name == header::IF_NONE_MATCH {
                held |= conditional::CODING_SUFFIXES
                    .iter()
                    .any(|s| value.as_bytes().windows(s.len()).any(|w| w == s.as_bytes()));
            }
        }
        let accepts = match (request.method() != Method::HEAD, first) {
            (false, _) | (true, None) => Accepts::Nothing,
            (true, Some(v)) if !several => Accepts::One(v.clone()),
            (true, Some(_)) => Accepts::Weighed(negotiate(headers.get_all(header::ACCEPT_ENCODING))),
        };
        Asked { accepts, held: held.then(|| headers.clone()) }
    }

    /// `response` as the client asked for it: as it is (marked `Vary` when it could have been
    /// compressed), or the work of compressing it, at most `pool`'s permits of it at once off
    /// the event loops.
    pub fn answer(self, mut response: Response, pool: &Arc<Semaphore>) -> Result<Response, Encoding> {
        if response.status() == StatusCode::NOT_MODIFIED {
            revalidated(&mut response, self.held.as_ref());
            return Ok(response);
        }
        if !compressible(&response) {
            return Ok(response);
        }
        response.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
        match self.accepts.coding() {
            None => Ok(response),
            Some(coding) => Err(Box::pin(encode(response, coding, pool.clone()))),
        }
    }
}

/// An answer being read and compressed.
pub type Encoding = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A 304: it varies with the coding as its 200 does, and names the compressed form of the tag
/// when that is what the client holds.
fn revalidated(response: &mut Response, held: Option<&HeaderMap>) {
    let h = response.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let (Some(held), Some(tag)) = (held, h.get(header::ETAG))
        && let Some(compressed) = conditional::compressed_form_asked(held, tag)
    {
        h.insert(header::ETAG, compressed);
    }
}

/// `response` read whole and compressed with `coding`: on the blocking pool when large. If
/// its body fails (a dump that changed), the error instead; if compressing fails, as it was.
async fn encode(response: Response, coding: Coding, pool: Arc<Semaphore>) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BYTES as usize).await {
        Ok(b) => b,
        Err(e) => return body_error(e).into_response(),
    };
    let encoded = if bytes.len() < OFF_LOOP_BYTES {
        coding.encode(&bytes)
    } else {
        let _permit = pool.acquire_owned().await;
        tokio::task::spawn_blocking(move || coding.encode(&bytes))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    };
    let encoded = match encoded {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("{} compression failed: {e}", coding.token());
            return ApiError::new(Code::Internal, format!("{} compression failed: {e}", coding.token()))
                .into_response();
        }
    };
    let h = &mut parts.headers;
    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
    h.remove(header::CONTENT_LENGTH);
    if let Some(tag) = h.get(header::ETAG).and_then(|t| conditional::with_suffix(t, coding.tag_suffix())) {
        h.insert(header::ETAG, tag);
    }
    Response::from_parts(parts, Body::from(encoded))
}

/// The error a body failed with, as the API reports it: the engine's own (a dump that changed
/// gives `dump_changed`, as without compression), found under axum's wrapping (one layer per
/// conversion of the body).
fn body_error(e: axum::Error) -> ApiError {
    let mut e = e.into_inner();
    loop {
        e = match e.downcast::<folio_engine::Error>() {
            Ok(engine) => return ApiError::from(*engine),
            Err(other) => match other.downcast::<axum::Error>() {
                Ok(wrapped) => wrapped.into_inner(),
                Err(other) => return ApiError::new(Code::Internal, format!("the answer could not be read: {other}")),
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use std::task::{Context, Poll};

    use super::*;

    fn accept(v: &str) -> Option<Coding> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        negotiate(h.get_all(header::ACCEPT_ENCODING))
    }

    #[test]
    fn accept_encoding_picks_the_heaviest_coding_zstd_on_a_tie() {
        assert_eq!(accept("gzip, deflate, br, zstd"), Some(Coding::Zstd));
        assert_eq!(accept("gzip, deflate, br"), Some(Coding::Gzip));
        assert_eq!(accept("zstd;q=0.5, gzip;q=0.8"), Some(Coding::Gzip));
        assert_eq!(accept("zstd;q=0, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("*"), Some(Coding::Zstd));
        assert_eq!(accept("*;q=0.3, gzip"), Some(Coding::Gzip));
        assert_eq!(accept("identity"), None);
        assert_eq!(accept("br, deflate"), None);
        assert_eq!(accept("gzip;q=0, *;q=0"), None);
        assert_eq!(accept("ZSTD ; Q=1"), Some(Coding::Zstd));
        assert_eq!(negotiate(HeaderMap::new().get_all(header::ACCEPT_ENCODING)), None);
    }

    #[test]
    fn one_value_is_weighed_as_negotiate_weighs_it() {
        let values = ["gzip, deflate, br, zstd", "identity", "br", "*", "x-gzip", "X-GZIP", "ZSTD ; Q=1", "deflate"];
        for v in values.into_iter().chain(["gzip;q=0, *;q=0", "", "identity;q=1, *;q=0.1"]) {
            let one = HeaderValue::from_str(v).unwrap();
            assert_eq!(Accepts::One(one.clone()).coding(), negotiate([&one]), "{v}");
        }
    }

    /// A body whose first frame fails as `MapBody`'s does when the dump changed.
    struct Failing;

    impl http_body::Body for Failing {
        type Data = bytes::Bytes;
        type Error = folio_engine::Error;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, folio_engine::Error>>> {
            let what = "it shrank".to_string();
            Poll::Ready(Some(Err(folio_engine::Error::DumpChanged { path: "dump.xml".into(), what })))
        }
    }

    #[test]
    fn a_body_that_fails_for_a_changed_dump_is_reported_as_such() {
        // The answer read as `encode` reads it, the body wrapped as handlers wrap it.
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let failed = runtime.block_on(axum::body::to_bytes(Body::new(Failing), usize::MAX)).unwrap_err();
        assert_eq!(body_error(failed).code, Code::DumpChanged);
        assert_eq!(body_error(axum::Error::new(std::io::Error::other("x"))).code, Code::Internal);
    }

    #[test]
    fn both_codings_decode_to_the_same_bytes() {
        let text = "<page><title>Zürich</title></page>\n".repeat(500);
        let z = Coding::Zstd.encode(text.as_bytes()).unwrap();
        assert_eq!(zstd::bulk::decompress(&z, text.len()).unwrap(), text.as_bytes());
        let g = Coding::Gzip.encode(text.as_bytes()).unwrap();
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&g[..]), &mut back).unwrap();
        assert_eq!(back, text);
        assert!(z.len() < text.len() / 10 && g.len() < text.len() / 10);
    }
}
