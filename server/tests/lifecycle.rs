//! Start-up on the embedded dataset, and graceful shutdown with a request in flight.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::util::*;

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let s = Server::sample();
    let size = s.dump_bytes().len();
    let mut conn = TcpStream::connect(&s.addr).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    // The whole dump, read slowly: the answer is still being sent when SIGTERM arrives.
    conn.write_all(b"GET /xml?range=0- HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut got = vec![0u8; 4096];
    let n = conn.read(&mut got).unwrap();
    assert!(n > 0 && got.starts_with(b"HTTP/1.1 206"));
    let pid = s.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // New connections are refused once it stops accepting (waiting on that, not on a clock).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while TcpStream::connect(&s.addr).is_ok() {
        assert!(std::time::Instant::now() < deadline, "still accepting 10 s after SIGTERM");
        std::thread::yield_now();
    }
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    let all = [&got[..n], &rest[..]].concat();
    let head_end = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(all.len() - head_end, size, "the whole answer arrived");
    let mut s = s;
    let status = s.child.wait().unwrap();
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");
}

#[test]
fn no_arguments_serves_the_embedded_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, line) = spawn_first_line(
        Command::new(env!("CARGO_BIN_EXE_folio-server"))
            .args(["--listen", "127.0.0.1:0", "--quiet"])
            .current_dir(dir.path())
            .stderr(Stdio::null()),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("serving 206 pages"), "{line}");
    assert!(dir.path().join("data/enwiki-sample/manifest.json").is_file(), "indexed into data/enwiki-sample");
    assert!(folio_engine::Index::open(dir.path().join("data/enwiki-sample")).unwrap().verify().is_ok());
}

#[test]
fn every_flag_has_an_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("idx");
    let (mut child, line) = spawn_first_line(
        Command::new(env!("CARGO_BIN_EXE_folio-server"))
            .env("FOLIO_DUMP", repo().join("datasets/enwiki-10k.xml"))
            .env("FOLIO_DATA", &data)
            .env("FOLIO_LISTEN", "127.0.0.1:0")
            .env("FOLIO_WORKERS", "1")
            .env("FOLIO_RUNTIME", "shared")
            .env("FOLIO_QUIET", "1")
            .current_dir(dir.path())
            .stderr(Stdio::null()),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("serving 196 pages") && line.contains("on 1 workers of a shared runtime"), "{line}");
    assert!(data.join("manifest.json").is_file(), "the dump was indexed into FOLIO_DATA");
    // A --data that holds no index: a clear error and a non-zero exit.
    let o = Command::new(env!("CARGO_BIN_EXE_folio-server"))
        .args(["--data", dir.path().join("nothing").to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot serve this index") && err.contains("folio-ingest build"), "{err}");
}

#[test]
fn json_logs_and_the_request_log() {
    let s = Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), &["--access-log", "--log-format", "json"]);
    assert_eq!(s.get("/wiki/Anarchism?redirect=follow").status, 200);
    s.get("/no/such/route");
    let err = stop_and_read_stderr(s);
    let events: Vec<serde_json::Value> =
        err.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let access: Vec<&serde_json::Value> = events.iter().filter(|e| e["target"] == "folio::access").collect();
    assert_eq!(access.len(), 2, "one event per request: {err}");
    assert_eq!(
        (&access[0]["method"], &access[0]["uri"], &access[0]["status"]),
        (&"GET".into(), &"/wiki/Anarchism?redirect=follow".into(), &200.into())
    );
    assert_eq!((&access[1]["uri"], &access[1]["status"]), (&"/no/such/route".into(), &404.into()));
    assert!(access.iter().all(|e| e["micros"].is_u64() && e["level"] == "INFO"));
    assert!(events.iter().any(|e| e["message"] == "stopped"), "{err}");
}

#[test]
fn no_request_log_unless_asked() {
    let s = Server::sample();
    s.get("/json");
    let err = stop_and_read_stderr(s);
    assert!(err.contains("stopped") && !err.contains("/json"), "{err}");
}

/// Stops `s` with SIGTERM, checks it exits 0, and returns everything it wrote to stderr.
fn stop_and_read_stderr(mut s: Server) -> String {
    let pid = s.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(s.child.wait().unwrap().success());
    let mut err = String::new();
    s.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    err
}
