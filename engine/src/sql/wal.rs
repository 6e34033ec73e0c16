//! The `world` table's write-ahead log: every acknowledged update is on disk before its answer.
//!
//! `world.wal` is a 16-byte header (`FOLIOWAL`, format version u32 LE, 4 zero bytes) followed by
//! records. A record is one commit group:
//!
//! ```text
//! u32 body_len | body: u64 seq, u32 count, count × (u32 id, i32 randomNumber) | u64 xxh3(body)
//! ```
//!
//! all little-endian. Sequence numbers grow by one per record. Replay applies every record whose
//! `seq` is above the checkpoint's (`world.arrow` records the last `seq` it contains). A record cut
//! short by a crash, or a damaged last record, was never acknowledged (acknowledgement waits for
//! `fdatasync`) and is cut off; a damaged record followed by good ones is corruption and refuses to
//! open, naming the byte offset.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

use crate::error::{Error, Result};

/// The log file's magic bytes.
pub const MAGIC: &[u8; 8] = b"FOLIOWAL";
/// The log's format version.
pub const VERSION: u32 = 1;
/// Bytes before the first record.
pub const HEADER_LEN: u64 = 16;
/// Most updates one record may hold (a sanity bound for replay).
const MAX_COUNT: u32 = 1 << 24;

/// One update: a row's id and its new `randomNumber`.
pub type Update = (u32, i32);

/// An open log, positioned at its end.
#[derive(Debug)]
pub struct Log {
    file: File,
    path: PathBuf,
    len: u64,
    seq: u64,
}

/// What [`Log::open`] found in the log.
#[derive(Debug, Default)]
pub struct Replay {
    /// Records with a sequence number above the checkpoint's, in order.
    pub records: Vec<(u64, Vec<Update>)>,
    /// Bytes of a torn tail that were cut off (0 after a clean shutdown).
    pub torn_bytes: u64,
}

impl Log {
    /// Opens (or creates) the log at `path`, reads every record, cuts off a torn tail, and returns
    /// the records newer than `checkpoint_seq`.
    pub fn open(path: &Path, checkpoint_seq: u64) -> Result<(Log, Replay)> {
        let io = |e| Error::io(path, e);
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        if bytes.is_empty() {
            let mut header = [0u8; HEADER_LEN as usize];
            header[..8].copy_from_slice(MAGIC);
            header[8..12].copy_from_slice(&VERSION.to_le_bytes());
            file.write_all(&header).map_err(io)?;
            file.sync_all().map_err(io)?;
            crate::publish::sync_dir(path.parent().unwrap_or(Path::new(".")))?;
            let log = Log { file, path: path.to_owned(), len: HEADER_LEN, seq: checkpoint_seq };
            return Ok((log, Replay::default()));
        }
        check_header(path, &bytes)?;
        let (records, good_len, last_seq) = parse(path, &bytes, checkpoint_seq)?;
        let torn_bytes = bytes.len() as u64 - good_len;
        if torn_bytes > 0 {
            file.set_len(good_len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::Start(good_len)).map_err(io)?;
        let log = Log { file, path: path.to_owned(), len: good_len, seq: last_seq.max(checkpoint_seq) };
        Ok((log, Replay { records, torn_bytes }))
    }

    /// The sequence number of the last record written.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Bytes in the log, header included.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the log holds no record.
    pub fn is_empty(&self) -> bool {
        self.len == HEADER_LEN
    }

    /// Appends one record holding `updates` and waits until it is on disk (`fdatasync`). On any
    /// failure (a full disk, say) the log is cut back to where it was, so a failed commit leaves
    /// no trace and the next one can succeed once there is room.
    pub fn commit(&mut self, updates: &[Update]) -> Result<u64> {
        let seq = self.seq + 1;
        let record = encode(seq, updates);
        let written = self.file.write_all(&record).and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            // Best effort: cut off whatever part of the record reached the file.
            let _ = self.file.set_len(self.len);
            let _ = self.file.seek(SeekFrom::Start(self.len));
            return Err(Error::io(&self.path, e));
        }
        self.len += record.len() as u64;
        self.seq = seq;
        Ok(seq)
    }

    /// Empties the log after a checkpoint that holds every record made it to disk.
    pub fn reset(&mut self) -> Result<()> {
        let io = |e| Error::io(&self.path, e);
        self.file.set_len(HEADER_LEN).map_err(io)?;
        self.file.seek(SeekFrom::Start(HEADER_LEN)).map_err(io)?;
        self.file.sync_all().map_err(io)?;
        self.len = HEADER_LEN;
        Ok(())
    }
}

/// Reads the log at `path` without changing it (a read-only follower of a log that another
/// process writes): the records newer than `checkpoint_seq`. A torn tail (a record being written
/// now, or cut short by a crash) is left out, not cut off; a missing log holds no record.
pub fn read(path: &Path, checkpoint_seq: u64) -> Result<Replay> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Replay::default()),
        Err(e) => return Err(Error::io(path, e)),
    };
    if bytes.is_empty() {
        return Ok(Replay::default());
    }
    check_header(path, &bytes)?;
    let (records, good_len, _) = parse(path, &bytes, checkpoint_seq)?;
    Ok(Replay { records, torn_bytes: bytes.len() as u64 - good_len })
}

