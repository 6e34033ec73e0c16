//! Compressed datasets (`build --compressed`): served from the multistream `.bz2` as it is, they
//! answer every page with the same bytes as the plain index of the same dump; a damaged stream
//! costs its own pages only; a file that is not a multistream dump is refused.

use std::path::Path;

use folio_engine::{Error, Index};

use crate::util::{run, shared_data, stderr};

fn build(dump: &Path, out: &Path, compressed: bool) {
    let (d, o) = (dump.to_str().unwrap(), out.to_str().unwrap());
    let mut args = vec!["build", d, "--out", o, "--quiet"];
    if compressed {
        args.push("--compressed");
    }
    let r = run(&args);
    assert!(r.status.success(), "{}", stderr(&r));
}

#[test]
fn a_compressed_dataset_serves_the_bytes_of_the_plain_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = shared_data("enwiki-sample-multistream.xml.bz2");
    let (plain_dir, packed_dir) = (tmp.path().join("plain"), tmp.path().join("packed"));
    build(&dump, &plain_dir, false);
    build(&dump, &packed_dir, true);
    assert!(!packed_dir.join("dump.xml").exists(), "no decompressed copy");
    let (plain, packed) = (Index::open(&plain_dir).unwrap(), Index::open(&packed_dir).unwrap());

    // The same pages, at the same offsets of the same XML, with the same bytes.
    assert_eq!(packed.len(), plain.len());
    assert_eq!(packed.dump_len(), plain.dump_len());
    assert_eq!(packed.manifest().dump.fingerprint, plain.manifest().dump.fingerprint);
    assert_eq!(packed.manifest().counts, plain.manifest().counts);
    assert_eq!(packed.site(), plain.site());
    for row in 0..plain.len() {
        assert_eq!(packed.page(row).unwrap(), plain.page(row).unwrap());
        assert_eq!(&*packed.row_bytes(row as u32).unwrap(), &*plain.row_bytes(row as u32).unwrap(), "row {row}");
    }
    // The same listings, though a compressed index keeps no title-ordered copy.
    for file in folio_engine::format::LEFT_OUT_WHEN_LEAN {
        assert!(!packed_dir.join(file).exists() && plain_dir.join(file).exists(), "{file}");
    }
    let mut prefixes = std::collections::BTreeSet::new();
    for row in 0..plain.len() {
        let title = plain.page(row).unwrap().title;
        prefixes.extend(title.char_indices().skip(1).take(3).map(|(i, _)| title[..i].to_string()));
        prefixes.insert(title.to_string());
    }
    for prefix in &prefixes {
        for case in [folio_engine::Case::Sensitive, folio_engine::Case::Insensitive] {
            let (a, b) = (packed.prefix_spans(prefix, case).unwrap(), plain.prefix_spans(prefix, case).unwrap());
            assert_eq!(a, b, "{prefix:?} {case:?}");
        }
    }
    // Any range of the XML, across streams too.
    let m = packed.multistream().expect("a compressed dataset");
    assert_eq!(m.table().len(), 5, "header, three streams of pages, footer");
    let len = plain.dump_len();
    let edges: Vec<u64> = (0..m.table().len()).map(|k| m.table().decoded(k).start).collect();
    for &(a, b) in &[(0, 1), (0, len), (len - 13, len), (edges[2] - 5, edges[2] + 5), (edges[1], edges[3] + 1)] {
        assert_eq!(&*packed.read(a, b).unwrap(), &*plain.read(a, b).unwrap(), "bytes {a}..{b}");
    }
    assert!(packed.read(len - 1, len + 1).is_err(), "past the end");
    let stats = m.cache_stats();
    assert!(stats.misses >= 3 && stats.hits > 0 && stats.held_bytes > 0, "{stats:?}");
    assert!(stats.held_bytes <= len + 5 * 64, "each stream held once: {stats:?}");

    // Verification decodes every stream.
    let r = run(&["verify", packed_dir.to_str().unwrap()]);
    assert!(r.status.success(), "{}", stderr(&r));
}

#[test]
fn each_page_says_where_it_is_in_the_bz2_as_the_index_file_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = packed_synth(tmp.path(), 700, 64);
    let dir = tmp.path().join("idx");
    build(&dump, &dir, true);
    let index = Index::open(&dir).unwrap();
    // The index file `pack` wrote (offset:page_id:title, from the streams' own lengths), the
    // reference the build's `bz2_start` column must agree with, page by page.
    let lines = std::fs::read_to_string(tmp.path().join("index.txt")).unwrap();
    let offsets: std::collections::HashMap<u64, u64> = lines
        .lines()
        .map(|l| {
            let mut f = l.splitn(3, ':');
            let offset = f.next().unwrap().parse().unwrap();
            (f.next().unwrap().parse().unwrap(), offset)
        })
        .collect();
    let table = index.multistream().unwrap().table();
    for row in 0..index.len() {
        let page = index.page(row).unwrap();
        let (bz2_start, within) = index.page_table().location(row).unwrap().unwrap();
        assert_eq!(bz2_start, offsets[&page.page_id], "row {row}");
        // The page's bytes are there: decode its stream from that offset, look at the offset.
        let k = table.locate(page.start).unwrap();
        let stream = &index.dump()[bz2_start as usize..table.compressed(k).end as usize];
        let xml = folio_engine::dump::decode_stream(stream, usize::MAX, 1 << 20).unwrap();
        assert!(xml[within as usize..].starts_with(b"<page>"), "row {row}");
    }
}

