//! Every route over the bundled sample and over a dump of hard cases.

use folio_engine::{Case, PrefixQuery};

use crate::inproc::App;
use crate::util::*;

#[test]
fn wiki_serves_exactly_the_pages_bytes() {
    let s = App::sample();
    let dump = s.dump_bytes();
    let index = s.index();
    for row in [0, 1, 57, 205] {
        let page = index.page(row).unwrap();
        let a = s.get(&format!("/wiki/{}", page.title.replace(' ', "_")));
        assert_eq!(a.status, 200, "{}", page.title);
        assert_eq!(a.body, &dump[page.start as usize..=page.end as usize]);
        assert_eq!(a.header("content-type"), Some("application/xml; charset=utf-8"));
        assert_eq!(a.header("content-length"), Some(page.len().to_string().as_str()));
        assert!(a.header("etag").is_some_and(|e| e.starts_with('"') && e.ends_with('"')));
    }
    // MediaWiki normalization: underscores and the first letter.
    let a = s.get("/wiki/anarchism");
    assert_eq!(a.status, 200);
    assert!(a.text().starts_with("<page>\n    <title>Anarchism</title>"));
    s.get("/wiki/No_such_page_at_all").assert_error(404, "page_not_found");
}

#[test]
fn titles_with_reserved_characters_percent_encoded() {
    let tmp = tempfile::tempdir().unwrap();
    let s = App::of_dump(&hard_dump(tmp.path()));
    for (path, title) in [
        ("/wiki/AC%2FDC", "AC/DC"),
        ("/wiki/AC/DC", "AC/DC"),
        ("/wiki/What%3F", "What?"),
        ("/wiki/C%23", "C#"),
        ("/wiki/50%25", "50%"),
        ("/wiki/A%2Bb", "A+b"),
        ("/wiki/a+b", "A+b"),
        ("/wiki/%E6%9D%B1%E4%BA%AC", "東京"),
        ("/wiki/AT%26T", "AT&T"),
        ("/wiki/Say_%22hi%22", "Say \"hi\""),
        ("/wiki/albert_Einstein", "Albert Einstein"),
        ("/wiki/Talk:AC%2FDC", "Talk:AC/DC"),
    ] {
        let a = s.get(path);
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        let escaped = title.replace('&', "&amp;").replace('"', "&quot;");
        assert!(a.text().contains(&format!("<title>{escaped}</title>")), "{path}");
        let meta = s.get(&path.replace("/wiki/", "/pages/")).json();
        assert_eq!(meta["title"], title);
    }
    // Invalid UTF-8 after percent-decoding: a JSON 400, not a 500.
    s.get("/wiki/%FF%FE").assert_error(400, "bad_request");
}

#[test]
fn redirects_are_followed_on_request_and_loops_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let s = App::of_dump(&hard_dump(tmp.path()));
    let plain = s.get("/wiki/Chain_1");
    assert!(plain.text().contains("<title>Chain 1</title>") && plain.header("x-folio-redirected-from").is_none());
    let followed = s.get("/wiki/Chain_1?redirect=follow");
    assert_eq!(followed.status, 200);
    assert!(followed.text().contains("<title>Chain 3</title>"), "two hops, the #fragment ignored");
    assert_eq!(followed.header("x-folio-title"), Some("Chain_3"));
    assert_eq!(followed.header("x-folio-redirected-from"), Some("Chain_1"));
    assert_eq!(followed.header("content-location"), Some("/wiki/Chain_3"));
    // At most 5 hops: Long 0 -> Long 5, which is still a redirect.
    assert_eq!(s.get("/wiki/Long_0?redirect=follow").header("x-folio-title"), Some("Long_5"));
    assert_eq!(s.get("/wiki/Chain_3?redirect=follow").header("x-folio-title"), None, "not a redirect: nothing to say");
    s.get("/wiki/Loop_A?redirect=follow").assert_error(508, "redirect_loop");
    let dangling = s.get("/wiki/Dangling?redirect=follow");
    assert_eq!((dangling.status, dangling.header("x-folio-title")), (200, None));
    assert!(dangling.text().contains("<title>Dangling</title>"), "a dangling redirect is served itself");
    s.get("/wiki/Chain_1?redirect=maybe").assert_error(400, "bad_request");
}

