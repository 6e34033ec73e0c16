//! What a server behind a load balancer relies on: `/ready` turns 503 on SIGTERM while the server
//! still answers for `--drain` seconds, and a replica with read-only tables follows the one
//! writer and refuses updates. (deploy/ runs them behind HAProxy: tests/python/test_replicas.py.)

use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::*;

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(s: &Server, signal: &str) {
    assert!(Command::new("kill").args([signal, &s.child.id().to_string()]).status().unwrap().success());
}

#[test]
fn sigterm_makes_it_unready_while_it_still_answers_for_the_drain() {
    let mut s = Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), &["--drain", "120"]);
    let ready = s.get("/ready");
    assert_eq!(ready.status, 200, "{}", ready.text());
    let body = ready.json();
    assert_eq!((body["ready"].as_bool(), body["writes_tables"].as_bool()), (Some(true), Some(true)), "{body}");
    assert_eq!(body["datasets"][0]["index_id"].as_str(), s.get("/wiki/Anarchism").header("folio-index"));

    kill(&s, "-TERM");
    wait_for("/ready says 503 after SIGTERM", || s.get("/ready").status == 503);
    let ready = s.get("/ready");
    ready.assert_error(503, "not_ready");
    assert!(ready.text().contains("SIGTERM"), "{}", ready.text());
    // Draining, not stopped: everything else is answered as before.
    assert_eq!(s.get("/wiki/Anarchism").status, 200);
    assert_eq!(s.get("/db").status, 200);
    assert!(s.child_alive());
    // A second SIGTERM ends the drain at once; the stop is graceful.
    kill(&s, "-TERM");
    let status = s.child.wait().unwrap();
    assert!(status.success(), "exit 0 after the drain: {status:?}");
}

#[test]
fn a_replica_with_read_only_tables_follows_the_writer_and_refuses_updates() {
    let sample = repo().join("datasets/enwiki-sample.xml.bz2");
    let writer = Server::start(&sample, &[]);
    let tables = writer.data.parent().unwrap().join("tables");
    assert!(tables.join("world.arrow").exists(), "the writer made its tables at {}", tables.display());
    let tables = tables.to_str().unwrap();
    let reader = Server::start(&sample, &["--tables", tables, "--tables-read-only"]);
    assert_eq!(reader.get("/ready").json()["writes_tables"], false);

    let updated = writer.get("/updates?queries=20").json();
    let rows: Vec<(i64, i64)> = updated
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), r["randomNumber"].as_i64().unwrap()))
        .collect();
    // Ids can repeat within one request: the last value of each is what the table holds.
    let last: std::collections::BTreeMap<i64, i64> = rows.iter().copied().collect();
    let ids = last.keys().map(i64::to_string).collect::<Vec<_>>().join(",");
    let query = format!("SELECT id, \"randomNumber\" FROM world WHERE id IN ({ids}) ORDER BY id");
    let read = |s: &Server| -> std::collections::BTreeMap<i64, i64> {
        let answer = s.post("/sql", "text/plain", &query);
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_i64().unwrap(), r["randomNumber"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(read(&writer), last, "the writer's own table");
    wait_for("the reader sees the writer's update", || read(&reader) == last);
    let (&id, &value) = last.iter().next().unwrap();

    let refused = reader.get("/updates?queries=3");
    refused.assert_error(403, "read_only");
    assert!(refused.text().contains("read-only"), "{}", refused.text());
    assert_eq!(read(&writer)[&id], value, "nothing was written by the refused update");
}