/// A synthetic dump of `pages` pages packed `per_stream` pages to a stream (its index file,
/// Wikimedia's `offset:page_id:title` lines, beside it as `index.txt`).
fn packed_synth(dir: &Path, pages: u64, per_stream: usize) -> std::path::PathBuf {
    let mut xml = Vec::new();
    folio_ingest::synth::generate(folio_ingest::synth::SynthConfig { pages, seed: 7 }, &mut xml, &|_, _| {}).unwrap();
    let path = dir.join("synth-multistream.xml.bz2");
    let (mut bz2, mut index) = (Vec::new(), Vec::new());
    folio_ingest::multistream::pack(&xml, per_stream, 1, &mut bz2, &mut index).unwrap();
    std::fs::write(&path, &bz2).unwrap();
    // The index lines name every page's stream, as Wikimedia's do.
    let lines = String::from_utf8(index).unwrap();
    assert_eq!(lines.lines().count() as u64, pages);
    assert!(lines.lines().all(|l| l.splitn(3, ':').count() == 3));
    std::fs::write(dir.join("index.txt"), lines).unwrap();
    path
}

/// The first stream past the middle of the compressed file, checked to lie outside its first
/// and last MiB (which the fingerprint checked at open reads), so damage there is found by
/// reads, not at open.
fn middle_stream(index: &Index) -> usize {
    let table = index.multistream().unwrap().table();
    let size = index.dump().len() as u64;
    let middle = (0..table.len()).find(|&k| table.compressed(k).start > size / 2).unwrap();
    let at = table.compressed(middle);
    assert!(at.start > 1 << 20 && size - at.end > 1 << 20, "file too small: {at:?}");
    middle
}

/// Flips the bits of `bytes` of the file at `path`.
fn damage(path: &Path, bytes: std::ops::Range<usize>) {
    let mut file = std::fs::read(path).unwrap();
    for b in &mut file[bytes] {
        *b ^= 0x5a;
    }
    std::fs::write(path, &file).unwrap();
}

#[test]
fn a_damaged_stream_costs_its_own_pages_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = packed_synth(tmp.path(), 5000, 50);
    let dir = tmp.path().join("idx");
    build(&dump, &dir, true);
    let index = Index::open(&dir).unwrap();
    let middle = middle_stream(&index);
    let at = index.multistream().unwrap().table().compressed(middle);
    drop(index);
    let hit = (at.start + (at.end - at.start) / 2) as usize;
    damage(&dump, hit..hit + 64);

    let index = Index::open(&dir).expect("opening reads the ends of the file only");
    // What a server checks at every start decodes nothing; `folio-ingest verify` decodes all.
    let misses = || index.multistream().unwrap().cache_stats().misses;
    assert_eq!(misses(), 1, "opening decodes the header stream only");
    index.verify_without_decoding().expect("the index files are whole");
    assert_eq!(misses(), 1, "no stream decoded");
    let table = index.multistream().unwrap().table();
    let (mut damaged, mut whole) = (0, 0);
    for row in 0..index.len() {
        let page = index.page(row).unwrap();
        let k = table.locate(page.start).unwrap();
        match index.row_bytes(row as u32) {
            Ok(xml) => {
                assert_ne!(k, middle, "row {row} is in the damaged stream");
                assert!(xml.starts_with(b"<page>"));
                whole += 1;
            }
            Err(Error::DumpDamaged { offset, .. }) => {
                assert_eq!((k, offset), (middle, at.start), "row {row}");
                damaged += 1;
            }
            Err(e) => panic!("row {row}: {e}"),
        }
    }
    assert_eq!((damaged, whole), (50, 4950));
    let r = run(&["verify", dir.to_str().unwrap()]);
    assert!(!r.status.success());
    assert!(stderr(&r).contains(&format!("the bz2 stream at byte {}", at.start)), "{}", stderr(&r));
}

