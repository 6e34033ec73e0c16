"""pages.arrow, offsets.npy and manifest.json open with pyarrow, numpy and json alone.

The index to check is named by FOLIO_TEST_INDEX (built by scripts/test.sh from the bundled
sample); its dump is read here with plain byte searches to cross-check the columns.
"""

import json
import os
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.ipc

INDEX = pathlib.Path(os.environ["FOLIO_TEST_INDEX"])


def manifest():
    return json.loads((INDEX / "manifest.json").read_text())


def pages():
    with pa.memory_map(str(INDEX / "pages.arrow")) as source:
        return pa.ipc.open_file(source).read_all()


def dump_bytes():
    m = manifest()
    path = pathlib.Path(m["dump"]["path"])
    return (path if path.is_absolute() else INDEX / path).read_bytes()


def test_manifest_is_plain_json():
    m = manifest()
    assert m["format"] == "folio-index"
    assert m["format_version"] == 8  # engine/FORMAT.md
    assert m["counts"]["pages"] == 206
    assert m["counts"]["redirects"] == 100
    assert sum(m["counts"]["namespaces"].values()) == 206
    assert m["dump"]["bytes"] == len(dump_bytes())
    for name in ["pages.arrow", "offsets.npy", "titles.fst", "title_order.npy", "title_rank.npy", "folded_order.npy", "sorted_titles.npy", "sorted_title_ends.npy", "sorted_spans.npy", "search_keys.fst", "search_order.npy", "search_weights.npy", "title_weights.npy"]:
        assert (INDEX / name).stat().st_size == m["files"][name]["bytes"]
        assert len(m["files"][name]["xxh3"]) == 16


def test_pages_arrow_schema_and_rows():
    t = pages()
    assert t.schema.names == [
        "page_id", "ns", "title", "redirect", "start", "end",
        "incoming_links", "redirects_in", "text_bytes", "headings", "rank",
    ]
    assert [str(f.type) for f in t.schema] == [
        "uint32", "int32", "string", "string", "uint64", "uint64", "uint32", "uint32", "uint32", "uint16", "float",
    ]
    assert t.schema.field("redirect").nullable and not t.schema.field("title").nullable
    assert t.num_rows == manifest()["counts"]["pages"]
    assert t.column("redirect").null_count == 206 - 100
    dump = dump_bytes()
    starts, ends, titles = t.column("start").to_pylist(), t.column("end").to_pylist(), t.column("title").to_pylist()
    for s, e, title in zip(starts, ends, titles):
        page = dump[s : e + 1]
        assert page.startswith(b"<page>") and page.endswith(b"</page>")
        escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        assert b"<title>" + escaped.encode() + b"</title>" in page


def test_rank_follows_the_formula_in_format_md():
    """The rank column recomputed from the signal columns with engine/FORMAT.md's formula."""
    t = pages().to_pandas()
    articles = int(((t.ns == 0) & t.redirect.isna()).sum())
    links_norm = max(100.0, articles / 100.0)

    def s(x, norm):
        return np.minimum(1.0, np.log1p(x.astype(float)) / np.log1p(norm))

    want = (0.6 * s(t.incoming_links, links_norm) + 0.1 * s(t.text_bytes, 50_000)
            + 0.2 * s(t.headings, 20) + 0.1 * s(t.redirects_in, 30))
    want[t.redirect.notna()] = 0.0
    assert np.allclose(t["rank"], want, atol=1e-6)
    assert t.incoming_links.max() > 0 and (t["rank"] > 0).sum() > 50
    # The search order is a permutation whose weights agree with the title order's.
    order = np.load(INDEX / "search_order.npy")
    weights = np.load(INDEX / "search_weights.npy")
    assert weights.dtype == np.uint16 and sorted(order.tolist()) == list(range(len(t)))
    by_row = np.zeros(len(t), dtype=np.uint16)
    by_row[order] = weights
    title_order = np.load(INDEX / "title_order.npy")
    assert (np.load(INDEX / "title_weights.npy") == by_row[title_order]).all()
    articles_rows = np.flatnonzero(t.redirect.isna().to_numpy())
    assert (by_row[articles_rows] == np.round(t["rank"].to_numpy()[articles_rows] * 65534).astype(np.uint16) + 1).all()


def test_offsets_npy_is_the_sorted_start_column():
    offsets = np.load(INDEX / "offsets.npy", mmap_mode="r")
    assert offsets.dtype == np.uint64 and offsets.ndim == 1
    assert np.all(offsets[1:] > offsets[:-1])
    assert offsets.tolist() == pages().column("start").to_pylist()
    # From any byte offset, searchsorted finds the page that holds it.
    t = pages()
    ends = t.column("end").to_pylist()
    for row in [0, 17, 205]:
        start, end = int(offsets[row]), ends[row]
        for off in [start, (start + end) // 2, end]:
            assert np.searchsorted(offsets, off, side="right") - 1 == row


def test_title_slots_npy_holds_each_title_s_first_row_and_span():
    # engine/FORMAT.md, "title_slots.npy": format 8, two uint64 words per slot.
    words = np.load(INDEX / "title_slots.npy", mmap_mode="r")
    assert words.dtype == np.uint64 and words.ndim == 1 and len(words) % 2 == 0
    slots = words.reshape(-1, 2)
    n = len(slots)
    t = pages()
    titles, starts, ends = t.column("title").to_pylist(), t.column("start").to_pylist(), t.column("end").to_pylist()
    first = {}
    for row, title in enumerate(titles):
        first.setdefault(title, row)
    assert n & (n - 1) == 0 and n >= 2 * len(first)
    bits = min(max(len(titles).bit_length(), 1), 32)
    full = slots[(slots[:, 0] & 0xFFFFFFFF) != 0xFFFFFFFF]
    assert len(full) == len(first)
    rows = (full[:, 0] & ((1 << bits) - 1)).astype(np.int64)
    assert sorted(rows.tolist()) == sorted(first.values())
    lengths, held_starts = (full[:, 0] >> 32).astype(np.int64), full[:, 1].astype(np.int64)
    for row, length, start in zip(rows, lengths, held_starts):
        assert (start, start + length) == (starts[row], ends[row])
