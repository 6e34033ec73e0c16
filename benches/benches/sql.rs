//! DataFusion's per-query cost in Folio's catalog: a prepared point query (planned once, the id
//! bound into the cached physical plan) against the same query parsed and planned each time, the
//! fortunes read, and `GROUP BY ns` over the pages of a synthetic dump.
//!
//! Run in the release profile (the bench profile's fat LTO over DataFusion takes too long here):
//! `cargo bench --profile release -p folio-benches --bench sql`. `FOLIO_BENCH_PAGES` sets the
//! dump size (default 1,000,000 pages).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use folio_engine::Index;
use folio_engine::sql::{Catalog, ScalarValue, Seed, SqlLimits};

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
    let catalog =
        rt.block_on(Catalog::open(tables.path(), SEED, Some(index), SqlLimits::default())).expect("open the catalog");

    let mut g = c.benchmark_group("sql");
    let mut id = 0;
    g.bench_function("world_point_prepared", |b| {
        b.iter(|| {
            id = id % 10_000 + 1;
            rt.block_on(catalog.world_row(black_box(id))).unwrap().unwrap().random_number
        })
    });
    let prepared = rt.block_on(catalog.prepare("SELECT id, randomNumber FROM world WHERE id = $1")).unwrap();
    g.bench_function("world_point_prepared_generic_run", |b| {
        b.iter(|| {
            id = id % 10_000 + 1;
            rt.block_on(catalog.run(&prepared, &[ScalarValue::Int32(Some(id))])).unwrap().len()
        })
    });
    g.bench_function("world_point_planned_each_time", |b| {
        b.iter(|| {
            id = id % 10_000 + 1;
            let sql = format!("SELECT id, randomNumber FROM world WHERE id = {id}");
            rt.block_on(catalog.query(&sql, &[])).unwrap().rows()
        })
    });
    g.bench_function("fortunes", |b| b.iter(|| rt.block_on(catalog.fortunes()).unwrap().len()));
    g.sample_size(20);
    g.bench_function("pages_group_by_ns", |b| {
        b.iter(|| rt.block_on(catalog.query("SELECT ns, count(*) FROM pages GROUP BY ns", &[])).unwrap().rows())
    });
    g.finish();
}

criterion_group!(benches, sql);
criterion_main!(benches);