#[test]
fn a_page_read_stops_decoding_at_its_end_and_damage_past_it_is_still_found() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = packed_synth(tmp.path(), 3000, 100);
    let dir = tmp.path().join("idx");
    build(&dump, &dir, true);
    let index = Index::open(&dir).unwrap();
    let table = index.multistream().unwrap().table();
    let middle = middle_stream(&index);
    let (at, span) = (table.compressed(middle), table.decoded(middle));
    let rows: Vec<usize> =
        (0..index.len()).filter(|&r| table.locate(index.page(r).unwrap().start) == Some(middle)).collect();
    assert_eq!(rows.len(), 100);
    drop(index);

    // The stream's first page costs the decoding of its own bytes only; the second read,
    // further in, decodes the stream whole, and the rest of its pages are then in memory.
    let index = Index::open(&dir).unwrap();
    let decoded = || index.multistream().unwrap().cache_stats().decoded_bytes;
    let before = decoded();
    let first = index.page(rows[0]).unwrap();
    assert!(index.page_bytes(&first).unwrap().starts_with(b"<page>"));
    assert_eq!(decoded() - before, first.end + 1 - span.start);
    let last = index.page(rows[99]).unwrap();
    assert!(index.page_bytes(&last).unwrap().ends_with(b"</page>"));
    assert_eq!(decoded() - before, first.end + 1 - span.start + (span.end - span.start));
    assert!(rows.iter().all(|&r| index.row_bytes(r as u32).is_ok()));
    assert_eq!(index.multistream().unwrap().cache_stats().misses, 3, "the header stream, then two reads");
    drop(index);

    // Damage to the stream's last bytes (its CRC), which a read of its first page never decodes:
    // the stream's sum finds it, for every page of the stream.
    damage(&dump, at.end as usize - 4..at.end as usize);
    let index = Index::open(&dir).unwrap();
    for &row in &[rows[0], rows[50], rows[99]] {
        match index.row_bytes(row as u32) {
            Err(e @ Error::DumpDamaged { .. }) => {
                assert!(e.to_string().contains(&format!("byte {}", at.start)), "{e}");
                assert!(e.to_string().contains("checksum"), "{e}");
            }
            other => panic!("row {row}: {other:?}"),
        }
    }
    assert!(index.row_bytes(rows[0] as u32 - 1).is_ok(), "the stream before it is whole");
}

#[test]
fn pages_cut_between_two_streams_are_joined() {
    let tmp = tempfile::tempdir().unwrap();
    let mut xml = Vec::new();
    folio_ingest::synth::generate(folio_ingest::synth::SynthConfig { pages: 50, seed: 3 }, &mut xml, &|_, _| {})
        .unwrap();
    // Two streams cut in the middle of the XML, as pbzip2 cuts: inside a page.
    let bz2 = folio_ingest::multistream::compress_between(&xml, &[0, xml.len() / 2, xml.len()], 1).unwrap().concat();
    let path = tmp.path().join("cut.xml.bz2");
    std::fs::write(&path, &bz2).unwrap();
    let (plain_dir, packed_dir) = (tmp.path().join("plain"), tmp.path().join("packed"));
    build(&path, &plain_dir, false);
    build(&path, &packed_dir, true);
    let (plain, packed) = (Index::open(&plain_dir).unwrap(), Index::open(&packed_dir).unwrap());
    let table = packed.multistream().unwrap().table();
    let across = (0..plain.len()).filter(|&row| {
        let p = plain.page(row).unwrap();
        table.locate(p.start) != table.locate(p.end)
    });
    assert_eq!(across.count(), 1, "one page lies in both streams");
    for row in 0..plain.len() {
        assert_eq!(&*packed.row_bytes(row as u32).unwrap(), &*plain.row_bytes(row as u32).unwrap(), "row {row}");
    }
}

#[test]
fn synth_writes_a_multistream_dump_and_its_index_as_wikimedia_does() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("synth-multistream.xml.bz2");
    let r = run(&["synth", "--pages", "250", "--out", out.to_str().unwrap(), "--multistream", "--quiet"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let dir = tmp.path().join("idx");
    build(&out, &dir, true);
    let index = Index::open(&dir).unwrap();
    assert_eq!(index.len(), 250);
    let table = index.multistream().unwrap().table();
    assert_eq!(table.len(), 5, "a header stream, three of up to 100 pages, a footer");
    // Every index line names the stream that holds its page.
    let mut text = String::new();
    let packed = std::fs::read(tmp.path().join("synth-multistream-index.txt.bz2")).unwrap();
    std::io::Read::read_to_string(&mut bzip2::read::BzDecoder::new(&packed[..]), &mut text).unwrap();
    assert_eq!(text.lines().count(), 250);
    for (row, line) in text.lines().enumerate() {
        let mut parts = line.splitn(3, ':');
        let (offset, id, title) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let page = index.page(row).unwrap();
        assert_eq!((id.parse::<u64>().unwrap(), title), (page.page_id, page.title));
        let k = table.locate(page.start).unwrap();
        assert_eq!(offset.parse::<u64>().unwrap(), table.compressed(k).start, "{line}");
    }
}
