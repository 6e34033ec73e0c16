//! How an answer leaves: its head and body written with one `writev(2)`, with one `sendmsg(2)`
//! of the same two buffers, or gathered into one buffer and written with `send(2)` (what `folio_server::http1` does for
//! answers of at most 16 KiB), over a loopback TCP connection whose other end reads each answer whole.
//! Each iteration is one answer written and read back, so the kernel's whole path is in it.

use std::hint::black_box;
use std::io::{IoSlice, Read, Write};
use std::net::{TcpListener, TcpStream};

use criterion::{Criterion, criterion_group, criterion_main};

/// A connected pair: (the server's end, the client's end).
fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let client = TcpStream::connect(listener.local_addr().expect("its address")).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    server.set_nodelay(true).expect("TCP_NODELAY");
    (server, client)
}

/// Reads `n` bytes from `from` into `buf` (as large as any answer).
fn read_answer(from: &mut TcpStream, buf: &mut [u8], n: usize) {
    let mut got = 0;
    while got < n {
        got += from.read(&mut buf[..]).expect("read");
    }
}

/// Writes `head` and `body` as two buffers with `write` (one vectored call, then more for what
/// a partial write left), as `folio_server::http1` does for larger answers.
fn write_vectored(head: &[u8], body: &[u8], mut write: impl FnMut(&[IoSlice<'_>]) -> usize) {
    let (n, mut written) = (head.len() + body.len(), 0);
    while written < n {
        let slices =
            [IoSlice::new(&head[written.min(head.len())..]), IoSlice::new(&body[written.saturating_sub(head.len())..])];
        written += write(black_box(&slices));
    }
}

fn socket(c: &mut Criterion) {
    let head = vec![b'h'; 120];
    let mut g = c.benchmark_group("socket");
    // /plaintext's body, and a /wiki page of the median size.
    for body in [13usize, 7_800] {
        let body = vec![b'b'; body];
        let n = head.len() + body.len();
        let (mut server, mut client) = pair();
        let mut buf = vec![0u8; 1 << 16];
        g.bench_function(format!("writev/{}", body.len()), |b| {
            b.iter(|| {
                write_vectored(&head, &body, |slices| server.write_vectored(slices).expect("writev"));
                read_answer(&mut client, &mut buf, n);
            })
        });
        g.bench_function(format!("sendmsg/{}", body.len()), |b| {
            let socket = socket2::SockRef::from(&server);
            b.iter(|| {
                write_vectored(&head, &body, |slices| socket.send_vectored(slices).expect("sendmsg"));
                read_answer(&mut client, &mut buf, n);
            })
        });
        let mut gathered = Vec::with_capacity(n);
        g.bench_function(format!("gathered-send/{}", body.len()), |b| {
            b.iter(|| {
                gathered.clear();
                gathered.extend_from_slice(black_box(&head));
                gathered.extend_from_slice(black_box(&body));
                server.write_all(&gathered).expect("send");
                read_answer(&mut client, &mut buf, n);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, socket);
criterion_main!(benches);
