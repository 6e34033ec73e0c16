//! [`FlightSql`]: the Flight SQL calls Folio answers, each translated to the catalog's query
//! (see the [module](super) for the table of calls).

use std::io::Cursor;
use std::pin::Pin;

use arrow_array::RecordBatch;
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_server::FlightService;
use arrow_flight::sql::server::{FlightSqlService, PeekableFlightDataStream};
use arrow_flight::sql::{
    ActionBeginTransactionRequest, ActionBeginTransactionResult, ActionClosePreparedStatementRequest,
    ActionCreatePreparedStatementRequest, ActionCreatePreparedStatementResult, CommandGetCatalogs, CommandGetDbSchemas,
    CommandGetSqlInfo, CommandGetTableTypes, CommandGetTables, CommandPreparedStatementQuery,
    CommandPreparedStatementUpdate, CommandStatementIngest, CommandStatementQuery, CommandStatementUpdate,
    DoPutPreparedStatementResult, ProstMessageExt, SqlInfo, TicketStatementQuery,
};
use arrow_flight::{Action, FlightData, FlightDescriptor, FlightEndpoint, FlightInfo, Ticket};
use arrow_ipc::reader::StreamReader;
use bytes::Bytes;
use folio_engine::sql::{Format, ScalarValue, params_from_row};
use futures::{Stream, TryStreamExt};
use prost::Message;
use tonic::{Request, Response, Status};

use super::held::{Held, handle_bytes, handle_of};
use super::{engine_status, metadata, status};
use crate::state::AppState;

/// The stream of one `DoGet` answer.
pub(super) type DoGetStream = Pin<Box<dyn Stream<Item = Result<FlightData, Status>> + Send + 'static>>;

/// Folio's Flight SQL service over one server's state.
pub struct FlightSql {
    state: AppState,
    held: Held,
}

impl FlightSql {
    /// The service over `state`: answers wait for their tickets within four times the largest
    /// answer a query may have.
    pub fn new(state: AppState) -> FlightSql {
        let held = Held::new(state.catalog.limits().max_bytes.saturating_mul(4));
        FlightSql { state, held }
    }

    /// Runs `sql` with `params` within the server's limits; holds the answer for a ticket and
    /// describes it.
    async fn run(&self, sql: &str, params: &[ScalarValue], descriptor: FlightDescriptor) -> Result<FlightInfo, Status> {
        let _in_flight = self.state.admission.enter().map_err(status)?;
        let answer = self.state.catalog.query(sql, params, Format::Arrow).await.map_err(engine_status)?;
        let bytes = Bytes::from(answer.bytes);
        let schema = StreamReader::try_new(Cursor::new(&bytes[..]), None)
            .map_err(|e| Status::internal(format!("internal_error: the answer does not decode: {e}")))?
            .schema();
        let total_bytes = bytes.len() as i64;
        let handle = self.held.hold(bytes)?;
        let ticket = TicketStatementQuery { statement_handle: handle_bytes(handle) };
        FlightInfo::new().try_with_schema(&schema).map_err(|e| Status::internal(format!("internal_error: {e}"))).map(
            |info| {
                info.with_endpoint(FlightEndpoint::new().with_ticket(Ticket::new(ticket.as_any().encode_to_vec())))
                    .with_descriptor(descriptor)
                    .with_total_records(answer.rows as i64)
                    .with_total_bytes(total_bytes)
                    .with_ordered(true)
            },
        )
    }
}

/// `batches` as a `DoGet` stream of `schema`.
pub(super) fn flight_stream(
    schema: arrow_schema::SchemaRef,
    batches: Vec<Result<RecordBatch, FlightError>>,
) -> Response<DoGetStream> {
    let stream = FlightDataEncoderBuilder::new().with_schema(schema).build(futures::stream::iter(batches));
    Response::new(Box::pin(stream.map_err(Status::from)))
}

fn read_only(what: &str) -> Status {
    Status::permission_denied(format!(
        "sql_forbidden: {what}: Folio's SQL is read-only (world's updates go through GET /updates)"
    ))
}

#[tonic::async_trait]
impl FlightSqlService for FlightSql {
    type FlightService = FlightSql;

    async fn get_flight_info_statement(
        &self,
        query: CommandStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        if query.transaction_id.is_some() {
            return Err(Status::invalid_argument("bad_request: Folio has no transactions (its SQL only reads)"));
        }
        self.run(&query.query, &[], request.into_inner()).await.map(Response::new)
    }

    async fn get_flight_info_prepared_statement(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let handle = handle_of(&query.prepared_statement_handle, "prepared statement handle")?;
        let prepared = self.held.with_prepared(handle, |_| ())?;
        self.run(&prepared.sql, &prepared.params, request.into_inner()).await.map(Response::new)
    }