fn check_header(path: &Path, bytes: &[u8]) -> Result<()> {
    if bytes.len() < HEADER_LEN as usize || &bytes[..8] != MAGIC {
        return Err(Error::BadMagic { path: path.to_owned(), expected: "Folio write-ahead log" });
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != VERSION {
        return Err(Error::Version { path: path.to_owned(), expected: VERSION, found: version.to_string() });
    }
    Ok(())
}

/// One record's bytes.
pub fn encode(seq: u64, updates: &[Update]) -> Vec<u8> {
    let body_len = 12 + 8 * updates.len();
    let mut out = Vec::with_capacity(4 + body_len + 8);
    out.extend_from_slice(&(body_len as u32).to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(updates.len() as u32).to_le_bytes());
    for &(id, value) in updates {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    let sum = xxh3_64(&out[4..]);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

type Parsed = (Vec<(u64, Vec<Update>)>, u64, u64);

/// Every record after the header: the ones newer than `checkpoint_seq`, the length of the good
/// prefix, and the last good sequence number.
fn parse(path: &Path, bytes: &[u8], checkpoint_seq: u64) -> Result<Parsed> {
    let mut records = Vec::new();
    let mut at = HEADER_LEN as usize;
    let mut last_seq = 0;
    while at < bytes.len() {
        match record_at(bytes, at) {
            Some((seq, updates, next)) => {
                if last_seq != 0 && seq != last_seq + 1 {
                    let what = format!("record at byte {at} has sequence {seq} after {last_seq}");
                    return Err(Error::corrupt(path, what));
                }
                last_seq = seq;
                if seq > checkpoint_seq {
                    records.push((seq, updates));
                }
                at = next;
            }
            None if is_tail(bytes, at) => break,
            None => {
                let what = format!(
                    "record at byte {at} is damaged and good records follow it; move the log aside to start \
                     from the last checkpoint (world.arrow), losing the updates after it"
                );
                return Err(Error::corrupt(path, what));
            }
        }
    }
    Ok((records, at as u64, last_seq))
}

/// The record at `at`, if it is whole and its checksum holds: (seq, updates, next offset).
fn record_at(bytes: &[u8], at: usize) -> Option<(u64, Vec<Update>, usize)> {
    let word = |i: usize, n: usize| bytes.get(i..i + n);
    let body_len = u32::from_le_bytes(word(at, 4)?.try_into().ok()?) as usize;
    let body = word(at + 4, body_len)?;
    let sum = u64::from_le_bytes(word(at + 4 + body_len, 8)?.try_into().ok()?);
    if body_len < 12 || xxh3_64(body) != sum {
        return None;
    }
    let seq = u64::from_le_bytes(body[..8].try_into().ok()?);
    let count = u32::from_le_bytes(body[8..12].try_into().ok()?);
    if count > MAX_COUNT || body_len != 12 + 8 * count as usize {
        return None;
    }
    let updates = body[12..]
        .chunks_exact(8)
        .map(|c| {
            let id = u32::from_le_bytes(c[..4].try_into().expect("4 bytes"));
            (id, i32::from_le_bytes(c[4..].try_into().expect("4 bytes")))
        })
        .collect();
    Some((seq, updates, at + 4 + body_len + 8))
}

/// Whether the bad bytes from `at` are a torn tail: no whole, valid record starts after them.
fn is_tail(bytes: &[u8], at: usize) -> bool {
    (at + 1..bytes.len()).all(|i| record_at(bytes, i).is_none_or(|(seq, ..)| seq == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_in(dir: &Path) -> PathBuf {
        dir.join("world.wal")
    }

    #[test]
    fn commits_replay_after_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_in(dir.path());
        let (mut log, replay) = Log::open(&path, 0).unwrap();
        assert!(replay.records.is_empty());
        assert_eq!(log.commit(&[(1, 5), (2, 6)]).unwrap(), 1);
        assert_eq!(log.commit(&[(1, 7)]).unwrap(), 2);
        drop(log);
        let (log, replay) = Log::open(&path, 0).unwrap();
        assert_eq!(replay.records, vec![(1, vec![(1, 5), (2, 6)]), (2, vec![(1, 7)])]);
        assert_eq!(log.seq(), 2);
        let (_, replay) = Log::open(&path, 1).unwrap();
        assert_eq!(replay.records, vec![(2, vec![(1, 7)])]);
    }

    #[test]
    fn torn_tail_is_cut_and_the_log_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_in(dir.path());
        let (mut log, _) = Log::open(&path, 0).unwrap();
        log.commit(&[(3, 9)]).unwrap();
        let good = log.len();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&encode(2, &[(4, 4), (5, 5)])[..13]);
        std::fs::write(&path, &bytes).unwrap();
        let (mut log, replay) = Log::open(&path, 0).unwrap();
        assert_eq!(replay.records, vec![(1, vec![(3, 9)])]);
        assert_eq!(replay.torn_bytes, 13);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good);
        assert_eq!(log.commit(&[(6, 6)]).unwrap(), 2);
    }

    #[test]
    fn damage_before_good_records_refuses_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_in(dir.path());
        let (mut log, _) = Log::open(&path, 0).unwrap();
        log.commit(&[(1, 1)]).unwrap();
        log.commit(&[(2, 2)]).unwrap();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[HEADER_LEN as usize + 10] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let err = Log::open(&path, 0).unwrap_err().to_string();
        assert!(err.contains("byte 16") && err.contains("damaged"), "{err}");
    }

    #[test]
    fn not_a_log_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_in(dir.path());
        std::fs::write(&path, b"hello, this is not a log at all").unwrap();
        assert_eq!(Log::open(&path, 0).unwrap_err().code(), "index_bad_magic");
    }

    #[test]
    fn reset_empties_but_keeps_the_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_in(dir.path());
        let (mut log, _) = Log::open(&path, 0).unwrap();
        log.commit(&[(1, 1)]).unwrap();
        log.reset().unwrap();
        assert!(log.is_empty());
        assert_eq!(log.commit(&[(1, 2)]).unwrap(), 2);
        drop(log);
        let (_, replay) = Log::open(&path, 1).unwrap();
        assert_eq!(replay.records, vec![(2, vec![(1, 2)])]);
    }
}
