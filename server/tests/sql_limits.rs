//! Hostile ad-hoc SQL: every query that would take the server's memory or run forever is stopped
//! at a named limit in its worker process; the server's own memory stays within its bound, the
//! stopped work stops, and the rest of the API keeps answering while every SQL slot is taken.

use std::collections::BTreeSet;

use crate::util::{Answer, Server, repo};

const MIB: u64 = 1 << 20;
/// What the server may gain while answering one `/sql` request besides the answer itself
/// (request and connection buffers, code paged in): the documented slack.
const SLACK: u64 = 16 * MIB;

fn sample_with(extra: &[&str]) -> Server {
    Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), extra)
}

fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("no {field}: {status}"));
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Resets the peak resident size of `pid` to its current size; returns that size.
fn reset_peak(pid: u32) -> u64 {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .expect("writing /proc/PID/clear_refs needs the same user as the server (or root)");
    status_field(pid, "VmRSS:")
}

fn peak(pid: u32) -> u64 {
    status_field(pid, "VmHWM:")
}

/// The `limit` of a `sql_limit` answer.
fn limit_of(a: &Answer) -> String {
    a.assert_error(400, "sql_limit");
    a.json()["error"]["limit"].as_str().unwrap_or_else(|| panic!("no limit named: {}", a.text())).to_string()
}

fn sql(server: &Server, query: &str) -> Answer {
    server.post("/sql", "text/plain", query)
}

fn workers(server: &Server) -> serde_json::Value {
    server.get("/stats").json()["sql"]["workers"].clone()
}

fn pids(server: &Server) -> BTreeSet<u64> {
    workers(server)["pids"].as_array().unwrap().iter().map(|p| p.as_u64().unwrap()).collect()
}

/// Waits until the pool has all its workers (they start in the background).
fn wait_for_workers(server: &Server) {
    let slots = workers(server)["slots"].as_u64().unwrap() as usize;
    while pids(server).len() < slots {
        std::thread::yield_now();
    }
}

/// A cross join of the sample's pages with itself three times: 206^3 = 8.7 million rows.
const CROSS3: &str = "pages a, pages b, pages c";

