//! The one table of routes. Each entry declares a path once; the router ([`crate::app`]), the
//! wrapper of its handlers ([`crate::routed`]: whether it answers from an index), the per-route counters of `/stats` and
//! `/metrics`, and the paths of `/openapi.json` are all derived from it. Adding a route is adding
//! an entry here, its handler in the file of its URL family, and its OpenAPI item in
//! `openapi.rs` (a test fails until it has one).

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;

use super::{
    assets, fortunes, hello, home, listings, metrics, openapi, reader, ready, search, sql, stats, suggest, tfb, wiki,
    xml,
};
use crate::routed::Entry;
use crate::router::{Endpoint, get, post};

/// One route.
pub struct Route {
    /// The path, in axum's syntax (also its name in `/stats` and `/metrics`).
    pub path: &'static str,
    /// Its path in the OpenAPI document, if it has an entry of its own there.
    pub api: Option<&'static str>,
    /// Whether it answers from the index (refused with `index_error` once verification failed).
    pub index: bool,
    /// Its handlers, each wrapped with the route ([`Entry::wrap`]).
    pub handler: fn(Entry<'_>) -> Endpoint,
}

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    Route { path: "/wiki/{*title}", api: Some("/wiki/{title}"), index: true, handler: |e| get(e.wrap(wiki::page)) },
    Route { path: "/pages/{*title}", api: Some("/pages/{title}"), index: true, handler: |e| get(e.wrap(wiki::meta)) },
    Route {
        path: "/html/{*title}",
        api: Some("/html/{title}"),
        index: true,
        handler: |e| get(e.wrap(reader::fragment)),
    },
    Route { path: "/read/{*title}", api: Some("/read/{title}"), index: true, handler: |e| get(e.wrap(reader::page)) },
    Route { path: "/", api: Some("/"), index: true, handler: |e| get(e.wrap(home::page)) },
    Route { path: "/random", api: Some("/random"), index: true, handler: |e| get(e.wrap(home::random)) },
    Route { path: "/assets/{file}", api: Some("/assets/{file}"), index: false, handler: |e| get(e.wrap(assets::file)) },
    // An empty prefix: the refusal of any short prefix (documented with the prefix routes).
    Route { path: "/offsets/", api: None, index: true, handler: |e| get(e.wrap(listings::offsets_empty)) },
    Route {
        path: "/offsets/{*prefix}",
        api: Some("/offsets/{prefix}"),
        index: true,
        handler: |e| get(e.wrap(listings::offsets)),
    },
    Route { path: "/title/", api: None, index: true, handler: |e| get(e.wrap(listings::offsets_empty)) },
    Route {
        path: "/title/{*prefix}",
        api: Some("/title/{prefix}"),
        index: true,
        handler: |e| get(e.wrap(listings::title)),
    },
    Route { path: "/titles", api: Some("/titles"), index: true, handler: |e| get(e.wrap(listings::list)) },
    Route { path: "/suggest", api: Some("/suggest"), index: true, handler: |e| get(e.wrap(suggest::folio)) },
    Route {
        path: "/w/rest.php/v1/search/title",
        api: Some("/w/rest.php/v1/search/title"),
        index: true,
        handler: |e| get(e.wrap(suggest::rest)),
    },
    Route { path: "/search", api: Some("/search"), index: true, handler: |e| get(e.wrap(search::search)) },
    Route { path: "/w/api.php", api: Some("/w/api.php"), index: true, handler: |e| get(e.wrap(suggest::opensearch)) },
    Route { path: "/xml", api: Some("/xml"), index: true, handler: |e| get(e.wrap(xml::ranges)) },
    // No arguments: the same echo (documented with `/hello/{args}`).
    Route { path: "/hello", api: None, index: false, handler: |e| get(e.wrap(hello::hello)) },
    Route { path: "/hello/{*args}", api: Some("/hello/{args}"), index: false, handler: |e| get(e.wrap(hello::hello)) },
    Route { path: "/json", api: Some("/json"), index: false, handler: |e| get(e.wrap(tfb::json)) },
    Route { path: "/plaintext", api: Some("/plaintext"), index: false, handler: |e| get(e.wrap(tfb::plaintext)) },
    Route { path: "/db", api: Some("/db"), index: false, handler: |e| get(e.wrap(tfb::db)) },
    Route { path: "/queries", api: Some("/queries"), index: false, handler: |e| get(e.wrap(tfb::queries)) },
    Route {
        path: "/cached-queries",
        api: Some("/cached-queries"),
        index: false,
        handler: |e| get(e.wrap(tfb::cached_queries)),
    },
    Route { path: "/updates", api: Some("/updates"), index: false, handler: |e| get(e.wrap(tfb::updates)) },
    Route { path: "/fortunes", api: Some("/fortunes"), index: false, handler: |e| get(e.wrap(fortunes::fortunes)) },
    // `pages` is the index's page table: refused with the rest once verification failed.
    Route {
        path: "/sql",
        api: Some("/sql"),
        index: true,
        handler: |e| post(e.wrap(sql::query).layer(DefaultBodyLimit::max(e.limits.max_sql_body))),
    },
    Route { path: "/datasets", api: Some("/datasets"), index: false, handler: |e| get(e.wrap(stats::list)) },
    Route { path: "/stats", api: Some("/stats"), index: false, handler: |e| get(e.wrap(stats::json)) },
    Route { path: "/ready", api: Some("/ready"), index: false, handler: |e| get(e.wrap(ready::ready)) },
    Route { path: "/metrics", api: Some("/metrics"), index: false, handler: |e| get(e.wrap(metrics::prometheus)) },
    Route {
        path: "/openapi.json",
        api: Some("/openapi.json"),
        index: false,
        handler: |e| get(e.wrap(openapi::document)),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_declared_once_and_documented() {
        let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), ROUTES.len(), "a path declared twice");
        let doc = openapi::spec();
        let documented: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
        let declared: Vec<&str> = ROUTES.iter().filter_map(|r| r.api).collect();
        assert_eq!(documented.len(), declared.len(), "{documented:?} against {declared:?}");
        for api in declared {
            let item = &doc["paths"][api];
            assert!(item.get("get").or(item.get("post")).is_some(), "{api} has no operation in openapi.rs");
        }
        assert!(openapi::undocumented().is_empty(), "items of no route: {:?}", openapi::undocumented());
    }
}
