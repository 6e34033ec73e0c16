//! `/openapi.json`: an OpenAPI 3.1 document of every route.

use axum::Json;
use serde_json::{Value, json};

use super::table::ROUTES;
use crate::error::Code;

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn query_param_required(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": true, "description": description, "schema": schema})
}

fn json_ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

/// The document: one path per documented entry of the route table ([`ROUTES`]).
pub fn spec() -> Value {
    assemble().0
}

/// OpenAPI items written here for paths that no route declares (a test keeps this empty).
#[cfg(test)]
pub(crate) fn undocumented() -> Vec<String> {
    assemble().1
}

/// The document, and the items it left out because no route declares their path.
fn assemble() -> (Value, Vec<String>) {
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let title =
        path_param("title", "A page title, percent-encoded; `_` is a space and the first letter is upper-cased.");
    let mut prefix = path_param(
        "prefix",
        "A title prefix of at least 3 characters (not counting `_` and spaces at its start), percent-encoded.",
    );
    // At least 3 characters once `_` is a space, leading spaces go and runs of them are one.
    prefix["schema"] =
        json!({"type": "string", "pattern": "^[_ ]*[^_ ](?:[_ ]*[^_ ]){2}|^[_ ]*[^_ ][_ ]+[^_ ]|^[_ ]*[^_ ]{2}[_ ]+$"});
    let short = error_response("Name too short (< 3 chars), or a bad path.");
    let busy = error_response("Too many listings in progress (Retry-After).");
    let listing = |shape: Value| json!({"type": "array", "items": shape});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Folio",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Wikipedia pages, titles and byte ranges from a memory-mapped dump and its index."
        },
        "paths": {
            "/wiki/{title}": {"get": {
                "summary": "A page's XML, exactly the dump's bytes from <page> to </page>.",
                "parameters": [title, query_param("redirect", "`follow`: serve the page a redirect points to (at most 5 hops).", json!({"type": "string", "enum": ["follow", "no", ""]}))],
                "responses": {
                    "200": {"description": "The page's XML.", "headers": {"ETag": {"schema": {"type": "string"}}, "X-Folio-Title": {"description": "With redirect=follow, when a redirect was followed: the title served.", "schema": {"type": "string"}}},
                            "content": {"application/xml": {"schema": {"type": "string"}}}},
                    "304": {"description": "If-None-Match matched the current ETag."},
                    "400": error_response("A bad path or redirect parameter."),
                    "404": error_response("No page has this title."),
                    "508": error_response("Redirects loop.")
                }
            }},
            "/html/{title}": {"get": {
                "summary": "The article rendered to an HTML fragment (redirects followed; templates not expanded).",
                "parameters": [title],
                "responses": {
                    "200": {"description": "The fragment.", "headers": {"ETag": {"schema": {"type": "string"}}, "Content-Security-Policy": {"schema": {"type": "string"}}},
                            "content": {"text/html": {"schema": {"type": "string"}}}},
                    "304": {"description": "If-None-Match matched the current ETag."},
                    "400": error_response("A bad path."),
                    "404": error_response("No page has this title."),
                    "503": error_response("Too many renderings in progress; retry."),
                    "508": error_response("Redirects loop.")
                }
            }},
            "/read/{title}": {"get": {
                "summary": "The article in a whole reader page: title, contents, metadata, the page's XML on demand, licence.",
                "parameters": [title],
                "responses": {
                    "200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}},
                    "304": {"description": "If-None-Match matched the current ETag."},
                    "400": error_response("A bad path."),
                    "404": {"description": "No page has this title: a reader page that says so.", "content": {"text/html": {"schema": {"type": "string"}}}},
                    "503": error_response("Too many renderings in progress; retry."),
                    "508": error_response("Redirects loop.")
                }
            }},
            "/": {"get": {
                "summary": "The reader's home page: a search box with type-ahead, a random-article button and the dataset's facts. With q, the page that title means (303 to /read/{title}), else a results page: ranked titles (typos forgiven) and pages whose text matches, 20 at a time.",
                "parameters": [
                    query_param("q", "A title, or words of the text (full-text syntax: phrases in quotes, -word).", json!({"type": "string"})),
                    query_param("fulltext", "Any value: list results even when a page has the title q.", json!({"type": "string"})),
                    query_param("offset", "Text hits to skip (pages of results).", json!({"type": "integer", "minimum": 0}))
                ],
                "responses": {
                    "200": {"description": "The home page, or the results for q.", "content": {"text/html": {"schema": {"type": "string"}}}},
                    "303": {"description": "q names a page: its reader page is in Location."},
                    "400": {"description": "A bad query string (JSON error), or a q the full-text syntax cannot read (a results page that says why).",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}, "text/html": {"schema": {"type": "string"}}}}
                }
            }},
            "/random": {"get": {
                "summary": "A random article (namespace 0, not a redirect).",
                "responses": {
                    "303": {"description": "Location: the article's reader page."},
                    "404": error_response("The dataset has no article.")
                }
            }},
            "/assets/{file}": {"get": {
                "summary": "The reader's stylesheet and script, compiled into the server.",
                "parameters": [{"name": "file", "in": "path", "required": true, "schema": {"type": "string", "enum": super::assets::ASSETS.iter().map(|a| a.name).collect::<Vec<_>>()}}],
                "responses": {
                    "200": {"description": "The file.", "headers": {"ETag": {"schema": {"type": "string"}}},
                            "content": {"text/css": {"schema": {"type": "string"}}, "text/javascript": {"schema": {"type": "string"}}}},
                    "304": {"description": "If-None-Match matched the current ETag."},
                    "404": error_response("No such asset.")
                }
            }},
            "/pages/{title}": {"get": {
                "summary": "One page's metadata.",
                "parameters": [title],
                "responses": {"200": json_ok("The page.", json!({"$ref": "#/components/schemas/PageMeta"})), "400": error_response("A bad path."), "404": error_response("No page has this title.")}
            }},
            "/offsets/{prefix}": {"get": {
                "summary": "Every page whose title starts with the prefix: [[title, start, end]], sorted bytewise by title, end inclusive.",
                "parameters": [prefix],
                "responses": {"200": json_ok("The pages.", listing(json!({"type": "array", "description": "[title, start, end]", "items": {"type": ["string", "integer"]}, "minItems": 3, "maxItems": 3}))), "400": short, "503": busy}
            }},
            "/title/{prefix}": {"get": {
                "summary": "Every page whose title starts with the prefix: [[title, [start]]].",
                "parameters": [prefix],
                "responses": {"200": json_ok("The pages.", listing(json!({"type": "array"}))), "400": short, "503": busy}
            }},
            "/titles": {"get": {
                "summary": "A sorted, paginated prefix listing.",
                "parameters": [
                    query_param("prefix", "Titles starting with this (default: all).", json!({"type": "string"})),
                    query_param("limit", "Items per page, 1 to 10000 (default 100).", json!({"type": "integer", "minimum": 1, "maximum": 10000})),
                    query_param("after", "The `next` cursor of the previous page.", json!({"type": "string", "pattern": "^$|^[0-9]+:"})),
                    query_param("case", "Match case-sensitively (default) or after Unicode case folding.", json!({"type": "string", "enum": ["sensitive", "insensitive", ""]})),
                    query_param("ns", "Only pages of this namespace.", json!({"type": "integer"}))
                ],
                "responses": {"200": json_ok("One page of the listing.", json!({"$ref": "#/components/schemas/TitlesPage"})), "400": error_response("A bad parameter or cursor."), "503": busy}
            }},
            "/suggest": {"get": {
                "summary": "Type-ahead suggestions, ranked, forgiving case, accents and typos: tiers exact, prefix, folded (case and accents), fuzzy (1 edit for 3-5 characters, 2 above, the first character kept); a redirect stands for its target.",
                "parameters": [
                    query_param_required("q", "What was typed (1 to 300 characters).", json!({"type": "string", "minLength": 1, "maxLength": 300})),
                    query_param("limit", "At most this many, 1 to 100 (default 10).", json!({"type": "integer", "minimum": 1, "maximum": 100})),
                    query_param("ns", "Only titles of this namespace (default 0), or all.", json!({"type": "string", "pattern": "^(-?[0-9]+|all|\\*)?$"})),
                    query_param("excerpts", "Add each page's first sentence (default true).", json!({"type": "string", "enum": ["true", "false", "1", "0", ""]})),
                    query_param("disambiguation", "Disambiguation pages: suggested like others (include, the default), left out (exclude) or alone (only).", json!({"type": "string", "enum": ["include", "exclude", "only", ""]}))
                ],
                "responses": {"200": json_ok("The suggestions, best first.", json!({"$ref": "#/components/schemas/Suggestions"})), "400": error_response("No q, a q over 300 characters, or a bad parameter."), "404": error_response("The index has no suggestion files (search_missing): rebuild it."), "503": busy}
            }},
            "/w/rest.php/v1/search/title": {"get": {
                "summary": "The suggestions of /suggest in the shape of MediaWiki's REST title search.",
                "parameters": [
                    query_param_required("q", "What was typed (1 to 300 characters).", json!({"type": "string", "minLength": 1, "maxLength": 300})),
                    query_param("limit", "At most this many, 1 to 100 (default 50).", json!({"type": "integer", "minimum": 1, "maximum": 100}))
                ],
                "responses": {"200": json_ok("MediaWiki's answer shape.", json!({"type": "object", "required": ["pages"], "properties": {"pages": {"type": "array", "items": {"type": "object", "required": ["id", "key", "title"], "properties": {
                    "id": {"type": "integer"}, "key": {"type": "string"}, "title": {"type": "string"}, "excerpt": {"type": ["string", "null"]},
                    "matched_title": {"type": ["string", "null"]}, "description": {"type": "null"}, "thumbnail": {"type": "null"}}}}}})),
                    "400": error_response("No q, a q over 300 characters, or a bad parameter."), "404": error_response("The index has no suggestion files."), "503": busy}
            }},
            "/w/api.php": {"get": {
                "summary": "MediaWiki's action=opensearch over the suggestions of /suggest: [query, titles, descriptions, urls].",
                "parameters": [
                    query_param_required("action", "Only opensearch is served.", json!({"type": "string", "enum": ["opensearch"]})),
                    query_param_required("search", "What was typed (1 to 300 characters).", json!({"type": "string", "minLength": 1, "maxLength": 300})),
                    query_param("limit", "At most this many, 1 to 100 (default 10).", json!({"type": "integer", "minimum": 1, "maximum": 100})),
                    query_param("namespace", "Only titles of this namespace (default 0).", json!({"type": "integer"})),
                    query_param("format", "json (the only format).", json!({"type": "string", "enum": ["json", ""]}))
                ],
                "responses": {"200": json_ok("The OpenSearch answer.", json!({"type": "array", "minItems": 4, "maxItems": 4})),
                    "400": error_response("Another action, no search, or a bad parameter."), "404": error_response("The index has no suggestion files."), "503": busy}
            }},
            "/xml": {"get": {
                "summary": "Byte ranges of the dump (Range: bytes=a-b, a-, -n; several give multipart/byteranges).",
                "parameters": [
                    query_param("range", "The range, as in a Range header (`a-b` or `bytes=a-b,...`).", json!({"type": "string", "pattern": RANGE})),
                    {"name": "Range", "in": "header", "required": false, "schema": {"type": "string", "pattern": RANGE}}
                ],
                "responses": {
                    "206": {"description": "The bytes.", "content": {"application/xml": {"schema": {"type": "string"}}, "multipart/byteranges": {"schema": {"type": "string"}}}},
                    "400": error_response("No range (Ranged-request required.), a malformed range, more than 16, or more bytes than one answer carries."),
                    "416": error_response("The range lies past the end of the dump (Content-Range: bytes */size).")
                }
            }},
            "/hello/{args}": {"get": {
                "summary": "Echoes its path segments and query.",
                "parameters": [path_param("args", "Any path segments.")],
                "responses": {"200": json_ok("The arguments.", json!({"type": "object", "properties": {"args": {"type": "array", "items": {"type": "string"}}, "kwds": {"type": "object", "additionalProperties": {"type": "string"}}}}))}
            }},
            "/json": {"get": {"summary": "TechEmpower JSON.", "responses": {"200": json_ok("The message.", json!({"type": "object", "properties": {"message": {"type": "string"}}}))}}},
            "/plaintext": {"get": {"summary": "TechEmpower plaintext.", "responses": {"200": {"description": "Hello, World!", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/datasets": {"get": {"summary": "The datasets this server serves, the default first: each one's name, path (/d/{name}/: every route that answers from an index, for that dataset; the default's also at the root paths), index id (the Folio-Index header of its answers), reloads, and its manifest's facts. SQL sees each one's page table as {name}.pages, the default's as pages, and all of them in all_pages with a dataset column.", "responses": {"200": json_ok("The datasets.", json!({"type": "object", "required": ["datasets"], "properties": {"datasets": {"type": "array", "items": {"type": "object", "required": ["name", "path", "default", "index_id", "reloads", "pages"]}}}}))}}},
            "/ready": {"get": {"summary": "Readiness, for a load balancer's health check: 200 once the indexes are open, 503 (not_ready) while the server drains after SIGTERM (--drain) or when an index failed verification. Says whether this server writes its SQL tables.",
                "responses": {"200": json_ok("Ready.", json!({"type": "object", "required": ["ready", "writes_tables", "datasets"], "properties": {"ready": {"type": "boolean"}, "writes_tables": {"type": "boolean"}, "datasets": {"type": "array", "items": {"type": "object", "required": ["name", "index_id", "verified"]}}}})),
                    "503": error_response("Draining after SIGTERM, or an index failed verification (not_ready): take this server out of the pool.")}}},
            "/stats": {"get": {"summary": "Uptime, the datasets (dataset: the default), requests and latency per route, requests per worker, memory.", "responses": {"200": json_ok("The counters.", json!({"type": "object"}))}}},
            "/metrics": {"get": {"summary": "The counters of /stats in the Prometheus text format.", "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/openapi.json": {"get": {"summary": "This document.", "responses": {"200": json_ok("OpenAPI 3.1.", json!({"type": "object"}))}}}
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "enum": codes}, "message": {"type": "string"},
                "limit": {"type": "string", "enum": ["time", "memory", "rows", "bytes", "stack"],
                    "description": "For sql_limit: the limit the query passed."}}}}},
            "Suggestions": {"type": "object", "required": ["query", "items"], "properties": {
                "query": {"type": "string"},
                "items": {"type": "array", "items": {"type": "object", "required": ["title", "page_id", "ns", "matched_title", "tier", "rank", "excerpt", "disambiguation"], "properties": {
                    "title": {"type": "string"}, "page_id": {"type": "integer"}, "ns": {"type": "integer"},
                    "matched_title": {"type": ["string", "null"], "description": "The redirect whose title matched, when one did."},
                    "tier": {"type": "string", "enum": ["exact", "prefix", "folded", "fuzzy"]},
                    "rank": {"type": "number", "description": "The page's static rank in [0, 1] (engine/FORMAT.md)."},
                    "excerpt": {"type": ["string", "null"], "description": "The first sentence of the page's text; null with excerpts=false."},
                    "disambiguation": {"type": ["boolean", "null"], "description": "Whether the page is a disambiguation page; null for an index built before Folio recorded them."}}}}}},
            "SearchResults": {"type": "object", "required": ["query", "total", "offset", "items"], "properties": {
                "query": {"type": "string"}, "total": {"type": "integer", "description": "Pages that match, in all."},
                "offset": {"type": "integer"},
                "items": {"type": "array", "items": {"type": "object", "required": ["title", "page_id", "score", "rank", "snippet", "snippet_html"], "properties": {
                    "title": {"type": "string"}, "page_id": {"type": "integer"},
                    "score": {"type": "number", "description": "BM25 (title words weigh 3 times text words) times 1 + 2 x rank."},
                    "rank": {"type": "number", "description": "The page's static rank in [0, 1] (engine/FORMAT.md)."},
                    "snippet": {"type": ["string", "null"], "description": "The passage of the text that matches best (its opening when only the title matched); null with snippets=false."},
                    "snippet_html": {"type": ["string", "null"], "description": "The snippet as escaped HTML, each matched word in <mark>."}}}}}},
            "PageMeta": {"type": "object", "required": ["title", "page_id", "ns", "redirect", "start", "end", "bytes"], "properties": {
                "title": {"type": "string"}, "page_id": {"type": "integer"}, "ns": {"type": "integer"}, "redirect": {"type": ["string", "null"]},
                "start": {"type": "integer"}, "end": {"type": "integer"}, "bytes": {"type": "integer"}}},
            "TitlesPage": {"type": "object", "required": ["items", "next"], "properties": {
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "title": {"type": "string"}, "page_id": {"type": "integer"}, "ns": {"type": "integer"}, "redirect": {"type": ["string", "null"]},
                    "start": {"type": "integer"}, "end": {"type": "integer"}}}},
                "next": {"type": ["string", "null"]}}}
        }}
    });
    add_sql_routes(&mut doc);
    doc["paths"]["/search"] = search_item(&busy);
    // The paths come from the route table; each takes its item from those written above.
    let mut items = doc["paths"].as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut paths = serde_json::Map::new();
    for api in ROUTES.iter().filter_map(|r| r.api) {
        let item = items.remove(api).unwrap_or_else(
            || json!({"get": {"summary": "Not documented yet.", "responses": {"200": {"description": "OK."}}}}),
        );
        paths.insert(api.to_string(), item);
    }
    doc["paths"] = Value::Object(paths);
    add_common_responses(&mut doc);
    (doc, items.keys().cloned().collect())
}

