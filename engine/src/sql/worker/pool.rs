//! The server's side: [`Pool`] keeps up to [`SqlLimits::slots`] worker processes, gives each
//! one query at a time, and stops a query by killing its worker.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::wire::{self, Init, Ready, Reply, Request};
use crate::alloc::MEMORY_LIMIT_MARKER;
use crate::error::{Error, Limit, Result};
use crate::sql::world::WorldRows;
use crate::sql::{Encoded, Format, SqlLimits};

/// How long a new worker may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of a worker's standard error kept for the message of a crash.
const TAIL_LINES: usize = 8;

/// How to start a worker process: a program that runs [`serve`](super::serve) on its standard
/// input and output (`folio-server __sql-worker`).
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// What the pool has done, for `/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Queries that may run at once (one worker each).
    pub slots: usize,
    /// Queries running now (each holds a slot).
    pub busy: usize,
    /// Process ids of the workers alive now.
    pub pids: Vec<u32>,
    /// Workers started (including replacements).
    pub started: u64,
    /// Workers killed because their query passed the time limit.
    pub killed_time: u64,
    /// Workers that stopped because their query passed the memory limit.
    pub killed_memory: u64,
    /// Workers that stopped because their query passed the stack.
    pub killed_stack: u64,
    /// Workers that answered after DataFusion panicked, and then stopped.
    pub retired: u64,
    /// Workers that stopped for any other reason (a bug), or whose caller went away.
    pub lost: u64,
}

/// The worker processes of ad-hoc queries.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    command: WorkerCommand,
    pages: Vec<(String, PathBuf)>,
    /// Bumped by [`Pool::renew`]; a worker of an older generation is not given another query.
    generation: AtomicU64,
    fortunes: Vec<(i32, String)>,
    world: Arc<WorldRows>,
    limits: SqlLimits,
    idle: Mutex<Vec<Worker>>,
    slots: Arc<Semaphore>,
    queue: Arc<Semaphore>,
    pids: Mutex<BTreeSet<u32>>,
    started: AtomicU64,
    killed_time: AtomicU64,
    killed_memory: AtomicU64,
    killed_stack: AtomicU64,
    retired: AtomicU64,
    lost: AtomicU64,
}

/// What a worker said on standard error since its current query started.
#[derive(Default)]
struct Tail {
    memory: bool,
    stack: bool,
    lines: Vec<String>,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::BufReader<ChildStdout>,
    tail: Arc<Mutex<Tail>>,
    stderr: tokio::task::JoinHandle<()>,
    world_version: u64,
    generation: u64,
    pid: u32,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// A pool that starts workers with `command`; they serve the page tables of `pages`, a copy of `fortunes` and a copy of `world` kept current. Starts [`SqlLimits::slots`] workers in
    /// the background (call inside a Tokio runtime).
    pub fn new(
        command: WorkerCommand,
        pages: Vec<(String, PathBuf)>,
        fortunes: Vec<(i32, String)>,
        world: Arc<WorldRows>,
        limits: SqlLimits,
    ) -> Pool {
        let slots = limits.slots();
        let inner = Arc::new(Inner {
            command,
            pages,
            generation: AtomicU64::new(0),
            fortunes,
            world,
            idle: Mutex::new(Vec::new()),
            slots: Arc::new(Semaphore::new(slots)),
            queue: Arc::new(Semaphore::new(limits.queue.max(slots))),
            limits,
            pids: Mutex::default(),
            started: AtomicU64::new(0),
            killed_time: AtomicU64::new(0),
            killed_memory: AtomicU64::new(0),
            killed_stack: AtomicU64::new(0),
            retired: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        });
        for _ in 0..slots {
            inner.replace();
        }
        Pool { inner }
    }

    /// Replaces the workers with new ones, which map the page tables anew: the idle ones now,
    /// a busy one once its query is answered.
    pub fn renew(&self) {
        let inner = &self.inner;
        inner.generation.fetch_add(1, Ordering::AcqRel);
        let stale = std::mem::take(&mut *lock(&inner.idle));
        for worker in stale {
            lock(&inner.pids).remove(&worker.pid);
            drop(worker);
            inner.replace();
        }
    }

    /// What the pool has done.
    pub fn stats(&self) -> PoolStats {
        let i = &self.inner;
        PoolStats {
            slots: i.limits.slots(),
            busy: i.limits.slots().saturating_sub(i.slots.available_permits()),
            pids: lock(&i.pids).iter().copied().collect(),
            started: i.started.load(Ordering::Relaxed),
            killed_time: i.killed_time.load(Ordering::Relaxed),
            killed_memory: i.killed_memory.load(Ordering::Relaxed),
            killed_stack: i.killed_stack.load(Ordering::Relaxed),
            retired: i.retired.load(Ordering::Relaxed),
            lost: i.lost.load(Ordering::Relaxed),
        }
    }

