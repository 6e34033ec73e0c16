//! The messages between the server and a SQL worker, over the worker's standard input and
//! output.
//!
//! Every message is a header and a body: `u32` little-endian header length, the header as JSON,
//! `u64` little-endian body length, the body bytes. The server sends [`Init`] once, then one
//! [`Request`] at a time; the worker answers [`Ready`] once, then one [`Reply`] per request
//! with the encoded answer as its body. Lengths are checked against limits before anything is
//! allocated, on both sides.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Limit};
use crate::sql::Format;

/// Largest header either side accepts: a request's SQL (64 KiB by default) and a `world` copy.
pub const MAX_HEADER: usize = 16 << 20;

/// What a worker needs to build its replica.
#[derive(Debug, Serialize, Deserialize)]
pub struct Init {
    /// Each dataset's name and `pages.arrow` file, the default first (mapped alone: a worker
    /// never needs the dump, and starts even while the dump is being replaced).
    pub pages: Vec<(String, PathBuf)>,
    /// Partitions (and threads) of a query.
    pub partitions: usize,
    /// The per-query memory limit (DataFusion's pool takes most of it).
    pub memory: usize,
    /// `fortune`'s rows: id and message.
    pub fortunes: Vec<(i32, String)>,
    /// `world`'s values, id 1 first.
    pub world: Vec<i32>,
}

/// The worker is ready for requests.
#[derive(Debug, Serialize, Deserialize)]
pub struct Ready {
    /// Its process id.
    pub pid: u32,
}

/// One query.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    /// The statement.
    pub sql: String,
    /// `$1`, `$2`, ... as JSON scalars.
    pub params: Vec<serde_json::Value>,
    /// How to encode the answer.
    pub format: Format,
    /// Most rows the answer may have.
    pub max_rows: usize,
    /// Most bytes the encoded answer may have.
    pub max_bytes: usize,
    /// Most heap bytes the query may hold.
    pub memory: usize,
    /// A newer copy of `world`'s values, when it changed since the worker's copy.
    pub world: Option<Vec<i32>>,
}

/// The outcome of one [`Request`]; an answer's bytes are the message's body.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    /// The answer's row count, or why there is none.
    pub outcome: Result<u64, Failure>,
    /// `world` rows the query read (the server counts them in `/stats`).
    pub world_rows_read: u64,
    /// The worker stops after this reply (DataFusion panicked: its state is not trusted).
    pub retire: bool,
}

/// An error, as it crosses the pipe.
#[derive(Debug, Serialize, Deserialize)]
pub struct Failure {
    /// [`Error::code`].
    pub code: String,
    /// For `sql_limit`, which limit.
    pub limit: Option<Limit>,
    /// The message.
    pub message: String,
}

impl From<&Error> for Failure {
    fn from(e: &Error) -> Failure {
        let limit = if let Error::SqlLimit { limit, .. } = e { Some(*limit) } else { None };
        Failure { code: e.code().to_string(), limit, message: e.to_string() }
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        match (f.code.as_str(), f.limit) {
            ("sql_limit", Some(limit)) => Error::SqlLimit { limit, message: f.message },
            ("sql_forbidden", _) => Error::SqlForbidden(f.message),
            ("sql_error", _) => Error::Sql(f.message),
            ("invalid_input", _) => Error::InvalidInput(f.message),
            _ => Error::Internal(f.message),
        }
    }
}

fn frame<H: Serialize>(header: &H, body_len: usize) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    let len = u32::try_from(json.len()).map_err(|_| io::Error::other("header too large"))?;
    let mut out = Vec::with_capacity(json.len() + 12);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&(body_len as u64).to_le_bytes());
    Ok(out)
}

fn too_long(what: &str, len: u64, max: usize) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("a {what} of {len} bytes, more than {max}"))
}

fn header<H: DeserializeOwned>(bytes: &[u8]) -> io::Result<H> {
    serde_json::from_slice(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes one message (blocking; the worker's side).
pub fn write<H: Serialize>(w: &mut impl Write, header: &H, body: &[u8]) -> io::Result<()> {
    w.write_all(&frame(header, body.len())?)?;
    w.write_all(body)?;
    w.flush()
}

/// Reads one message (blocking; the worker's side); `None` at a clean end of input.
pub fn read<H: DeserializeOwned>(r: &mut impl Read, max_body: usize) -> io::Result<Option<(H, Vec<u8>)>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < len.len() {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_HEADER {
        return Err(too_long("header", len as u64, MAX_HEADER));
    }
    let mut head = vec![0u8; len];
    r.read_exact(&mut head)?;
    let mut body_len = [0u8; 8];
    r.read_exact(&mut body_len)?;
    let body_len = u64::from_le_bytes(body_len);
    if body_len > max_body as u64 {
        return Err(too_long("body", body_len, max_body));
    }
    let mut body = vec![0u8; body_len as usize];
    r.read_exact(&mut body)?;
    Ok(Some((header(&head)?, body)))
}

/// Writes one message (async; the server's side).
pub async fn write_async<H: Serialize>(w: &mut (impl AsyncWrite + Unpin), header: &H, body: &[u8]) -> io::Result<()> {
    w.write_all(&frame(header, body.len())?).await?;
    w.write_all(body).await?;
    w.flush().await
}

/// Reads one message (async; the server's side). An end of input is an error here: the worker
/// owes an answer.
pub async fn read_async<H: DeserializeOwned>(
    r: &mut (impl AsyncRead + Unpin),
    max_body: usize,
) -> io::Result<(H, Vec<u8>)> {
    let len = r.read_u32_le().await? as usize;
    if len > MAX_HEADER {
        return Err(too_long("header", len as u64, MAX_HEADER));
    }
    let mut head = vec![0u8; len];
    r.read_exact(&mut head).await?;
    let body_len = r.read_u64_le().await?;
    if body_len > max_body as u64 {
        return Err(too_long("body", body_len, max_body));
    }
    let mut body = vec![0u8; body_len as usize];
    r.read_exact(&mut body).await?;
    Ok((header(&head)?, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_cross_both_ways_and_lengths_are_checked() {
        let reply = Reply { outcome: Ok(3), world_rows_read: 7, retire: false };
        let mut buf = Vec::new();
        write(&mut buf, &reply, b"[1,2,3]").unwrap();
        let (got, body): (Reply, _) = read_async(&mut buf.as_slice(), 100).await.unwrap();
        assert_eq!((got.outcome.unwrap(), got.world_rows_read, body.as_slice()), (3, 7, &b"[1,2,3]"[..]));
        assert!(read_async::<Reply>(&mut buf.as_slice(), 6).await.is_err(), "a body over the limit");

        let failure = Failure::from(&Error::limit(Limit::Bytes, "too big"));
        let mut buf = Vec::new();
        write_async(&mut buf, &Reply { outcome: Err(failure), world_rows_read: 0, retire: true }, b"").await.unwrap();
        let (got, _): (Reply, _) = read(&mut buf.as_slice(), 0).unwrap().unwrap();
        let e = Error::from(got.outcome.unwrap_err());
        assert!(matches!(e, Error::SqlLimit { limit: Limit::Bytes, .. }), "{e:?}");
        assert!(read::<Reply>(&mut &b""[..], 0).unwrap().is_none(), "a clean end of input");
        assert!(read::<Reply>(&mut &buf[..3], 0).is_err(), "a torn message");
    }
}
