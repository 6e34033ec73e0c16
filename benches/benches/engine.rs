//! Criterion benchmarks of the engine's queries and of the dump scanner.
//!
//! `FOLIO_BENCH_PAGES` sets the size of the synthetic dump (default 200,000 pages, about 0.8 GB);
//! the fixture is built once and cached in `target/bench-fixtures/`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use folio_engine::{Case, Index, PrefixQuery};
use folio_ingest::signals::Reader;

fn pages() -> u64 {
    std::env::var("FOLIO_BENCH_PAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000)
}

fn queries(c: &mut Criterion) {
    let (_, dir) = folio_benches::synthetic_index(pages());
    let index = Index::open(&dir).expect("open the fixture");
    let titles: Vec<String> = (0..index.len()).step_by(97).map(|r| index.page(r).unwrap().title.to_string()).collect();

    let mut g = c.benchmark_group("engine");
    g.bench_function("open", |b| b.iter(|| Index::open(black_box(&dir)).unwrap()));
    let mut i = 0;
    g.bench_function("exact_lookup", |b| {
        b.iter(|| {
            i = (i + 1) % titles.len();
            index.get(black_box(&titles[i])).unwrap().unwrap().row
        })
    });
    let mut i = 0;
    g.bench_function("exact_lookup_and_page_slice", |b| {
        b.iter(|| {
            i = (i + 1) % titles.len();
            let page = index.get(&titles[i]).unwrap().unwrap();
            index.page_bytes(&page).unwrap().len()
        })
    });
    // What `/wiki/{title}` asks of the engine: the span of the page a title means (from format
    // 8 on, the title's slot and the dump's <title>) and its checked bytes.
    let mut i = 0;
    g.bench_function("find_span_and_page_bytes", |b| {
        b.iter(|| {
            i = (i + 1) % titles.len();
            let span = index.find_span(black_box(&titles[i])).unwrap().unwrap();
            index.span_bytes(&span).unwrap().len()
        })
    });
    for (name, prefix, case, limit) in [
        ("prefix_small_10", "Battle of ab", Case::Sensitive, 10),
        ("prefix_first_10_of_list_of", "List of ", Case::Sensitive, 10),
        ("prefix_16000_hits", "", Case::Sensitive, 16_000),
        ("prefix_insensitive_10", "list of ab", Case::Insensitive, 10),
        ("prefix_insensitive_16000_hits", "", Case::Insensitive, 16_000),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let q = PrefixQuery { prefix, case, limit, after: None, ns: None };
                index.prefix(black_box(&q)).unwrap().pages.len()
            })
        });
    }
    let mut off = 0u64;
    let size = index.dump().len() as u64;
    g.bench_function("page_at_offset", |b| {
        b.iter(|| {
            off = (off + 7_919_993) % size;
            index.page_at_offset(black_box(off)).unwrap().map(|p| p.row)
        })
    });
    g.finish();
}

fn scan(c: &mut Criterion) {
    let (dump, _) = folio_benches::synthetic_index(pages());
    let map = folio_engine::Mmap::open(&dump).unwrap();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(map.len() as u64));
    g.sample_size(10);
    g.bench_function("scan", |b| {
        b.iter(|| folio_ingest::scan::scan(black_box(&map), true, &|_, _| {}).unwrap().pages.len())
    });
    g.finish();
}

/// The link counting of a ranked build alone ([`Reader::links`] over every page's text): the
/// part of the scan that `--no-links` skips, the cost that ranking adds to an ingest.
fn links(c: &mut Criterion) {
    let (_, dir) = folio_benches::synthetic_index(pages());
    let index = Index::open(&dir).expect("open the fixture");
    let pages: Vec<_> = (0..index.len()).map(|r| index.page_bytes(&index.page(r).unwrap()).unwrap()).collect();
    let texts: Vec<&[u8]> = pages.iter().map(|p| folio_engine::article::raw_text(p).unwrap()).collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("links", |b| {
        b.iter(|| {
            let mut reader = Reader::for_bytes(bytes);
            for (i, text) in texts.iter().enumerate() {
                reader.links(black_box(text), i as u64);
            }
            reader.into_shards().len()
        })
    });
    g.finish();
}

/// The renderer over every page of the real sample (English Wikipedia), and its largest article.
fn render(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("sample");
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/enwiki-sample.xml.bz2");
    folio_ingest::build::build(&folio_ingest::build::BuildConfig {
        dump: sample,
        out: out.clone(),
        progress: false,
        search: folio_ingest::build::Search::Ranked,
        fulltext: false,
        compressed: false,
    })
    .expect("index the sample");
    let index = Index::open(&out).expect("open the sample");
    let pages: Vec<_> = (0..index.len()).map(|r| index.page(r).unwrap()).filter(|p| p.redirect.is_none()).collect();
    let text_bytes = |p: &folio_engine::Page<'_>| {
        folio_engine::article::wikitext(&index.page_bytes(p).unwrap()).unwrap().len() as u64
    };
    let total: u64 = pages.iter().map(text_bytes).sum();
    let largest = *pages.iter().max_by_key(|p| text_bytes(p)).unwrap();
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Bytes(total));
    g.bench_function("every_article_of_the_sample", |b| {
        b.iter(|| {
            pages.iter().map(|p| index.render_page(p, None, "/read/").unwrap().rendered.html.len()).sum::<usize>()
        })
    });
    g.throughput(Throughput::Bytes(text_bytes(&largest)));
    g.bench_function("largest_article", |b| {
        b.iter(|| index.render_page(&largest, None, "/read/").unwrap().rendered.html.len())
    });
    g.finish();
}

criterion_group!(benches, queries, scan, links, render);
criterion_main!(benches);
