//! Several datasets in one server: each under `/d/{name}/` with every route that answers from an
//! index, the default one also at the root paths, `/datasets`, SQL per dataset and over all of
//! them; and reloading a dataset while it is served (a rebuild under load fails no request, and
//! every answer after the switch names the new index).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::inproc::{App, build_with, sample_index};
use crate::util::{Server, repo};

/// The bundled sample as a plain index (`plain`) and its multistream twin served compressed
/// (`packed`, built here), in one server.
fn two(extra: &[&str]) -> (App, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let packed = tmp.path().join("packed");
    build_with(&repo().join("datasets/enwiki-sample-multistream.xml.bz2"), &packed, true);
    let (plain_arg, packed_arg) =
        (format!("plain={}", sample_index().display()), format!("packed={}", packed.display()));
    let flags = [&["--data", plain_arg.as_str(), "--data", packed_arg.as_str()], extra].concat();
    (App::with(&flags), tmp)
}

#[test]
fn each_dataset_answers_under_its_prefix_and_the_default_at_the_root() {
    let (app, _tmp) = two(&[]);
    let list = app.get("/datasets").json();
    let names: Vec<&str> = list["datasets"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["plain", "packed"]);
    let (plain, packed) = (&list["datasets"][0], &list["datasets"][1]);
    assert_eq!((plain["default"].as_bool(), packed["default"].as_bool()), (Some(true), Some(false)));
    assert_eq!(packed["path"], "/d/packed/");
    assert!(packed["compressed"]["streams"].as_u64().unwrap() > 1 && plain.get("compressed").is_none());
    assert_eq!(plain["pages"], packed["pages"], "the same pages in both dumps");
    let (plain_id, packed_id) = (plain["index_id"].as_str().unwrap(), packed["index_id"].as_str().unwrap());
    assert_ne!(plain_id, packed_id);

    // The same page from each dataset: the same bytes, each answer naming its index.
    for path in ["/wiki/Anarchism", "/pages/Anarchism", "/suggest?q=anar&limit=3", "/titles?prefix=A&limit=5"] {
        let (root, mine, theirs) =
            (app.get(path), app.get(&format!("/d/plain{path}")), app.get(&format!("/d/packed{path}")));
        assert_eq!((root.status, mine.status, theirs.status), (200, 200, 200), "{path}");
        assert!(root.body == mine.body && mine.body == theirs.body, "{path}: the bodies differ");
        assert_eq!(root.header("folio-index"), Some(plain_id), "{path}");
        assert_eq!(mine.header("folio-index"), Some(plain_id), "{path}");
        assert_eq!(theirs.header("folio-index"), Some(packed_id), "{path}");
        // An ETag of one index is no ETag of the other.
        if let Some(tag) = mine.header("etag") {
            assert_ne!(Some(tag), theirs.header("etag"), "{path}");
        }
    }
    let range = app.request("GET", "/d/packed/xml", &[("range", "bytes=0-99")]);
    assert_eq!((range.status, range.body.len()), (206, 100));
    assert!(range.body == app.request("GET", "/xml", &[("range", "bytes=0-99")]).body);

    // Links stay in their dataset: rendered articles, the reader's pages, its search, a
    // redirect to an article.
    let fragment = app.get("/d/packed/html/Anarchism").text();
    assert_eq!(fragment, app.get("/html/Anarchism").text().replace("href=\"/read/", "href=\"/d/packed/read/"));
    let read = app.get("/d/packed/read/Anarchism").text();
    assert!(
        read.contains("data-base=\"/d/packed\"") && read.contains("href=\"/d/packed/read/"),
        "links of the packed reader"
    );
    assert!(!read.contains("href=\"/read/"), "a link out of the dataset");
    let found = app.get("/d/packed/?q=anarchism");
    assert_eq!((found.status, found.header("location")), (303, Some("/d/packed/read/Anarchism")));
    let random = app.get("/d/packed/random");
    assert!(random.header("location").unwrap().starts_with("/d/packed/read/"), "{:?}", random.headers);
    let home = app.get("/d/packed/").text();
    assert!(home.contains("id=\"folio-datasets\"") && home.contains("href=\"/d/plain/\""), "the picker");
    assert_eq!(app.get("/d/packed").status, 200, "the home page without its slash");

    // Names that are no dataset's, routes that are no dataset's.
    app.get("/d/nope/wiki/Anarchism").assert_error(404, "dataset_not_found");
    assert!(app.get("/d/nope/").json()["error"]["message"].as_str().unwrap().contains("plain, packed"));
    app.get("/d/packed/plaintext").assert_error(404, "route_not_found");
    app.get("/d/packed/wiki/No_such_page_here").assert_error(404, "page_not_found");
    assert_eq!(app.get("/plaintext").header("folio-index"), None, "only answers from an index name one");
}

#[test]
fn sql_sees_each_dataset_and_all_of_them_with_a_dataset_column() {
    let (app, _tmp) = two(&[]);
    let n = app.index().len();
    let sql = |q: &str| app.post("/sql", "application/sql", q).json();
    let by = sql("SELECT dataset, count(*) AS n FROM all_pages GROUP BY dataset ORDER BY dataset");
    assert_eq!(by, serde_json::json!([{"dataset": "packed", "n": n}, {"dataset": "plain", "n": n}]));
    assert_eq!(sql("SELECT count(*) AS n FROM packed.pages"), serde_json::json!([{"n": n}]));
    assert_eq!(sql("SELECT count(*) AS n FROM pages"), serde_json::json!([{"n": n}]), "the default's");
    // Offsets are the XML's in both modes: a join finds every page at the same place.
    let moved = sql("SELECT count(*) AS n FROM plain.pages a JOIN packed.pages b ON a.title = b.title \
         WHERE a.start <> b.start OR a.\"end\" <> b.\"end\"");
    assert_eq!(moved, serde_json::json!([{"n": 0}]));
    // A compressed dataset's table says where each page is in the .bz2; a plain one has no such column.
    let packed = folio_engine::Index::open(app.state.library.get("packed").unwrap().dir()).unwrap();
    let row = packed.row_of("Anarchism").unwrap().unwrap() as usize;
    let (bz2_start, stream_offset) = packed.page_table().location(row).unwrap().unwrap();
    let located = sql("SELECT bz2_start, stream_offset FROM packed.pages WHERE title = 'Anarchism'");
    assert_eq!(located, serde_json::json!([{"bz2_start": bz2_start, "stream_offset": stream_offset}]));
    let plain = app.post("/sql", "application/sql", "SELECT bz2_start FROM plain.pages");
    plain.assert_error(400, "sql_error");
}