/// `/search`'s item (apart: one `json!` of every path passes the macro's recursion limit).
fn search_item(busy: &Value) -> Value {
    json!({"get": {
        "summary": "Full-text search over every article's title and text: BM25 times (1 + 2 x rank), words all required, \"phrases\", -exclusions, OR, title:word and text:word; a highlighted snippet per hit.",
        "parameters": [
            query_param_required("q", "The query (1 to 300 characters), e.g. `\"general relativity\" -einstein`.", json!({"type": "string", "minLength": 1, "maxLength": 300})),
            query_param("limit", "Hits per page, 1 to 100 (default 10).", json!({"type": "integer", "minimum": 1, "maximum": 100})),
            query_param("offset", "Hits to skip (offset + limit at most 10000).", json!({"type": "integer", "minimum": 0, "maximum": 9999})),
            query_param("snippets", "Cut a highlighted snippet for each hit (default true).", json!({"type": "string", "enum": ["true", "false", "1", "0", ""]}))
        ],
        "responses": {"200": json_ok("One page of hits, best first.", json!({"$ref": "#/components/schemas/SearchResults"})),
            "400": error_response("No q, a q over 300 characters, a query that does not parse or is not supported (bad_query), or a bad parameter."),
            "404": error_response("The index has no full-text index (fulltext_missing): the message names the command that adds it."), "503": busy}
    }})
}

