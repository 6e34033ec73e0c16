//! The `world` table's store: 10,000 `randomNumber`s in memory, a write-ahead log, and the
//! thread that commits updates in groups.
//!
//! Reads take a read lock and copy what they need. Updates go to one writer thread, which
//! gathers every update waiting for it into one log record (group commit), writes it, waits for
//! `fdatasync`, then applies it in memory and acknowledges each caller: an acknowledged update is
//! on disk, and a read that follows an acknowledgement sees it. When the log passes
//! [`CHECKPOINT_BYTES`] (and at shutdown) the writer publishes a new `world.arrow` and empties
//! the log.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;

use futures::channel::oneshot;

use super::follow::Follower;
use super::tables::{self, world_batch, world_schema};
use super::wal::{Log, Update};
use crate::error::{Error, Result};

/// The log size above which the writer publishes a checkpoint and empties the log.
pub const CHECKPOINT_BYTES: u64 = 16 << 20;
/// Most commit requests gathered into one log record.
const MAX_GROUP: usize = 4096;

/// The in-memory rows and counters, shared by the table provider and the writer thread.
#[derive(Debug)]
pub struct WorldRows {
    values: RwLock<Vec<i32>>,
    /// Bumped with every change of the values (under the write lock): a copy made at version
    /// `v` is current while this is still `v`.
    version: AtomicU64,
    /// Rows read (every row a scan or a point lookup returns).
    pub reads: AtomicU64,
    /// Rows updated by acknowledged commits.
    pub updated: AtomicU64,
    /// Log records written.
    pub commits: AtomicU64,
}

impl WorldRows {
    /// Rows with `values` (index 0 is id 1) and zeroed counters.
    pub fn new(values: Vec<i32>) -> WorldRows {
        WorldRows {
            values: RwLock::new(values),
            version: AtomicU64::new(0),
            reads: AtomicU64::new(0),
            updated: AtomicU64::new(0),
            commits: AtomicU64::new(0),
        }
    }

