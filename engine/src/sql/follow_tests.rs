//! A read-only catalog beside the writer's: it sees what the writer committed, across the
//! writer's checkpoints, never moves backwards, and refuses writes.

use super::tests::{SEED, seed_value};
use super::wal;
use super::*;

async fn open(dir: &std::path::Path, mode: TablesMode) -> Result<Catalog, crate::Error> {
    Catalog::open(dir, SEED, Vec::new(), SqlLimits::default(), None, mode).await
}

async fn value(catalog: &Catalog, id: i32) -> i32 {
    catalog.world_row(id).await.unwrap().unwrap().random_number
}

#[tokio::test]
async fn a_reader_follows_the_writers_commits_and_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let writer = open(dir.path(), TablesMode::Write).await.unwrap();
    writer.update_world(&[WorldRow { id: 7, random_number: 70 }]).await.unwrap();
    // Beside the writer, which holds the directory's lock.
    let reader = open(dir.path(), TablesMode::ReadOnly).await.unwrap();
    assert_eq!(value(&reader, 7).await, 70, "the log's records are read at open");
    assert_eq!(reader.follow().unwrap(), Vec::<u32>::new(), "nothing new");

    writer.update_world(&[WorldRow { id: 8, random_number: 80 }, WorldRow { id: 9, random_number: 90 }]).await.unwrap();
    assert_eq!(value(&reader, 8).await, seed_value(8), "not followed yet");
    assert_eq!(reader.follow().unwrap(), vec![8, 9]);
    assert_eq!((value(&reader, 8).await, value(&reader, 9).await), (80, 90));

    // A checkpoint empties the log; what follows it is still seen, and nothing is lost.
    writer.checkpoint().await.unwrap();
    writer.update_world(&[WorldRow { id: 9, random_number: 91 }]).await.unwrap();
    assert_eq!(reader.follow().unwrap(), vec![9]);
    assert_eq!((value(&reader, 7).await, value(&reader, 8).await, value(&reader, 9).await), (70, 80, 91));

    let err = reader.update_world(&[WorldRow { id: 1, random_number: 1 }]).await.unwrap_err();
    assert_eq!(err.code(), "read_only", "{err}");
    reader.checkpoint().await.unwrap();
    assert_eq!(value(&writer, 1).await, seed_value(1), "the refused write changed nothing");
}

#[tokio::test]
async fn a_reader_needs_the_writers_tables() {
    let dir = tempfile::tempdir().unwrap();
    let err = open(dir.path(), TablesMode::ReadOnly).await.unwrap_err();
    assert!(err.to_string().contains("--tables-read-only"), "{err}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "a reader wrote nothing");
}

#[tokio::test]
async fn a_log_that_skips_past_the_checkpoint_is_read_again_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), TablesMode::Write).await.unwrap());
    // The log as a follower may find it between a checkpoint it did not read and its own read
    // of the log: records 5 and 6 after a checkpoint of sequence 0.
    let log = dir.path().join("world.wal");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend(wal::encode(5, &[(3, 33)]));
    bytes.extend(wal::encode(6, &[(4, 44)]));
    std::fs::write(&log, &bytes).unwrap();
    let err = open(dir.path(), TablesMode::ReadOnly).await.unwrap_err();
    assert_eq!(err.code(), "write_unavailable", "{err}");

    // Whole records after the checkpoint, then a torn one (being written): the whole ones count.
    let mut bytes = std::fs::read(&log).unwrap()[..wal::HEADER_LEN as usize].to_vec();
    bytes.extend(wal::encode(1, &[(3, 33)]));
    let torn = wal::encode(2, &[(4, 44)]);
    bytes.extend(&torn[..torn.len() - 3]);
    std::fs::write(&log, &bytes).unwrap();
    let reader = open(dir.path(), TablesMode::ReadOnly).await.unwrap();
    assert_eq!((value(&reader, 3).await, value(&reader, 4).await), (33, seed_value(4)));
    assert_eq!(std::fs::read(&log).unwrap(), bytes, "the reader left the torn tail to the writer");

    // The writer opens after it, cuts the torn tail, and its next commit is seen.
    let writer = open(dir.path(), TablesMode::Write).await.unwrap();
    writer.update_world(&[WorldRow { id: 4, random_number: 45 }]).await.unwrap();
    assert_eq!(reader.follow().unwrap(), vec![4]);
    assert_eq!(value(&reader, 4).await, 45);
}
