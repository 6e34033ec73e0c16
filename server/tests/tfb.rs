//! The TechEmpower rules, over real HTTP: headers, shapes, clamping, reads per request, updates
//! that survive restarts and `kill -9`, and the fortunes page byte for byte.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::inproc::App;
use crate::util::Server;

const TFB_ROUTES: [&str; 7] =
    ["/json", "/plaintext", "/db", "/queries?queries=3", "/cached-queries?count=3", "/updates?queries=2", "/fortunes"];

fn world_rows(answer: &serde_json::Value) -> Vec<(i64, i64)> {
    answer
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_i64().unwrap(), o["randomNumber"].as_i64().unwrap()))
        .collect()
}

fn assert_row_shape(row: &serde_json::Value) {
    let object = row.as_object().unwrap();
    assert_eq!(object.len(), 2, "{row}");
    let id = object["id"].as_i64().unwrap();
    let n = object["randomNumber"].as_i64().unwrap();
    assert!((1..=10_000).contains(&id) && (1..=10_000).contains(&n), "{row}");
}

fn stats_sql(server: &Server) -> serde_json::Value {
    server.get("/stats").json()["sql"].clone()
}

#[test]
fn every_route_has_one_server_and_one_date_that_changes_each_second() {
    let server = Server::sample();
    for path in TFB_ROUTES {
        let a = server.get(path);
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        assert_eq!((a.count("server"), a.count("date")), (1, 1), "{path}");
        assert!(a.header("content-length").is_some() || a.header("transfer-encoding").is_some(), "{path}");
        assert_eq!(a.header("content-encoding"), None, "{path}");
    }
    let first = server.get("/db").header("date").unwrap().to_string();
    let start = Instant::now();
    let mut changed = false;
    while start.elapsed() < Duration::from_millis(2500) && !changed {
        std::thread::sleep(Duration::from_millis(200));
        changed = server.get("/db").header("date").unwrap() != first;
    }
    assert!(changed, "the Date header stayed {first} for 2.5 s");
}

#[test]
fn db_and_queries_have_the_rules_shapes_and_clamping() {
    let server = App::sample();
    let db = server.get("/db");
    assert_eq!(db.header("content-type"), Some("application/json"));
    assert_row_shape(&db.json());
    for (query, n) in [
        ("", 1),
        ("?queries=", 1),
        ("?queries=0", 1),
        ("?queries=-1", 1),
        ("?queries=foo", 1),
        ("?queries=501", 500),
        ("?queries=20", 20),
    ] {
        for route in ["/queries", "/updates"] {
            let a = server.get(&format!("{route}{query}"));
            assert_eq!(a.status, 200, "{route}{query}: {}", a.text());
            assert_eq!(a.header("content-type"), Some("application/json"));
            let rows = a.json();
            assert_eq!(rows.as_array().unwrap().len(), n, "{route}{query}");
            rows.as_array().unwrap().iter().for_each(assert_row_shape);
        }
        let cached = server.get(&format!("/cached-queries{}", query.replace("queries", "count")));
        assert_eq!(cached.json().as_array().unwrap().len(), n, "/cached-queries{query}");
    }
}

#[test]
fn queries_run_one_read_per_row() {
    let server = App::sample();
    let stats_sql = |server: &App| server.get("/stats").json()["sql"].clone();
    let before = stats_sql(&server)["world_rows_read"].as_u64().unwrap();
    assert_eq!(server.get("/queries?queries=20").json().as_array().unwrap().len(), 20);
    let after = stats_sql(&server)["world_rows_read"].as_u64().unwrap();
    assert_eq!(after - before, 20);
    server.get("/fortunes");
    assert_eq!(stats_sql(&server)["fortune_reads"], 1);
}

