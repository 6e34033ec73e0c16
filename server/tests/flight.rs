//! Arrow Flight SQL in-process, through the `FlightService` calls a client makes (the ADBC
//! client's view is in tests/python/test_flight_sql.py): one in-flight limit with HTTP, a
//! ticket good for one `DoGet`, prepared statements checked when they are created.

use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_server::FlightService;
use arrow_flight::sql::{
    ActionCreatePreparedStatementRequest, ActionCreatePreparedStatementResult, Any, CommandPreparedStatementQuery,
    CommandStatementQuery, ProstMessageExt,
};
use arrow_flight::{Action, FlightDescriptor, FlightInfo, Ticket};
use folio_server::flight::FlightSql;
use futures::{StreamExt, TryStreamExt};
use prost::Message;
use tonic::{Code, Request};

use crate::inproc::{App, runtime, sample_index};

fn info(svc: &FlightSql, command: Any) -> Result<FlightInfo, tonic::Status> {
    let request = Request::new(FlightDescriptor::new_cmd(command.encode_to_vec()));
    runtime().block_on(svc.get_flight_info(request)).map(|r| r.into_inner())
}

fn statement(sql: &str) -> Any {
    CommandStatementQuery { query: sql.into(), transaction_id: None }.as_any()
}

/// The rows of the one endpoint of `info`, as JSON objects.
fn fetch(svc: &FlightSql, info: &FlightInfo) -> Result<Vec<serde_json::Value>, tonic::Status> {
    let ticket: Ticket = info.endpoint[0].ticket.clone().unwrap();
    runtime().block_on(async {
        let stream = svc.do_get(Request::new(ticket)).await?.into_inner();
        let batches: Vec<_> = FlightRecordBatchStream::new_from_flight_data(stream.map_err(FlightError::from))
            .try_collect()
            .await
            .map_err(tonic::Status::from)?;
        let mut writer = arrow_json::ArrayWriter::new(Vec::new());
        for b in &batches {
            writer.write(b).unwrap();
        }
        writer.finish().unwrap();
        let bytes = writer.into_inner();
        Ok(if bytes.is_empty() { Vec::new() } else { serde_json::from_slice(&bytes).unwrap() })
    })
}

#[test]
fn flight_calls_and_http_requests_share_one_in_flight_limit() {
    let app = App::over(sample_index(), &["--max-inflight", "1"]);
    let svc = FlightSql::new(app.state.clone());
    let held = app.state.admission.enter().unwrap();
    let refused = info(&svc, statement("SELECT 1 AS one")).unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused}");
    assert!(refused.message().starts_with("overloaded:"), "{refused}");
    app.get("/json").assert_error(503, "overloaded");
    drop(held);
    let answer = info(&svc, statement("SELECT 1 AS one")).unwrap();
    assert_eq!(fetch(&svc, &answer).unwrap(), [serde_json::json!({"one": 1})]);
    assert_eq!(app.get("/json").status, 200);
}

#[test]
fn a_ticket_is_good_for_one_do_get_and_answers_as_post_sql() {
    let app = App::sample();
    let svc = FlightSql::new(app.state.clone());
    let sql = "SELECT id, message FROM fortune ORDER BY id";
    let answer = info(&svc, statement(sql)).unwrap();
    assert_eq!(answer.total_records, 12);
    let rows = fetch(&svc, &answer).unwrap();
    assert_eq!(serde_json::Value::from(rows), app.post("/sql", "text/plain", sql).json());
    let again = fetch(&svc, &answer).unwrap_err();
    assert_eq!(again.code(), Code::NotFound, "{again}");
    let bad = info(&svc, statement("SELECT nope FROM fortune")).unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad}");
    assert!(bad.message().starts_with("sql_error:"), "{bad}");
}

#[test]
fn a_prepared_statement_is_checked_when_created_and_runs_with_its_parameters() {
    let app = App::sample();
    let svc = FlightSql::new(app.state.clone());
    let create = ActionCreatePreparedStatementRequest {
        query: "SELECT message FROM fortune WHERE id = $1".into(),
        transaction_id: None,
    };
    let action = Action::new("CreatePreparedStatement", create.as_any().encode_to_vec());
    let created = runtime().block_on(async {
        let mut results = svc.do_action(Request::new(action)).await.unwrap().into_inner();
        results.next().await.unwrap().unwrap()
    });
    let created: ActionCreatePreparedStatementResult = Any::decode(created.body).unwrap().unpack().unwrap().unwrap();
    let handle = created.prepared_statement_handle;
    // A write cannot even be prepared.
    let write = ActionCreatePreparedStatementRequest { query: "DELETE FROM world".into(), transaction_id: None };
    let refused = runtime()
        .block_on(svc.do_action(Request::new(Action::new("CreatePreparedStatement", write.as_any().encode_to_vec()))))
        .err()
        .unwrap();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused}");
    // Unbound, $1 has no value: DataFusion's own error, as /sql gives it.
    let query = CommandPreparedStatementQuery { prepared_statement_handle: handle.clone() };
    let unbound = info(&svc, query.as_any()).unwrap_err();
    assert_eq!(unbound.code(), Code::InvalidArgument, "{unbound}");
    // Parameters travel in a DoPut stream: the Python test binds them with ADBC.
}
