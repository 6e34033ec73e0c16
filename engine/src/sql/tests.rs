//! The catalog end to end: seeding, prepared point queries, durable updates; ad-hoc queries on a
//! replica (what a SQL worker runs) and the limits it keeps itself (rows, bytes, DataFusion's
//! pool), the `pages` table over a real index, and both answer encodings. The limits a worker
//! process keeps (time, memory at the allocator) are tested over HTTP in the server's tests.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::Index;

const WORLD: &str = include_str!("../../../datasets/tfb/world.tsv");
const FORTUNE: &str = include_str!("../../../datasets/tfb/fortune.tsv");
pub(super) const SEED: Seed<'static> = Seed { world: WORLD, fortune: FORTUNE };

pub(super) fn seed_value(id: usize) -> i32 {
    WORLD.lines().nth(id - 1).unwrap().split('\t').nth(1).unwrap().parse().unwrap()
}

fn fixture(name: &str) -> Arc<Index> {
    Arc::new(Index::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap())
}

fn fixture_index() -> Arc<Index> {
    fixture("v1")
}

async fn open(dir: &Path, limits: SqlLimits) -> Catalog {
    let pages = vec![("one".to_string(), fixture_index().page_table().path().to_owned())];
    Catalog::open(dir, SEED, pages, limits, None, TablesMode::Write).await.unwrap()
}

/// A replica of the seeded tables, as a worker builds it.
fn replica(limits: &SqlLimits) -> Replica {
    let world = super::tables::parse_world_seed(WORLD).unwrap();
    let (ids, messages) = super::tables::parse_fortune_seed(FORTUNE).unwrap();
    let fortunes: Vec<Fortune> = ids.into_iter().zip(messages).map(|(id, message)| Fortune { id, message }).collect();
    let pages = [("one".to_string(), fixture_index().page_table().clone())];
    Replica::new(world, &fortunes, &pages, limits).unwrap()
}

/// Runs `sql` on `replica` within `limits`, answered as JSON.
async fn ask(replica: &Replica, limits: &SqlLimits, sql: &str, params: &[ScalarValue]) -> crate::Result<Encoded> {
    replica.query(sql, params, Format::Json, limits.max_rows, limits.max_bytes).await
}

fn json(answer: &Encoded) -> serde_json::Value {
    serde_json::from_slice(&answer.bytes).unwrap()
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

    let limits = SqlLimits::default();
    let plan = ask(&replica(&limits), &limits, "EXPLAIN SELECT randomNumber FROM world WHERE id = 7", &[]).await;
    let plan = json(&plan.unwrap());
    assert!(plan.to_string().contains("WorldExec: id = 7 (index)"), "{plan}");
    let err = catalog.query("SELECT 1", &[], Format::Json).await.unwrap_err();
    assert!(err.to_string().contains("without a worker"), "{err}");
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
    let err =
        Catalog::open(dir.path(), SEED, Vec::new(), SqlLimits::default(), None, TablesMode::Write).await.unwrap_err();
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
    let err =
        Catalog::open(dir.path(), SEED, Vec::new(), SqlLimits::default(), None, TablesMode::Write).await.unwrap_err();
    assert!(err.to_string().contains("world.arrow"), "{err}");
}

