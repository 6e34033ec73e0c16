//! Request heads: the bytes of a request's head, off the connection's read buffer, as the parts
//! of an [`axum::http::Request`], and how its body is framed.
//!
//! The head is parsed in place ([`httparse`]), then split off the buffer and frozen: the URI
//! and every header value are slices of it, never copied.

use std::mem::MaybeUninit;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, Version, header};
use bytes::BytesMut;

/// Most header fields one request may carry.
pub const MAX_HEADERS: usize = 100;

/// How a request's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A request's head, parsed.
#[derive(Debug)]
pub struct Head {
    /// Method, URI, version and headers; the body is read next.
    pub request: Request<()>,
    /// How the body that follows is delimited.
    pub framing: Framing,
    /// Whether the client keeps the connection open after the answer.
    pub keep_alive: bool,
    /// Whether the client waits for `100 Continue` before it sends the body.
    pub expect_continue: bool,
}

/// Why a head was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The head is not HTTP/1 (400).
    Malformed(String),
    /// More than [`MAX_HEADERS`] fields (431).
    TooManyHeaders,
}

/// Where one header field's name and value lie in the head.
#[derive(Clone, Copy, Default)]
struct Field {
    name: (u32, u32),
    value: (u32, u32),
}

/// Header fields of most requests: their places are kept on the stack (more take a `Vec`).
const FEW: usize = 16;

/// Takes one request head off the front of `buf`: `Ok(None)` while it is incomplete.
pub fn parse(buf: &mut BytesMut) -> Result<Option<Head>, Refused> {
    if buf.is_empty() {
        return Ok(None);
    }
    let mut headers = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut []);
    let base = buf.as_ptr() as usize;
    let len = match parsed.parse_with_uninit_headers(buf, &mut headers) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Refused::TooManyHeaders),
        Err(e) => return Err(Refused::Malformed(format!("the request head does not parse as HTTP/1: {e}"))),
    };
    // Offsets into `buf` (each slice httparse returns lies inside it; a head is far shorter
    // than 4 GiB).
    let at = |s: &[u8]| ((s.as_ptr() as usize - base) as u32, s.len() as u32);
    let (Some(method), Some(target)) = (parsed.method, parsed.path) else {
        return Err(Refused::Malformed("the request line has no method or no target".into()));
    };
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| Refused::Malformed(format!("{method:?} is not an HTTP method")))?;
    let target = at(target.as_bytes());
    let version = if parsed.version == Some(0) { Version::HTTP_10 } else { Version::HTTP_11 };
    let count = parsed.headers.len();
    let (mut few, mut many) = ([Field::default(); FEW], Vec::new());
    let fields = if count <= FEW {
        &mut few[..count]
    } else {
        many.resize(count, Field::default());
        &mut many[..]
    };
    for (field, h) in fields.iter_mut().zip(parsed.headers.iter()) {
        *field = Field { name: at(h.name.as_bytes()), value: at(h.value) };
    }
    let head = buf.split_to(len).freeze();
    let range = |(start, n): (u32, u32)| start as usize..(start + n) as usize;
    let uri = Uri::from_maybe_shared(head.slice(range(target)))
        .map_err(|e| Refused::Malformed(format!("the request target does not parse: {e}")))?;
    let mut map = HeaderMap::with_capacity(count);
    let mut seen = Seen::default();
    for f in fields.iter() {
        let name = &head[range(f.name)];
        let name = HeaderName::from_bytes(name)
            .map_err(|_| Refused::Malformed(format!("{:?} is not a header name", String::from_utf8_lossy(name))))?;
        let value = HeaderValue::from_maybe_shared(head.slice(range(f.value)))
            .map_err(|_| Refused::Malformed(format!("the value of {name} has bytes a header cannot carry")))?;
        seen.field(&name, &value)?;
        map.append(name, value);
    }
    let framing = seen.framing(version)?;
    let keep_alive = if version == Version::HTTP_10 { seen.keep_alive } else { !seen.close };
    let expect_continue = version == Version::HTTP_11 && seen.expect_continue;
    let mut request = Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    *request.headers_mut() = map;
    Ok(Some(Head { request, framing, keep_alive, expect_continue }))
}

/// What the fields that frame the body and keep the connection said, gathered as the head's
/// fields are read (no lookups in the map after).
#[derive(Default)]
struct Seen {
    length: Option<u64>,
    // The last transfer coding named, if any field named one.
    coding: Option<bool>,
    close: bool,
    keep_alive: bool,
    expect_continue: bool,
}

impl Seen {
    /// Takes in one field.
    fn field(&mut self, name: &HeaderName, value: &HeaderValue) -> Result<(), Refused> {
        let text = || value.to_str().unwrap_or("");
        if name == header::CONTENT_LENGTH {
            for n in value.to_str().unwrap_or("x").split(',') {
                let n = n.trim();
                let parsed = (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.parse::<u64>().ok());
                let Some(Some(n)) = parsed else {
                    return Err(Refused::Malformed(format!("Content-Length {n:?} is not a number of bytes")));
                };
                if self.length.is_some_and(|l| l != n) {
                    return Err(Refused::Malformed("the request has Content-Lengths that differ".into()));
                }
                self.length = Some(n);
            }
        } else if name == header::TRANSFER_ENCODING {
            let last = text().rsplit(',').next().unwrap_or("").trim();
            self.coding = Some(last.eq_ignore_ascii_case("chunked"));
        } else if name == header::CONNECTION {
            for token in text().split(',').map(str::trim) {
                self.close |= token.eq_ignore_ascii_case("close");
                self.keep_alive |= token.eq_ignore_ascii_case("keep-alive");
            }
        } else if name == header::EXPECT {
            self.expect_continue = value.as_bytes().eq_ignore_ascii_case(b"100-continue");
        }
        Ok(())
    }