    /// Runs one query on a worker within the limits. If the returned future is dropped (the
    /// client went away), the worker is killed, which stops the query at once.
    pub async fn query(&self, sql: &str, params: Vec<serde_json::Value>, format: Format) -> Result<Encoded> {
        let inner = &self.inner;
        let limits = &inner.limits;
        let _queued = inner.queue.clone().try_acquire_owned().map_err(|_| {
            Error::Overloaded(format!("{} SQL queries are running or waiting; retry in a second", limits.queue))
        })?;
        let slot = tokio::time::timeout(limits.timeout, inner.slots.clone().acquire_owned())
            .await
            .map_err(|_| {
                Error::Overloaded(format!(
                    "every SQL worker was busy for {:.1} s; retry in a second",
                    limits.timeout.as_secs_f64()
                ))
            })?
            .map_err(|_| Error::Overloaded("the SQL pool is closed".into()))?;
        let worker = match inner.take_idle() {
            Some(w) => w,
            None => inner.start().await?,
        };
        let mut lease = Lease { worker: Some(worker), inner: inner.clone(), _slot: slot };
        let (version, world) = match inner.world.version() {
            v if Some(v) == lease.worker.as_ref().map(|w| w.world_version) => (v, None),
            _ => {
                let (v, values) = inner.world.copy();
                (v, Some(values))
            }
        };
        let request = Request {
            sql: sql.to_string(),
            params,
            format,
            max_rows: limits.max_rows,
            max_bytes: limits.max_bytes,
            memory: limits.memory,
            world,
        };
        lease.run(&request, version).await
    }
}

/// A worker lent to one query; dropped unanswered, it kills the worker and starts another.
struct Lease {
    worker: Option<Worker>,
    inner: Arc<Inner>,
    _slot: OwnedSemaphorePermit,
}

impl Lease {
    async fn run(&mut self, request: &Request, version: u64) -> Result<Encoded> {
        let gone = || Error::Internal("the SQL worker of this query was already gone".into());
        let limits = &self.inner.limits;
        let worker = self.worker.as_mut().ok_or_else(gone)?;
        *lock(&worker.tail) = Tail::default();
        let exchange = async {
            wire::write_async(&mut worker.stdin, request, b"").await?;
            wire::read_async::<Reply>(&mut worker.stdout, limits.max_bytes).await
        };
        let outcome = tokio::time::timeout(limits.timeout, exchange).await;
        // Answered or not, the worker leaves the lease here (no await in between), so a
        // cancelled query is the only way a lease drops with its worker.
        let mut worker = self.worker.take().ok_or_else(gone)?;
        match outcome {
            Ok(Ok((reply, body))) => {
                worker.world_version = version;
                self.inner.world.reads.fetch_add(reply.world_rows_read, Ordering::Relaxed);
                if reply.retire {
                    // It stops after a panic: wait for it, start another.
                    let _ = worker.child.wait().await;
                    lock(&self.inner.pids).remove(&worker.pid);
                    self.inner.retired.fetch_add(1, Ordering::Relaxed);
                    self.inner.replace();
                } else {
                    self.inner.put_idle(worker);
                }
                let rows = reply.outcome.map_err(Error::from)?;
                Ok(Encoded { bytes: body, rows })
            }
            Ok(Err(io)) => Err(self.inner.lost(worker, io).await),
            Err(_) => {
                self.inner.kill(worker).await;
                self.inner.killed_time.fetch_add(1, Ordering::Relaxed);
                self.inner.replace();
                Err(Error::limit(
                    Limit::Time,
                    format!(
                        "the query ran longer than {:.1} s (the time limit) and was stopped",
                        limits.timeout.as_secs_f64()
                    ),
                ))
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            // Cancelled mid-query: the worker's state is unknown. Dropping the child kills it.
            lock(&self.inner.pids).remove(&worker.pid);
            self.inner.lost.fetch_add(1, Ordering::Relaxed);
            drop(worker);
            self.inner.replace();
        }
    }
}

impl Inner {
    fn take_idle(&self) -> Option<Worker> {
        lock(&self.idle).pop()
    }

    fn put_idle(self: &Arc<Self>, worker: Worker) {
        if worker.generation != self.generation.load(Ordering::Acquire) {
            // Started before a renewal: its page tables may be an old index's.
            lock(&self.pids).remove(&worker.pid);
            drop(worker);
            self.replace();
            return;
        }
        let mut idle = lock(&self.idle);
        if idle.len() < self.limits.slots() {
            idle.push(worker);
        } else {
            lock(&self.pids).remove(&worker.pid);
        }
    }

