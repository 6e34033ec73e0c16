//! The `world` and `fortune` tables on disk: Arrow IPC files, created from a seed, checksummed,
//! replaced atomically.
//!
//! Each file's schema metadata carries `folio.format_version` ([`VERSION_KEY`], the key
//! `pages.arrow` uses too; older files say `folio.format`) with this module's [`TABLE_VERSION`],
//! `folio.table`, `folio.checksum` (xxh3 of the column values, 16 hex digits) and, for `world`,
//! `folio.log_seq`: the last write-ahead-log record the file contains.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Array, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;
use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};
use crate::format::VERSION_KEY;

/// Version of the table files' layout.
pub const TABLE_VERSION: u32 = 1;
/// What tables written before 2026-12-02 call [`VERSION_KEY`]; still read.
const LEGACY_VERSION_KEY: &str = "folio.format";
/// Rows of `world`, ids `1..=WORLD_ROWS`.
pub const WORLD_ROWS: usize = 10_000;

/// The seed the tables are created from on first start: tab-separated `id`, value lines.
#[derive(Debug, Clone, Copy)]
pub struct Seed<'a> {
    /// `id<TAB>randomNumber` lines, ids 1..=10000 in order.
    pub world: &'a str,
    /// `id<TAB>message` lines.
    pub fortune: &'a str,
}

/// The schema of `world`: `id` and `randomNumber`, both non-null int32.
pub fn world_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        Field::new("randomNumber", DataType::Int32, false),
    ]))
}

/// The schema of `fortune`: `id` int32 and `message` utf8.
pub fn fortune_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, false), Field::new("message", DataType::Utf8, false)]))
}

/// Parses the seed's `world` lines into randomNumbers by id (index 0 is id 1).
pub fn parse_world_seed(text: &str) -> Result<Vec<i32>> {
    let mut values = Vec::with_capacity(WORLD_ROWS);
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = |what: &str| Error::InvalidInput(format!("world seed, line {}: {what}: {line:?}", n + 1));
        let (id, value) = line.split_once('\t').ok_or_else(|| bad("expected `id<TAB>randomNumber`"))?;
        let id: usize = id.trim().parse().map_err(|_| bad("id is not a number"))?;
        if id != values.len() + 1 {
            return Err(bad(&format!("ids must run 1, 2, 3, ...; expected {}", values.len() + 1)));
        }
        values.push(value.trim().parse().map_err(|_| bad("randomNumber is not an int32"))?);
    }
    if values.len() != WORLD_ROWS {
        return Err(Error::InvalidInput(format!("world seed: {} rows, expected {WORLD_ROWS}", values.len())));
    }
    Ok(values)
}

/// Parses the seed's `fortune` lines.
pub fn parse_fortune_seed(text: &str) -> Result<(Vec<i32>, Vec<String>)> {
    let (mut ids, mut messages) = (Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let bad = |what: &str| Error::InvalidInput(format!("fortune seed, line {}: {what}: {line:?}", n + 1));
        let (id, message) = line.split_once('\t').ok_or_else(|| bad("expected `id<TAB>message`"))?;
        ids.push(id.trim().parse().map_err(|_| bad("id is not an int32"))?);
        messages.push(message.to_string());
    }
    Ok((ids, messages))
}

/// The `world` batch of `values` (index 0 is id 1).
pub fn world_batch(values: &[i32]) -> RecordBatch {
    let ids = Int32Array::from_iter_values(1..=values.len() as i32);
    let numbers = Int32Array::from_iter_values(values.iter().copied());
    RecordBatch::try_new(world_schema(), vec![Arc::new(ids), Arc::new(numbers)]).expect("columns match the schema")
}

/// The `fortune` batch.
pub fn fortune_batch(ids: &[i32], messages: &[String]) -> RecordBatch {
    let ids = Int32Array::from_iter_values(ids.iter().copied());
    let messages = StringArray::from_iter_values(messages);
    RecordBatch::try_new(fortune_schema(), vec![Arc::new(ids), Arc::new(messages)]).expect("columns match the schema")
}

