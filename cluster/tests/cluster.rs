//! Queries on an in-process Ballista cluster over the engine's fixture indexes of three formats
//! (format 1, format 2, a compressed format 4), checked against the engine's own reading of
//! the same page tables.

use std::collections::BTreeMap;
use std::path::PathBuf;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{Int32Type, Int64Type, UInt64Type};
use folio_cluster::{Answer, Datasets, Format, Limits, query};
use folio_engine::PageTable;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures").join(name)
}

fn datasets() -> Datasets {
    let args = ["one=v1", "two=v2", "four=v4-compressed"].map(|a| {
        let (name, dir) = a.split_once('=').unwrap();
        format!("{name}={}", fixture(dir).display())
    });
    Datasets::open(&args).unwrap()
}

/// (dataset, ns) -> (pages, bytes of XML), read by the engine page by page.
fn expected() -> BTreeMap<(String, i32), (i64, u64)> {
    let mut counts = BTreeMap::new();
    for (name, dir) in [("one", "v1"), ("two", "v2"), ("four", "v4-compressed")] {
        let table = PageTable::open_in(&fixture(dir)).unwrap();
        for row in 0..table.len() {
            let page = table.page(row).unwrap();
            let entry = counts.entry((name.to_string(), page.ns)).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += page.end - page.start;
        }
    }
    counts
}

fn rows(answer: &Answer) -> BTreeMap<(String, i32), (i64, u64)> {
    let mut rows = BTreeMap::new();
    for batch in &answer.batches {
        let (dataset, ns) = (batch.column(0).as_string::<i32>(), batch.column(1).as_primitive::<Int32Type>());
        let (n, bytes) = (batch.column(2).as_primitive::<Int64Type>(), batch.column(3).as_primitive::<UInt64Type>());
        for i in 0..batch.num_rows() {
            let before = rows.insert((dataset.value(i).to_string(), ns.value(i)), (n.value(i), bytes.value(i)));
            assert!(before.is_none(), "a group twice: {} {}", dataset.value(i), ns.value(i));
        }
    }
    rows
}

#[tokio::test]
async fn pages_of_every_dataset_group_as_the_engine_counts_them() {
    let ctx = query::standalone(&datasets()).await.unwrap();
    let sql = r#"SELECT dataset, ns, count(*) AS n, sum("end" - start) AS bytes FROM pages GROUP BY dataset, ns"#;
    let answer = query::run(&ctx, sql, &Limits::default()).await.unwrap();
    assert_eq!(rows(&answer), expected());
    // `all_pages` is the same view, under the server's name for it.
    let all = query::run(&ctx, &sql.replace("FROM pages", "FROM all_pages"), &Limits::default()).await.unwrap();
    assert_eq!(rows(&all), expected());
}

#[tokio::test]
async fn each_dataset_keeps_its_own_columns_and_the_union_has_the_common_ones() {
    let ctx = query::standalone(&datasets()).await.unwrap();
    let columns = |answer: &Answer| answer.schema.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
    let union = query::run(&ctx, "SELECT * FROM pages LIMIT 1", &Limits::default()).await.unwrap();
    assert_eq!(columns(&union), ["dataset", "page_id", "ns", "title", "redirect", "start", "end"]);
    let four = query::run(&ctx, "SELECT * FROM four.pages LIMIT 1", &Limits::default()).await.unwrap();
    let expected = PageTable::open_in(&fixture("v4-compressed")).unwrap().schema();
    assert_eq!(columns(&four), expected.fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>());
    assert!(columns(&four).contains(&"bz2_start".to_string()));
    // A join across datasets: titles that both fixtures of formats 1 and 2 hold.
    let sql = "SELECT count(*) AS n FROM one.pages a JOIN two.pages b ON a.title = b.title";
    let joined = query::run(&ctx, sql, &Limits::default()).await.unwrap();
    let one = PageTable::open_in(&fixture("v1")).unwrap();
    let two = PageTable::open_in(&fixture("v2")).unwrap();
    let titles = |t: &PageTable| (0..t.len()).map(|r| t.page(r).unwrap().title.to_string()).collect::<Vec<_>>();
    let (a, b) = (titles(&one), titles(&two));
    let pairs = a.iter().map(|x| b.iter().filter(|y| *y == x).count() as i64).sum::<i64>();
    assert_eq!(joined.batches[0].column(0).as_primitive::<Int64Type>().value(0), pairs);
}