#[test]
fn hostile_queries_stop_at_a_named_limit_and_the_server_keeps_its_memory() {
    // A long time limit, so that every query here meets its memory, byte or row limit first.
    let server = sample_with(&[
        "--sql-memory",
        "64",
        "--sql-memory-total",
        "128",
        "--sql-max-bytes",
        "8",
        "--sql-timeout",
        "300",
    ]);
    let pid = server.child.id();
    wait_for_workers(&server);
    assert_eq!(sql(&server, "SELECT count(*) AS n FROM pages").json(), serde_json::json!([{"n": 206}]));
    // The sample's page ids run from 10 to 775: every page is in the list.
    let in_list: String = (1..8000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let literal = "y".repeat(60_000);
    let cases: Vec<(String, &str)> = vec![
        ("SELECT length(repeat('x', 1500000000))".into(), "memory"),
        ("SELECT length(lpad('x', 1500000000))".into(), "memory"),
        ("SELECT length(rpad('x', 1500000000, 'ab'))".into(), "memory"),
        ("SELECT cardinality(array_repeat(1, 300000000))".into(), "memory"),
        ("SELECT cardinality(array_repeat(array_repeat(1, 20000), 20000))".into(), "memory"),
        ("SELECT length(overlay('abc' placing repeat('y', 1500000000) from 2))".into(), "memory"),
        ("SELECT count(*) FROM unnest(array_repeat(7, 300000000))".into(), "memory"),
        (format!("SELECT length(string_agg(a.title, ',')) FROM {CROSS3}"), "memory"),
        (format!("SELECT cardinality(array_agg(a.title)) FROM {CROSS3}"), "memory"),
        (format!("SELECT count(*) FROM (SELECT a.title, b.title, c.title FROM {CROSS3} GROUP BY 1, 2, 3)"), "memory"),
        (
            format!(
                "SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY a.title, b.title, c.title) AS r FROM {CROSS3})"
            ),
            "memory",
        ),
        (format!("SELECT length(repeat('{literal}', 20000))"), "memory"),
        (
            format!("SELECT length(string_agg(repeat(a.title, 10), ',')) FROM {CROSS3} WHERE a.page_id IN ({in_list})"),
            "memory",
        ),
        ("SELECT * FROM generate_series(1, 3000000000)".into(), "rows"),
        ("SELECT value FROM range(1, 3000000000)".into(), "rows"),
        // About 13 MB of JSON in batches of 8,192 rows: the byte limit stops it part way.
        (format!("SELECT repeat(a.title, 10) AS t FROM {CROSS3} LIMIT 90000"), "bytes"),
    ];
    for (query, expected) in &cases {
        let before = reset_peak(pid);
        let a = sql(&server, query);
        let gained = peak(pid).saturating_sub(before);
        let shown = &query[..query.len().min(100)];
        assert_eq!(limit_of(&a), *expected, "{shown}: {}", a.text());
        assert!(gained <= 8 * MIB + SLACK, "{shown}: the server's peak RSS grew by {} MiB", gained / MIB);
    }
    // Scalar functions are stopped at the allocator (their worker dies), operators by DataFusion's
    // pool (the worker lives on): both happened.
    let stats = workers(&server);
    let memory = cases.iter().filter(|(_, l)| *l == "memory").count() as u64;
    let at_allocator = stats["stopped_memory"].as_u64().unwrap();
    assert!(at_allocator >= 7 && at_allocator <= memory, "{stats}");
    assert_eq!(stats["lost"], 0, "no worker died of anything but a limit: {stats}");
    // The pool is whole again and answers.
    assert_eq!(sql(&server, "SELECT count(*) AS n FROM fortune").json(), serde_json::json!([{"n": 12}]));
}

#[test]
fn the_time_limit_stops_the_work_not_only_the_answer() {
    let server = sample_with(&["--sql-timeout", "2", "--sql-memory", "64", "--sql-memory-total", "64"]);
    wait_for_workers(&server);
    let queries = [
        "SELECT count(*) FROM generate_series(1, 1000000000000)".to_string(),
        "SELECT sum(value) FROM range(1, 1000000000000)".to_string(),
        "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t".to_string(),
        // A filter, so that the count cannot come from the tables' statistics.
        format!("SELECT count(*) FROM {CROSS3}, pages d, pages e WHERE a.title < e.title"),
    ];
    for query in &queries {
        let before = pids(&server);
        assert_eq!(before.len(), 1, "one slot, one worker");
        let a = sql(&server, query);
        assert_eq!(limit_of(&a), "time", "{query}: {}", a.text());
        // The worker that ran it was killed and reaped before the answer: nothing computes on.
        for pid in &before {
            assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "{query}: worker {pid} still exists");
        }
        wait_for_workers(&server);
    }
    assert_eq!(workers(&server)["stopped_time"], queries.len() as u64);
}

#[test]
fn with_every_sql_slot_taken_the_rest_of_the_api_answers() {
    let server =
        sample_with(&["--sql-timeout", "600", "--sql-memory", "64", "--sql-memory-total", "128", "--sql-queue", "3"]);
    wait_for_workers(&server);
    let endless = "SELECT count(*) FROM generate_series(1, 1000000000000)";
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let url = format!("{}/sql", server.url);
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                agent.post(&url).header("content-type", "text/plain").send(endless).map(|r| r.status().as_u16())
            })
        })
        .collect();
    // Two run (one per slot), one waits: the queue of three is full.
    while workers(&server)["busy"] != 2 || server.get("/stats").json()["sql"]["queries"] != 3 {
        std::thread::yield_now();
    }
    sql(&server, "SELECT 1").assert_error(503, "overloaded");
    assert_eq!(sql(&server, "SELECT 1").header("retry-after"), Some("1"));
    for path in ["/wiki/Anarchism", "/json", "/db", "/offsets/Ana", "/plaintext", "/fortunes"] {
        assert_eq!(server.get(path).status, 200, "{path}");
    }
    // Stopping the server stops the queries it was running: its workers die with it.
    let pids = pids(&server);
    drop(server);
    for pid in pids {
        let gone = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map_or(true, |s| s.split(") ").nth(1).is_some_and(|rest| rest.starts_with('Z')))
        };
        while !gone() {
            std::thread::yield_now();
        }
    }
    for client in clients {
        assert!(client.join().unwrap().is_err(), "no answer came from a server that was stopped");
    }
}