    async fn do_get_statement(
        &self,
        ticket: TicketStatementQuery,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let answer = self.held.take(handle_of(&ticket.statement_handle, "ticket")?)?;
        let reader = StreamReader::try_new(Cursor::new(answer), None)
            .map_err(|e| Status::internal(format!("internal_error: the answer does not decode: {e}")))?;
        let schema = reader.schema();
        Ok(flight_stream(schema, reader.map(|b| b.map_err(FlightError::from)).collect()))
    }

    async fn do_action_create_prepared_statement(
        &self,
        query: ActionCreatePreparedStatementRequest,
        _request: Request<Action>,
    ) -> Result<ActionCreatePreparedStatementResult, Status> {
        if query.transaction_id.is_some() {
            return Err(Status::invalid_argument("bad_request: Folio has no transactions (its SQL only reads)"));
        }
        // Refused at once if it cannot be a read-only query; planned when it runs.
        folio_engine::sql::guard::check(&query.query).map_err(engine_status)?;
        let handle = self.held.prepare(query.query);
        Ok(ActionCreatePreparedStatementResult {
            prepared_statement_handle: handle_bytes(handle),
            dataset_schema: Bytes::new(),
            parameter_schema: Bytes::new(),
        })
    }

    async fn do_put_prepared_statement_query(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<DoPutPreparedStatementResult, Status> {
        let handle = handle_of(&query.prepared_statement_handle, "prepared statement handle")?;
        let stream = request.into_inner().map_err(FlightError::from);
        let batches: Vec<RecordBatch> =
            FlightRecordBatchStream::new_from_flight_data(stream).try_collect().await.map_err(Status::from)?;
        let rows: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
        let params = match rows[..] {
            [] => Vec::new(),
            [row] => params_from_row(row).map_err(engine_status)?,
            _ => {
                let n: usize = rows.iter().map(|b| b.num_rows()).sum();
                return Err(Status::invalid_argument(format!(
                    "bad_request: {n} rows of parameters were bound; a query takes one row (one value per $n)"
                )));
            }
        };
        self.held.with_prepared(handle, |p| p.params = params)?;
        Ok(DoPutPreparedStatementResult { prepared_statement_handle: Some(handle_bytes(handle)) })
    }

    async fn do_action_close_prepared_statement(
        &self,
        query: ActionClosePreparedStatementRequest,
        _request: Request<Action>,
    ) -> Result<(), Status> {
        self.held.close(handle_of(&query.prepared_statement_handle, "prepared statement handle")?);
        Ok(())
    }

    async fn do_put_statement_update(
        &self,
        _query: CommandStatementUpdate,
        _request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        Err(read_only("an update statement"))
    }

    async fn do_put_prepared_statement_update(
        &self,
        _query: CommandPreparedStatementUpdate,
        _request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        Err(read_only("an update statement"))
    }

    async fn do_put_statement_ingest(
        &self,
        _query: CommandStatementIngest,
        _request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        Err(read_only("bulk ingestion"))
    }

    async fn do_action_begin_transaction(
        &self,
        _query: ActionBeginTransactionRequest,
        _request: Request<Action>,
    ) -> Result<ActionBeginTransactionResult, Status> {
        Err(Status::unimplemented("Folio has no transactions (its SQL only reads)"))
    }

    async fn get_flight_info_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        metadata::info(&query.clone().into_builder(metadata::sql_info()?).schema(), query.as_any(), request)
    }

    async fn do_get_sql_info(
        &self,
        query: CommandGetSqlInfo,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let builder = query.into_builder(metadata::sql_info()?);
        Ok(flight_stream(builder.schema(), vec![builder.build()]))
    }

    async fn get_flight_info_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        metadata::info(&query.into_builder().schema(), query.as_any(), request)
    }

    async fn do_get_catalogs(
        &self,
        query: CommandGetCatalogs,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        metadata::catalogs(&self.state, query).await
    }

    async fn get_flight_info_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        metadata::info(&query.clone().into_builder().schema(), query.as_any(), request)
    }

    async fn do_get_schemas(
        &self,
        query: CommandGetDbSchemas,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        metadata::schemas(&self.state, query).await
    }

    async fn get_flight_info_tables(
        &self,
        query: CommandGetTables,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        metadata::info(&query.clone().into_builder().schema(), query.as_any(), request)
    }

    async fn do_get_tables(
        &self,
        query: CommandGetTables,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        metadata::tables(&self.state, query).await
    }

    async fn get_flight_info_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        metadata::info(&query.into_builder().schema(), query.as_any(), request)
    }

    async fn do_get_table_types(
        &self,
        query: CommandGetTableTypes,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let mut builder = query.into_builder();
        for kind in metadata::TABLE_TYPES {
            builder.append(kind);
        }
        Ok(flight_stream(builder.schema(), vec![builder.build()]))
    }

    async fn register_sql_info(&self, _id: i32, _result: &SqlInfo) {}
}