#[tokio::test]
async fn ad_hoc_queries_answer_with_rows() {
    let limits = SqlLimits::default();
    let replica = replica(&limits);
    let q = |sql: &'static str| ask(&replica, &limits, sql, &[]);
    assert_eq!(json(&q("SELECT count(*) AS n FROM world").await.unwrap()), serde_json::json!([{"n": 10000}]));
    let row = json(&q("SELECT id, randomNumber FROM world WHERE id = 2").await.unwrap());
    assert_eq!(row, serde_json::json!([{"id": 2, "randomNumber": seed_value(2)}]));
    let params = [ScalarValue::Int64(Some(10)), ScalarValue::Utf8(Some("A%".into()))];
    let sql = "SELECT id FROM fortune WHERE id < $1 AND message LIKE $2 ORDER BY id";
    let answer = ask(&replica, &limits, sql, &params).await.unwrap();
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
    assert!(tables.contains(r#""table_name":"pages","table_schema":"one""#), "{tables}");
    assert!(tables.contains(r#""table_name":"all_pages","table_schema":"public""#), "{tables}");
    assert!(["world", "fortune", "pages"].iter().all(|t| tables.contains(t)), "{tables}");
    assert_eq!(json(&q("SELECT * FROM world WHERE id = 0").await.unwrap()), serde_json::json!([]));

    let err = q("SELECT nope FROM world").await.unwrap_err();
    assert_eq!(err.code(), "sql_error");
    assert!(err.to_string().contains("nope"), "{err}");
    // SELECT INTO creates a table: refused; written after FROM it does not even parse.
    let err = q("SELECT * INTO t FROM world").await.unwrap_err();
    assert_eq!(err.code(), "sql_forbidden", "{err}");
    let err = q("SELECT * FROM world INTO t").await.unwrap_err();
    assert_eq!(err.code(), "sql_error", "{err}");
    assert!(err.to_string().contains("ParserError"), "{err}");
    assert_eq!(q("DROP TABLE world").await.unwrap_err().code(), "sql_forbidden");
    assert_eq!(q("SELECT * FROM '/etc/passwd'").await.unwrap_err().code(), "sql_error");
    // A newer copy of world replaces the old one.
    replica.set_world(vec![5; 10_000]);
    assert_eq!(json(&q("SELECT sum(randomNumber) AS s FROM world").await.unwrap()), serde_json::json!([{"s": 50000}]));
    assert_eq!(replica.world_rows_read(), 10_000 + 1 + 10_000, "count(*), one point read, the sum");
}

#[tokio::test]
async fn limits_give_clear_errors_never_cut_answers() {
    let limits = SqlLimits { memory: 256 << 10, max_rows: 100, max_bytes: 4000, ..SqlLimits::default() };
    let replica = replica(&limits);
    let limit_of = |e: crate::Error| match e {
        crate::Error::SqlLimit { limit, message } => (limit, message),
        other => panic!("not a limit: {other:?}"),
    };
    let (limit, message) = limit_of(ask(&replica, &limits, "SELECT * FROM world", &[]).await.unwrap_err());
    assert_eq!(limit, Limit::Rows);
    assert!(message.contains("more than 100 rows"), "{message}");
    assert_eq!(ask(&replica, &limits, "SELECT * FROM world LIMIT 100", &[]).await.unwrap().rows, 100);

    // One row, but more bytes than the answer may have: the byte limit, in both encodings.
    let sql = "SELECT repeat('x', 5000) AS big";
    let (limit, message) = limit_of(ask(&replica, &limits, sql, &[]).await.unwrap_err());
    assert_eq!(limit, Limit::Bytes, "{message}");
    let arrow = replica.query(sql, &[], Format::Arrow, limits.max_rows, limits.max_bytes).await;
    assert_eq!(limit_of(arrow.unwrap_err()).0, Limit::Bytes);
    assert!(ask(&replica, &limits, "SELECT repeat('x', 3000) AS fits", &[]).await.is_ok());

    // An operator that reserves memory from DataFusion's pool: a clean memory error.
    let sql = "SELECT a.id FROM world a JOIN world b ON a.randomNumber <> b.id ORDER BY a.randomNumber, b.id LIMIT 5";
    let (limit, message) = limit_of(ask(&replica, &limits, sql, &[]).await.unwrap_err());
    assert_eq!(limit, Limit::Memory, "{message}");
}

#[tokio::test]
async fn pages_columns_count_their_own_bytes_not_the_whole_map() {
    // Before buffers were re-sliced, every column reported the whole mapped file as its size.
    let limits = SqlLimits { memory: 1 << 20, ..SqlLimits::default() };
    let world = std::sync::Arc::new(super::world::WorldRows::new(vec![1; 10]));
    let ctx =
        super::session::context(world, &[], &[("one".into(), fixture_index().page_table().clone())], &limits).unwrap();
    let file = std::fs::metadata(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1/pages.arrow")).unwrap();
    let batches = ctx.sql("SELECT title FROM pages").await.unwrap().collect().await.unwrap();
    let reported: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
    assert!(reported < file.len() as usize, "a title column reports {reported} bytes; the file has {}", file.len());
    let replica = replica(&limits);
    let answer = ask(&replica, &limits, "SELECT ns, count(*) AS n FROM pages GROUP BY ns ORDER BY ns", &[]);
    assert_eq!(answer.await.unwrap().rows, 2);
}

#[tokio::test]
async fn answers_encode_as_arrow_streams() {
    let limits = SqlLimits::default();
    let sql = "SELECT id, message FROM fortune ORDER BY id";
    let answer = replica(&limits).query(sql, &[], Format::Arrow, limits.max_rows, limits.max_bytes).await.unwrap();
    assert_eq!(answer.rows, 12);
    let bytes = answer.bytes;
    let reader = datafusion::arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 12);
    assert_eq!(batches[0].schema().field(1).name(), "message");
}

#[tokio::test]
async fn each_dataset_has_its_pages_and_all_pages_unites_them_with_a_dataset_column() {
    let limits = SqlLimits::default();
    let (one, two) = (fixture("v1"), fixture("v2"));
    let pages = [("one".to_string(), one.page_table().clone()), ("two".to_string(), two.page_table().clone())];
    let replica = Replica::new(vec![1; 10_000], &[], &pages, &limits).unwrap();
    let q = |sql: &'static str| ask(&replica, &limits, sql, &[]);
    let count = |n: usize| serde_json::json!([{"n": n}]);
    assert_eq!(json(&q("SELECT count(*) AS n FROM pages").await.unwrap()), count(one.len()));
    assert_eq!(json(&q("SELECT count(*) AS n FROM one.pages").await.unwrap()), count(one.len()));
    assert_eq!(json(&q("SELECT count(*) AS n FROM two.pages").await.unwrap()), count(two.len()));
    let by = json(&q("SELECT dataset, count(*) AS n FROM all_pages GROUP BY dataset ORDER BY dataset").await.unwrap());
    assert_eq!(by, serde_json::json!([{"dataset": "one", "n": one.len()}, {"dataset": "two", "n": two.len()}]));
    // The union keeps the columns both formats have; v1 has no rank columns, so neither does it.
    let row = json(&q("SELECT * FROM all_pages WHERE dataset = 'two' AND page_id = 1").await.unwrap());
    let page = two.page(two.row_of("AT&T").unwrap().unwrap() as usize).unwrap();
    assert_eq!(row[0]["title"], "AT&T");
    assert_eq!(row[0]["start"], page.start);
    let columns: Vec<&String> = row[0].as_object().unwrap().keys().collect();
    let v1: Vec<String> = one.page_table().schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(columns.len(), v1.len() + 1, "{columns:?} against dataset + {v1:?}");
    let err = q("SELECT count(*) FROM three.pages").await.unwrap_err();
    assert!(err.to_string().contains("three"), "{err}");
}

#[tokio::test]
async fn all_pages_widens_the_numbers_format_6_narrowed() {
    let limits = SqlLimits::default();
    let (wide, narrow) = (fixture("v2"), fixture("v6"));
    let pages = [("wide".to_string(), wide.page_table().clone()), ("narrow".to_string(), narrow.page_table().clone())];
    let replica = Replica::new(vec![1; 10_000], &[], &pages, &limits).unwrap();
    let q = |sql: &'static str| ask(&replica, &limits, sql, &[]);
    let types = json(
        &q("SELECT arrow_typeof(page_id) AS id, arrow_typeof(text_bytes) AS t, arrow_typeof(headings) AS h \
            FROM all_pages LIMIT 1")
        .await
        .unwrap(),
    );
    assert_eq!(types, serde_json::json!([{"id": "UInt64", "t": "UInt64", "h": "UInt64"}]));
    let of = |dataset: &str| {
        let columns = "page_id, title, text_bytes, headings, rank";
        format!("SELECT {columns} FROM all_pages WHERE dataset = '{dataset}' ORDER BY page_id")
    };
    let of = async |dataset: &str| json(&ask(&replica, &limits, &of(dataset), &[]).await.unwrap());
    let (a, b) = (of("wide").await, of("narrow").await);
    assert_eq!(a.as_array().unwrap().len(), wide.len());
    assert_eq!(a, b, "the same dump in both formats");
    // Each dataset's own table keeps its file's types.
    let own = json(&q("SELECT arrow_typeof(page_id) AS id FROM narrow.pages LIMIT 1").await.unwrap());
    assert_eq!(own, serde_json::json!([{"id": "UInt32"}]));
}
