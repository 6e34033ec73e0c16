//! The accept loop: HTTP/1 connections with bounded headers and header-read time, a cap on open
//! connections (past it, new ones get a canned 503 with `Retry-After`), and graceful shutdown.
//!
//! `axum::serve` offers none of these knobs, so Folio drives hyper itself, as axum does inside.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::counters::Stats;

/// How connections are taken in and let go.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Most connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Longest a client may take to send a request's head, and longest an idle keep-alive
    /// connection is kept.
    pub header_timeout: Duration,
    /// hyper's read buffer: a request head longer than this gets a bare 431 (the API's own JSON
    /// 431 and 414, from [`Limits`](crate::Limits), apply well below it).
    pub read_buffer: usize,
    /// Longest requests in flight get to finish after shutdown begins.
    pub grace: Duration,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            max_connections: 16_384,
            header_timeout: Duration::from_secs(30),
            read_buffer: 64 << 10,
            grace: Duration::from_secs(10),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// (at most [`ServeConfig::grace`]). Returns true when every connection closed in time.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: ServeConfig,
    stats: Arc<Stats>,
    shutdown: impl Future<Output = ()>,
) -> bool {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(config.header_timeout).max_buf_size(config.read_buffer.max(8192));
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
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
            () = &mut shutdown => break,
        };
        // TCP_NODELAY: an answer leaves as soon as it is written, not when Nagle's algorithm sees
        // an acknowledgement (as every HTTP server of the TechEmpower suite does).
        let _ = stream.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            stats.refused_connection();
            tokio::spawn(refuse(stream));
            continue;
        };
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let connection = graceful.watch(connection);
        let stats = stats.clone();
        stats.opened_connection();
        tokio::spawn(async move {
            let _ = connection.await;
            stats.closed_connection();
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => true,
        () = tokio::time::sleep(config.grace) => false,
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
        httpdate::fmt_http_date(std::time::SystemTime::now()),
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(answer.as_bytes())).await;
    let _ = stream.shutdown().await;
}
