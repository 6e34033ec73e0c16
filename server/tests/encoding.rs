//! Compression and caching: answers come zstd- or gzip-encoded as the client asks, decode to
//! exactly the identity answer (checked with the codecs' own decoders), carry their own ETags and
//! revalidate to 304s; small, partial and HEAD answers are left alone; every answer read from an
//! index may be kept by caches but is revalidated.

use std::io::Read;

use crate::inproc::App;
use crate::util::{Answer, encode};

fn decode(a: &Answer) -> Vec<u8> {
    match a.header("content-encoding") {
        None => a.body.clone(),
        Some("zstd") => zstd::stream::decode_all(&a.body[..]).unwrap(),
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&a.body[..]).read_to_end(&mut out).unwrap();
            out
        }
        Some(other) => panic!("unexpected coding {other}"),
    }
}

fn get(app: &App, path: &str, accept: &str) -> Answer {
    app.request("GET", path, &[("accept-encoding", accept)])
}

/// Paths whose answers are large enough to be compressed, one per kind of answer.
fn large_answers(app: &App) -> Vec<String> {
    let index = app.index();
    let big = (0..index.len())
        .map(|row| index.page(row).unwrap())
        .filter(|p| p.redirect.is_none())
        .max_by_key(|p| p.len())
        .unwrap()
        .title
        .to_string();
    let t = encode(&big);
    vec![
        format!("/wiki/{t}"),
        format!("/html/{t}"),
        format!("/read/{t}"),
        "/titles?prefix=A&limit=500".into(),
        "/suggest?q=an&limit=50".into(),
    ]
}

#[test]
fn asked_codings_decode_to_the_identity_answer_with_their_own_tags() {
    let app = App::sample();
    for path in large_answers(&app) {
        let plain = get(&app, &path, "identity");
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        assert_eq!(plain.header("vary"), Some("accept-encoding"), "{path}: the answer varies with the coding");
        for (accept, coding) in [("gzip, deflate, br, zstd", "zstd"), ("gzip", "gzip"), ("zstd;q=0.1, gzip", "gzip")] {
            let a = get(&app, &path, accept);
            assert_eq!((a.status, a.header("content-encoding")), (200, Some(coding)), "{path} {accept}");
            assert_eq!(decode(&a), plain.body, "{path} {accept}: the same bytes");
            assert!(a.body.len() < plain.body.len() * 3 / 4, "{path}: {} of {} bytes", a.body.len(), plain.body.len());
            let length = a.header("content-length").map(|n| n.parse::<usize>().unwrap());
            assert!(length.is_none_or(|n| n == a.body.len()), "{path}: the compressed length, not identity's");
            assert_eq!(a.header("content-type"), plain.header("content-type"));
            assert_eq!(a.header("vary"), Some("accept-encoding"));
            if let Some(tag) = plain.header("etag") {
                let compressed = format!("{}-{coding}\"", tag.trim_end_matches('"'));
                assert_eq!(a.header("etag"), Some(compressed.as_str()), "{path}");
                assert_eq!(a.header("cache-control"), Some("no-cache"), "{path}");
                // Revalidating the compressed answer: a 304 naming it; the identity one: its own.
                let r = app.request("GET", &path, &[("accept-encoding", accept), ("if-none-match", &compressed)]);
                assert_eq!((r.status, r.header("etag")), (304, Some(compressed.as_str())), "{path}");
                assert!(r.body.is_empty());
                let r = app.request("GET", &path, &[("accept-encoding", accept), ("if-none-match", tag)]);
                assert_eq!((r.status, r.header("etag")), (304, Some(tag)), "{path}");
            }
        }
        // The header sent twice: both lines weigh, as one list.
        for (lines, coding) in [(["zstd;q=0.1", "gzip"], "gzip"), (["identity", "zstd"], "zstd")] {
            let a = app.request("GET", &path, &[("accept-encoding", lines[0]), ("accept-encoding", lines[1])]);
            assert_eq!((a.status, a.header("content-encoding")), (200, Some(coding)), "{path} {lines:?}");
            assert_eq!(decode(&a), plain.body, "{path} {lines:?}: the same bytes");
        }
    }
}

#[test]
fn small_partial_and_head_answers_are_not_compressed() {
    let app = App::sample();
    for path in ["/json", "/plaintext", "/offsets/Anarchism", "/pages/Anarchism"] {
        let a = get(&app, path, "zstd, gzip");
        assert_eq!(a.status, 200, "{path}");
        assert!(a.body.len() < 1400, "{path} is small");
        assert_eq!((a.header("content-encoding"), a.header("vary")), (None, None), "{path}");
    }
    let a = app.request("GET", "/xml", &[("accept-encoding", "zstd"), ("range", "bytes=0-99999")]);
    assert_eq!((a.status, a.header("content-encoding"), a.body.len()), (206, None, 100_000));
    let path = &large_answers(&app)[0];
    let head = app.request("HEAD", path, &[("accept-encoding", "zstd")]);
    assert_eq!((head.status, head.header("content-encoding")), (200, None));
    assert_eq!(head.header("content-length"), get(&app, path, "").header("content-length"));
}

#[test]
fn answers_from_the_index_are_revalidated_and_assets_kept_a_day() {
    let app = App::sample();
    for path in ["/wiki/Anarchism", "/html/Anarchism", "/read/Anarchism"] {
        let a = app.get(path);
        assert_eq!((a.status, a.header("cache-control")), (200, Some("no-cache")), "{path}");
        let r = app.request("GET", path, &[("if-none-match", a.header("etag").unwrap())]);
        assert_eq!((r.status, r.header("cache-control")), (304, Some("no-cache")), "{path}");
    }
    let css = app.get("/assets/folio.css");
    assert_eq!(css.header("cache-control"), Some("public, max-age=86400"));
    let r = app.request("GET", "/assets/folio.css", &[("if-none-match", css.header("etag").unwrap())]);
    assert_eq!((r.status, r.header("cache-control")), (304, Some("public, max-age=86400")));
    // The stylesheet is text and large enough: compressed when asked.
    let z = get(&app, "/assets/folio.css", "zstd");
    assert_eq!((z.header("content-encoding"), decode(&z)), (Some("zstd"), css.body.clone()));
}