/// A range set as the `Range` header and `?range=` take it.
const RANGE: &str = r"^(bytes=)?(\d+-\d*|-\d+)(,\s*(\d+-\d*|-\d+))*$";

/// The answers any route can give: limits checked before routing, shedding, a changed dump.
fn add_common_responses(doc: &mut Value) {
    let common = [
        ("414", error_response("The URL is longer than the server accepts (8 KiB).")),
        ("431", error_response("The request headers are larger than the server accepts (16 KiB).")),
        (
            "503",
            error_response(
                "Too many requests in flight or connections open (Retry-After: 1); on routes that read the dump, also a dump that changed while served (rebuild the index).",
            ),
        ),
    ];
    let operations = doc["paths"].as_object_mut().into_iter().flat_map(|paths| paths.values_mut());
    let operations = operations.filter_map(Value::as_object_mut).flat_map(|item| item.values_mut());
    for responses in operations.filter_map(|operation| operation["responses"].as_object_mut()) {
        for (status, response) in &common {
            responses.entry(*status).or_insert_with(|| response.clone());
        }
    }
}

/// The TechEmpower routes over the SQL tables, and `/sql`.
fn add_sql_routes(doc: &mut Value) {
    let world = json!({"type": "object", "required": ["id", "randomNumber"], "additionalProperties": false, "properties": {
        "id": {"type": "integer", "minimum": 1, "maximum": 10000}, "randomNumber": {"type": "integer", "minimum": 1, "maximum": 10000}}});
    let rows = json!({"type": "array", "items": world.clone()});
    let count = |name: &str| {
        query_param(
            name,
            "How many rows: missing, not an integer or below 1 gives 1; above 500 gives 500.",
            json!({"type": "string"}),
        )
    };
    let paths = doc["paths"].as_object_mut().expect("paths is an object");
    paths.insert(
        "/db".into(),
        json!({"get": {"summary": "TechEmpower single query: one random world row.",
        "responses": {"200": json_ok("The row.", world)}}}),
    );
    paths.insert(
        "/queries".into(),
        json!({"get": {"summary": "TechEmpower multiple queries: N random world rows, one query each.",
        "parameters": [count("queries")], "responses": {"200": json_ok("The rows.", rows.clone())}}}),
    );
    paths.insert(
        "/cached-queries".into(),
        json!({"get": {"summary": "TechEmpower cached queries: N random world rows from an in-process cache.",
        "parameters": [count("count")], "responses": {"200": json_ok("The rows.", rows.clone())}}}),
    );
    paths.insert("/updates".into(), json!({"get": {"summary": "TechEmpower updates: N random rows given new randomNumbers, written durably before the answer.",
        "parameters": [count("queries")], "responses": {"200": json_ok("The updated rows.", rows),
            "403": error_response("This server opened its tables read-only (--tables-read-only, read_only): send updates to the one that writes them."),
            "503": error_response("The update could not be made durable (a full disk); nothing changed (Retry-After).")}}}));
    paths.insert("/fortunes".into(), json!({"get": {"summary": "TechEmpower fortunes: the fortune table plus one added row, sorted by message, as HTML.",
        "responses": {"200": {"description": "The HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}}}}}));
    paths.insert("/sql".into(), json!({"post": {
        "summary": "One read-only SQL query (SELECT, WITH, VALUES, EXPLAIN, SHOW, DESCRIBE) over world, fortune and pages.",
        "requestBody": {"required": true, "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object", "required": ["sql"], "properties": {
                "sql": {"type": "string"}, "params": {"type": "array", "items": {"type": ["string", "number", "integer", "boolean", "null"]}}}}}}},
        "responses": {
            "200": {"description": "The rows: JSON objects, or an Arrow IPC stream with Accept: application/vnd.apache.arrow.stream.",
                "headers": {"X-Folio-Rows": {"schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                            "application/vnd.apache.arrow.stream": {"schema": {"type": "string", "format": "binary"}}}},
            "400": error_response("A SQL error (DataFusion's message), a statement that is not a read-only query, or a query over a limit (sql_limit, naming it in `limit`: time, memory, rows, bytes or stack); the query was stopped."),
            "413": error_response("The body is over the size limit."),
            "415": error_response("A Content-Type other than text/plain or application/json."),
            "500": error_response("The SQL worker running the query failed in a way no limit explains (internal_error); it was replaced."),
            "503": error_response("Too many queries running or waiting (Retry-After).")
        }}}));
}

/// `GET /openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}