    /// How the body is delimited (RFC 9112, section 6.3): a request with both
    /// `Transfer-Encoding` and `Content-Length`, or lengths that disagree, is refused (a proxy
    /// in front could read it differently: request smuggling).
    fn framing(&self, version: Version) -> Result<Framing, Refused> {
        match (self.coding, self.length) {
            (Some(_), _) if version == Version::HTTP_10 => {
                Err(Refused::Malformed("HTTP/1.0 has no Transfer-Encoding".into()))
            }
            (Some(_), Some(_)) => {
                Err(Refused::Malformed("a request has Transfer-Encoding or Content-Length, not both".into()))
            }
            (Some(true), None) => Ok(Framing::Chunked),
            (Some(false), None) => {
                Err(Refused::Malformed("the only transfer coding taken is chunked, and it comes last".into()))
            }
            (None, None | Some(0)) => Ok(Framing::Empty),
            (None, Some(n)) => Ok(Framing::Length(n)),
        }
    }
}

/// `head` as it would be in a request of `bytes`, for tests.
#[cfg(test)]
fn of(bytes: &[u8]) -> Result<Option<Head>, Refused> {
    parse(&mut BytesMut::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_becomes_a_request_and_leaves_what_follows() {
        let mut buf =
            BytesMut::from(&b"GET /wiki/Caf%C3%A9?x=1 HTTP/1.1\r\nHost: a\r\nX-Two: 1\r\nx-two: 2\r\n\r\nGET /"[..]);
        let head = parse(&mut buf).unwrap().unwrap();
        assert_eq!(head.request.method(), Method::GET);
        assert_eq!(head.request.uri().path(), "/wiki/Caf%C3%A9");
        assert_eq!(head.request.uri().query(), Some("x=1"));
        assert_eq!(head.request.headers()["host"], "a");
        let two: Vec<_> = head.request.headers().get_all("x-two").iter().collect();
        assert_eq!(two, ["1", "2"]);
        assert_eq!((head.framing, head.keep_alive, head.expect_continue), (Framing::Empty, true, false));
        assert_eq!(&buf[..], b"GET /", "the next request's bytes stay");
        assert!(parse(&mut buf).unwrap().is_none(), "an incomplete head waits");
    }

    #[test]
    fn bodies_are_framed_as_rfc_9112_says() {
        let framed = |h: &str| of(format!("POST /sql HTTP/1.1\r\n{h}\r\n").as_bytes()).map(|h| h.unwrap().framing);
        assert_eq!(framed("Content-Length: 12\r\n"), Ok(Framing::Length(12)));
        assert_eq!(framed("Content-Length: 12, 12\r\n"), Ok(Framing::Length(12)));
        assert_eq!(framed("Transfer-Encoding: gzip, chunked\r\n"), Ok(Framing::Chunked));
        for bad in [
            "Content-Length: 12\r\nContent-Length: 13\r\n",
            "Content-Length: -1\r\n",
            "Content-Length: 1e3\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
            "Transfer-Encoding: chunked, gzip\r\n",
        ] {
            assert!(matches!(framed(bad), Err(Refused::Malformed(_))), "{bad}");
        }
        let old = of(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert!(matches!(old, Err(Refused::Malformed(_))));
    }

    #[test]
    fn keep_alive_and_expectations_follow_the_version() {
        let head = |s: &str| of(s.as_bytes()).unwrap().unwrap();
        assert!(!head("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keep_alive);
        assert!(!head("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
        assert!(head("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n").expect_continue);
        assert!(!head("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").expect_continue);
    }

    #[test]
    fn what_is_not_http_is_refused() {
        assert!(matches!(of(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), Err(Refused::Malformed(_))));
        assert!(matches!(of(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), Err(Refused::Malformed(_))));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("x-{i}: y\r\n")).collect();
        assert_eq!(of(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()).unwrap_err(), Refused::TooManyHeaders);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_taken_or_refused_never_a_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&mut BytesMut::from(&bytes[..]));
            let _ = crate::http1::chunked::Dechunk::new(64).feed(&mut BytesMut::from(&bytes[..]));
        }

        #[test]
        fn a_head_written_out_parses_back_whole_and_only_once_complete(
            method in "[A-Z]{1,8}",
            target in "/[a-zA-Z0-9%/._~=&?-]{0,40}",
            fields in proptest::collection::vec(("x-[a-z0-9-]{1,12}", "([!-~]([ -~]{0,20}[!-~])?)?"), 0..24),
            cut in 0usize..10_000,
        ) {
            let mut wire = format!("{method} {target} HTTP/1.1\r\n");
            for (name, value) in &fields {
                wire.push_str(&format!("{name}: {value}\r\n"));
            }
            wire.push_str("\r\n");
            let cut = cut % wire.len();
            proptest::prop_assert!(parse(&mut BytesMut::from(&wire.as_bytes()[..cut])).unwrap().is_none());
            let mut buf = BytesMut::from(format!("{wire}NEXT").as_bytes());
            let head = parse(&mut buf).unwrap().unwrap();
            proptest::prop_assert_eq!(&buf[..], b"NEXT");
            proptest::prop_assert_eq!(head.request.method().as_str(), method.as_str());
            proptest::prop_assert_eq!(head.request.uri().to_string(), target);
            let got: Vec<(String, String)> = head.request.headers().iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string())).collect();
            let mut want = fields.clone();
            // The map keeps the values of one name together, in the order they came.
            let mut order: Vec<&str> = Vec::new();
            for (name, _) in &fields {
                if !order.contains(&name.as_str()) {
                    order.push(name);
                }
            }
            want.sort_by_key(|(name, _)| order.iter().position(|n| n == name));
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(head.framing, Framing::Empty);
        }
    }
}