/// Small queries drawn from a grammar of the functions whose output size comes from an
/// argument, with a fixed seed.
fn hostile_query(rng: &mut fastrand::Rng) -> String {
    const SIZES: [&str; 6] = ["0", "3", "1000", "100000", "40000000", "1500000000"];
    fn size(rng: &mut fastrand::Rng) -> &'static str {
        SIZES[rng.usize(..SIZES.len())]
    }
    fn string(rng: &mut fastrand::Rng, depth: u32) -> String {
        if depth == 0 {
            return ["'ab'", "'Zürich'", "a.title", "''"][rng.usize(..4)].to_string();
        }
        let s = string(rng, depth - 1);
        match rng.usize(..7) {
            0 => format!("repeat({s}, {})", size(rng)),
            1 => format!("lpad({s}, {})", size(rng)),
            2 => format!("rpad({s}, {}, 'xy')", size(rng)),
            3 => format!("overlay({s} placing {} from 2)", string(rng, depth - 1)),
            4 => format!("concat({s}, {s})"),
            5 => format!("upper({s})"),
            _ => format!("substr({s}, 2, {})", size(rng)),
        }
    }
    fn array(rng: &mut fastrand::Rng, depth: u32) -> String {
        if depth == 0 {
            return ["make_array(1, 2, 3)", "range(10)"][rng.usize(..2)].to_string();
        }
        match rng.usize(..4) {
            0 => format!("array_repeat({}, {})", string(rng, 1), size(rng)),
            1 => format!("array_repeat({}, {})", array(rng, depth - 1), size(rng)),
            2 => format!("range({})", size(rng)),
            _ => format!("array_concat({0}, {0})", array(rng, depth - 1)),
        }
    }
    let depth = rng.u32(1..=3);
    let from = ["FROM pages a", "FROM pages a, pages b", "FROM pages a, pages b, pages c"][rng.usize(..3)];
    match rng.usize(..7) {
        0 => format!("SELECT length({}) AS n {from} LIMIT 1", string(rng, depth)),
        1 => format!("SELECT {} AS s {from} LIMIT 3", string(rng, depth)),
        2 => format!("SELECT cardinality({}) AS n", array(rng, depth)),
        3 => format!("SELECT count(*) AS n FROM unnest({})", array(rng, depth)),
        4 => format!("SELECT count(*) AS n FROM generate_series(1, {})", size(rng)),
        5 => format!("SELECT length(string_agg({}, ',')) AS n {from}", string(rng, depth)),
        _ => format!("SELECT cardinality(array_agg({})) AS n {from}", string(rng, depth)),
    }
}

#[test]
fn generated_risky_queries_never_escape_a_limit() {
    let server =
        sample_with(&["--sql-memory", "32", "--sql-memory-total", "64", "--sql-max-bytes", "4", "--sql-timeout", "3"]);
    let pid = server.child.id();
    wait_for_workers(&server);
    let mut rng = fastrand::Rng::with_seed(0x5eed_f011_0019);
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..48 {
        let query = hostile_query(&mut rng);
        let before = reset_peak(pid);
        let a = sql(&server, &query);
        let gained = peak(pid).saturating_sub(before);
        assert!(gained <= 4 * MIB + SLACK, "{query}: the server's peak RSS grew by {} MiB", gained / MIB);
        let outcome = match a.status {
            200 => {
                assert!(a.body.len() as u64 <= 4 * MIB, "{query}: {} bytes", a.body.len());
                "answered".to_string()
            }
            400 if a.json()["error"]["code"] == "sql_limit" => format!("limit {}", limit_of(&a)),
            400 => {
                a.assert_error(400, "sql_error");
                "sql_error".to_string()
            }
            other => panic!("{query}: {other} {}", a.text()),
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    assert_eq!(workers(&server)["lost"], 0, "no worker died of anything but a limit");
    // The grammar reaches both sides of the limits.
    assert!(outcomes.get("answered").is_some_and(|&n| n > 0), "{outcomes:?}");
    assert!(outcomes.get("limit memory").is_some_and(|&n| n > 0), "{outcomes:?}");
}