    /// Starts a worker in the background and adds it to the idle ones.
    fn replace(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let inner = self.clone();
        runtime.spawn(async move {
            match inner.start().await {
                Ok(worker) => inner.put_idle(worker),
                Err(e) => tracing::error!("cannot start a SQL worker: {e}"),
            }
        });
    }

    /// Starts a worker and waits until it is ready.
    async fn start(&self) -> Result<Worker> {
        let generation = self.generation.load(Ordering::Acquire);
        let program = &self.command.program;
        let mut child = Command::new(program)
            .args(&self.command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // An allocation refused at the limit aborts the worker; a backtrace would only
            // allocate again.
            .env("RUST_BACKTRACE", "0")
            .spawn()
            .map_err(|e| Error::Internal(format!("cannot start the SQL worker {}: {e}", program.display())))?;
        let pid = child.id().unwrap_or(0);
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(Error::Internal("the SQL worker has no pipes".into()));
        };
        let tail = Arc::new(Mutex::new(Tail::default()));
        let stderr = tokio::spawn(read_stderr(stderr, tail.clone(), pid));
        let (world_version, world) = self.world.copy();
        let mut worker = Worker {
            child,
            stdin,
            stdout: tokio::io::BufReader::new(stdout),
            tail,
            stderr,
            world_version,
            generation,
            pid,
        };
        let init = Init {
            pages: self.pages.clone(),
            partitions: self.limits.partitions,
            memory: self.limits.memory,
            fortunes: self.fortunes.clone(),
            world,
        };
        let hello = async {
            wire::write_async(&mut worker.stdin, &init, b"").await?;
            wire::read_async::<Ready>(&mut worker.stdout, 0).await
        };
        match tokio::time::timeout(START_TIMEOUT, hello).await {
            Ok(Ok(_)) => {
                self.started.fetch_add(1, Ordering::Relaxed);
                lock(&self.pids).insert(pid);
                Ok(worker)
            }
            Ok(Err(e)) => {
                let _ = worker.child.wait().await;
                let _ = tokio::time::timeout(Duration::from_secs(2), &mut worker.stderr).await;
                let said = lock(&worker.tail).lines.join(" / ");
                Err(Error::Internal(format!("the SQL worker did not start ({e}): {said}")))
            }
            Err(_) => {
                self.kill(worker).await;
                Err(Error::Internal(format!("the SQL worker did not start within {} s", START_TIMEOUT.as_secs())))
            }
        }
    }

    /// Kills a worker and waits until it is gone: its query uses no more CPU or memory.
    async fn kill(&self, mut worker: Worker) {
        let _ = worker.child.kill().await;
        lock(&self.pids).remove(&worker.pid);
    }

    /// The error for a worker whose pipe broke mid-query: it died. Reads why from its last words.
    async fn lost(self: &Arc<Self>, mut worker: Worker, io: std::io::Error) -> Error {
        let status = worker.child.wait().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut worker.stderr).await;
        lock(&self.pids).remove(&worker.pid);
        self.replace();
        let tail = std::mem::take(&mut *lock(&worker.tail));
        let memory = self.limits.memory;
        if tail.memory {
            self.killed_memory.fetch_add(1, Ordering::Relaxed);
            Error::limit(
                Limit::Memory,
                format!(
                    "the query needed more than {} MiB (the memory limit) and was stopped",
                    memory.div_ceil(1 << 20)
                ),
            )
        } else if tail.stack {
            self.killed_stack.fetch_add(1, Ordering::Relaxed);
            Error::limit(Limit::Stack, "the query nests too deeply for the worker's stack and was stopped; simplify it")
        } else {
            self.lost.fetch_add(1, Ordering::Relaxed);
            let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
            Error::Internal(format!(
                "the SQL worker stopped ({status}; {io}) while running the query, and was replaced; it said: {}",
                tail.lines.join(" / ")
            ))
        }
    }
}

/// Forwards a worker's standard error to the server's, and notes what explains a death.
async fn read_stderr(stderr: tokio::process::ChildStderr, tail: Arc<Mutex<Tail>>, pid: u32) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut t = lock(&tail);
        if line.starts_with(MEMORY_LIMIT_MARKER) {
            t.memory = true;
            continue;
        }
        if line.contains("has overflowed its stack") {
            t.stack = true;
        }
        tracing::warn!(target: "folio_sql_worker", pid, "{line}");
        if t.lines.len() == TAIL_LINES {
            t.lines.remove(0);
        }
        t.lines.push(line);
    }
}
