//! Arrow Flight SQL on its own port (`--flight ADDR`): what ADBC, `pyarrow.flight`, JDBC and
//! DBeaver speak. It answers the same read-only SQL as `POST /sql` on the same tables, through
//! the same catalog (its worker processes, its guard and its limits), and every call counts
//! against the server's in-flight limit with the HTTP requests ([`crate::admit`]).
//!
//! | Flight SQL call | what Folio does |
//! |---|---|
//! | `GetFlightInfo(CommandStatementQuery)` | runs the query, holds its Arrow answer for one ticket (`held.rs`) |
//! | `DoGet(TicketStatementQuery)` | streams the held answer |
//! | `CreatePreparedStatement`, `DoPut(CommandPreparedStatementQuery)`, `ClosePreparedStatement` | keeps the SQL and the one row of parameters bound last (`$1`, `$2`, ...) |
//! | `GetFlightInfo(CommandPreparedStatementQuery)` | runs it with those parameters, as a statement |
//! | `GetSqlInfo`, `GetCatalogs`, `GetDbSchemas`, `GetTables`, `GetTableTypes` | from DataFusion's `information_schema` (`metadata.rs`) |
//! | updates, ingestion, transactions, Substrait | refused: `PERMISSION_DENIED` or `UNIMPLEMENTED` |
//!
//! Errors carry the stable code of the HTTP error table first (`sql_forbidden: ...`), and a gRPC
//! status of the same meaning ([`status`]).

mod held;
mod metadata;
mod service;

use std::future::Future;
use std::net::SocketAddr;

use anyhow::{Context, Result};
use arrow_flight::flight_service_server::FlightServiceServer;
use tonic::Status;

use crate::error::{ApiError, Code};
use crate::state::AppState;
pub use service::FlightSql;

/// A bound Flight SQL listener, not yet serving.
pub struct FlightListener {
    listener: tokio::net::TcpListener,
}

impl FlightListener {
    /// Binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr) -> Result<FlightListener> {
        let listener =
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (--flight)"))?;
        Ok(FlightListener { listener })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves Flight SQL over `state` until `shutdown` resolves; calls in flight then finish.
    pub async fn serve(self, state: AppState, shutdown: impl Future<Output = ()>) -> Result<()> {
        let incoming = tonic::transport::server::TcpIncoming::from(self.listener).with_nodelay(Some(true));
        tonic::transport::Server::builder()
            .add_service(FlightServiceServer::new(FlightSql::new(state)))
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await
            .context("serving Flight SQL")
    }
}

/// An API error as a gRPC status of the same meaning, its stable code first in the message.
pub fn status(e: ApiError) -> Status {
    let message = match e.limit {
        Some(limit) => format!("{} ({limit}): {}", e.code.as_str(), e.message),
        None => format!("{}: {}", e.code.as_str(), e.message),
    };
    match e.code {
        Code::SqlForbidden | Code::ReadOnly => Status::permission_denied(message),
        Code::SqlLimit if e.limit == Some("time") => Status::deadline_exceeded(message),
        Code::SqlLimit | Code::BodyTooLarge => Status::resource_exhausted(message),
        Code::Overloaded | Code::NotReady | Code::WriteUnavailable | Code::DumpChanged | Code::DumpDamaged => {
            Status::unavailable(message)
        }
        c if c.status().is_client_error() => Status::invalid_argument(message),
        _ => Status::internal(message),
    }
}

/// An engine error as a gRPC status (through the one error table).
pub fn engine_status(e: folio_engine::Error) -> Status {
    status(ApiError::from(e))
}
