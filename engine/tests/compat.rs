//! Indexes written by earlier versions of the format keep opening and answering the same.

use folio_engine::search::{SuggestQuery, Tier};
use folio_engine::{Case, Index, PrefixQuery};

fn fixture(version: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(version)
}

#[test]
fn format_v1_opens_verifies_and_answers() {
    answers_the_same(&Index::open(fixture("v1")).unwrap());
}

#[test]
fn format_v2_opens_verifies_and_answers() {
    answers_the_same(&Index::open(fixture("v2")).unwrap());
}

#[test]
fn format_v3_compressed_opens_verifies_and_answers_with_the_bytes_of_v2() {
    let (packed, plain) = (Index::open(fixture("v3-compressed")).unwrap(), Index::open(fixture("v2")).unwrap());
    answers_the_same(&packed);
    assert_eq!(packed.multistream().unwrap().table().len(), 8, "a header stream, one per page, a footer");
    for row in 0..plain.len() {
        assert_eq!(&*packed.row_bytes(row as u32).unwrap(), &*plain.row_bytes(row as u32).unwrap());
    }
    assert_eq!(&*packed.read(0, packed.dump_len()).unwrap(), &*plain.read(0, plain.dump_len()).unwrap());
}

#[test]
fn format_v4_compressed_says_where_each_page_is_in_the_bz2() {
    let (v4, v3) = (Index::open(fixture("v4-compressed")).unwrap(), Index::open(fixture("v3-compressed")).unwrap());
    answers_the_same(&v4);
    let table = v4.multistream().unwrap().table();
    for row in 0..v4.len() {
        let page = v4.page(row).unwrap();
        let k = table.locate(page.start).unwrap();
        let want = (table.compressed(k).start, u32::try_from(page.start - table.decoded(k).start).unwrap());
        assert_eq!(v4.page_table().location(row).unwrap(), Some(want), "row {row}");
        assert_eq!(v3.page_table().location(row).unwrap(), None, "format 3 has no location columns");
        assert_eq!(&*v4.row_bytes(row as u32).unwrap(), &*v3.row_bytes(row as u32).unwrap());
    }
    let fields: Vec<String> = v4.page_table().schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(fields[fields.len() - 2..], ["bz2_start", "stream_offset"]);
    // A plain index of this format has none of them.
    assert_eq!(folio_engine::pages::schema(false).fields().len() + 2, fields.len());
}

#[test]
fn format_v5_compressed_checks_each_stream_by_its_sum_and_reads_pages_without_decoding_past_them() {
    let (v5, v4) = (Index::open(fixture("v5-compressed")).unwrap(), Index::open(fixture("v4-compressed")).unwrap());
    answers_the_same(&v5);
    let (m5, m4) = (v5.multistream().unwrap(), v4.multistream().unwrap());
    let bz2 = std::fs::read(fixture("v5-compressed").join("dump.xml.bz2")).unwrap();
    for k in 0..m5.table().len() {
        let c = m5.table().compressed(k);
        let sum = xxhash_rust::xxh3::xxh3_64(&bz2[c.start as usize..c.end as usize]);
        assert_eq!(m5.table().sum(k), Some(sum), "stream {k}");
        assert_eq!(m4.table().sum(k), None, "format 4 has no sums");
    }
    // A page's read decodes its stream up to the page's end; the whole of the stream was
    // decoded in format 4.
    let fresh = Index::open(fixture("v5-compressed")).unwrap();
    let page = fresh.page(2).unwrap();
    let k = fresh.multistream().unwrap().table().locate(page.start).unwrap();
    let span = fresh.multistream().unwrap().table().decoded(k);
    assert!(span.end > page.end + 1, "the stream holds more than the page");
    let before = fresh.multistream().unwrap().cache_stats().decoded_bytes; // the <siteinfo> stream
    assert_eq!(&*fresh.page_bytes(&page).unwrap(), &*v4.page_bytes(&v4.page(2).unwrap()).unwrap());
    let decoded = fresh.multistream().unwrap().cache_stats().decoded_bytes - before;
    assert_eq!(decoded, page.end + 1 - span.start, "decoded up to the page's last byte");
    for row in 0..v4.len() {
        assert_eq!(&*v5.row_bytes(row as u32).unwrap(), &*v4.row_bytes(row as u32).unwrap(), "row {row}");
    }
}

