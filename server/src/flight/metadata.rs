//! What Flight SQL clients ask about the server and its tables (`GetSqlInfo`, `GetCatalogs`,
//! `GetDbSchemas`, `GetTables`, `GetTableTypes`), answered from DataFusion's
//! `information_schema` through the same catalog as every query: the tables are named in one
//! place, the engine's session.

use std::io::Cursor;
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_flight::sql::metadata::{SqlInfoData, SqlInfoDataBuilder};
use arrow_flight::sql::{CommandGetCatalogs, CommandGetDbSchemas, CommandGetTables, SqlInfo};
use arrow_flight::{FlightDescriptor, FlightEndpoint, FlightInfo, Ticket};
use arrow_ipc::reader::StreamReader;
use arrow_schema::Schema;
use folio_engine::sql::Format;
use prost::Message;
use tonic::{Request, Response, Status};

use super::service::flight_stream;
use super::{engine_status, status};
use crate::state::AppState;

/// The table types there are: DataFusion's base tables and views, by their Flight SQL names.
pub const TABLE_TYPES: [&str; 2] = ["TABLE", "VIEW"];

/// The stream type of `DoGet`.
type DoGet = Response<super::service::DoGetStream>;

/// What `GetSqlInfo` says of this server.
pub fn sql_info() -> Result<&'static SqlInfoData, Status> {
    static INFO: OnceLock<Result<SqlInfoData, String>> = OnceLock::new();
    let info = INFO.get_or_init(|| {
        let mut builder = SqlInfoDataBuilder::new();
        builder.append(SqlInfo::FlightSqlServerName, "Folio");
        builder.append(SqlInfo::FlightSqlServerVersion, env!("CARGO_PKG_VERSION"));
        builder.append(SqlInfo::FlightSqlServerArrowVersion, "1.5");
        builder.append(SqlInfo::FlightSqlServerReadOnly, true);
        builder.append(SqlInfo::FlightSqlServerSql, true);
        builder.append(SqlInfo::FlightSqlServerSubstrait, false);
        builder.append(SqlInfo::FlightSqlServerTransaction, 0i32);
        builder.append(SqlInfo::FlightSqlServerCancel, false);
        builder.append(SqlInfo::SqlIdentifierQuoteChar, "\"");
        builder.build().map_err(|e| e.to_string())
    });
    info.as_ref().map_err(|e| Status::internal(format!("internal_error: {e}")))
}

/// The `FlightInfo` of a metadata command: its schema, and the command itself as the ticket.
pub fn info(
    schema: &Schema,
    command: arrow_flight::sql::Any,
    request: Request<FlightDescriptor>,
) -> Result<Response<FlightInfo>, Status> {
    let ticket = Ticket::new(command.encode_to_vec());
    let info = FlightInfo::new()
        .try_with_schema(schema)
        .map_err(|e| Status::internal(format!("internal_error: {e}")))?
        .with_endpoint(FlightEndpoint::new().with_ticket(ticket))
        .with_descriptor(request.into_inner());
    Ok(Response::new(info))
}

/// The Arrow answer of a read-only query (over `information_schema`, say), admitted like any call.
async fn answer(state: &AppState, sql: &str) -> Result<StreamReader<Cursor<Vec<u8>>>, Status> {
    let _in_flight = state.admission.enter().map_err(status)?;
    let answer = state.catalog.query(sql, &[], Format::Arrow).await.map_err(engine_status)?;
    StreamReader::try_new(Cursor::new(answer.bytes), None)
        .map_err(|e| Status::internal(format!("internal_error: the answer does not decode: {e}")))
}

/// The rows of a read-only query.
async fn rows(state: &AppState, sql: &str) -> Result<Vec<RecordBatch>, Status> {
    answer(state, sql).await?.collect::<Result<_, _>>().map_err(|e| Status::internal(format!("internal_error: {e}")))
}

/// Column `i` of every row of `batches`, as strings.
fn strings(batches: &[RecordBatch], i: usize) -> Vec<String> {
    let mut out = Vec::new();
    for batch in batches {
        let column = batch.column(i);
        let value = |j: usize| -> String {
            if column.is_null(j) {
                String::new()
            } else if let Some(a) = column.as_string_opt::<i32>() {
                a.value(j).to_string()
            } else if let Some(a) = column.as_string_view_opt() {
                a.value(j).to_string()
            } else {
                String::new()
            }
        };
        out.extend((0..batch.num_rows()).map(value));
    }
    out
}

/// A name quoted as a SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `GetCatalogs`.
pub async fn catalogs(state: &AppState, query: CommandGetCatalogs) -> Result<DoGet, Status> {
    let batches = rows(state, "SELECT catalog_name FROM information_schema.schemata ORDER BY 1").await?;
    let mut builder = query.into_builder();
    let mut names = strings(&batches, 0);
    names.dedup();
    for name in names {
        builder.append(name);
    }
    Ok(flight_stream(builder.schema(), vec![builder.build()]))
}

/// `GetDbSchemas` (the builder applies the client's filters).
pub async fn schemas(state: &AppState, query: CommandGetDbSchemas) -> Result<DoGet, Status> {
    let sql = "SELECT catalog_name, schema_name FROM information_schema.schemata ORDER BY 1, 2";
    let batches = rows(state, sql).await?;
    let mut builder = query.into_builder();
    for (catalog, schema) in strings(&batches, 0).into_iter().zip(strings(&batches, 1)) {
        builder.append(catalog, schema);
    }
    Ok(flight_stream(builder.schema(), vec![builder.build()]))
}

/// `GetTables` (the builder applies the client's filters), with each table's Arrow schema when
/// asked: the schema of its answer to `SELECT * ... LIMIT 0`.
pub async fn tables(state: &AppState, query: CommandGetTables) -> Result<DoGet, Status> {
    let sql =
        "SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables ORDER BY 1, 2, 3";
    let batches = rows(state, sql).await?;
    let mut builder = query.into_builder();
    let columns: Vec<Vec<String>> = (0..4).map(|i| strings(&batches, i)).collect();
    for (((catalog, schema), table), kind) in columns[0].iter().zip(&columns[1]).zip(&columns[2]).zip(&columns[3]) {
        let kind = if kind == "BASE TABLE" { "TABLE" } else { kind.as_str() };
        let fields = if builder.include_schema() {
            let sql = format!("SELECT * FROM {}.{}.{} LIMIT 0", quoted(catalog), quoted(schema), quoted(table));
            answer(state, &sql).await?.schema()
        } else {
            std::sync::Arc::new(Schema::empty())
        };
        builder.append(catalog, schema, table, kind, &fields).map_err(|e| Status::internal(e.to_string()))?;
    }
    Ok(flight_stream(builder.schema(), vec![builder.build()]))
}