    // The rows are plain integers, always consistent between two statements: a panic elsewhere
    // while a lock was held (a poisoned lock) leaves nothing to repair, so the guard is taken anyway.
    fn read(&self) -> RwLockReadGuard<'_, Vec<i32>> {
        self.values.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Vec<i32>> {
        self.values.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of rows (ids run from 1 to this).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// The randomNumber of row `id`, counted as one row read.
    pub fn get(&self, id: i64) -> Option<i32> {
        let index = usize::try_from(id.checked_sub(1)?).ok()?;
        let value = *self.read().get(index)?;
        self.reads.fetch_add(1, Ordering::Relaxed);
        Some(value)
    }

    /// The version of the values: changes whenever they do.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// A consistent copy of every row and the version it is of, not counted as rows read (it
    /// refreshes a worker's copy; the worker counts what its queries read).
    pub fn copy(&self) -> (u64, Vec<i32>) {
        let values = self.read();
        (self.version(), values.clone())
    }

    /// Replaces every value (a worker's copy, refreshed).
    pub fn replace(&self, new: Vec<i32>) {
        let mut values = self.write();
        *values = new;
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Replaces every value with `new` (a follower catching up with its writer); returns the
    /// ids whose value changed.
    pub(super) fn catch_up(&self, new: Vec<i32>) -> Vec<u32> {
        let mut values = self.write();
        let changed = values.iter().zip(&new).enumerate().filter(|(_, (a, b))| a != b).map(|(i, _)| i as u32 + 1);
        let changed: Vec<u32> = changed.collect();
        if !changed.is_empty() || values.len() != new.len() {
            *values = new;
            self.version.fetch_add(1, Ordering::AcqRel);
        }
        changed
    }

    /// A consistent copy of every row, counted as that many rows read.
    pub fn snapshot(&self) -> Vec<i32> {
        let values = self.read().clone();
        self.reads.fetch_add(values.len() as u64, Ordering::Relaxed);
        values
    }
}

enum Msg {
    Commit(Vec<Update>, oneshot::Sender<Result<()>>),
    Checkpoint(oneshot::Sender<Result<()>>),
}

/// The `world` table: its rows, and the writer that makes updates durable.
#[derive(Debug)]
pub struct World {
    rows: Arc<WorldRows>,
    tx: Mutex<Option<Sender<Msg>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Set when the table was opened read-only: whom it follows.
    follower: Option<Follower>,
}

/// What opening the table found: for logs and `/stats`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recovery {
    /// Log records replayed over the checkpoint.
    pub replayed: usize,
    /// Bytes of a torn log tail that were cut off.
    pub torn_bytes: u64,
}

impl World {
    /// Opens the table in `dir` (`world.arrow` and `world.wal`), creating it from `seed` (the
    /// text of a world seed) when `world.arrow` does not exist yet. Replays the log.
    pub fn open(dir: &Path, seed: &str) -> Result<(World, Recovery)> {
        let file = dir.join("world.arrow");
        if !file.exists() {
            let values = tables::parse_world_seed(seed)?;
            tables::write_table(&file, "world", &world_batch(&values), 0)?;
        }
        let (batch, checkpoint_seq) = tables::read_table(&file, "world", &world_schema())?;
        let mut values = tables::world_values(&file, &batch)?;
        let log_path = dir.join("world.wal");
        let (log, replay) = Log::open(&log_path, checkpoint_seq)?;
        apply(&mut values, &replay.records, &log_path)?;
        let recovery = Recovery { replayed: replay.records.len(), torn_bytes: replay.torn_bytes };
        let rows = Arc::new(WorldRows::new(values));
        let (tx, rx) = channel();
        let writer = Writer { rows: rows.clone(), log, file };
        let handle = std::thread::Builder::new()
            .name("folio-world-log".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| Error::io(&log_path, e))?;
        let world = World { rows, tx: Mutex::new(Some(tx)), writer: Mutex::new(Some(handle)), follower: None };
        if recovery.replayed > 0 {
            // Fold the replayed records into a checkpoint so the next start is quick.
            futures::executor::block_on(world.checkpoint())?;
        }
        Ok((world, recovery))
    }

    /// Opens the table in `dir` read-only, as a follower of the process that writes it: the rows
    /// as of the last checkpoint and every whole record of the log after it. Writes are refused
    /// with [`Error::ReadOnly`]; [`World::follow`] catches up with the writer.
    pub fn open_read_only(dir: &Path) -> Result<World> {
        let (follower, values) = Follower::open(dir)?;
        let rows = Arc::new(WorldRows::new(values));
        Ok(World { rows, tx: Mutex::new(None), writer: Mutex::new(None), follower: Some(follower) })
    }

    /// For a table opened read-only: reads what the writer committed since the last call and
    /// applies it; returns the ids whose value changed. Does nothing for the writer's own table.
    pub fn follow(&self) -> Result<Vec<u32>> {
        self.follower.as_ref().map_or(Ok(Vec::new()), |f| f.catch_up(&self.rows))
    }

    /// The rows and counters.
    pub fn rows(&self) -> &Arc<WorldRows> {
        &self.rows
    }

    fn send(&self, make: impl FnOnce(oneshot::Sender<Result<()>>) -> Msg) -> oneshot::Receiver<Result<()>> {
        let (reply, rx) = oneshot::channel();
        if let Some(tx) = lock(&self.tx).as_ref() {
            let _ = tx.send(make(reply));
        }
        rx
    }