#[test]
fn format_v6_stores_ids_and_counts_as_mediawiki_does_and_reads_them_back_widened() {
    let (v6, v5) = (Index::open(fixture("v6")).unwrap(), Index::open(fixture("v2")).unwrap());
    answers_the_same(&v6);
    let schema = v6.page_table().schema();
    let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    use arrow_schema::DataType::{UInt16, UInt32};
    assert_eq!((ty("page_id"), ty("text_bytes"), ty("headings")), (UInt32, UInt32, UInt16));
    for row in 0..v6.len() {
        assert_eq!(v6.page(row).unwrap(), v5.page(row).unwrap(), "row {row}");
        assert_eq!(v6.page_table().signals(row).unwrap(), v5.page_table().signals(row).unwrap(), "row {row}");
        assert_eq!(v6.page_table().rank(row).unwrap(), v5.page_table().rank(row).unwrap(), "row {row}");
    }
}

#[test]
fn format_v7_finds_exact_titles_through_its_hash_table_as_v6_does_through_its_fst() {
    let (v7, v6) = (Index::open(fixture("v7")).unwrap(), Index::open(fixture("v6")).unwrap());
    answers_the_same(&v7);
    assert!(fixture("v7").join("title_slots.npy").exists() && !fixture("v6").join("title_slots.npy").exists());
    for row in 0..v6.len() {
        let title = v6.page(row).unwrap().title;
        assert_eq!(v7.row_of(title).unwrap(), v6.row_of(title).unwrap(), "{title:?}");
        assert_eq!(v7.page(row).unwrap(), v6.page(row).unwrap(), "row {row}");
    }
}

#[test]
fn format_v8_holds_each_title_s_span_in_its_slot_and_finds_what_v7_finds() {
    let (v8, v7) = (Index::open(fixture("v8")).unwrap(), Index::open(fixture("v7")).unwrap());
    answers_the_same(&v8);
    let slots = |v: &str| std::fs::read(fixture(v).join("title_slots.npy")).unwrap();
    // 16 slots for 5 titles: four bytes each in format 7, sixteen in format 8 (after the
    // 128-byte header).
    assert_eq!((slots("v7").len(), slots("v8").len()), (128 + 16 * 4, 128 + 16 * 16));
    for row in 0..v7.len() {
        let title = v7.page(row).unwrap().title;
        assert_eq!(v8.row_of(title).unwrap(), v7.row_of(title).unwrap(), "{title:?}");
        // The span from the slot (its title confirmed in the dump) is the page table's.
        let span = v8.find_span(title).unwrap().unwrap();
        assert_eq!(Some(span.clone()), v7.find_span(title).unwrap(), "{title:?}");
        assert_eq!(&*v8.span_bytes(&span).unwrap(), &*v7.row_bytes(span.row).unwrap());
        // The lookup read the page (in memory) to confirm it, and hands the bytes on; format 7
        // confirms in the page table and reads none.
        let (found, old) = (v8.find_read(title).unwrap().unwrap(), v7.find_read(title).unwrap().unwrap());
        assert_eq!(found.span, span);
        assert_eq!(&*found.bytes.expect("read by the lookup"), &*v7.row_bytes(span.row).unwrap());
        assert!(old.bytes.is_none());
    }
}

