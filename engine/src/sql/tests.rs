//! The catalog end to end: seeding, prepared point queries, durable updates, ad-hoc queries and
//! their limits, the `pages` table over a real index, and both answer encodings.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::Index;

const WORLD: &str = include_str!("../../../datasets/tfb/world.tsv");
const FORTUNE: &str = include_str!("../../../datasets/tfb/fortune.tsv");
const SEED: Seed<'static> = Seed { world: WORLD, fortune: FORTUNE };

fn seed_value(id: usize) -> i32 {
    WORLD.lines().nth(id - 1).unwrap().split('\t').nth(1).unwrap().parse().unwrap()
}

fn fixture_index() -> Arc<Index> {
    Arc::new(Index::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1")).unwrap())
}

async fn open(dir: &Path, limits: SqlLimits) -> Catalog {
    Catalog::open(dir, SEED, Some(fixture_index()), limits).await.unwrap()
}

fn json(answer: &Answer) -> serde_json::Value {
    serde_json::from_slice(&answer.to_json().unwrap()).unwrap()
}

#[tokio::test]
async fn tables_are_seeded_and_point_reads_use_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = open(dir.path(), SqlLimits::default()).await;
    for id in [1, 2, 5000, 10_000] {
        let row = catalog.world_row(id).await.unwrap().unwrap();
        assert_eq!(row, WorldRow { id, random_number: seed_value(id as usize) });
    }
    assert_eq!(catalog.world_row(0).await.unwrap(), None);
    assert_eq!(catalog.world_row(10_001).await.unwrap(), None);
    // Four rows found, two ids that do not exist: four rows read, not 40,000.
    assert_eq!(catalog.counters().world_rows_read, 4);

    let fortunes = catalog.fortunes().await.unwrap();
    assert_eq!(fortunes.len(), 12);
    assert_eq!(fortunes[11], Fortune { id: 12, message: "フレームワークのベンチマーク".into() });
    assert_eq!(catalog.counters().fortune_reads, 1);

    let plan = catalog.query("EXPLAIN SELECT randomNumber FROM world WHERE id = 7", &[]).await.unwrap();
    assert!(json(&plan).to_string().contains("WorldExec: id = 7 (index)"), "{}", json(&plan));
}

#[tokio::test]
async fn acknowledged_updates_are_on_disk_before_any_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = open(dir.path(), SqlLimits::default()).await;
    let rows = [WorldRow { id: 3, random_number: 77 }, WorldRow { id: 9999, random_number: 1 }];
    catalog.update_world(&rows).await.unwrap();
    assert_eq!(catalog.world_row(3).await.unwrap().unwrap().random_number, 77);
    assert_eq!(catalog.counters().world_rows_updated, 2);

    // What a `kill -9` right now leaves on disk: copy the files while the catalog still runs.
    let crashed = tempfile::tempdir().unwrap();
    for name in ["world.arrow", "world.wal", "fortune.arrow"] {
        std::fs::copy(dir.path().join(name), crashed.path().join(name)).unwrap();
    }
    let recovered = open(crashed.path(), SqlLimits::default()).await;
    assert_eq!(recovered.recovery().replayed, 1);
    assert_eq!(recovered.world_row(3).await.unwrap().unwrap().random_number, 77);
    assert_eq!(recovered.world_row(9999).await.unwrap().unwrap().random_number, 1);
    assert_eq!(recovered.world_row(4).await.unwrap().unwrap().random_number, seed_value(4));

    // A clean close checkpoints: the log is empty and the table file holds the update.
    drop(catalog);
    let reopened = open(dir.path(), SqlLimits::default()).await;
    assert_eq!(reopened.recovery().replayed, 0);
    assert_eq!(reopened.world_row(9999).await.unwrap().unwrap().random_number, 1);
}

#[tokio::test]
async fn bad_updates_and_a_second_server_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = open(dir.path(), SqlLimits::default()).await;
    let err = catalog.update_world(&[WorldRow { id: 10_001, random_number: 1 }]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let err = Catalog::open(dir.path(), SEED, None, SqlLimits::default()).await.unwrap_err();
    assert_eq!(err.code(), "write_unavailable", "{err}");
    assert!(err.to_string().contains("another Folio server"), "{err}");
}

#[tokio::test]
async fn damaged_table_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), SqlLimits::default()).await);
    let file = dir.path().join("world.arrow");
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    std::fs::write(&file, &bytes).unwrap();
    let err = Catalog::open(dir.path(), SEED, None, SqlLimits::default()).await.unwrap_err();
    assert!(err.to_string().contains("world.arrow"), "{err}");
}

