//! Serving on every core: per-core event loops (the default) and the shared runtime take
//! connections on every loop, a port already served is refused, and a slow query never holds up
//! the connections of any loop.

use std::process::Command;

use crate::util::{Server, repo};

fn sample(runtime: &str, extra: &[&str]) -> Server {
    let flags = [&["--runtime", runtime, "--workers", "2"], extra].concat();
    Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), &flags)
}

fn serving(server: &Server) -> serde_json::Value {
    server.get("/stats").json()["serving"].clone()
}

/// Connections each accept loop has taken so far.
fn accepted(server: &Server) -> Vec<u64> {
    serving(server)["accepted"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect()
}

#[test]
fn a_port_already_served_is_refused_with_address_in_use() {
    for runtime in ["per-core", "shared"] {
        let server = sample(runtime, &[]);
        // Its own tables: the first server holds the lock of its own.
        let tables = tempfile::tempdir().unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_folio-server"))
            .args(["--data", server.data.to_str().unwrap(), "--listen", &server.addr, "--runtime", runtime])
            .args(["--workers", "2", "--tables", tables.path().to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{runtime}: a second server started on {}", server.addr);
        assert!(err.contains(&format!("cannot listen on {}", server.addr)) && err.contains("in use"), "{err}");
        // The first one still serves every connection.
        for _ in 0..20 {
            assert_eq!(server.get("/json").status, 200);
        }
    }
}

#[test]
fn per_core_loops_each_take_connections_and_say_so() {
    let server = sample("per-core", &[]);
    let s = serving(&server);
    assert_eq!((&s["runtime"], &s["workers"]), (&"per-core".into(), &2.into()), "{s}");
    // The kernel spreads connections over the two listeners by a hash of their addresses: in a
    // few hundred connections, both take some (the chance that one takes none is 2^-199).
    for _ in 0..200 {
        assert_eq!(server.get("/wiki/Anarchism").status, 200);
    }
    let taken = accepted(&server);
    assert_eq!(taken.len(), 2, "{taken:?}");
    assert!(taken.iter().all(|&n| n > 0) && taken.iter().sum::<u64>() >= 200, "{taken:?}");
    // Every connection above is closed by its client; once the loops have seen each close,
    // /stats' own is the one open (counted across both loops).
    while server.get("/stats").json()["load"]["connections_open"] != 1 {
        std::thread::yield_now();
    }

    let shared = sample("shared", &[]);
    let s = serving(&shared);
    assert_eq!((&s["runtime"], &s["workers"]), (&"shared".into(), &2.into()), "{s}");
    assert_eq!(accepted(&shared).len(), 1, "one accept loop");
}

#[test]
fn a_slow_query_holds_up_no_loop() {
    for runtime in ["per-core", "shared"] {
        let server = sample(runtime, &["--sql-timeout", "600"]);
        let url = format!("{}/sql", server.url);
        let endless = std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let query = "SELECT count(*) FROM generate_series(1, 1000000000000)";
            agent.post(&url).header("content-type", "text/plain").send(query).map(|r| r.status().as_u16())
        });
        let running = |server: &Server| {
            let stats = server.get("/stats").json();
            stats["sql"]["queries"] == 1 && stats["sql"]["workers"]["busy"] == 1
        };
        while !running(&server) {
            std::thread::yield_now();
        }
        // New connections until every accept loop has taken one since the query began (each
        // connection accepted since then is one of this loop's, and every one was answered)
        // while the query still runs.
        let before = accepted(&server);
        let mut taken = before.clone();
        for _ in 0..200 {
            assert_eq!(server.get("/wiki/Anarchism").status, 200);
            taken = accepted(&server);
            if taken.iter().zip(&before).all(|(now, then)| now > then) {
                break;
            }
        }
        assert!(taken.iter().zip(&before).all(|(now, then)| now > then), "{runtime}: {before:?} -> {taken:?}");
        assert!(running(&server), "{runtime}: the query is still running");
        drop(server);
        assert!(endless.join().unwrap().is_err(), "the server stopped before the query ended");
    }
}

#[test]
fn a_page_not_in_memory_is_read_from_disk_off_the_event_loop() {
    let app = crate::inproc::App::of_dump(&repo().join("datasets/enwiki-sample.xml.bz2"));
    let index = app.index();
    let expected = std::fs::read(index.dump_path()).unwrap();
    std::fs::File::open(index.dump_path()).unwrap().sync_all().unwrap();
    let page = index.find("Anarchism").unwrap().unwrap();
    let (start, end) = (page.start, page.end + 1);
    // The background check reads through the map too: let it finish first.
    while app.state.library.first().current().check().is_none() {
        std::thread::yield_now();
    }
    // Give the dump's memory back to the kernel, as memory pressure would (MADV_PAGEOUT on the
    // very map the server reads, all of it: the page cache keeps a file in folios larger than
    // a page, reclaimed only when no part of them is mapped). The page is then on disk only.
    let bytes = index.read(0, expected.len() as u64).unwrap();
    let page_size = 4096;
    let first = bytes.as_ptr() as usize / page_size * page_size;
    let len = bytes.as_ptr() as usize + bytes.len() - first;
    // SAFETY: the range lies within the live map `bytes` keeps alive; MADV_PAGEOUT only
    // reclaims the pages behind it (a read faults them in again), it changes no byte.
    #[allow(unsafe_code)]
    let r = unsafe { libc::madvise(first as *mut libc::c_void, len, libc::MADV_PAGEOUT) };
    assert_eq!(r, 0, "madvise: {}", std::io::Error::last_os_error());
    drop(bytes);
    assert!(!index.holds(start, end), "the page is on disk only");
    let a = app.get("/wiki/Anarchism");
    assert_eq!(a.status, 200);
    assert_eq!(a.body, expected[start as usize..end as usize], "exactly the dump's bytes");
    assert!(index.holds(start, end), "read into memory (on the blocking pool) before it was sent");
}