#[test]
fn head_and_conditional_requests() {
    let s = App::sample();
    let get = s.get("/wiki/Anarchism");
    let head = s.request("HEAD", "/wiki/Anarchism", &[]);
    assert_eq!(head.status, 200);
    for h in ["content-type", "content-length", "etag", "server", "x-folio-title"] {
        assert_eq!(head.header(h), get.header(h), "{h}");
    }
    let etag = get.header("etag").unwrap();
    let cached = s.request("GET", "/wiki/Anarchism", &[("If-None-Match", etag)]);
    assert_eq!((cached.status, cached.body.len()), (304, 0));
    assert_eq!(cached.header("etag"), Some(etag));
    let listed = s.request("GET", "/wiki/Anarchism", &[("If-None-Match", &format!("\"x\", W/{etag}"))]);
    assert_eq!(listed.status, 304);
    let other = s.request("GET", "/wiki/Anarchism", &[("If-None-Match", "\"stale\"")]);
    assert_eq!(other.status, 200);
    assert_eq!(s.request("HEAD", "/offsets/Ana", &[]).status, 200);
    assert_eq!(s.request("HEAD", "/nope", &[]).status, 404);
}

#[test]
fn head_on_the_wire_has_the_get_length_and_no_body() {
    let s = Server::sample();
    let get = s.get("/wiki/Anarchism");
    let raw = s.raw("HEAD /wiki/Anarchism HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains(&format!("content-length: {}", get.body.len())), "{head}");
    assert_eq!(body, "");
}

#[test]
fn offsets_and_title_listings_match_the_engine() {
    let s = App::sample();
    let index = s.index();
    for prefix in ["Ana", "Alg", "List", "Zzz", "A_M"] {
        let norm = prefix.replace('_', " ");
        let q = PrefixQuery { prefix: &norm, case: Case::Sensitive, limit: usize::MAX, ..Default::default() };
        let expected: Vec<serde_json::Value> =
            index.prefix(&q).unwrap().pages.iter().map(|p| serde_json::json!([p.title, p.start, p.end])).collect();
        let a = s.get(&format!("/offsets/{prefix}"));
        assert_eq!(a.status, 200);
        assert_eq!(a.header("content-type"), Some("application/json"));
        assert_eq!(a.json(), serde_json::Value::Array(expected.clone()), "{prefix}");
        let titles = s.get(&format!("/title/{prefix}")).json();
        let shaped: Vec<serde_json::Value> = expected.iter().map(|e| serde_json::json!([e[0], [e[1]]])).collect();
        assert_eq!(titles, serde_json::Value::Array(shaped));
    }
    let json = s.get("/offsets/Ana").json();
    let titles: Vec<&str> = json.as_array().unwrap().iter().map(|e| e[0].as_str().unwrap()).collect();
    assert!(titles.windows(2).all(|w| w[0].as_bytes() <= w[1].as_bytes()), "sorted bytewise");
    assert!(titles.contains(&"Anarchism"));
    // The end is inclusive: the byte at `end` is the `>` of `</page>`.
    let dump = s.dump_bytes();
    for e in json.as_array().unwrap() {
        let (start, end) = (e[1].as_u64().unwrap() as usize, e[2].as_u64().unwrap() as usize);
        assert!(dump[start..=end].starts_with(b"<page>") && dump[start..=end].ends_with(b"</page>"));
    }
    for short in ["/offsets/An", "/offsets/", "/offsets/%E6%9D%B1%E4%BA%AC", "/title/ab"] {
        let a = s.get(short);
        a.assert_error(400, "name_too_short");
        assert_eq!(a.json()["error"]["message"], "Name too short (< 3 chars)");
    }
}

#[test]
fn titles_pages_through_every_match() {
    let tmp = tempfile::tempdir().unwrap();
    let s = App::of_dump(&hard_dump(tmp.path()));
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let a = s.get(&format!("/titles?prefix=&limit=4&after={}", percent(&after)));
        assert_eq!(a.status, 200, "{}", a.text());
        let json = a.json();
        let items = json["items"].as_array().unwrap();
        assert!(items.len() <= 4);
        for i in items {
            for key in ["title", "page_id", "ns", "redirect", "start", "end"] {
                assert!(i.get(key).is_some(), "{key}");
            }
            seen.push(i["title"].as_str().unwrap().to_string());
        }
        match json["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => break,
        }
    }
    let mut expected: Vec<String> =
        (0..s.index().len()).map(|r| s.index().page(r).unwrap().title.to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected);

    let folded = s.get("/titles?prefix=strass&case=insensitive").json();
    let titles: Vec<&str> = folded["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Straße", "STRASSE"]);
    let talk = s.get("/titles?ns=1").json();
    assert_eq!(talk["items"].as_array().unwrap().len(), 1);
    assert_eq!(talk["items"][0]["title"], "Talk:AC/DC");
    s.get("/titles?limit=0").assert_error(400, "bad_request");
    s.get("/titles?limit=10001").assert_error(400, "bad_request");
    s.get("/titles?limit=ten").assert_error(400, "bad_request");
    s.get("/titles?case=upper").assert_error(400, "bad_request");
    s.get("/titles?ns=main").assert_error(400, "bad_request");
    s.get("/titles?after=garbage").assert_error(400, "bad_cursor");
}

