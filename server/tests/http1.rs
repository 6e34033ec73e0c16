//! HTTP/1.1 on the wire (`folio_server::http1`), spoken byte by byte over a real socket:
//! pipelining, chunked bodies, `Expect: 100-continue`, HTTP/1.0, `HEAD`, heads that are not
//! HTTP and bodies over the limit. Each answer is checked against the same request made
//! through ureq, a real HTTP client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;

use crate::util::Server;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::sample)
}

/// One answer read off the wire.
#[derive(Debug)]
struct Wire {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Wire {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Reads answers off a connection, as a client does: by `Content-Length`, chunked coding, or
/// to the end; `head_only` for the answer to a `HEAD`.
struct Reader {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Reader {
    fn new(stream: TcpStream) -> Reader {
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
        Reader { stream, buf: Vec::new() }
    }

    /// Reads until `buf` holds at least `n` bytes; false at the end of the stream.
    fn fill(&mut self, n: usize) -> bool {
        while self.buf.len() < n {
            let mut chunk = [0u8; 65536];
            let got = self.stream.read(&mut chunk).unwrap();
            if got == 0 {
                return false;
            }
            self.buf.extend_from_slice(&chunk[..got]);
        }
        true
    }

    fn line(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8(self.buf[..end].to_vec()).unwrap();
                self.buf.drain(..end + 2);
                return line;
            }
            assert!(self.fill(self.buf.len() + 1), "the connection ended inside a line");
        }
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        assert!(self.fill(n), "the connection ended inside a body");
        self.buf.drain(..n).collect()
    }

    fn answer(&mut self, head_only: bool) -> Wire {
        let status_line = self.line();
        let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
        let mut headers = Vec::new();
        loop {
            let line = self.line();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        let mut wire = Wire { status, headers, body: Vec::new() };
        if head_only || status == 100 || status == 304 {
            return wire;
        }
        if let Some(n) = wire.header("content-length") {
            wire.body = self.take(n.parse().unwrap());
        } else if wire.header("transfer-encoding") == Some("chunked") {
            loop {
                let size = usize::from_str_radix(&self.line(), 16).unwrap();
                let data = self.take(size);
                assert_eq!(self.take(2), b"\r\n");
                if size == 0 {
                    break;
                }
                wire.body.extend_from_slice(&data);
            }
        } else {
            while self.fill(self.buf.len() + 1) {}
            wire.body = std::mem::take(&mut self.buf);
        }
        wire
    }

    /// True if the server closed the connection (nothing more to read).
    fn closed(&mut self) -> bool {
        self.buf.is_empty() && !self.fill(1)
    }
}

fn connect() -> (TcpStream, Reader) {
    let stream = TcpStream::connect(&server().addr).unwrap();
    let reader = Reader::new(stream.try_clone().unwrap());
    (stream, reader)
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let paths = ["/plaintext", "/wiki/Anarchism", "/titles?prefix=A&limit=3", "/no/such/route", "/json"];
    let mut wire = String::new();
    for p in paths {
        wire.push_str(&format!("GET {p} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n"));
    }
    let (mut stream, mut reader) = connect();
    // All five in one write: the server has every request before it answers the first.
    stream.write_all(wire.as_bytes()).unwrap();
    for p in paths {
        let got = reader.answer(false);
        let want = server().request("GET", p, &[("accept-encoding", "identity")]);
        assert_eq!(got.status, want.status, "{p}");
        assert_eq!(got.body, want.body, "{p}");
        assert_eq!(got.header("content-type"), want.header("content-type"), "{p}");
        assert!(got.header("date").is_some() && got.header("server").is_some(), "{p}: {:?}", got.headers);
    }
}

#[test]
fn head_answers_carry_the_length_of_the_get_and_no_body() {
    let (mut stream, mut reader) = connect();
    stream.write_all(b"HEAD /wiki/Anarchism HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n").unwrap();
    stream.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let head = reader.answer(true);
    let get = server().request("GET", "/wiki/Anarchism", &[("accept-encoding", "identity")]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(get.body.len().to_string().as_str()));
    // The next answer starts right after the head: no body bytes came between.
    let next = reader.answer(false);
    assert_eq!((next.status, next.body.as_slice()), (200, &b"Hello, World!"[..]));
}

#[test]
fn chunked_bodies_and_100_continue_are_taken() {
    let sql = "SELECT count(*) AS n FROM pages WHERE ns = 0";
    let want = server().post("/sql", "text/plain", sql);
    assert_eq!(want.status, 200, "{}", want.text());
    let (mut stream, mut reader) = connect();
    let head = "POST /sql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nExpect: 100-continue\r\n\
                Transfer-Encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    // The server asks for the body before the client sends it.
    assert_eq!(reader.answer(false).status, 100);
    let (a, b) = sql.split_at(10);
    for piece in [format!("{:x}\r\n{a}\r\n", a.len()), format!("{:x};ext=1\r\n{b}\r\n", b.len()), "0\r\n\r\n".into()] {
        stream.write_all(piece.as_bytes()).unwrap();
    }
    let got = reader.answer(false);
    assert_eq!((got.status, &got.body), (200, &want.body));
    // The same with Content-Length, on the same connection.
    stream
        .write_all(
            format!(
                "POST /sql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{sql}",
                sql.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let got = reader.answer(false);
    assert_eq!((got.status, &got.body), (200, &want.body));
}

#[test]
fn http_1_0_clients_are_answered_and_kept_only_when_they_ask() {
    let (mut stream, mut reader) = connect();
    stream.write_all(b"GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
    let kept = reader.answer(false);
    assert_eq!((kept.status, kept.header("connection")), (200, Some("keep-alive")));
    stream.write_all(b"GET /titles?prefix=A&limit=3 HTTP/1.0\r\n\r\n").unwrap();
    let last = reader.answer(false);
    let want = server().request("GET", "/titles?prefix=A&limit=3", &[("accept-encoding", "identity")]);
    assert_eq!((last.status, &last.body), (200, &want.body));
    assert_eq!(last.header("connection"), Some("close"));
    assert!(reader.closed(), "an HTTP/1.0 request without keep-alive ends the connection");
}

#[test]
fn what_is_not_http_gets_a_json_400_and_the_connection_closes() {
    for bad in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"[..],
        b"GET /plaintext HTTP/1.1\r\nBad Header: x\r\n\r\n",
        b"POST /sql HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /sql HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let (mut stream, mut reader) = connect();
        stream.write_all(bad).unwrap();
        let got = reader.answer(false);
        let text = String::from_utf8_lossy(&got.body).into_owned();
        assert_eq!(got.status, 400, "{}: {text}", String::from_utf8_lossy(bad));
        assert!(text.contains(r#""code":"bad_request""#), "{text}");
        assert_eq!(got.header("connection"), Some("close"));
        // A refusal is an answer like any other: it names the server and the date.
        assert!(got.header("server").is_some_and(|s| s.starts_with("folio/")), "{:?}", got.headers);
        assert!(got.header("date").is_some(), "{:?}", got.headers);
        assert!(reader.closed());
    }
}

#[test]
fn a_body_over_the_limit_is_refused_before_it_is_sent() {
    let (mut stream, mut reader) = connect();
    // 1 GiB announced: the server answers at once instead of asking for it.
    stream
        .write_all(b"POST /sql HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let got = reader.answer(false);
    assert_eq!(got.status, 413);
    assert!(String::from_utf8_lossy(&got.body).contains(r#""code":"body_too_large""#));
    assert!(reader.closed());
}
