//! Suggestions over HTTP, in-process: `/suggest` and the two MediaWiki shapes answer the same
//! items as the engine, and bad requests are refused with a clear message.

use folio_engine::search::SuggestQuery;

use crate::inproc::App;
use crate::util::encode;

#[test]
fn suggest_answers_ranked_tiers_with_excerpts() {
    let s = App::sample();
    let a = s.get("/suggest?q=anar&limit=3");
    assert_eq!((a.status, a.header("content-type")), (200, Some("application/json")));
    let body = a.json();
    assert_eq!(body["query"], "anar");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["title"], "Anarchism");
    assert_eq!(items[0]["tier"], "prefix");
    assert!(items[0]["excerpt"].as_str().unwrap().starts_with("Anarchism is a political philosophy"));
    assert!(items[0]["rank"].as_f64().unwrap() > 0.0);
    // The same items as the engine finds, in the same order.
    let index = s.index();
    let want: Vec<String> = index
        .suggest_items(
            &SuggestQuery { query: "anar", limit: 3, ns: Some(0), disambiguation: Default::default() },
            false,
        )
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect();
    let got: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(got, want);

    // A typo, a redirect, no excerpts.
    let typo = s.get("/suggest?q=anrachism&excerpts=false").json();
    assert_eq!(typo["items"][0]["title"], "Anarchism");
    assert_eq!(typo["items"][0]["tier"], "fuzzy");
    assert!(typo["items"][0]["excerpt"].is_null());
    let anova = s.get("/suggest?q=ANOVA").json();
    assert_eq!(anova["items"][0]["title"], "Analysis of variance");
    assert_eq!(anova["items"][0]["matched_title"], "ANOVA");
    assert_eq!(anova["items"][0]["tier"], "exact");

    // Disambiguation pages: marked, and filtered on request.
    let ada = s.get("/suggest?q=Ada&excerpts=false").json();
    assert_eq!((&ada["items"][0]["title"], &ada["items"][0]["disambiguation"]), (&"Ada".into(), &true.into()));
    let without = s.get("/suggest?q=Ada&disambiguation=exclude&excerpts=false").json();
    let items = without["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["disambiguation"] == false && i["title"] != "Ada"), "{without}");
    let only = s.get("/suggest?q=A&disambiguation=only&limit=50&excerpts=false").json();
    let items = only["items"].as_array().unwrap();
    assert!(items.len() >= 3 && items.iter().all(|i| i["disambiguation"] == true), "{only}");
    s.get("/suggest?q=A&disambiguation=maybe").assert_error(400, "bad_request");
}

#[test]
fn mediawiki_shapes_carry_the_same_suggestions() {
    let s = App::sample();
    let ours: Vec<String> = s.get("/suggest?q=ana&limit=5").json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    let rest = s.get("/w/rest.php/v1/search/title?q=ana&limit=5").json();
    let pages = rest["pages"].as_array().unwrap();
    let titles: Vec<&str> = pages.iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ours);
    assert_eq!(pages[0]["key"], pages[0]["title"].as_str().unwrap().replace(' ', "_"));
    assert!(pages[0]["id"].as_u64().is_some() && pages[0].get("thumbnail").is_some());

    let os = s.request("GET", "/w/api.php?action=opensearch&search=ana&limit=5", &[("host", "wiki.local:8080")]);
    let os = os.json();
    assert_eq!(os[0], "ana");
    let titles: Vec<&str> = os[1].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(titles, ours);
    assert_eq!(os[2].as_array().unwrap().len(), titles.len());
    assert_eq!(os[3][0], format!("http://wiki.local:8080/read/{}", encode(titles[0])));
}

#[test]
fn bad_suggestion_requests_are_refused_with_what_to_do() {
    let s = App::sample();
    for path in [
        "/suggest",
        "/suggest?q=",
        "/suggest?q=%20%20",
        "/suggest?q=ana&limit=0",
        "/suggest?q=ana&limit=101",
        "/suggest?q=ana&ns=main",
        "/suggest?q=ana&excerpts=maybe",
        "/w/rest.php/v1/search/title",
        "/w/api.php?search=ana",
        "/w/api.php?action=query&search=ana",
        "/w/api.php?action=opensearch&search=ana&format=xml",
    ] {
        let a = s.get(path);
        a.assert_error(400, "bad_request");
        assert!(a.json()["error"]["message"].as_str().unwrap().len() > 20, "{path}: {}", a.text());
    }
    let long = "a".repeat(301);
    let a = s.get(&format!("/suggest?q={long}"));
    a.assert_error(400, "bad_request");
    assert!(a.text().contains("at most 300"), "{}", a.text());
    assert_eq!(s.get(&format!("/suggest?q={}", "a".repeat(300))).status, 200);
}