    /// Writes `updates` (id, new randomNumber) durably: resolves once they are on disk and
    /// visible to reads. Ids must be in `1..=len`. A full disk gives [`Error::Unavailable`] and
    /// changes nothing.
    pub async fn update(&self, updates: Vec<Update>) -> Result<()> {
        let len = self.rows.len();
        if let Some(&(id, _)) = updates.iter().find(|(id, _)| *id == 0 || *id as usize > len) {
            return Err(Error::InvalidInput(format!("world has no row with id {id} (ids run 1..={len})")));
        }
        if let Some(f) = &self.follower {
            return Err(Error::ReadOnly { dir: f.dir().to_owned() });
        }
        if updates.is_empty() {
            return Ok(());
        }
        self.send(|reply| Msg::Commit(updates, reply)).await.unwrap_or_else(|_| Err(closed()))
    }

    /// Publishes a checkpoint of every acknowledged update and empties the log.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.follower.is_some() {
            // The writer checkpoints its own log.
            return Ok(());
        }
        self.send(Msg::Checkpoint).await.unwrap_or_else(|_| Err(closed()))
    }

    /// Stops the writer after the updates already sent, with a final checkpoint.
    pub fn close(&self) {
        drop(lock(&self.tx).take());
        if let Some(handle) = lock(&self.writer).take() {
            let _ = handle.join();
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.close();
    }
}

/// Applies log `records` to `values` (index 0 is id 1); an id out of range is corruption of the
/// log at `log_path`.
pub(super) fn apply(values: &mut [i32], records: &[(u64, Vec<Update>)], log_path: &Path) -> Result<()> {
    for (seq, updates) in records {
        for &(id, value) in updates {
            let slot = (id as usize).checked_sub(1).and_then(|i| values.get_mut(i));
            *slot.ok_or_else(|| Error::corrupt(log_path, format!("record {seq} updates id {id}, not in world")))? =
                value;
        }
    }
    Ok(())
}

/// A mutex's guard, poisoned or not (the sender and the writer handle cannot be left half-changed).
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn closed() -> Error {
    Error::Unavailable { path: PathBuf::from("world.wal"), what: "the table is closed".into() }
}

struct Writer {
    rows: Arc<WorldRows>,
    log: Log,
    file: PathBuf,
}

impl Writer {
    fn run(mut self, rx: Receiver<Msg>) {
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(msg) => group.push(msg),
                    Err(_) => break,
                }
            }
            let mut commits = Vec::new();
            let mut checkpoints = Vec::new();
            for msg in group {
                match msg {
                    Msg::Commit(updates, reply) => commits.push((updates, reply)),
                    Msg::Checkpoint(reply) => checkpoints.push(reply),
                }
            }
            if !commits.is_empty() {
                self.commit(commits);
            }
            if !checkpoints.is_empty() || self.log.len() > CHECKPOINT_BYTES {
                let result = self.checkpoint();
                for reply in checkpoints {
                    let _ = reply.send(result.as_ref().map(|_| ()).map_err(Error::unavailable_copy));
                }
            }
        }
        let _ = self.checkpoint();
    }

    fn commit(&mut self, commits: Vec<(Vec<Update>, oneshot::Sender<Result<()>>)>) {
        let all: Vec<Update> = commits.iter().flat_map(|(u, _)| u.iter().copied()).collect();
        match self.log.commit(&all) {
            Ok(_) => {
                let mut values = self.rows.write();
                for &(id, value) in &all {
                    values[id as usize - 1] = value;
                }
                self.rows.version.fetch_add(1, Ordering::AcqRel);
                drop(values);
                self.rows.updated.fetch_add(all.len() as u64, Ordering::Relaxed);
                self.rows.commits.fetch_add(1, Ordering::Relaxed);
                for (_, reply) in commits {
                    let _ = reply.send(Ok(()));
                }
            }
            Err(e) => {
                for (_, reply) in commits {
                    let _ = reply.send(Err(Error::unavailable_copy(&e)));
                }
            }
        }
    }

    fn checkpoint(&mut self) -> Result<()> {
        if self.log.is_empty() {
            return Ok(());
        }
        let values = self.rows.read().clone();
        tables::write_table(&self.file, "world", &world_batch(&values), self.log.seq())?;
        self.log.reset()
    }
}
