//! Faults: the dump changing under a running server, and a damaged index.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::util::{Answer, Server};

/// Every page of the served index: (title, its exact XML).
fn pages(server: &Server) -> Vec<(String, Vec<u8>)> {
    let index = server.index();
    (0..index.len())
        .map(|row| {
            let p = index.page(row).unwrap();
            (p.title.to_string(), index.page_bytes(&p).unwrap().to_vec())
        })
        .collect()
}

#[test]
fn a_dump_truncated_under_load_is_refused_never_served_wrong_and_the_server_lives() {
    let mut server = Server::sample();
    let pages = pages(&server);
    let dump = server.index().dump_path().to_path_buf();
    let size = std::fs::metadata(&dump).unwrap().len();
    assert!(server.get("/stats").json()["dataset"]["dump_leased"].is_boolean());
    let stop = AtomicBool::new(false);
    let (served, refused, broken) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..4 {
            let (server, pages, stop) = (&server, &pages, &stop);
            let (served, refused, broken) = (&served, &refused, &broken);
            s.spawn(move || {
                let mut i = t * 7;
                while !stop.load(Ordering::Relaxed) {
                    i = (i + 13) % pages.len();
                    let (title, xml) = &pages[i];
                    let path = format!("/wiki/{}", crate::util::encode(title));
                    // One client asks for compressed answers: read whole before they are
                    // compressed, they too are refused, never compressed from a damaged dump.
                    let accept: &[(&str, &str)] = if t == 3 { &[("accept-encoding", "zstd")] } else { &[] };
                    match server.try_send("GET", &path, accept, Vec::new()) {
                        Ok(a) if a.status == 200 => {
                            let body = match a.header("content-encoding") {
                                Some("zstd") => zstd::stream::decode_all(&a.body[..]).unwrap(),
                                _ => a.body.clone(),
                            };
                            assert_eq!(&body, xml, "{title}: a complete 200 carries exactly the page");
                            served.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(a) => {
                            a.assert_error(503, "dump_changed");
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                        // An answer cut off because the dump changed while it was being sent.
                        Err(_) => {
                            broken.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    assert_eq!(server.get("/json").status, 200, "routes that do not read the dump keep working");
                }
            });
        }
        // Cut the dump once pages are being served, stop once the cut is being refused: counts
        // the clients report, not a clock.
        let wait_for = |count: &AtomicUsize, what: &str| {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while count.load(Ordering::Relaxed) < 20 {
                assert!(std::time::Instant::now() < deadline, "no 20 {what} within a minute");
                std::thread::yield_now();
            }
        };
        wait_for(&served, "pages served");
        std::fs::OpenOptions::new().write(true).open(&dump).unwrap().set_len(size / 2).unwrap();
        wait_for(&refused, "pages refused");
        stop.store(true, Ordering::Relaxed);
    });
    let (served, refused) = (served.into_inner(), refused.into_inner());
    assert!(served > 0 && refused > 0, "served {served}, refused {refused}");
    assert!(broken.into_inner() <= 4, "at most the answers in flight at the moment of truncation break");

    // The server lives on: the dump's pages are refused with a clear error, the rest is served.
    assert!(server.child_alive());
    let (first, _) = &pages[0];
    let a = server.get(&format!("/wiki/{}", crate::util::encode(first)));
    a.assert_error(503, "dump_changed");
    assert!(a.json()["error"]["message"].as_str().unwrap().contains("rebuild"), "{}", a.text());
    server.get("/xml?range=0-10").assert_error(503, "dump_changed");
    for path in [
        "/offsets/Alb".to_string(),
        "/titles?prefix=A&limit=5".into(),
        format!("/pages/{}", crate::util::encode(first)),
    ] {
        let a = server.get(&path);
        assert_eq!(a.status, 200, "{path}: {}", a.text());
    }
    assert_eq!(server.post("/sql", "text/plain", "SELECT count(*) AS n FROM pages").status, 200);
    let stats = server.get("/stats").json();
    assert_eq!(stats["dataset"]["dump_leased"], false, "whoever cut the dump broke any lease on it: {stats}");
    // A SQL worker started after the dump changed maps pages.arrow alone, and answers: stop one
    // at its memory limit and wait for its replacement to be ready.
    let started = || server.get("/stats").json()["sql"]["workers"]["started"].as_u64().unwrap();
    let before = started();
    let a = server.post("/sql", "text/plain", "SELECT length(repeat('x', 2000000000))");
    assert_eq!(a.json()["error"]["limit"], "memory", "{}", a.text());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while started() == before {
        assert!(std::time::Instant::now() < deadline, "no SQL worker could start after the dump changed");
        std::thread::yield_now();
    }
    assert_eq!(server.post("/sql", "text/plain", "SELECT count(*) AS n FROM pages").status, 200);
}

#[test]
fn a_dump_replaced_by_rename_keeps_serving_the_file_the_index_describes() {
    let server = Server::sample();
    let pages = pages(&server);
    let dump = server.index().dump_path().to_path_buf();
    let next = dump.with_extension("new");
    std::fs::write(&next, b"<mediawiki>something else entirely</mediawiki>").unwrap();
    std::fs::rename(&next, &dump).unwrap();
    for (title, xml) in pages.iter().step_by(17) {
        let a: Answer = server.get(&format!("/wiki/{}", crate::util::encode(title)));
        assert_eq!((a.status, &a.body), (200, xml), "{title}");
    }
}

#[test]
fn an_index_that_fails_verification_is_not_served_from_but_the_server_stays_up() {
    let server = Server::sample();
    assert_eq!(server.get("/ready").status, 200);
    let (_, mut server) = server.restart_after("TERM", |data| {
        // A flipped byte in the title-ordered copy: open checks sizes only, so it starts.
        let path = data.join("sorted_titles.npy");
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 10] ^= 0x20;
        std::fs::write(&path, bytes).unwrap();
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let stats = loop {
        let stats = server.get("/stats").json();
        if !stats["dataset"]["verified"].is_null() {
            break stats;
        }
        assert!(std::time::Instant::now() < deadline, "verification never finished");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(stats["dataset"]["verified"], false);
    assert!(stats["dataset"]["verify_error"].as_str().unwrap().contains("sorted_titles.npy"), "{stats}");
    for path in ["/offsets/Ana", "/titles?prefix=A", "/wiki/Anarchism", "/pages/Anarchism", "/xml?range=0-10"] {
        let a = server.get(path);
        a.assert_error(500, "index_error");
        assert!(a.text().contains("failed verification"), "{path}: {}", a.text());
    }
    assert_eq!(server.post("/sql", "text/plain", "SELECT count(*) FROM pages").status, 500, "pages is the index");
    // A load balancer takes it out of its pool.
    let ready = server.get("/ready");
    ready.assert_error(503, "not_ready");
    assert!(ready.text().contains("sorted_titles.npy"), "{}", ready.text());
    for path in ["/json", "/hello/a/b", "/db", "/fortunes", "/metrics"] {
        assert_eq!(server.get(path).status, 200, "{path} does not read the index");
    }
    assert!(server.child_alive());
}
