//! Answers on the wire: a response's head written into the connection's write buffer, with the
//! framing of the body that follows (RFC 9112, section 6), and the `Date` and `Server` every
//! answer carries.

use std::cell::Cell;
use std::time::{Duration, UNIX_EPOCH};

use axum::http::{Method, StatusCode, Version, header, response};

/// How the body after a head is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body goes out (`HEAD`, 1xx, 204, 304): whatever the response's body holds is dropped.
    Nothing,
    /// Exactly `Content-Length` bytes.
    Length,
    /// Chunked transfer coding.
    Chunked,
    /// Bytes until the connection closes (HTTP/1.0 clients, length unknown).
    UntilClose,
}

/// What the head says of the body and of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// How the body is framed.
    pub framing: Framing,
    /// Whether the connection stays open after this answer.
    pub keep_alive: bool,
}

/// The request an answer is for, as far as its head depends on it.
#[derive(Debug, Clone, Copy)]
pub struct For<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// The request's HTTP version.
    pub version: Version,
    /// Whether the connection may stay open (the client's wish, and the server not stopping).
    pub keep_alive: bool,
}

/// Writes the head of `parts` into `out`; `size` is the body's exact length, if known. Adds
/// `Date`, `Server`, `Content-Length` (or chunked coding) and `Connection` as the answer needs
/// them.
pub fn head(out: &mut Vec<u8>, parts: &response::Parts, size: Option<u64>, asked: For<'_>) -> Written {
    let status = parts.status;
    let headers = &parts.headers;
    if status == StatusCode::OK {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(status.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(status.canonical_reason().unwrap_or("Unknown").as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // The fields the head depends on are noted as they are written (no lookups after).
    let (mut has_length, mut has_date, mut has_server, mut has_connection, mut close) =
        (false, false, false, false, false);
    for (name, value) in headers {
        if name == header::CONTENT_LENGTH {
            has_length = true;
        } else if name == header::DATE {
            has_date = true;
        } else if name == header::SERVER {
            has_server = true;
        } else if name == header::CONNECTION {
            has_connection = true;
            close |= value.as_bytes().eq_ignore_ascii_case(b"close");
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let mut keep_alive = asked.keep_alive && !close;
    let bodiless = status.is_informational() || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
    let framing = if bodiless {
        Framing::Nothing
    } else if has_length {
        Framing::Length
    } else if let Some(n) = size {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        out.extend_from_slice(b"\r\n");
        Framing::Length
    } else if asked.version == Version::HTTP_11 {
        out.extend_from_slice(b"transfer-encoding: chunked\r\n");
        Framing::Chunked
    } else {
        keep_alive = false;
        Framing::UntilClose
    };
    if !has_date {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(&date());
        out.extend_from_slice(b"\r\n");
    }
    if !has_server {
        out.extend_from_slice(b"server: ");
        out.extend_from_slice(crate::SERVER.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !keep_alive && !has_connection {
        out.extend_from_slice(b"connection: close\r\n");
    } else if keep_alive && asked.version == Version::HTTP_10 {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    let framing = if asked.method == Method::HEAD { Framing::Nothing } else { framing };
    Written { framing, keep_alive }
}

/// The `Date` header's value for now (IMF-fixdate), formatted once a second per thread. The
/// second comes from the kernel's coarse clock (updated every tick, read without the time
/// stamp counter): cheaper than a precise read, and precise enough for whole seconds
/// (`folio_engine::clock`).
pub fn date() -> [u8; 29] {
    thread_local! {
        static DATE: Cell<(u64, [u8; 29])> = const { Cell::new((u64::MAX, [0; 29])) };
    }
    let second = folio_engine::clock::coarse_unix_seconds();
    DATE.with(|cached| {
        let (at, text) = cached.get();
        if at == second {
            return text;
        }
        let mut text = [0u8; 29];
        let formatted = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(second));
        let n = formatted.len().min(29);
        text[..n].copy_from_slice(&formatted.as_bytes()[..n]);
        cached.set((second, text));
        text
    })
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use axum::http::{HeaderValue, Response};

    use super::*;

    fn written(
        status: u16,
        headers: &[(&str, &str)],
        size: Option<u64>,
        method: Method,
        version: Version,
    ) -> (String, Written) {
        let mut response = Response::builder().status(status);
        for (k, v) in headers {
            response = response.header(*k, HeaderValue::from_str(v).unwrap());
        }
        let (parts, ()) = response.body(()).unwrap().into_parts();
        let mut out = Vec::new();
        let w = head(&mut out, &parts, size, For { method: &method, version, keep_alive: true });
        (String::from_utf8(out).unwrap(), w)
    }

    #[test]
    fn heads_frame_their_bodies() {
        let (text, w) = written(200, &[("server", "folio")], Some(13), Method::GET, Version::HTTP_11);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\nserver: folio\r\ncontent-length: 13\r\ndate: "), "{text}");
        assert!(text.ends_with(" GMT\r\n\r\n"), "{text}");
        assert_eq!(w, Written { framing: Framing::Length, keep_alive: true });
        assert_eq!(text.matches("server: ").count(), 1, "a handler's own Server header is kept alone: {text}");
        let (text, w) = written(404, &[], None, Method::GET, Version::HTTP_11);
        assert!(text.contains(&format!("\r\nserver: {}\r\n", crate::SERVER)), "{text}");
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n"), "{text}");
        assert_eq!(w.framing, Framing::Chunked);
        let (text, w) = written(200, &[], None, Method::GET, Version::HTTP_10);
        assert!(text.contains("connection: close\r\n") && !text.contains("chunked"), "{text}");
        assert_eq!(w, Written { framing: Framing::UntilClose, keep_alive: false });
        let (text, w) = written(200, &[], Some(5), Method::GET, Version::HTTP_10);
        assert!(text.contains("connection: keep-alive\r\n"), "{text}");
        assert!(w.keep_alive);
    }

    #[test]
    fn bodiless_answers_send_no_body_and_keep_their_own_length() {
        let (text, w) = written(304, &[("etag", "\"x\"")], Some(0), Method::GET, Version::HTTP_11);
        assert!(!text.contains("content-length") && !text.contains("chunked"), "{text}");
        assert_eq!(w.framing, Framing::Nothing);
        let (text, w) = written(200, &[("content-length", "812")], Some(0), Method::HEAD, Version::HTTP_11);
        assert!(text.contains("content-length: 812\r\n") && !text.contains("content-length: 0"), "{text}");
        assert_eq!(w.framing, Framing::Nothing);
        let (_, w) = written(200, &[("connection", "close")], Some(0), Method::GET, Version::HTTP_11);
        assert!(!w.keep_alive, "a handler may close the connection");
    }

    #[test]
    fn the_date_is_an_http_date_of_now() {
        let text = String::from_utf8(date().to_vec()).unwrap();
        let parsed = httpdate::parse_http_date(&text).unwrap();
        let off = SystemTime::now().duration_since(parsed).unwrap_or_default();
        assert!(off.as_secs() <= 2, "{text}");
    }
}
