"""Writes the generated part of benches/RESULTS.md and the PNG plots beside it from one run of
benches/all.sh.

    python benches/report.py WORK OUT_DIR

The generated part sits between the markers BEGIN and END below; everything after it (other
measurements, profiles, earlier runs, each with its own command) is kept as it is.
WORK holds what the run left: `results.kv` (one "key value" line per figure, written by the
`record` helper of benches/lib.sh), `machine.md`, `commands.md` and one Markdown file per script
(ingest.md, server.md, tfb.md, peer.md, reader.md, search.md, fulltext.md). Nothing is measured here: every figure comes from the run.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BEGIN = "<!-- begin: written by benches/all.sh -->"
END = "<!-- end: written by benches/all.sh -->"
TFB_ROUTES = ["/json", "/db", "/fortunes", "/queries?queries=20", "/updates?queries=20"]
TFB_CONNS = [64, 256, 512]


def read_kv(path):
    kv = {}
    for line in path.read_text().splitlines():
        if line.strip():
            key, value = line.split(" ", 1)
            kv[key] = float(value)
    return kv


def targets(kv):
    """(issue, measure, measured text, target text, met) for every target of issues 2-5."""
    rows = []

    def add(issue, measure, value, fmt, target, met):
        rows.append((issue, measure, fmt.format(value), target, "yes" if met else "**no**"))

    g = kv["ingest.build_s"] / kv["ingest.grep_s"]
    add(2, "`folio-ingest build` / `grep -c '<title>'`", g, "{:.2f} x", "≤ 1.5 x", g <= 1.5)
    s = kv["server.wiki_w2.rps"] / kv["server.plaintext.rps"]
    add(3, "/wiki (random titles) / /plaintext, 64 connections", s, "{:.2f} x", "≥ 0.8 x", s >= 0.8)
    w = kv["server.wiki_w2.rps"] / kv["server.wiki_w1.rps"]
    add(3, "/wiki with 2 workers / 1 worker", w, "{:.2f} x", "≥ 1.8 x", w >= 1.8)
    o = kv["server.offsets.p50_ms"]
    add(3, f"/offsets/List_of_ ({kv['server.offsets.hits']:.0f} hits), median", o, "{:.2f} ms", "≤ 5 ms", o <= 5)
    st = kv["server.startup_ms"]
    add(3, "launch to first answer, 1M-page index", st, "{:.0f} ms", "≤ 100 ms", st <= 100)
    for route in ("plaintext", "json"):
        a = kv[f"server.{route}.rps"] / kv[f"server.actix_{route}.rps"]
        add(3, f"/{route} / actix-web's", a, "{:.2f} x", "aim: > 1 x", a > 1)
    floors = {"/db": 0.6, "/fortunes": 0.5, "/queries?queries=20": 0.1, "/updates?queries=20": 0.05}
    for route, floor in floors.items():
        worst = min(kv[f"tfb.{route}.{c}.rps"] / kv[f"tfb./json.{c}.rps"] for c in TFB_CONNS)
        add(4, f"{route} / /json (lowest of 64, 256, 512 connections)", worst, "{:.2f} x", f"≥ {floor} x", worst >= floor)
    q = kv["tfb.group_by_ms"]
    add(4, "`SELECT ns, count(*) FROM pages GROUP BY ns`, 1M pages", q, "{:.1f} ms", "< 50 ms", q < 50)
    p = kv["peer.folio.wiki_rps"] / kv["peer.python.wiki_rps"]
    add(5, "/wiki throughput, Folio / Python peer", p, "{:.1f} x", "≥ 20 x", p >= 20)
    p = kv["peer.python.offsets_ms"] / kv["peer.folio.offsets_ms"]
    add(5, f"/offsets ({kv['peer.offsets_hits']:.0f} hits) latency, Python peer / Folio", p, "{:.1f} x", "≥ 50 x", p >= 50)
    f, py = kv["peer.folio.startup_ms"], kv["peer.python.startup_ms"]
    met = f <= 100 and py >= 10 * f
    rows.append((5, "launch to first answer, Folio vs Python peer", f"{f:.0f} ms vs {py:.0f} ms", "ms vs s", "yes" if met else "**no**"))
    return rows


def plot_server(kv, out):
    labels = ["/plaintext", "actix\n/plaintext", "/json", "actix\n/json", "/wiki\n2 workers", "/wiki\n1 worker", "/plaintext\n1 worker"]
    keys = ["plaintext", "actix_plaintext", "json", "actix_json", "wiki_w2", "wiki_w1", "plaintext_w1"]
    colors = ["#3465a4" if not k.startswith("actix") else "#888a85" for k in keys]
    fig, ax = plt.subplots(figsize=(9, 4))
    values = [kv[f"server.{k}.rps"] / 1000 for k in keys]
    ax.bar(labels, values, color=colors)
    for i, v in enumerate(values):
        ax.text(i, v, f"{v:.0f}k", ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("thousand requests/s (median)")
    ax.set_title("folio-server at 64 connections (grey: actix-web hello world)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_tfb(kv, out):
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(TFB_CONNS)
    for j, c in enumerate(TFB_CONNS):
        xs = [i + (j - 1) * width for i in range(len(TFB_ROUTES))]
        ax.bar(xs, [kv[f"tfb.{r}.{c}.rps"] / 1000 for r in TFB_ROUTES], width, label=f"{c} connections")
    ax.set_xticks(range(len(TFB_ROUTES)), TFB_ROUTES, fontsize=8)
    ax.set_ylabel("thousand requests/s (median)")
    ax.set_title("TechEmpower routes")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_peer(kv, out):
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    panels = [
        ("/wiki, requests/s\n(higher is better)", "wiki_rps", False),
        (f"/offsets ({kv['peer.offsets_hits']:.0f} hits), ms\n(lower is better)", "offsets_ms", True),
        ("launch to first answer, ms\n(lower is better)", "startup_ms", True),
    ]
    for ax, (title, key, lower) in zip(axes, panels):
        f, p = kv[f"peer.folio.{key}"], kv[f"peer.python.{key}"]
        ax.bar(["Folio", "Python peer"], [f, p], color=["#3465a4", "#888a85"])
        for i, v in enumerate((f, p)):
            ax.text(i, v, f"{v:,.0f}" if v >= 100 else f"{v:.2f}", ha="center", va="bottom", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.margins(y=0.15)
        better = p / f if lower else f / p
        ax.set_xlabel(f"Folio {better:.1f} x better", fontsize=9)
    fig.suptitle("Folio against a Python peer (marisa-trie, numpy, uvicorn)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main():
    work, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    kv = read_kv(work / "results.kv")
    (out_dir / "plots").mkdir(exist_ok=True)
    plot_server(kv, out_dir / "plots" / "server.png")
    plot_tfb(kv, out_dir / "plots" / "tfb.png")
    plot_peer(kv, out_dir / "plots" / "peer.png")
    part = lambda name: (work / name).read_text().strip()  # noqa: E731
    lines = [
        "# Benchmark results",
        "",
        BEGIN,
        "",
        "Written by `benches/all.sh` (this part and `plots/` are rewritten by each run; edit the",
        "sections after it by hand). Every figure is a median of the runs its table names, all from one",
        "run of the script, so each ratio compares runs made minutes apart on the same machine.",
        "",
        "## Machine",
        "",
        part("machine.md"),
        "",
        "## Commands",
        "",
        part("commands.md"),
        "",
        "## Every target at a glance",
        "",
        "| issue | measure | measured | target | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {i} | {m} | {v} | {t} | {ok} |" for i, m, v, t, ok in targets(kv)]
    lines += [
        "",
        "## Ingest (issue 2)",
        "",
        part("ingest.md"),
        "",
        "## Server (issue 3)",
        "",
        "![requests/s per route](plots/server.png)",
        "",
        part("server.md"),
        "",
        "## SQL and the TechEmpower routes (issue 4)",
        "",
        "![TechEmpower routes](plots/tfb.png)",
        "",
        part("tfb.md"),
        "",
        "## Folio against the Python peer (issue 5)",
        "",
        "![Folio against the Python peer](plots/peer.png)",
        "",
        part("peer.md"),
        "",
        "## The reader: /html against /wiki (issue 14)",
        "",
        part("reader.md"),
        "",
        "## Search: ranking at ingest, /suggest (issue 13)",
        "",
        part("search.md"),
        "",
        "## Full-text search: build and /search (issue 13)",
        "",
        part("fulltext.md"),
        "",
        END,
    ]
    path = out_dir / "RESULTS.md"
    rest = ""
    if path.exists():
        old = path.read_text()
        rest = old.split(END, 1)[1] if END in old else old.split("\n", 1)[1]
    path.write_text("\n".join(lines) + rest)


if __name__ == "__main__":
    main()
