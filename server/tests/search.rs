//! Full-text search over HTTP, in-process: `/search` answers the engine's hits in its JSON shape,
//! pages through them, and refuses bad queries and a missing full-text index clearly.

use folio_engine::fulltext::SearchQuery;

use crate::inproc::App;

#[test]
fn search_answers_the_engines_hits_with_snippets() {
    let s = App::sample();
    let a = s.get("/search?q=political%20philosophy&limit=5");
    assert_eq!((a.status, a.header("content-type")), (200, Some("application/json")));
    let body = a.json();
    assert_eq!((body["query"].as_str(), body["offset"].as_u64()), (Some("political philosophy"), Some(0)));
    let want =
        s.index().search(&SearchQuery { query: "political philosophy", limit: 5, offset: 0, snippets: false }).unwrap();
    assert_eq!(body["total"].as_u64(), Some(want.total as u64));
    let items = body["items"].as_array().unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, want.hits.iter().map(|h| h.title.as_str()).collect::<Vec<_>>());
    assert!(titles.contains(&"Anarchism"), "{titles:?}");
    for item in items {
        assert!(item["score"].as_f64().unwrap() > 0.0 && item["page_id"].as_u64().is_some());
        let html = item["snippet_html"].as_str().unwrap();
        assert!(html.contains("<mark>"), "{html}");
        // The HTML is the plain snippet, escaped, with marks around words.
        let plain = item["snippet"].as_str().unwrap();
        let unmarked = html.replace("<mark>", "").replace("</mark>", "");
        let unescaped =
            unmarked.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
        assert_eq!(unescaped, plain);
    }

    // The next page continues this one; snippets=false leaves them out.
    let first = s.get("/search?q=history&limit=4").json();
    let next = s.get("/search?q=history&limit=2&offset=2&snippets=false").json();
    assert_eq!(first["items"][2]["title"], next["items"][0]["title"]);
    assert_eq!(first["items"][3]["title"], next["items"][1]["title"]);
    assert!(next["items"][0]["snippet"].is_null());
    // Phrases and exclusions reach the engine as written.
    let phrase = s.get("/search?q=%22political%20philosophy%22%20-anarchism&limit=100").json();
    assert!(phrase["items"].as_array().unwrap().iter().all(|i| i["title"] != "Anarchism"));
}

#[test]
fn bad_searches_are_refused_with_what_to_do() {
    let s = App::sample();
    for (path, code) in [
        ("/search", "bad_request"),
        ("/search?q=", "bad_request"),
        ("/search?q=%20%20", "bad_request"),
        ("/search?q=history&limit=0", "bad_request"),
        ("/search?q=history&limit=101", "bad_request"),
        ("/search?q=history&offset=99999", "bad_request"),
        ("/search?q=history&snippets=maybe", "bad_request"),
        ("/search?q=%22unclosed", "bad_query"),
        ("/search?q=-history", "bad_query"),
        ("/search?q=text:%5Ba%20TO%20b%5D", "bad_query"),
    ] {
        s.get(path).assert_error(400, code);
    }
    let long = "a".repeat(301);
    s.get(&format!("/search?q={long}")).assert_error(400, "bad_request");
    assert!(s.get("/search?q=%22unclosed").json()["error"]["message"].as_str().unwrap().contains("quotes"));

    // An index without a full-text index: 404 naming the command that adds it.
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    folio_ingest::build::build(&folio_ingest::build::BuildConfig {
        dump: crate::util::repo().join("datasets/enwiki-sample.xml.bz2"),
        out: idx.clone(),
        progress: false,
        search: folio_ingest::build::Search::Ranked,
        fulltext: false,
        compressed: false,
    })
    .unwrap();
    let plain = App::over(&idx, &[]);
    let missing = plain.get("/search?q=history");
    missing.assert_error(404, "fulltext_missing");
    let message = missing.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains(&format!("folio-ingest fulltext {}", idx.display())), "{message}");
    // The reader's results page still lists titles, and says why the text is not searched.
    let page = plain.get("/?q=anrachism").text();
    assert!(page.contains("id=\"folio-text-off\"") && page.contains("/read/Anarchism"), "{page}");
}
