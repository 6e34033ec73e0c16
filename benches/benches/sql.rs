//! DataFusion's per-query cost in Folio's catalog: a prepared point query (planned once, the id
//! bound into the cached physical plan) against the same query parsed and planned each time on a
//! [`Replica`] (what a SQL worker runs, without the hop to the worker process), the fortunes read,
//! and `GROUP BY ns` over the pages of a synthetic dump.
//!
//! Run in the release profile (the bench profile's fat LTO over DataFusion takes too long here):
//! `cargo bench --profile release -p folio-benches --bench sql`. `FOLIO_BENCH_PAGES` sets the
//! dump size (default 1,000,000 pages).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use folio_engine::Index;
use folio_engine::sql::{Catalog, Format, Replica, Seed, SqlLimits, TablesMode};

const SEED: Seed<'static> = Seed {
    world: include_str!("../../datasets/tfb/world.tsv"),
    fortune: include_str!("../../datasets/tfb/fortune.tsv"),
};

fn pages() -> u64 {
    std::env::var("FOLIO_BENCH_PAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

fn sql(c: &mut Criterion) {
    let (_, dir) = folio_benches::synthetic_index(pages());
    let index = Arc::new(Index::open(&dir).expect("open the fixture"));
    let tables = tempfile::tempdir().expect("a temporary directory");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let limits = SqlLimits::default();
    let catalog = rt
        .block_on(Catalog::open(tables.path(), SEED, Vec::new(), limits.clone(), None, TablesMode::Write))
        .expect("open the catalog");
    let fortunes = rt.block_on(catalog.fortunes()).expect("the fortunes");
    let world = (1..=10_000).map(|id| id * 7 % 10_000).collect();
    let replica = Replica::new(world, &fortunes, &[("bench".to_string(), index.page_table().clone())], &limits)
        .expect("a replica");
    let query =
        |sql: &str| rt.block_on(replica.query(sql, &[], Format::Json, limits.max_rows, limits.max_bytes)).unwrap().rows;

    let mut g = c.benchmark_group("sql");
    let mut id = 0;
    g.bench_function("world_point_prepared", |b| {
        b.iter(|| {
            id = id % 10_000 + 1;
            rt.block_on(catalog.world_row(black_box(id))).unwrap().unwrap().random_number
        })
    });
    g.bench_function("world_point_planned_each_time", |b| {
        b.iter(|| {
            id = id % 10_000 + 1;
            let sql = format!("SELECT id, randomNumber FROM world WHERE id = {id}");
            query(&sql)
        })
    });
    g.bench_function("fortunes", |b| b.iter(|| rt.block_on(catalog.fortunes()).unwrap().len()));
    g.sample_size(20);
    g.bench_function("pages_group_by_ns", |b| b.iter(|| query("SELECT ns, count(*) FROM pages GROUP BY ns")));
    g.finish();
}

criterion_group!(benches, sql);
criterion_main!(benches);