#[test]
fn default_picks_the_dataset_at_the_root_and_names_are_checked() {
    let (app, _tmp) = two(&["--default", "packed"]);
    let list = app.get("/datasets").json();
    assert_eq!(list["datasets"][0]["name"], "packed");
    assert_eq!(app.get("/wiki/Anarchism").header("folio-index"), list["datasets"][0]["index_id"].as_str());
    assert!(app.index().multistream().is_some());
    use clap::Parser;
    let parse = |flags: &[&str]| {
        let args = folio_server::config::Args::try_parse_from([&["folio-server"], flags].concat()).unwrap();
        folio_server::dataset::prepare(&args.config().unwrap().dataset).map(|_| ()).unwrap_err().to_string()
    };
    let dir = sample_index().to_str().unwrap().to_owned();
    let e = parse(&["--data", &format!("a={dir}"), "--data", &format!("a={dir}")]);
    assert!(e.contains("two datasets are named \"a\""), "{e}");
    let e = parse(&["--data", &format!("a={dir}"), "--default", "b"]);
    assert!(e.contains("--default b") && e.contains("they are a"), "{e}");
}

/// A new index published over a served directory, under load: the server switches to it
/// within its poll, no request fails, and every answer after the switch comes from it.
#[test]
fn a_rebuild_under_load_switches_index_without_failing_a_request() {
    let server = Arc::new(Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), &["--reload-poll", "0.1"]));
    let old = server.get("/datasets").json()["datasets"][0]["index_id"].as_str().unwrap().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(Mutex::new(Vec::new())));
    // After `switched` is set, any answer from the old index is a failure.
    let switched = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..3)
        .map(|k| {
            let (server, stop, done, failed, switched, old) =
                (server.clone(), stop.clone(), done.clone(), failed.clone(), switched.clone(), old.clone());
            std::thread::spawn(move || {
                let paths = ["/titles?limit=5", "/suggest?q=a&limit=3", "/offsets/Ana"];
                while !stop.load(Ordering::Acquire) {
                    let after = switched.load(Ordering::Acquire);
                    let path = paths[k % paths.len()];
                    let outcome = server.try_send("GET", path, &[], Vec::new());
                    let problem = match &outcome {
                        Ok(a) if a.status != 200 => Some(format!("{path}: {} {}", a.status, a.text())),
                        Ok(a) if after && a.header("folio-index") == Some(&old) => {
                            Some(format!("{path}: the old index after the switch"))
                        }
                        Ok(_) => None,
                        Err(e) => Some(format!("{path}: {e}")),
                    };
                    if let Some(p) = problem {
                        failed.lock().unwrap().push(p);
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // Rebuild from another dump into the served directory, as `folio-ingest build --out` does.
    let before = done.load(Ordering::Relaxed);
    build_with(&repo().join("datasets/enwiki-10k.xml"), &server.data, false);
    let new = loop {
        let d = server.get("/datasets").json();
        let id = d["datasets"][0]["index_id"].as_str().unwrap().to_owned();
        if id != old {
            assert_eq!(d["datasets"][0]["reloads"], 1);
            break id;
        }
        std::thread::yield_now();
    };
    switched.store(true, Ordering::Release);
    let at_switch = done.load(Ordering::Relaxed);
    while done.load(Ordering::Relaxed) < at_switch + 50 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Release);
    for t in load {
        t.join().unwrap();
    }
    let failed = failed.lock().unwrap();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed: {:?}",
        failed.len(),
        done.load(Ordering::Relaxed),
        &failed[..failed.len().min(5)]
    );
    assert!(at_switch > before, "requests ran during the rebuild");
    // The new index answers, pages and SQL alike.
    let fresh = folio_engine::Index::open(&server.data).unwrap();
    assert_eq!(fresh.id(), new);
    let page = server.get("/titles?limit=1");
    assert_eq!(page.header("folio-index"), Some(new.as_str()));
    let count = server.post("/sql", "application/sql", "SELECT count(*) AS n FROM pages").json();
    assert_eq!(count, serde_json::json!([{"n": fresh.len()}]));
    assert_eq!(server.get("/stats").json()["dataset"]["pages"], fresh.len());
}

/// With polling off, SIGHUP makes the server look for a new index.
#[test]
fn sighup_reloads_when_polling_is_off() {
    let server = Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), &["--reload-poll", "0"]);
    let old = server.get("/wiki/Anarchism").header("folio-index").unwrap().to_owned();
    build_with(&repo().join("datasets/enwiki-10k.xml"), &server.data, false);
    let new = folio_engine::Index::open(&server.data).unwrap().id().to_owned();
    assert_ne!(old, new);
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    while server.get("/titles?limit=1").header("folio-index") != Some(new.as_str()) {
        std::thread::yield_now();
    }
    assert_eq!(server.get("/datasets").json()["datasets"][0]["reloads"], 1);
}