#[test]
fn updates_are_visible_to_reads_and_survive_restarts() {
    let server = Server::sample();
    let updated = world_rows(&server.get("/updates?queries=20").json());
    let before = stats_sql(&server);
    assert_eq!(before["world_rows_updated"], 20);
    let read = |server: &Server, id: i64| {
        let a = server.post("/sql", "text/plain", &format!("SELECT randomNumber FROM world WHERE id = {id}"));
        a.json()[0]["randomNumber"].as_i64().unwrap()
    };
    let last: HashMap<i64, i64> = updated.iter().copied().collect();
    for (&id, &n) in &last {
        assert_eq!(read(&server, id), n, "id {id} right after the update");
    }
    // A graceful stop checkpoints; kill -9 leaves only the log. Both must keep every update.
    let (status, server) = server.restart("TERM");
    assert!(status.success(), "{status}");
    for (&id, &n) in &last {
        assert_eq!(read(&server, id), n, "id {id} after SIGTERM and a restart");
    }
    let again = world_rows(&server.get("/updates?queries=20").json());
    let (_, server) = server.restart("KILL");
    for (id, n) in again.iter().copied().collect::<HashMap<_, _>>() {
        assert_eq!(read(&server, id), n, "id {id} after kill -9 and a restart");
    }
}

#[test]
fn no_acknowledged_update_is_lost_to_kill_9_under_concurrent_load() {
    let status = acknowledged_updates_survive("KILL");
    assert!(!status.success());
}

#[test]
fn sigterm_under_load_finishes_requests_flushes_the_log_and_restarts_cleanly() {
    let status = acknowledged_updates_survive("TERM");
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");
}

/// Four clients send `/updates`; after `signal` and a restart, the world table holds every
/// acknowledged write (or one that overlapped it). `TERM` arrives mid-load, and every request
/// sent before it must get its whole answer. `KILL` arrives just after the clients stop: a write
/// in flight at a `kill -9` may or may not be durable, and its client never learns its value.
fn acknowledged_updates_survive(signal: &str) -> std::process::ExitStatus {
    let server = Server::sample();
    let url = server.url.clone();
    let signalled = std::sync::atomic::AtomicBool::new(false);
    // Per id: every acknowledged value with the time its request was sent and answered.
    let (acked, status, server) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let (url, signalled) = (url.clone(), &signalled);
                s.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
                    let mut acked = Vec::new();
                    while !(signal == "KILL" && signalled.load(std::sync::atomic::Ordering::SeqCst)) {
                        let sent = Instant::now();
                        let before_signal = !signalled.load(std::sync::atomic::Ordering::SeqCst);
                        let answer = agent
                            .get(format!("{url}/updates?queries=10"))
                            .call()
                            .and_then(|mut r| r.body_mut().read_to_vec());
                        let body = match answer {
                            Ok(body) => body,
                            // The server is gone: only requests sent after the signal may fail
                            // (a graceful stop lets those in flight finish).
                            Err(e) if signal == "TERM" && before_signal && !is_refused(&e) => {
                                panic!("a request sent before SIGTERM failed: {e}")
                            }
                            Err(_) => break,
                        };
                        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        let done = Instant::now();
                        acked.extend(world_rows(&body).into_iter().map(|(id, n)| (id, n, sent, done)));
                    }
                    acked
                })
            })
            .collect();
        // Signal once the load is well under way: a few hundred rows updated (the server's own
        // count), not a length of time.
        while server.get("/stats").json()["sql"]["world_rows_updated"].as_u64().unwrap_or(0) < 400 {
            std::thread::yield_now();
        }
        signalled.store(true, std::sync::atomic::Ordering::SeqCst);
        if signal == "KILL" {
            let acked: Vec<Vec<_>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
            let (status, server) = server.restart(signal);
            (acked, status, server)
        } else {
            let (status, server) = server.restart(signal);
            let acked: Vec<Vec<_>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
            (acked, status, server)
        }
    });
    let total: usize = acked.iter().map(Vec::len).sum();
    assert!(total >= 40, "only {total} updates were acknowledged");
    let table = server.post("/sql", "text/plain", "SELECT id, randomNumber FROM world");
    let now: HashMap<i64, i64> = world_rows(&table.json()).into_iter().collect();
    assert_eq!(now.len(), 10_000);
    let mut by_id: HashMap<i64, Vec<(i64, Instant, Instant)>> = HashMap::new();
    for (id, n, sent, done) in acked.into_iter().flatten() {
        by_id.entry(id).or_default().push((n, sent, done));
    }
    for (id, writes) in by_id {
        let latest = writes.iter().max_by_key(|w| w.2).unwrap();
        // Requests that overlapped the latest one may have committed in either order.
        let candidates: Vec<i64> = writes.iter().filter(|w| w.2 >= latest.1).map(|w| w.0).collect();
        assert!(candidates.contains(&now[&id]), "id {id}: {} after restart, acknowledged {candidates:?}", now[&id]);
    }
    status
}