#[tokio::test]
async fn writes_and_file_reads_are_refused_before_planning() {
    let ctx = query::standalone(&datasets()).await.unwrap();
    for (sql, refusal) in [
        ("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'", "CREATE EXTERNAL TABLE is not allowed"),
        ("COPY (SELECT 1) TO '/tmp/folio-cluster-copy.csv'", "COPY is not allowed"),
        ("INSERT INTO pages VALUES (1)", "INSERT is not allowed"),
        ("SET datafusion.execution.batch_size = 1", "SET is not allowed"),
        ("SELECT 1; SELECT 2", "2 statements"),
        // Past the guard (a query), refused by DataFusion's read-only options.
        ("SELECT * INTO t FROM pages", "DDL not supported"),
    ] {
        let error = query::run(&ctx, sql, &Limits::default()).await.unwrap_err();
        assert!(format!("{error:#}").contains(refusal), "{sql}: {error:#}");
    }
    assert!(!std::path::Path::new("/tmp/folio-cluster-copy.csv").exists());
}

#[tokio::test]
async fn an_answer_over_the_row_limit_is_an_error_not_a_cut() {
    let ctx = query::standalone(&datasets()).await.unwrap();
    let limits = Limits { max_rows: 3, ..Limits::default() };
    let error = query::run(&ctx, "SELECT title FROM pages", &limits).await.unwrap_err();
    assert!(format!("{error:#}").contains("more than 3 rows"), "{error:#}");
    let fits = query::run(&ctx, "SELECT title FROM pages LIMIT 3", &limits).await.unwrap();
    assert_eq!(fits.rows(), 3);
}

#[test]
fn answers_are_written_in_every_format() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let answer = runtime.block_on(async {
        let ctx = query::standalone(&datasets()).await.unwrap();
        let sql = "SELECT dataset, count(*) AS n FROM pages GROUP BY dataset ORDER BY dataset";
        query::run(&ctx, sql, &Limits::default()).await.unwrap()
    });
    let write = |format| {
        let mut out = Vec::new();
        answer.write(format, &mut out).unwrap();
        out
    };
    let n = |name: &str| expected().iter().filter(|((d, _), _)| d == name).map(|(_, (n, _))| *n).sum::<i64>();
    let csv = String::from_utf8(write(Format::Csv)).unwrap();
    assert_eq!(csv, format!("dataset,n\nfour,{}\none,{}\ntwo,{}\n", n("four"), n("one"), n("two")));
    let json: serde_json::Value = serde_json::from_slice(&write(Format::Json)).unwrap();
    assert_eq!(json[1], serde_json::json!({"dataset": "one", "n": n("one")}));
    let arrow = write(Format::Arrow);
    let reader = datafusion::arrow::ipc::reader::StreamReader::try_new(arrow.as_slice(), None).unwrap();
    let batches: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
    assert_eq!(batches[0].column(0).len(), 3);
    let table = String::from_utf8(write(Format::Table)).unwrap();
    assert!(table.contains("| dataset | n "), "{table}");
}

#[test]
fn bad_datasets_say_what_to_do() {
    let missing = Datasets::open(&["nowhere=/no/such/dir".into()]).unwrap_err();
    assert!(format!("{missing:#}").contains("no such index directory"), "{missing:#}");
    let not_index = Datasets::open(&[format!("x={}", fixture("").display())]).unwrap_err();
    assert!(format!("{not_index:#}").contains("folio-ingest build"), "{not_index:#}");
    let v1 = format!("same={}", fixture("v1").display());
    let twice = Datasets::open(&[v1.clone(), v1]).unwrap_err();
    assert!(format!("{twice:#}").contains("taken"), "{twice:#}");
    assert!(Datasets::open(&[]).is_err());
}
