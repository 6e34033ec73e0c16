//! `POST /sql`, in-process: answers, parameters, Arrow streams, refusals and limits.

use crate::inproc::{App, sample_index};

#[test]
fn queries_answer_json_rows() {
    let server = App::sample();
    let a = server.post("/sql", "text/plain", "SELECT id, message FROM fortune WHERE id <= 2 ORDER BY id");
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(a.header("x-folio-rows"), Some("2"));
    assert_eq!(
        a.json(),
        serde_json::json!([
            {"id": 1, "message": "fortune: No such file or directory"},
            {"id": 2, "message": "A computer scientist is someone who fixes things that aren't broken."}
        ])
    );
    let body = r#"{"sql": "SELECT count(*) AS n FROM pages WHERE ns = $1 AND title >= $2", "params": [0, "A"]}"#;
    let a = server.post("/sql", "application/json", body);
    assert_eq!(a.status, 200, "{}", a.text());
    let index = server.index();
    let expected =
        (0..index.len()).filter(|&r| index.page(r).unwrap().ns == 0 && index.page(r).unwrap().title >= "A").count();
    assert_eq!(a.json(), serde_json::json!([{"n": expected}]));
    let a = server.post("/sql", "text/plain", "SELECT ns, count(*) AS n FROM pages GROUP BY ns ORDER BY ns");
    let total: u64 = a.json().as_array().unwrap().iter().map(|r| r["n"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, index.len());
}

#[test]
fn arrow_streams_on_request() {
    let server = App::sample();
    let a = server.send(
        "POST",
        "/sql",
        &[("content-type", "text/plain"), ("accept", "application/vnd.apache.arrow.stream")],
        b"SELECT id FROM world ORDER BY id LIMIT 3".to_vec(),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.header("content-type"), Some("application/vnd.apache.arrow.stream"));
    // The IPC stream's continuation marker, then a schema message.
    assert_eq!(&a.body[..4], &[0xff, 0xff, 0xff, 0xff]);
}

#[test]
fn every_kind_of_write_is_refused() {
    let server = App::sample();
    for sql in [
        "INSERT INTO world VALUES (1, 1)",
        "UPDATE world SET randomNumber = 1",
        "DELETE FROM world",
        "DROP TABLE world",
        "CREATE TABLE t AS SELECT 1",
        "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
        "SET datafusion.execution.batch_size = 1",
        "SELECT 1; SELECT 2",
    ] {
        let a = server.post("/sql", "text/plain", sql);
        a.assert_error(400, "sql_forbidden");
    }
    // COPY to a directory the server's workers can write to: refused as a COPY, nothing written.
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("world.csv");
    let a = server.post("/sql", "text/plain", &format!("COPY world TO '{}'", target.display()));
    a.assert_error(400, "sql_forbidden");
    assert!(a.json()["error"]["message"].as_str().unwrap().contains("COPY"), "{}", a.text());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "nothing was written");
    let a = server.post("/sql", "text/plain", "SELECT * FROM nowhere");
    a.assert_error(400, "sql_error");
    assert!(a.json()["error"]["message"].as_str().unwrap().contains("nowhere"), "{}", a.text());
}

#[test]
fn limits_and_bad_requests_get_clear_4xx() {
    let server = App::over(sample_index(), &["--sql-max-rows", "10"]);
    let a = server.post("/sql", "text/plain", "SELECT * FROM world");
    a.assert_error(400, "sql_limit");
    assert_eq!(a.json()["error"]["limit"], "rows");
    assert!(a.json()["error"]["message"].as_str().unwrap().contains("more than 10 rows"), "{}", a.text());
    assert_eq!(server.post("/sql", "text/plain", "SELECT * FROM world LIMIT 10").json().as_array().unwrap().len(), 10);
    server.post("/sql", "text/plain", &format!("SELECT '{}'", "x".repeat(100_000))).assert_error(413, "body_too_large");
    server
        .post("/sql", "application/x-www-form-urlencoded", "sql=SELECT+1")
        .assert_error(415, "unsupported_media_type");
    server.post("/sql", "application/json", "{\"query\": 1}").assert_error(400, "bad_request");
    server
        .post("/sql", "application/json", r#"{"sql": "SELECT $1", "params": [[1]]}"#)
        .assert_error(400, "bad_request");
    server.get("/sql").assert_error(405, "method_not_allowed");
    server.post("/sql", "text/plain", "").assert_error(400, "sql_forbidden");
}
