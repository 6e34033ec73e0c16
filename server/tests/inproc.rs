//! Routes tested in-process: the router of [`folio_server::app`] over a real state, called with
//! `oneshot`, no socket and no server process. The bundled sample is indexed once per test run
//! ([`sample_index`]); each [`App`] gets its own state over it (its own counters and SQL tables),
//! so tests stay independent. Tests that need a process (signals, sockets, crashes, limits of
//! the whole server) use [`crate::util::Server`] instead.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::body::Body;
use clap::Parser;
use folio_server::config::Args;
use folio_server::dataset::{open_state, prepare};
use folio_server::{AppState, app};
use tower::ServiceExt;

use crate::util::{Answer, repo};

/// One runtime for every in-process test (SQL workers and blocking pools live on it).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap())
}

/// The bundled sample's index, built once per test process under cargo's test scratch
/// directory (older processes' copies are removed).
pub fn sample_index() -> &'static Path {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    INDEX.get_or_init(|| {
        let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let mine = format!("inproc-sample-{}", std::process::id());
        for old in std::fs::read_dir(scratch).into_iter().flatten().flatten() {
            let name = old.file_name().to_string_lossy().into_owned();
            if name.starts_with("inproc-sample-") && name != mine {
                let _ = std::fs::remove_dir_all(old.path());
            }
        }
        let dir = scratch.join(mine).join("idx");
        build(&repo().join("datasets/enwiki-sample.xml.bz2"), &dir);
        dir
    })
}

/// Indexes `dump` into `dir`.
pub fn build(dump: &Path, dir: &Path) {
    build_with(dump, dir, false);
}

/// Indexes `dump` into `dir`, as a compressed dataset when `compressed`.
pub fn build_with(dump: &Path, dir: &Path, compressed: bool) {
    folio_ingest::build::build(&folio_ingest::build::BuildConfig {
        dump: dump.to_path_buf(),
        out: dir.to_path_buf(),
        progress: false,
        search: folio_ingest::build::Search::Ranked,
        fulltext: true,
        compressed,
    })
    .unwrap();
}

/// A request to the router.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> axum::http::Request<Body> {
    let mut builder = axum::http::Request::builder().method(method).uri(path);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(Body::from(body)).unwrap()
}

/// The router over a fresh state; its SQL tables live as long as it does.
pub struct App {
    pub state: AppState,
    router: folio_server::App,
    _tables: tempfile::TempDir,
    _index: Option<tempfile::TempDir>,
}

impl App {
    /// The sample, with default flags.
    pub fn sample() -> App {
        App::over(sample_index(), &[])
    }

    /// The index in `dir`, with `folio-server` flags (`--sql-max-rows 10`, ...).
    pub fn over(dir: &Path, flags: &[&str]) -> App {
        App::with(&[&["--data", dir.to_str().unwrap()], flags].concat())
    }

    /// The datasets and settings of `folio-server` flags (`--data a=DIR --data b=DIR2`).
    pub fn with(flags: &[&str]) -> App {
        let tables = tempfile::tempdir().unwrap();
        let args = ["folio-server", "--quiet"].into_iter().chain(flags.iter().copied());
        let config = Args::try_parse_from(args).unwrap().config().unwrap();
        let library = prepare(&config.dataset).unwrap();
        let worker = PathBuf::from(env!("CARGO_BIN_EXE_folio-server"));
        let state = runtime()
            .block_on(open_state(
                library,
                Some(tables.path().to_path_buf()),
                config.tables_mode,
                config.sql,
                config.api,
                worker,
            ))
            .unwrap();
        App { router: app(state.clone()), state, _tables: tables, _index: None }
    }

    /// `dump` (for example [`crate::util::hard_dump`]), indexed into a directory of its own.
    pub fn of_dump(dump: &Path) -> App {
        let dir = tempfile::tempdir().unwrap();
        let idx = dir.path().join("idx");
        build(dump, &idx);
        let app = App::over(&idx, &[]);
        App { _index: Some(dir), ..app }
    }

    /// The default dataset's index, as served now.
    pub fn index(&self) -> std::sync::Arc<folio_engine::Index> {
        self.state.library.first().current().index().clone()
    }

    pub fn get(&self, path: &str) -> Answer {
        self.request("GET", path, &[])
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(method, path, headers, Vec::new())
    }

    pub fn post(&self, path: &str, content_type: &str, body: &str) -> Answer {
        self.send("POST", path, &[("content-type", content_type)], body.as_bytes().to_vec())
    }

    /// Every request of `paths` (GET, with `headers`) sent at once from one task, so that the
    /// router's futures interleave on one thread; the statuses, in order, once every answer
    /// and its body is complete.
    pub fn all_at_once(&self, paths: &[&str], headers: &[(&str, &str)]) -> Vec<u16> {
        let requests = paths.iter().map(|path| {
            let (router, request) = (self.router.clone(), request("GET", path, headers, Vec::new()));
            async move {
                let response = router.oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                axum::body::to_bytes(response.into_body(), 1 << 30).await.unwrap();
                status
            }
        });
        runtime().block_on(futures::future::join_all(requests))
    }

    /// Any request, answered by the router.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
        let request = request(method, path, headers, body);
        let router = self.router.clone();
        runtime().block_on(async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let body = if method == "HEAD" {
                Vec::new()
            } else {
                axum::body::to_bytes(response.into_body(), 1 << 30).await.unwrap().to_vec()
            };
            Answer { status, headers, body }
        })
    }

    /// The dump the state serves, read from disk.
    pub fn dump_bytes(&self) -> Vec<u8> {
        std::fs::read(self.index().dump_path()).unwrap()
    }
}