/// True when `e` is a refused or reset connection: the server had stopped accepting before the
/// request reached it, or closed a kept-alive connection the request was about to reuse.
fn is_refused(e: &ureq::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e, ureq::Error::Io(io) if matches!(io.kind(), ConnectionRefused | ConnectionReset | BrokenPipe | UnexpectedEof))
}

#[test]
fn fortunes_page_is_exact() {
    let server = App::sample();
    let a = server.get("/fortunes");
    assert_eq!(a.header("content-type"), Some("text/html; charset=utf-8"));
    let expected = concat!(
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>",
        "<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;</td></tr>",
        "<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1</td></tr>",
        "<tr><td>5</td><td>A computer program does what you tell it to do, not what you want it to do.</td></tr>",
        "<tr><td>2</td><td>A computer scientist is someone who fixes things that aren&apos;t broken.</td></tr>",
        "<tr><td>8</td><td>A list is only as strong as its weakest link. — Donald Knuth</td></tr>",
        "<tr><td>0</td><td>Additional fortune added at request time.</td></tr>",
        "<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>",
        "<tr><td>7</td><td>Any program that runs right is obsolete.</td></tr>",
        "<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>",
        "<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen</td></tr>",
        "<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>",
        "<tr><td>1</td><td>fortune: No such file or directory</td></tr>",
        "<tr><td>12</td><td>フレームワークのベンチマーク</td></tr>",
        "</table></body></html>"
    );
    assert_eq!(a.text(), expected);
    // The added fortune is for that request only.
    assert_eq!(server.get("/fortunes").text(), expected);
}

/// A full disk under the update log: updates get 503 and change nothing, reads go on, and
/// updates work again once there is room. Mounts a 1 MiB tmpfs, so it needs root (as CI runs).
#[test]
fn updates_on_a_full_disk_get_503_while_reads_go_on() {
    let d = tempfile::tempdir().unwrap();
    let mnt = d.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !crate::util::requirement(mounted, "this test mounts a small tmpfs to fill; it needs root (CI runs as root)") {
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    let sample = crate::util::repo().join("datasets/enwiki-sample.xml.bz2");
    let server = Server::start(&sample, &["--tables", mnt.to_str().unwrap()]);
    assert_eq!(server.get("/updates?queries=3").status, 200);

    // Fill the disk.
    let filler = mnt.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    let table = || server.post("/sql", "text/plain", "SELECT id, randomNumber FROM world ORDER BY id").body;
    let mut refused = None;
    for _ in 0..10 {
        let before = table();
        let a = server.get("/updates?queries=500");
        if a.status != 200 {
            assert!(table() == before, "a refused update changed the table");
            refused = Some(a);
            break;
        }
    }
    let refused = refused.expect("an update on a full disk was acknowledged 10 times");
    refused.assert_error(503, "write_unavailable");
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert!(refused.json()["error"]["message"].as_str().unwrap().contains("No space left"), "{}", refused.text());
    assert_eq!(server.get("/db").status, 200);
    assert_eq!(server.get("/queries?queries=5").status, 200);
    assert_eq!(server.get("/fortunes").status, 200);

    std::fs::remove_file(&filler).unwrap();
    let rows = world_rows(&server.get("/updates?queries=5").json());
    let (_, server) = server.restart("KILL");
    for (id, n) in rows.into_iter().collect::<HashMap<_, _>>() {
        let a = server.post("/sql", "text/plain", &format!("SELECT randomNumber FROM world WHERE id = {id}"));
        assert_eq!(a.json()[0]["randomNumber"].as_i64().unwrap(), n);
    }
}
