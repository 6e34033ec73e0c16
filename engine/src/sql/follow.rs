//! [`Follower`]: the `world` table of a server that opened its tables read-only, following the
//! files of the one process that writes them (`world.arrow`, the checkpoint, and `world.wal`,
//! its log; see [`super::wal`]).
//!
//! The writer appends whole records to the log and `fdatasync`s them before it acknowledges an
//! update; at a checkpoint it publishes a new `world.arrow` (atomically, recording the last
//! sequence number it holds) and only then empties the log. A follower reads the checkpoint, then
//! the log, and applies the records after the checkpoint's sequence number. Read between the
//! writer's two steps, the log may have moved on past a checkpoint the follower did not see: its
//! first record is then not the one after the checkpoint's, and the follower reads both again.
//! A state older than one already applied (an old checkpoint read just before the writer
//! emptied its log) is never applied: the follower only moves forward.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::tables::{self, world_schema};
use super::wal;
use super::world::{WorldRows, apply, lock};
use crate::error::{Error, Result};

/// How often a follower reads the files again when the writer moved on while it read them.
const ATTEMPTS: usize = 8;

/// The writer's files as a follower last saw them.
#[derive(Debug)]
pub(super) struct Follower {
    dir: PathBuf,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// The sequence number of the last record applied (or of the checkpoint).
    seq: u64,
    /// What the two files looked like when they were last read: unchanged, nothing to read.
    stamps: Option<[Stamp; 2]>,
}

/// A file's inode, length and modification time (a checkpoint is a new file; the log grows).
type Stamp = Option<(u64, u64, i64, i64)>;

impl Follower {
    /// Follows the table in `dir`; also returns its rows as the writer last committed them.
    pub fn open(dir: &Path) -> Result<(Follower, Vec<i32>)> {
        let stamps = stamps(dir);
        let (values, seq) = read(dir)?;
        Ok((Follower { dir: dir.to_owned(), seen: Mutex::new(Seen { seq, stamps: Some(stamps) }) }, values))
    }

    /// The tables directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads what the writer committed since the last call into `rows`: the ids whose value
    /// changed. One `stat` of each file when nothing changed.
    pub fn catch_up(&self, rows: &WorldRows) -> Result<Vec<u32>> {
        let mut seen = lock(&self.seen);
        // Stamped before reading: a change made while reading shows at the next call.
        let stamps = stamps(&self.dir);
        if seen.stamps == Some(stamps) {
            return Ok(Vec::new());
        }
        let (values, seq) = read(&self.dir)?;
        seen.stamps = Some(stamps);
        if seq <= seen.seq {
            return Ok(Vec::new());
        }
        seen.seq = seq;
        Ok(rows.catch_up(values))
    }
}

fn stamps(dir: &Path) -> [Stamp; 2] {
    let stamp =
        |name: &str| std::fs::metadata(dir.join(name)).ok().map(|m| (m.ino(), m.len(), m.mtime(), m.mtime_nsec()));
    [stamp("world.arrow"), stamp("world.wal")]
}

/// The rows as of the last whole record of the log, and that record's sequence number.
fn read(dir: &Path) -> Result<(Vec<i32>, u64)> {
    let (file, log_path) = (dir.join("world.arrow"), dir.join("world.wal"));
    if !file.exists() {
        let what = "no world table here yet: the server that writes these tables (started without \
                    --tables-read-only) creates it at its first start";
        return Err(Error::Unavailable { path: file, what: what.into() });
    }
    for _ in 0..ATTEMPTS {
        let (batch, checkpoint) = tables::read_table(&file, "world", &world_schema())?;
        let mut values = tables::world_values(&file, &batch)?;
        let replay = wal::read(&log_path, checkpoint)?;
        if replay.records.first().is_some_and(|(seq, _)| *seq != checkpoint + 1) {
            // The writer published a checkpoint between the two reads.
            continue;
        }
        apply(&mut values, &replay.records, &log_path)?;
        let seq = replay.records.last().map_or(checkpoint, |(seq, _)| *seq);
        return Ok((values, seq));
    }
    let what = "the writer kept publishing checkpoints while they were read; try again";
    Err(Error::Unavailable { path: log_path, what: what.into() })
}