fn checksum(batch: &RecordBatch) -> u64 {
    let mut h = Xxh3::new();
    for column in batch.columns() {
        if let Some(ints) = column.as_any().downcast_ref::<Int32Array>() {
            ints.values().iter().for_each(|v| h.update(&v.to_le_bytes()));
        } else if let Some(strings) = column.as_any().downcast_ref::<StringArray>() {
            for s in strings.iter().flatten() {
                h.update(&(s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.digest()
}

/// Writes `batch` as the table file `path`, atomically: a temporary file beside it, fsync,
/// rename, fsync of the directory. `log_seq` is recorded for `world`.
pub fn write_table(path: &Path, table: &str, batch: &RecordBatch, log_seq: u64) -> Result<()> {
    let metadata = HashMap::from([
        (VERSION_KEY.to_string(), TABLE_VERSION.to_string()),
        ("folio.table".to_string(), table.to_string()),
        ("folio.checksum".to_string(), format!("{:016x}", checksum(batch))),
        ("folio.log_seq".to_string(), log_seq.to_string()),
    ]);
    let schema = Arc::new(batch.schema().as_ref().clone().with_metadata(metadata));
    let arrow = |e: datafusion::arrow::error::ArrowError| Error::InvalidInput(format!("{}: {e}", path.display()));
    let batch = RecordBatch::try_new(schema.clone(), batch.columns().to_vec()).map_err(arrow)?;
    crate::publish::write_file_atomic(path, |file| {
        let mut writer = FileWriter::try_new(file, &schema).map_err(arrow)?;
        writer.write(&batch).map_err(arrow)?;
        writer.into_inner().map_err(arrow)
    })
}

/// Reads the table file `path`: its one batch and its recorded log sequence number. Checks the
/// format version, the table name, the schema and the checksum.
pub fn read_table(path: &Path, table: &str, schema: &SchemaRef) -> Result<(RecordBatch, u64)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let corrupt = |what: String| Error::corrupt(path, what);
    let reader = FileReader::try_new(file, None).map_err(|e| corrupt(format!("not an Arrow IPC file: {e}")))?;
    let meta = reader.schema().metadata().clone();
    // Tables written before the key was shared with pages.arrow call it `folio.format`.
    let found = meta.get(VERSION_KEY).or_else(|| meta.get(LEGACY_VERSION_KEY)).cloned().unwrap_or_default();
    if found != TABLE_VERSION.to_string() {
        return Err(Error::Version { path: path.to_owned(), expected: TABLE_VERSION, found });
    }
    if meta.get("folio.table").map(String::as_str) != Some(table) {
        return Err(corrupt(format!("holds table {:?}, expected {table}", meta.get("folio.table"))));
    }
    let mut batches = Vec::new();
    for batch in reader {
        batches.push(batch.map_err(|e| corrupt(format!("unreadable batch: {e}")))?);
    }
    let [batch] =
        <[RecordBatch; 1]>::try_from(batches).map_err(|b| corrupt(format!("{} batches, expected 1", b.len())))?;
    if batch.schema().fields() != schema.fields() {
        return Err(corrupt(format!("columns {:?}, expected {:?}", batch.schema().fields(), schema.fields())));
    }
    let expected = meta.get("folio.checksum").and_then(|s| u64::from_str_radix(s, 16).ok()).unwrap_or_default();
    let found = checksum(&batch);
    if found != expected {
        return Err(Error::Checksum { path: path.to_owned(), expected, found });
    }
    let seq = meta.get("folio.log_seq").and_then(|s| s.parse().ok()).unwrap_or_default();
    let batch = RecordBatch::try_new(schema.clone(), batch.columns().to_vec()).map_err(|e| corrupt(e.to_string()))?;
    Ok((batch, seq))
}

/// The world values (index 0 is id 1) of a `world` batch, checking ids run 1..=N.
pub fn world_values(path: &Path, batch: &RecordBatch) -> Result<Vec<i32>> {
    let int = |i: usize| batch.column(i).as_any().downcast_ref::<Int32Array>().expect("schema checked");
    let (ids, values) = (int(0), int(1));
    if ids.null_count() > 0 || ids.values().iter().enumerate().any(|(i, &id)| id as usize != i + 1) {
        return Err(Error::corrupt(path, "ids must run 1, 2, 3, ..."));
    }
    Ok(values.values().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_carry_the_shared_version_key_and_old_ones_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fortune.arrow");
        let batch = fortune_batch(&[1, 2], &["a".into(), "b".into()]);
        write_table(&path, "fortune", &batch, 0).unwrap();
        let reader = FileReader::try_new(File::open(&path).unwrap(), None).unwrap();
        assert_eq!(reader.schema().metadata().get(VERSION_KEY).map(String::as_str), Some("1"));
        assert_eq!(read_table(&path, "fortune", &fortune_schema()).unwrap().0.num_rows(), 2);

        // A file written before the key was shared.
        let metadata = HashMap::from([
            (LEGACY_VERSION_KEY.to_string(), TABLE_VERSION.to_string()),
            ("folio.table".to_string(), "fortune".to_string()),
            ("folio.checksum".to_string(), format!("{:016x}", checksum(&batch))),
        ]);
        let schema = Arc::new(fortune_schema().as_ref().clone().with_metadata(metadata));
        let mut writer = FileWriter::try_new(File::create(&path).unwrap(), &schema).unwrap();
        writer.write(&RecordBatch::try_new(schema, batch.columns().to_vec()).unwrap()).unwrap();
        writer.finish().unwrap();
        assert_eq!(read_table(&path, "fortune", &fortune_schema()).unwrap().0.num_rows(), 2);
    }
}
