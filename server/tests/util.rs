//! Starting the real server and talking HTTP to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Whether a test's requirement of the environment (root, a high `ulimit -n`) is met. When it
/// is not: under CI (`CI` set) the test fails, since CI must provide it; elsewhere it says why it
/// is skipped and returns false.
pub fn requirement(met: bool, what: &str) -> bool {
    if !met {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
            panic!("{what}: CI must provide this");
        }
        eprintln!("skipped: {what}");
    }
    met
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Spawns `cmd` with stdout piped and returns the child and the first line it prints (the
/// server prints its URL once it listens); an empty line means it exited first.
pub fn spawn_first_line(cmd: &mut Command) -> (Child, String) {
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line)
}

/// A running `folio-server`, killed on drop.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub addr: String,
    pub data: PathBuf,
    dump: PathBuf,
    extra: Vec<String>,
    dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Serves `dump`, indexed into a fresh directory, on a free port.
    pub fn start(dump: &Path, extra: &[&str]) -> Server {
        Server::start_in(tempfile::tempdir().unwrap(), dump, extra)
    }

    /// Sends `signal` (`KILL`, `TERM`) to the server, waits for it to exit, and starts it again
    /// over the same index and tables. Returns the exit status and the new server.
    pub fn restart(self, signal: &str) -> (std::process::ExitStatus, Server) {
        self.restart_after(signal, |_| {})
    }

    /// [`Server::restart`], calling `between` with the index directory while the server is down.
    pub fn restart_after(mut self, signal: &str, between: impl FnOnce(&Path)) -> (std::process::ExitStatus, Server) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap().success());
        let status = self.child.wait().unwrap();
        between(&self.data);
        let dir = self.dir.take().unwrap();
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        let server = Server::start_in(dir, &self.dump, &extra);
        (status, server)
    }

    fn start_in(dir: tempfile::TempDir, dump: &Path, extra: &[&str]) -> Server {
        let data = dir.path().join("idx");
        let mut child = Command::new(env!("CARGO_BIN_EXE_folio-server"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--quiet",
                "--dump",
                dump.to_str().unwrap(),
                "--data",
                data.to_str().unwrap(),
            ])
            .args(extra)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        if line.is_empty() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!("the server did not start: {err}");
        }
        let url = line.trim().rsplit(' ').next().unwrap().trim_end_matches('/').to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        let addr = url.trim_start_matches("http://").to_string();
        let extra = extra.iter().map(|s| s.to_string()).collect();
        Server { child, url, addr, data, dump: dump.to_owned(), extra, dir: Some(dir) }
    }

    /// Serves the bundled sample.
    pub fn sample() -> Server {
        Server::start(&repo().join("datasets/enwiki-sample.xml.bz2"), &[])
    }

    pub fn get(&self, path: &str) -> Answer {
        self.request("GET", path, &[])
    }

    /// A request without a body through ureq, a real HTTP client.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(method, path, headers, Vec::new())
    }

    /// `POST path` with `body` and one `Content-Type`.
    pub fn post(&self, path: &str, content_type: &str, body: &str) -> Answer {
        self.send("POST", path, &[("content-type", content_type)], body.as_bytes().to_vec())
    }

    /// Any request through ureq.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
        self.try_send(method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Any request through ureq; an error when there is no whole answer.
    pub fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Answer, ureq::Error> {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let url = format!("{}{path}", self.url);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder.body(body).unwrap();
        let mut response = agent.run(request)?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            response.body_mut().with_config().limit(1 << 30).read_to_vec()?
        };
        Ok(Answer { status, headers, body })
    }

    /// True while the server process runs.
    pub fn child_alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends raw bytes and reads the whole answer (the request should say `Connection: close`).
    pub fn raw(&self, request: &str) -> String {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The dump the server serves, read from disk.
    pub fn dump_bytes(&self) -> Vec<u8> {
        let index = folio_engine::Index::open(&self.data).unwrap();
        std::fs::read(index.dump_path()).unwrap()
    }

    pub fn index(&self) -> folio_engine::Index {
        folio_engine::Index::open(&self.data).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).count()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts a JSON error answer with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_eq!(self.json()["error"]["code"], code, "{}", self.text());
        assert!(self.json()["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

/// A small dump full of hard cases: titles with `/`, `?`, `#`, `%`, `+`, `&`, non-ASCII, and
/// redirect chains, loops and dangling redirects.
pub fn hard_dump(dir: &Path) -> PathBuf {
    let pages: &[(&str, i32, Option<&str>)] = &[
        ("AC/DC", 0, None),
        ("What?", 0, None),
        ("C#", 0, None),
        ("50%", 0, None),
        ("A+b", 0, None),
        ("東京", 0, None),
        ("AT&T", 0, None),
        ("Say \"hi\"", 0, None),
        ("Albert Einstein", 0, None),
        ("Chain 1", 0, Some("Chain 2")),
        ("Chain 2", 0, Some("Chain 3#History")),
        ("Chain 3", 0, None),
        ("Loop A", 0, Some("Loop B")),
        ("Loop B", 0, Some("Loop A")),
        ("Long 0", 0, Some("Long 1")),
        ("Long 1", 0, Some("Long 2")),
        ("Long 2", 0, Some("Long 3")),
        ("Long 3", 0, Some("Long 4")),
        ("Long 4", 0, Some("Long 5")),
        ("Long 5", 0, Some("Long 6")),
        ("Long 6", 0, None),
        ("Dangling", 0, Some("Nowhere at all")),
        ("Talk:AC/DC", 1, None),
        ("Straße", 0, None),
        ("STRASSE", 0, None),
    ];
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut xml = String::from("<mediawiki version=\"0.10\">\n  <siteinfo><sitename>Hard</sitename></siteinfo>\n");
    for (i, (title, ns, redirect)) in pages.iter().enumerate() {
        xml.push_str(&format!(
            "  <page>\n    <title>{}</title>\n    <ns>{ns}</ns>\n    <id>{}</id>\n",
            esc(title),
            i + 1
        ));
        if let Some(r) = redirect {
            xml.push_str(&format!("    <redirect title=\"{}\" />\n", esc(r)));
        }
        xml.push_str(&format!(
            "    <revision><id>{}</id><text bytes=\"4\">page {i}</text></revision>\n  </page>\n",
            100 + i
        ));
    }
    xml.push_str("</mediawiki>\n");
    let path = dir.join("hard.xml");
    std::fs::write(&path, xml).unwrap();
    path
}

/// `title` percent-encoded for a path segment (every byte but unreserved ASCII).
pub fn encode(title: &str) -> String {
    percent_encoding::utf8_percent_encode(title, percent_encoding::NON_ALPHANUMERIC).to_string()
}