#[tokio::test]
async fn ad_hoc_queries_answer_with_rows() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = open(dir.path(), SqlLimits::default()).await;
    let q = |sql: &'static str| catalog.query(sql, &[]);
    assert_eq!(json(&q("SELECT count(*) AS n FROM world").await.unwrap()), serde_json::json!([{"n": 10000}]));
    let row = json(&q("SELECT id, randomNumber FROM world WHERE id = 2").await.unwrap());
    assert_eq!(row, serde_json::json!([{"id": 2, "randomNumber": seed_value(2)}]));
    let params = [ScalarValue::Int64(Some(10)), ScalarValue::Utf8(Some("A%".into()))];
    let answer =
        catalog.query("SELECT id FROM fortune WHERE id < $1 AND message LIKE $2 ORDER BY id", &params).await.unwrap();
    assert_eq!(json(&answer), serde_json::json!([{"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}, {"id": 7}, {"id": 8}]));
    let ns = json(&q("SELECT ns, count(*) AS n FROM pages GROUP BY ns ORDER BY ns").await.unwrap());
    assert_eq!(ns, serde_json::json!([{"ns": 0, "n": 5}, {"ns": 1, "n": 1}]));
    let redirect = json(&q("SELECT title, redirect FROM pages WHERE page_id = 1").await.unwrap());
    assert_eq!(redirect, serde_json::json!([{"title": "AT&T", "redirect": null}]));
    // Every row of the table (cut into chunks) equals the engine's own reading of it.
    let index = fixture_index();
    let rows = json(&q(r#"SELECT page_id, ns, title, redirect, start, "end" FROM pages"#).await.unwrap());
    let mut rows: Vec<_> = rows.as_array().unwrap().clone();
    rows.sort_by_key(|r| r["start"].as_u64());
    for (row, value) in rows.iter().enumerate() {
        let page = index.page(row).unwrap();
        let expected = serde_json::json!({"page_id": page.page_id, "ns": page.ns, "title": page.title,
            "redirect": page.redirect, "start": page.start, "end": page.end});
        assert_eq!(value, &expected, "row {row}");
    }
    let tables = json(&q("SHOW TABLES").await.unwrap()).to_string();
    assert!(["world", "fortune", "pages"].iter().all(|t| tables.contains(t)), "{tables}");
    assert_eq!(json(&q("SELECT * FROM world WHERE id = 0").await.unwrap()), serde_json::json!([]));

    let err = q("SELECT nope FROM world").await.unwrap_err();
    assert_eq!(err.code(), "sql_error");
    assert!(err.to_string().contains("nope"), "{err}");
    let err = q("SELECT * FROM world INTO t").await.unwrap_err();
    assert!(matches!(err.code(), "sql_forbidden" | "sql_error"), "{err}");
    assert_eq!(q("DROP TABLE world").await.unwrap_err().code(), "sql_forbidden");
    assert_eq!(q("SELECT * FROM '/etc/passwd'").await.unwrap_err().code(), "sql_error");
    assert_eq!(catalog.world_row(1).await.unwrap().unwrap().random_number, seed_value(1));
}

#[tokio::test]
async fn limits_give_clear_errors_never_cut_answers() {
    let dir = tempfile::tempdir().unwrap();
    let limits =
        SqlLimits { timeout: Duration::from_millis(300), memory: 256 << 10, max_rows: 100, ..SqlLimits::default() };
    let catalog = open(dir.path(), limits).await;
    let err = catalog.query("SELECT * FROM world", &[]).await.unwrap_err();
    assert_eq!(err.code(), "sql_limit");
    assert!(err.to_string().contains("more than 100 rows"), "{err}");
    assert_eq!(catalog.query("SELECT * FROM world LIMIT 100", &[]).await.unwrap().rows(), 100);

    // 10^12 rows: no machine finishes this within the limit.
    let err = catalog.query("SELECT count(*) FROM world a, world b, world c", &[]).await.unwrap_err();
    assert_eq!(err.code(), "sql_limit", "{err}");
    assert!(err.to_string().contains("time limit"), "{err}");

    let sql = "SELECT a.id FROM world a JOIN world b ON a.randomNumber <> b.id ORDER BY a.randomNumber, b.id LIMIT 5";
    let err = catalog.query(sql, &[]).await.unwrap_err();
    assert_eq!(err.code(), "sql_limit", "{err}");
}

#[tokio::test]
async fn pages_columns_count_their_own_bytes_not_the_whole_map() {
    let dir = tempfile::tempdir().unwrap();
    // Before buffers were re-sliced, every column reported the whole mapped file as its size.
    let limits = SqlLimits { memory: 1 << 20, ..SqlLimits::default() };
    let catalog = open(dir.path(), limits).await;
    let file = std::fs::metadata(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1/pages.arrow")).unwrap();
    let answer = catalog.query("SELECT ns, count(*) AS n FROM pages GROUP BY ns ORDER BY ns", &[]).await.unwrap();
    assert_eq!(answer.rows(), 2);
    let pages = catalog.query("SELECT title FROM pages", &[]).await.unwrap();
    let reported: usize = pages.batches.iter().map(|b| b.get_array_memory_size()).sum();
    assert!(reported < file.len() as usize, "a title column reports {reported} bytes; the file has {}", file.len());
}

#[tokio::test]
async fn answers_encode_as_arrow_streams() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = open(dir.path(), SqlLimits::default()).await;
    let answer = catalog.query("SELECT id, message FROM fortune ORDER BY id", &[]).await.unwrap();
    let bytes = answer.to_arrow_stream().unwrap();
    let reader = datafusion::arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 12);
    assert_eq!(batches[0].schema().field(1).name(), "message");
}