fn percent(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn pages_hello_and_the_plain_routes() {
    let s = App::sample();
    let meta = s.get("/pages/Anarchism").json();
    let index = s.index();
    let page = index.get("Anarchism").unwrap().unwrap();
    assert_eq!(meta["page_id"], page.page_id);
    assert_eq!(meta["bytes"], page.len());
    assert_eq!(meta["redirect"], serde_json::Value::Null);
    s.get("/pages/Nope_nope").assert_error(404, "page_not_found");

    let hello = s.get("/hello/a/b%20c?x=1&y=%C3%A9").json();
    assert_eq!(hello, serde_json::json!({"args": ["a", "b c"], "kwds": {"x": "1", "y": "é"}}));
    assert_eq!(s.get("/hello").json(), serde_json::json!({"args": [], "kwds": {}}));

    let json = s.get("/json");
    assert_eq!(
        (json.text().as_str(), json.header("content-type")),
        ("{\"message\":\"Hello, World!\"}", Some("application/json"))
    );
    let plain = s.get("/plaintext");
    assert_eq!((plain.text().as_str(), plain.header("content-type")), ("Hello, World!", Some("text/plain")));

    s.get("/no/such/route").assert_error(404, "route_not_found");
    let post = s.request("POST", "/json", &[]);
    post.assert_error(405, "method_not_allowed");
    assert_eq!(post.header("allow"), Some("GET,HEAD"), "a 405 says which methods the route takes");
    s.request("DELETE", "/wiki/Anarchism", &[]).assert_error(405, "method_not_allowed");
    let get = s.get("/sql");
    get.assert_error(405, "method_not_allowed");
    assert_eq!(get.header("allow"), Some("POST"));
    // A route's parameter is the rest of its path, percent-decoded, slashes and all.
    let hello = s.get("/hello/a%2Fb/c%C3%A9?k=v");
    assert_eq!(hello.json()["args"], serde_json::json!(["a", "b", "c\u{e9}"]));
    assert_eq!(hello.json()["kwds"]["k"], "v");
    assert_eq!(s.get("/hello").json()["args"], serde_json::json!([]));
    s.get("/hello/%FF").assert_error(400, "bad_request");
}

#[test]
fn every_answer_has_one_server_and_one_date_header() {
    let s = Server::sample();
    for path in ["/json", "/plaintext", "/wiki/Anarchism", "/nope", "/offsets/An", "/xml"] {
        let a = s.get(path);
        assert_eq!((a.count("server"), a.count("date")), (1, 1), "{path}");
        assert!(a.header("server").unwrap().starts_with("folio/"));
        assert!(a.header("content-length").is_some() || a.header("transfer-encoding") == Some("chunked"), "{path}");
    }
}

#[test]
fn answers_in_flight_together_are_counted_under_their_own_routes() {
    // One task polls every request in turn: answers rendered, compressed or read off the event
    // loop come back later and out of order, so each must be counted under the route that
    // answered it, not under the route polled last.
    let s = App::sample();
    let sent = [
        ("/html/Anarchism", "/html/{*title}"),
        ("/wiki/Anarchism", "/wiki/{*title}"),
        ("/json", "/json"),
        ("/nope", "other"),
        ("/suggest?q=anarch", "/suggest"),
        ("/plaintext", "/plaintext"),
    ];
    let paths: Vec<&str> = (0..8).flat_map(|_| sent.iter().map(|(path, _)| *path)).collect();
    let statuses = s.all_at_once(&paths, &[("accept-encoding", "gzip")]);
    assert_eq!(statuses.iter().filter(|&&st| st == 200).count(), 5 * 8, "{statuses:?}");
    let stats = s.get("/stats").json();
    let routes = stats["requests"]["routes"].as_array().unwrap();
    for (path, route) in sent {
        let counted = routes.iter().find(|r| r["route"] == route).map(|r| r["requests"].clone());
        assert_eq!(counted, Some(8.into()), "{path} counted under {route}: {routes:?}");
    }
}

#[test]
fn stats_metrics_and_openapi() {
    let launched = std::time::Instant::now();
    let s = App::sample();
    for _ in 0..5 {
        assert_eq!(s.get("/json").status, 200);
    }
    s.get("/wiki/Anarchism");
    s.get("/nope");
    let stats = s.get("/stats").json();
    assert_eq!(stats["dataset"]["pages"], 206);
    assert_eq!(stats["dataset"]["redirects"], 100);
    assert_eq!(stats["dataset"]["dump_bytes"], s.dump_bytes().len());
    assert!(stats["dataset"]["index_bytes"].as_u64().unwrap() > 0);
    let routes = stats["requests"]["routes"].as_array().unwrap();
    let json = routes.iter().find(|r| r["route"] == "/json").expect("/json is counted");
    assert_eq!(json["requests"], 5);
    assert!(json["p50_us"].as_f64().unwrap() > 0.0 && json["p99_us"].as_f64() >= json["p50_us"].as_f64());
    assert!(routes.iter().any(|r| r["route"] == "/wiki/{*title}" && r["requests"] == 1));
    assert!(routes.iter().any(|r| r["route"] == "other" && r["requests"] == 1));
    let workers: u64 = stats["workers"].as_array().unwrap().iter().map(|w| w.as_u64().unwrap()).sum();
    assert_eq!(workers, 7, "every request counted on some worker");
    assert!(stats["memory"]["rss_bytes"].as_u64().unwrap() > 0);
    // Counted from the server's start: within the time since this test launched it.
    let uptime = stats["uptime_seconds"].as_f64().unwrap();
    assert!(uptime > 0.0 && uptime <= launched.elapsed().as_secs_f64(), "{uptime}");

    let metrics = s.get("/metrics");
    assert_eq!(metrics.header("content-type"), Some("text/plain; version=0.0.4"));
    let text = metrics.text();
    for needle in [
        "# TYPE folio_requests_total counter",
        "folio_requests_total{route=\"/json\"} 5",
        "folio_pages 206",
        "# TYPE folio_request_duration_seconds histogram",
        "folio_request_duration_seconds_bucket{route=\"/json\",le=\"+Inf\"} 5",
        "folio_request_duration_seconds_count{route=\"/json\"} 5",
        "folio_request_duration_seconds_bucket{route=\"/wiki/{*title}\",le=\"+Inf\"} 1",
        "folio_worker_requests_total{worker=\"0\"}",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    // Buckets are cumulative and end at the count.
    let json_buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with("folio_request_duration_seconds_bucket{route=\"/json\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(json_buckets.len() > 10 && json_buckets.windows(2).all(|w| w[0] <= w[1]), "{json_buckets:?}");
    promtool_accepts(&text);

    let doc = s.get("/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/wiki/{title}",
        "/pages/{title}",
        "/offsets/{prefix}",
        "/title/{prefix}",
        "/titles",
        "/xml",
        "/hello/{args}",
        "/json",
        "/plaintext",
        "/stats",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
    }
    for path in ["/db", "/queries", "/cached-queries", "/updates", "/fortunes"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
    }
    assert!(doc["paths"]["/sql"]["post"].is_object(), "/sql is documented");
    let codes =
        doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"].as_array().unwrap();
    assert!(codes.iter().any(|c| c == "name_too_short") && codes.iter().any(|c| c == "range_not_satisfiable"));
}

/// Prometheus' own checker (`promtool check metrics`, Debian's `prometheus` package) finds no
/// problem in the exposition.
fn promtool_accepts(text: &str) {
    use std::io::Write;
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        requirement(false, "promtool (apt-get install prometheus) checks /metrics");
        return;
    };
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && report.trim().is_empty(), "promtool: {report}\n{text}");
}
