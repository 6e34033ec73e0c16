//! Limits and load: oversized requests get their 4xx, overload gets 503 with `Retry-After`, slow
//! and idle clients are held cheaply and timed out, and none of it starves normal clients.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::util::{Server, repo};

fn sample_with(extra: &[&str]) -> Server {
    Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), extra)
}

/// The status line and headers of a raw answer, lowercased names.
fn head(raw: &str) -> (u16, Vec<(String, String)>) {
    let mut lines = raw.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers)
}

#[test]
fn oversized_urls_headers_and_answers_get_their_4xx() {
    let server = sample_with(&["--max-range-bytes", "1000"]);
    let long = format!("/offsets/{}", "a".repeat(9000));
    server.get(&long).assert_error(414, "uri_too_long");
    let big = "x".repeat(20_000);
    server.request("GET", "/json", &[("x-big", &big)]).assert_error(431, "headers_too_large");
    // Past the 64 KiB a head may take, it is refused before it is parsed: still a 431.
    let huge = "x".repeat(70_000);
    let raw = server.raw(&format!("GET /json HTTP/1.1\r\nHost: x\r\nX-Huge: {huge}\r\nConnection: close\r\n\r\n"));
    assert_eq!(head(&raw).0, 431, "{}", &raw[..raw.len().min(200)]);
    assert!(raw.contains(r#""code":"headers_too_large""#), "the API's JSON error: {raw}");
    let body = "SELECT 1 -- ".to_string() + &"y".repeat(70_000);
    server.post("/sql", "text/plain", &body).assert_error(413, "body_too_large");
    let many: Vec<String> = (0..17).map(|i| format!("{}-{}", i * 10, i * 10 + 1)).collect();
    let a = server.request("GET", "/xml", &[("range", &format!("bytes={}", many.join(",")))]);
    a.assert_error(400, "too_many_ranges");
    server.get("/xml?range=0-1000").assert_error(400, "too_many_results");
    assert_eq!(server.get("/xml?range=0-999").status, 206, "exactly the limit is served");
    assert_eq!(server.get("/json").status, 200, "the server is unharmed");
}

#[test]
fn requests_past_the_in_flight_limit_get_503_with_retry_after() {
    let server = sample_with(&["--max-inflight", "2", "--sql-timeout", "2"]);
    // A query that runs until its timeout holds its in-flight slot that long.
    let slow = "SELECT count(*) AS n FROM pages a, pages b, pages c, pages d, pages e WHERE a.ns + b.ns + c.ns + d.ns + e.ns = 99";
    let answers: Vec<_> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..12)
            .map(|i| {
                let server = &server;
                s.spawn(move || {
                    std::thread::sleep(Duration::from_millis(if i < 2 { 0 } else { 300 }));
                    server.post("/sql", "text/plain", slow)
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let shed: Vec<_> = answers.iter().filter(|a| a.status == 503).collect();
    assert_eq!(
        shed.len(),
        10,
        "all but the first two are shed: {:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for a in &shed {
        a.assert_error(503, "overloaded");
        assert_eq!(a.header("retry-after"), Some("1"));
        assert!(a.header("server").is_some() && a.header("date").is_some());
    }
    for a in answers.iter().filter(|a| a.status != 503) {
        a.assert_error(400, "sql_limit");
    }
    assert_eq!(server.get("/stats").json()["load"]["requests_shed"], 10);
    assert_eq!(server.get("/json").status, 200, "once the load is gone, requests are admitted");
}

#[test]
fn connections_past_the_cap_get_503_and_are_closed() {
    let server = sample_with(&["--max-connections", "4"]);
    let held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(&server.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let raw = server.raw("GET /json HTTP/1.1\r\nHost: x\r\n\r\n");
    let (status, headers) = head(&raw);
    assert_eq!(status, 503, "{raw}");
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(header("retry-after"), Some("1"));
    assert!(header("date").is_some() && header("server").is_some(), "{raw}");
    assert!(raw.contains("\"code\":\"overloaded\""), "{raw}");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.try_send("GET", "/json", &[], Vec::new()).is_ok_and(|a| a.status == 200) {
        assert!(Instant::now() < deadline, "slots are given back when connections close");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.get("/stats").json()["load"]["connections_refused"].as_u64().unwrap() >= 1);
}

#[test]
fn slow_clients_are_timed_out_and_do_not_starve_others() {
    let server = sample_with(&["--header-timeout", "1"]);
    // 300 clients trickling a request head, a byte every 100 ms: none ever completes one.
    let mut slow: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(&server.addr).unwrap()).collect();
    let started = Instant::now();
    let mut served = 0;
    while started.elapsed() < Duration::from_millis(700) {
        for (i, s) in slow.iter_mut().enumerate() {
            let _ = s.write_all(&[b"GET /json HTTP/1.1\r\n"[i % 5]]);
        }
        for _ in 0..5 {
            assert_eq!(server.get("/titles?prefix=A&limit=3").status, 200);
            served += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(served >= 25);
    // Past the header timeout, the server has closed every one of them.
    std::thread::sleep(Duration::from_millis(1500));
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut rest = Vec::new();
        match s.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "a slow client was not cut off: {e}"),
        }
    }
    let open = server.get("/stats").json()["load"]["connections_open"].as_u64().unwrap();
    assert!(open < 10, "{open} connections still open");
}

/// Anonymous resident memory of process `pid`, in bytes.
fn rss_anon(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb * 1024
}

#[test]
fn ten_thousand_idle_keep_alive_connections_are_held_cheaply_while_new_clients_are_served() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    let _ = setrlimit(Resource::Nofile, limit);
    let wanted = 10_000;
    let enough = getrlimit(Resource::Nofile).current.is_none_or(|n| n >= wanted as u64 + 200);
    let what = format!("this test needs `ulimit -n` of at least {} (raise the hard limit)", wanted + 200);
    if !crate::util::requirement(enough, &what) {
        return;
    }
    // Idle connections are kept for the header timeout: longer than this test takes.
    let server = sample_with(&["--header-timeout", "300"]);
    let before = rss_anon(server.child.id());
    let mut idle = Vec::with_capacity(wanted);
    for _ in 0..wanted {
        // Each connection answers one request, then stays open, idle, kept alive.
        let mut s = TcpStream::connect(&server.addr).unwrap();
        s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut answer = [0u8; 512];
        let n = s.read(&mut answer).unwrap();
        assert!(answer[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..n]));
        idle.push(s);
    }
    let stats = server.get("/stats").json();
    assert!(stats["load"]["connections_open"].as_u64().unwrap() > wanted as u64, "{}", stats["load"]);
    for _ in 0..20 {
        assert_eq!(server.get("/wiki/Anarchism").status, 200, "new clients are served");
    }
    let grown = rss_anon(server.child.id()).saturating_sub(before);
    assert!(grown < 500 << 20, "{wanted} idle connections cost {} MiB", grown >> 20);
    eprintln!("{wanted} idle keep-alive connections: {} KiB each", (grown / wanted as u64) >> 10);
}
