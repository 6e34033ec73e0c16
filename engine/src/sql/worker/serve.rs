//! The worker's side: [`serve`] reads requests from standard input and writes replies to
//! standard output until its input ends.

use std::io::{BufReader, BufWriter};
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;

use super::wire::{self, Failure, Init, Ready, Reply, Request};
use crate::PageTable;
use crate::error::{Error, Limit, Result};
use crate::sql::{Fortune, Replica, SqlLimits, param_from_json};
use crate::sys::alloc;

/// Niceness of a worker: the serving process wins the CPU when both want it.
const NICE: i32 = 10;

/// Runs a SQL worker on this process's standard input and output (what `folio-server`'s hidden
/// `__sql-worker` command does). Refuses to start unless [`alloc::Metered`] is the global
/// allocator, since no memory limit would hold without it.
pub fn serve() -> ExitCode {
    if !alloc::installed() {
        tell_server(
            "the metered allocator is not this binary's global allocator; \
             refusing to run queries without a memory limit",
        );
        return ExitCode::from(2);
    }
    let _ = rustix::process::setpriority_process(None, NICE);
    // A worker never outlives its server, even one killed with SIGKILL mid-query.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tell_server(&e.to_string());
            ExitCode::FAILURE
        }
    }
}

/// A line for the server: a worker's standard error is a pipe that the server reads (for the
/// memory-limit marker, [`super::pool`]) and logs line by line, so the worker has no logger.
fn tell_server(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn pipe(e: std::io::Error) -> Error {
    Error::io("<server pipe>", e)
}

fn run() -> Result<()> {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let Some((init, _)) = wire::read::<Init>(&mut input, 0).map_err(pipe)? else { return Ok(()) };
    let pages = init
        .pages
        .iter()
        .map(|(name, file)| PageTable::open(file).map(|table| (name.clone(), table)))
        .collect::<Result<Vec<_>>>()?;
    let limits = SqlLimits { memory: init.memory, partitions: init.partitions.max(1), ..SqlLimits::default() };
    let fortunes: Vec<Fortune> = init.fortunes.into_iter().map(|(id, message)| Fortune { id, message }).collect();
    let replica = Replica::new(init.world, &fortunes, &pages, &limits)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(limits.partitions)
        .thread_name("folio-sql-worker")
        .enable_time()
        .build()
        .map_err(pipe)?;
    wire::write(&mut output, &Ready { pid: std::process::id() }, b"").map_err(pipe)?;
    while let Some((request, _)) = wire::read::<Request>(&mut input, 0).map_err(pipe)? {
        let (reply, body) = answer(&replica, &runtime, request);
        wire::write(&mut output, &reply, &body).map_err(pipe)?;
        if reply.retire {
            // A panic may have left the replica half-changed: the server starts a fresh worker.
            return Err(Error::Internal("stopping after a panic".into()));
        }
    }
    Ok(())
}

/// Runs one request under its memory limit; the reply and its body.
fn answer(replica: &Replica, runtime: &tokio::runtime::Runtime, request: Request) -> (Reply, Vec<u8>) {
    if let Some(world) = request.world {
        replica.set_world(world);
    }
    let read_before = replica.world_rows_read();
    let params = request.params.iter().map(param_from_json).collect::<Result<Vec<_>>>();
    alloc::arm(request.memory);
    let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let params = params?;
        runtime.block_on(replica.query(&request.sql, &params, request.format, request.max_rows, request.max_bytes))
    }));
    let refused = alloc::refused();
    alloc::disarm();
    let world_rows_read = replica.world_rows_read() - read_before;
    match run {
        Ok(Ok(answer)) => (Reply { outcome: Ok(answer.rows), world_rows_read, retire: false }, answer.bytes),
        Ok(Err(e)) => {
            // A fallible allocation refused by the meter surfaces as whatever error its caller
            // makes of it; the cause is the memory limit.
            let e = match e {
                Error::Sql(message) if refused => Error::limit(
                    Limit::Memory,
                    format!("the query needed more memory than its limit allows ({message})"),
                ),
                e => e,
            };
            (Reply { outcome: Err(Failure::from(&e)), world_rows_read, retire: false }, Vec::new())
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic");
            // DataFusion and Arrow panic on some inputs they cannot hold (an array past 2 GiB:
            // "offset overflow"). The query is at fault, not the server: a SQL error.
            let e = Error::Sql(format!(
                "DataFusion failed on this query ({what}); it was stopped, and nothing else was affected"
            ));
            (Reply { outcome: Err(Failure::from(&e)), world_rows_read, retire: true }, Vec::new())
        }
    }
}
