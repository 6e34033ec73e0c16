//! The accept loops: HTTP/1 connections with bounded headers and header-read time, a cap on open
//! connections (past it, new ones get a canned 503 with `Retry-After`), and graceful shutdown; one
//! event loop per core, or one shared runtime ([`Runtime`]).
//!
//! Each connection is served by Folio's own HTTP/1.1 connection ([`crate::http1`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot, watch};

use crate::counters::Stats;
use crate::http1::{self, Http1};
use crate::listen::Listeners;

/// How connections are taken in and let go.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Most connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Longest a client may take to send a request's head, and longest an idle keep-alive
    /// connection is kept.
    pub header_timeout: Duration,
    /// Longest request head read: a longer one gets a 431 and the connection closes (the API's
    /// own 431 and 414, from [`Limits`](crate::Limits), apply well below it).
    pub read_buffer: usize,
    /// Longest request body read (bodies are read whole before a request is answered); a
    /// route's own limit, such as [`Limits::max_sql_body`](crate::Limits::max_sql_body), answers
    /// below it.
    pub max_body: usize,
    /// Longest requests in flight get to finish after shutdown begins.
    pub grace: Duration,
    /// How long the server keeps answering after SIGTERM, not ready (see `/ready`), before it
    /// stops taking connections.
    pub drain: Duration,
    /// Event loops (per-core) or worker threads of the shared runtime.
    pub workers: usize,
    /// How connections are spread over the cores.
    pub runtime: Runtime,
}

/// How the server's cores take connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// One OS thread per worker, each with its own current-thread event loop and its own
    /// `SO_REUSEPORT` listener (the default).
    PerCore,
    /// One multi-thread tokio runtime of all workers (work-stealing) behind one accept loop.
    Shared,
}

impl Runtime {
    /// How many listeners `workers` workers need.
    pub fn listeners(self, workers: usize) -> usize {
        match self {
            Runtime::PerCore => workers.max(1),
            Runtime::Shared => 1,
        }
    }
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            max_connections: 16_384,
            header_timeout: Duration::from_secs(30),
            read_buffer: 64 << 10,
            max_body: 1 << 20,
            grace: Duration::from_secs(10),
            drain: Duration::ZERO,
            workers: 1,
            runtime: Runtime::PerCore,
        }
    }
}

/// Serves `router` on `listeners` until `shutdown` resolves, then lets requests in flight finish
/// (at most [`ServeConfig::grace`]). Returns true when every connection closed in time.
///
/// With [`Runtime::PerCore`], each listener gets an OS thread of its own running a
/// current-thread tokio runtime (`folio-loop-N`): a connection stays on the loop that accepted
/// it, with no work-stealing and no queue shared between loops. With [`Runtime::Shared`], the one
/// listener is served on the runtime this is called on. Either way the connection cap, the
/// statistics and the shutdown are shared by all loops (atomics; nothing locked per request).
pub async fn serve(
    listeners: Listeners,
    router: crate::App,
    config: ServeConfig,
    stats: Arc<Stats>,
    shutdown: impl Future<Output = ()>,
) -> bool {
    let http = Http1 {
        header_timeout: config.header_timeout,
        max_head: config.read_buffer.max(1024),
        max_body: config.max_body,
    };
    stats.serving(config.runtime, config.workers);
    let shared =
        Arc::new(Shared { http, router, stats, slots: Semaphore::new(config.max_connections), grace: config.grace });
    let (stop, stopping) = watch::channel(false);
    let sockets = listeners.into_sockets();
    if config.runtime == Runtime::Shared {
        let loops: Vec<_> = sockets
            .into_iter()
            .enumerate()
            .map(|(n, s)| tokio::spawn(run_loop(n, s, shared.clone(), stopping.clone())))
            .collect();
        shutdown.await;
        let _ = stop.send(true);
        let mut all = true;
        for l in loops {
            all &= l.await.unwrap_or(false);
        }
        return all;
    }
    let mut done = Vec::with_capacity(sockets.len());
    for (n, socket) in sockets.into_iter().enumerate() {
        let (shared, stopping) = (shared.clone(), stopping.clone());
        let (finished, finish) = oneshot::channel();
        let spawned = std::thread::Builder::new().name(format!("folio-loop-{n}")).spawn(move || {
            let closed = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(run_loop(n, socket, shared, stopping)),
                Err(e) => {
                    tracing::error!("cannot start event loop {n}: {e}");
                    false
                }
            };
            let _ = finished.send(closed);
        });
        match spawned {
            Ok(_) => done.push(finish),
            Err(e) => tracing::error!("cannot start event loop {n}: {e}"),
        }
    }
    shutdown.await;
    let _ = stop.send(true);
    let mut all = true;
    for finish in done {
        all &= finish.await.unwrap_or(false);
    }
    all
}

/// What every loop shares.
struct Shared {
    http: Http1,
    router: crate::App,
    stats: Arc<Stats>,
    slots: Semaphore,
    grace: Duration,
}

/// Event loop `n`: accepts on `socket` until `stopping` turns true, then waits for its
/// connections to close (at most the grace period). Returns true when they all closed in time.
async fn run_loop(
    n: usize,
    socket: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stopping: watch::Receiver<bool>,
) -> bool {
    let listener = match TcpListener::from_std(socket) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("cannot listen: {e}");
            return false;
        }
    };
    // Told to the loop's connections when it stops; closed once they all ended.
    let (closing, _) = watch::channel(false);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait for connections to close, go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stopping) => break,
        };
        // TCP_NODELAY: an answer leaves as soon as it is written, not when Nagle's algorithm sees
        // an acknowledgement (as every HTTP server of the TechEmpower suite does).
        let _ = stream.set_nodelay(true);
        let Some(slot) = Slot::take(&shared, n) else {
            shared.stats.refused_connection();
            tokio::spawn(refuse(stream));
            continue;
        };
        // `alive` lives as long as the connection: the loop knows when all of them ended.
        let (shared, alive, mut told) = (shared.clone(), closing.subscribe(), closing.subscribe());
        let stop: http1::Stop = Box::pin(async move {
            let _ = told.wait_for(|stop| *stop).await;
        });
        tokio::spawn(async move {
            http1::serve(stream, shared.router.clone(), &shared.http, stop).await;
            drop((alive, slot));
        });
    }
    drop(listener);
    let _ = closing.send(true);
    tokio::select! {
        () = closing.closed() => true,
        () = tokio::time::sleep(shared.grace) => false,
    }
}

/// Resolves once the server is stopping.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, before any other await.
    let _ = stopping.wait_for(|stop| *stop).await.is_ok();
}

/// An open connection's place under the cap, given back (and counted closed) when dropped.
struct Slot(Arc<Shared>);

impl Slot {
    fn take(shared: &Arc<Shared>, n: usize) -> Option<Slot> {
        shared.slots.try_acquire().ok()?.forget();
        shared.stats.opened_connection(n);
        Some(Slot(shared.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.stats.closed_connection();
        self.0.slots.add_permits(1);
    }
}

/// Answers a connection over the cap: reads what the client sent (briefly, so closing does not
/// reset the connection before the answer is read), writes a 503 with `Retry-After`, closes.
async fn refuse(mut stream: TcpStream) {
    let mut head = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut head)).await;
    let body = r#"{"error":{"code":"overloaded","message":"too many open connections; retry in a second"}}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nserver: {}\r\ndate: {}\r\nretry-after: 1\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        crate::SERVER,
        String::from_utf8_lossy(&http1::answer::date()),
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(answer.as_bytes())).await;
    let _ = stream.shutdown().await;
}