#[test]
fn format_v6_compressed_leaves_the_title_ordered_copy_out_and_lists_the_same() {
    let (lean, full) = (Index::open(fixture("v6-compressed")).unwrap(), Index::open(fixture("v5-compressed")).unwrap());
    answers_the_same(&lean);
    for file in folio_engine::format::LEFT_OUT_WHEN_LEAN {
        assert!(!fixture("v6-compressed").join(file).exists(), "{file}");
        assert!(fixture("v5-compressed").join(file).exists(), "{file}");
    }
    // Every prefix of every title (and of its folded key), listed both ways, from every cursor.
    let mut prefixes: Vec<String> = vec![String::new(), "\u{10FFFF}".into(), "B".into()];
    for row in 0..full.len() {
        let title = full.page(row).unwrap().title;
        prefixes.extend(title.char_indices().map(|(i, _)| title[..i].to_string()));
        prefixes.push(title.to_string());
        prefixes.push(title.to_lowercase());
    }
    for prefix in &prefixes {
        for case in [Case::Sensitive, Case::Insensitive] {
            let spans = |index: &Index| {
                let got = index.prefix_spans(prefix, case).unwrap();
                got.iter().map(|s| (s.title.to_string(), s.start, s.end)).collect::<Vec<_>>()
            };
            assert_eq!(spans(&lean), spans(&full), "{prefix:?} {case:?}");
            assert_eq!(lean.prefix_ranks(prefix, case).unwrap(), full.prefix_ranks(prefix, case).unwrap());
            let mut after = None;
            loop {
                let q = PrefixQuery { prefix, case, after: after.clone(), limit: 2, ns: None };
                let (a, b) = (lean.prefix(&q).unwrap(), full.prefix(&q).unwrap());
                let rows = |p: &folio_engine::PrefixPage<'_>| p.pages.iter().map(|p| p.row).collect::<Vec<_>>();
                assert_eq!(rows(&a), rows(&b), "{prefix:?} {case:?} after {after:?}");
                assert_eq!(a.next, b.next);
                match a.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
        }
    }
    for rank in 0..full.len() {
        let (a, b) = (lean.sorted_span(rank).unwrap(), full.sorted_span(rank).unwrap());
        assert_eq!((a.title, a.start, a.end), (b.title, b.start, b.end), "rank {rank}");
    }
    assert!(lean.sorted_span(full.len()).is_err());
}

#[test]
fn format_v1_has_no_suggestions_and_says_how_to_get_them() {
    let index = Index::open(fixture("v1")).unwrap();
    let e = index
        .suggest(&SuggestQuery { query: "AT", limit: 5, ns: None, disambiguation: Default::default() })
        .unwrap_err();
    assert_eq!(e.code(), "search_missing");
    assert!(e.to_string().contains("folio-ingest build"), "{e}");
    assert_eq!(index.page_table().signals(0).unwrap(), None);
    assert_eq!(index.page_table().rank(0).unwrap(), 0.0);
    assert_eq!(index.page_table().record_batches().unwrap()[0].num_columns(), 6);
}

#[test]
fn format_v2_ranks_and_suggests() {
    let index = Index::open(fixture("v2")).unwrap();
    assert_eq!(index.page_table().record_batches().unwrap()[0].num_columns(), 11);
    // AT&T (row 0) has the redirect `Say "hi"`; its text is "A telephone company".
    let s = index.page_table().signals(0).unwrap().unwrap();
    assert_eq!((s.redirects_in, s.text_bytes), (1, 19));
    let titles = |q: &str| -> Vec<(String, Tier, Option<String>)> {
        let got =
            index.suggest(&SuggestQuery { query: q, limit: 10, ns: None, disambiguation: Default::default() }).unwrap();
        got.iter()
            .map(|s| {
                let matched = s.matched_row.map(|r| index.page(r as usize).unwrap().title.to_string());
                (index.page(s.row as usize).unwrap().title.to_string(), s.tier, matched)
            })
            .collect()
    };
    assert_eq!(titles("say \"hi\""), vec![("AT&T".to_string(), Tier::Exact, Some("Say \"hi\"".to_string()))]);
    // Straße and STRASSE share a search key; the one with text ranks first.
    let strasse = titles("strasse");
    assert_eq!(strasse.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["STRASSE", "Straße"], "{strasse:?}");
    assert_eq!(index.excerpt(3).unwrap(), "loud");
}

/// The answers every format gives for the fixture's dump.
fn answers_the_same(index: &Index) {
    index.verify().unwrap();
    assert_eq!(index.len(), 6);
    assert_eq!(index.manifest().counts.distinct_titles, 5);

    // A duplicate title: the exact lookup gives the first page in dump order.
    let att = index.get("AT&T").unwrap().unwrap();
    assert_eq!((att.row, att.page_id), (0, 1));
    let xml = index.page_bytes(&att).unwrap();
    assert!(xml.starts_with(b"<page>\n    <title>AT&amp;T</title>") && xml.ends_with(b"</page>"));

    let quote = index.get("Say \"hi\"").unwrap().unwrap();
    assert_eq!(quote.redirect, Some("AT&T"));
    assert_eq!(index.get("Talk:東京").unwrap().unwrap().ns, 1);
    assert_eq!(index.get("at&t").unwrap(), None);

    let titles = |prefix: &str, case: Case| -> Vec<(String, u32)> {
        let q = PrefixQuery { prefix, case, after: None, limit: 100, ns: None };
        index.prefix(&q).unwrap().pages.iter().map(|p| (p.title.to_string(), p.row)).collect()
    };
    let owned = |v: &[(&str, u32)]| v.iter().map(|(t, r)| (t.to_string(), *r)).collect::<Vec<_>>();
    assert_eq!(titles("AT", Case::Sensitive), owned(&[("AT&T", 0), ("AT&T", 5)]));
    assert_eq!(titles("STR", Case::Sensitive), owned(&[("STRASSE", 3)]));
    // Case folding: ß folds to ss, so Straße and STRASSE share a key; ties go by row.
    assert_eq!(titles("strass", Case::Insensitive), owned(&[("Straße", 1), ("STRASSE", 3)]));
    assert_eq!(titles("STRAß", Case::Insensitive), owned(&[("Straße", 1), ("STRASSE", 3)]));
    assert_eq!(titles("", Case::Sensitive).len(), 6);

    let offsets_row = |off| index.page_at_offset(off).unwrap().map(|p| p.row);
    assert_eq!(offsets_row(0), None);
    assert_eq!(offsets_row(att.start), Some(0));
    assert_eq!(offsets_row(att.end), Some(0));
    assert_eq!(offsets_row(att.end + 1), None, "whitespace between pages");
}

#[test]
fn the_arrow_view_of_the_page_table_equals_its_rows() {
    for version in ["v1", "v2", "v3-compressed", "v4-compressed", "v5-compressed", "v6", "v6-compressed"] {
        arrow_view_equals_rows(&Index::open(fixture(version)).unwrap());
    }
}

fn arrow_view_equals_rows(index: &Index) {
    use arrow_array::{Array, Int32Array, StringArray, UInt32Array, UInt64Array};
    let batches = index.page_table().record_batches().unwrap();
    let mut row = 0;
    for b in &batches {
        let col = |i: usize| b.column(i).clone();
        let (ids, ns) = (col(0), col(1));
        let id = |i: usize| match ids.as_any().downcast_ref::<UInt64Array>() {
            Some(wide) => wide.value(i),
            None => ids.as_any().downcast_ref::<UInt32Array>().unwrap().value(i).into(),
        };
        let ns = ns.as_any().downcast_ref::<Int32Array>().unwrap();
        let (titles, redirects, starts) = (col(2), col(3), col(4));
        let titles = titles.as_any().downcast_ref::<StringArray>().unwrap();
        let redirects = redirects.as_any().downcast_ref::<StringArray>().unwrap();
        let starts = starts.as_any().downcast_ref::<UInt64Array>().unwrap();
        for i in 0..b.num_rows() {
            let page = index.page(row).unwrap();
            assert_eq!((id(i), ns.value(i), titles.value(i)), (page.page_id, page.ns, page.title));
            assert_eq!(redirects.is_null(i), page.redirect.is_none());
            assert_eq!(starts.value(i), page.start);
            row += 1;
        }
    }
    assert_eq!(row, index.len());
}
