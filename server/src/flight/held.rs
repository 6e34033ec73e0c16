//! [`Held`]: what Flight SQL keeps between one call and the next. A query runs when its
//! `GetFlightInfo` arrives (so that the answer's schema and size can be told); its answer is held
//! for the ticket until `DoGet` takes it, at most [`TTL`], within a byte budget and at most
//! [`MAX_ANSWERS`] of them (so that tiny answers never pile up: each call scans what is held). Prepared
//! statements are held (their SQL and bound parameters) until they are closed or go unused for
//! [`TTL`], at most [`MAX_PREPARED`] of them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use folio_engine::sql::ScalarValue;
use tonic::Status;

/// How long an answer waits for its `DoGet`, and a prepared statement for its next use.
pub const TTL: Duration = Duration::from_secs(60);

/// Most answers waiting for their `DoGet` at once; past it, new queries are refused.
pub const MAX_ANSWERS: usize = 1024;

/// Most prepared statements open at once; past it, the one unused longest is closed.
pub const MAX_PREPARED: usize = 1024;

/// A prepared statement: its SQL and the parameters bound last.
#[derive(Clone)]
pub struct Prepared {
    /// The statement.
    pub sql: String,
    /// `$1`, `$2`, ... as bound by the client's last `DoPut`.
    pub params: Vec<ScalarValue>,
}

/// Answers waiting for their tickets, and prepared statements (see the [module](self)).
pub struct Held {
    answers: Mutex<HashMap<u128, (Bytes, Instant)>>,
    prepared: Mutex<Statements>,
    max_bytes: usize,
}

/// Prepared statements by handle, each with when it was last used, as a time (for [`TTL`]) and as
/// a count of uses of all (to close the one unused longest, even within one clock tick).
#[derive(Default)]
struct Statements {
    open: HashMap<u128, (Prepared, Instant, u64)>,
    uses: u64,
}

/// A handle as bytes on the wire, and back.
pub fn handle_bytes(handle: u128) -> Bytes {
    Bytes::copy_from_slice(&handle.to_le_bytes())
}

/// The handle in `bytes`, or an error naming `what` it should have been.
pub fn handle_of(bytes: &[u8], what: &str) -> Result<u128, Status> {
    let raw: [u8; 16] =
        bytes.try_into().map_err(|_| Status::invalid_argument(format!("bad_request: not a {what} of this server")))?;
    Ok(u128::from_le_bytes(raw))
}

impl Held {
    /// Holds at most `max_bytes` of answers at once.
    pub fn new(max_bytes: usize) -> Held {
        Held { answers: Mutex::default(), prepared: Mutex::default(), max_bytes }
    }

    /// Holds `answer` for a ticket; refuses when the answers held would pass the byte budget or
    /// [`MAX_ANSWERS`].
    pub fn hold(&self, answer: Bytes) -> Result<u128, Status> {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers.retain(|_, (_, at)| at.elapsed() < TTL);
        let held: usize = answers.values().map(|(b, _)| b.len()).sum();
        if held + answer.len() > self.max_bytes || answers.len() >= MAX_ANSWERS {
            return Err(Status::resource_exhausted(format!(
                "overloaded: {} answers of {held} bytes wait for their DoGet (at most {MAX_ANSWERS} \
                 and {} bytes are held); fetch them, or retry once they expire ({} s)",
                answers.len(),
                self.max_bytes,
                TTL.as_secs()
            )));
        }
        let handle = fastrand::u128(..);
        answers.insert(handle, (answer, Instant::now()));
        Ok(handle)
    }

    /// Takes the answer held for `handle`: a ticket is good for one `DoGet`.
    pub fn take(&self, handle: u128) -> Result<Bytes, Status> {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        match answers.remove(&handle) {
            Some((answer, at)) if at.elapsed() < TTL => Ok(answer),
            _ => Err(Status::not_found(format!(
                "page_not_found: no answer waits for this ticket: a ticket is good for one DoGet \
                 within {} s of its GetFlightInfo; ask again",
                TTL.as_secs()
            ))),
        }
    }

    /// Opens a prepared statement of `sql`.
    pub fn prepare(&self, sql: String) -> u128 {
        let mut statements = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        statements.open.retain(|_, (_, at, _)| at.elapsed() < TTL);
        if statements.open.len() >= MAX_PREPARED
            && let Some(oldest) = statements.open.iter().min_by_key(|(_, (_, _, used))| *used).map(|(h, _)| *h)
        {
            statements.open.remove(&oldest);
        }
        statements.uses += 1;
        let (handle, used) = (fastrand::u128(..), statements.uses);
        statements.open.insert(handle, (Prepared { sql, params: Vec::new() }, Instant::now(), used));
        handle
    }

    /// The prepared statement of `handle`, after `update` (binding parameters, say).
    pub fn with_prepared(&self, handle: u128, update: impl FnOnce(&mut Prepared)) -> Result<Prepared, Status> {
        let mut statements = self.prepared.lock().unwrap_or_else(|e| e.into_inner());
        statements.uses += 1;
        let now = statements.uses;
        match statements.open.get_mut(&handle) {
            Some((statement, at, used)) if at.elapsed() < TTL => {
                update(statement);
                (*at, *used) = (Instant::now(), now);
                Ok(statement.clone())
            }
            _ => Err(Status::not_found(format!(
                "bad_request: no prepared statement has this handle: it was closed, or unused for {} s; \
                 prepare it again",
                TTL.as_secs()
            ))),
        }
    }

    /// Closes the prepared statement of `handle` (closing one that is gone is no error).
    pub fn close(&self, handle: u128) {
        self.prepared.lock().unwrap_or_else(|e| e.into_inner()).open.remove(&handle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_taken_once_and_the_budget_holds() {
        let held = Held::new(10);
        let a = held.hold(Bytes::from_static(b"123456")).unwrap();
        let refused = held.hold(Bytes::from_static(b"12345")).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert_eq!(held.take(a).unwrap(), "123456");
        assert_eq!(held.take(a).unwrap_err().code(), tonic::Code::NotFound);
        held.hold(Bytes::from_static(b"12345")).unwrap();
    }

    #[test]
    fn tiny_answers_stop_at_the_count_limit() {
        let held = Held::new(usize::MAX);
        let handles: Vec<u128> = (0..MAX_ANSWERS).map(|_| held.hold(Bytes::from_static(b"x")).unwrap()).collect();
        assert_eq!(held.hold(Bytes::from_static(b"x")).unwrap_err().code(), tonic::Code::ResourceExhausted);
        held.take(handles[0]).unwrap();
        held.hold(Bytes::from_static(b"x")).unwrap();
    }

    #[test]
    fn prepared_statements_bind_close_and_stay_bounded() {
        let held = Held::new(0);
        let first = held.prepare("SELECT $1".into());
        let bound = held.with_prepared(first, |p| p.params = vec![ScalarValue::Int64(Some(3))]).unwrap();
        assert_eq!((bound.sql.as_str(), bound.params.len()), ("SELECT $1", 1));
        held.close(first);
        assert!(held.with_prepared(first, |_| ()).is_err());
        let handles: Vec<u128> = (0..=MAX_PREPARED).map(|i| held.prepare(format!("SELECT {i}"))).collect();
        assert!(held.with_prepared(handles[0], |_| ()).is_err(), "the one unused longest was closed");
        assert!(held.with_prepared(handles[MAX_PREPARED], |_| ()).is_ok());
        assert_eq!(handle_of(&handle_bytes(handles[1]), "handle").unwrap(), handles[1]);
    }
}
