"""Request sets for the load scripts, drawn from a running Folio server's own index.

    python3 benches/requests.py wiki URL OUT.lua [--count N] [--seed S]
        N random existing titles as /wiki paths (percent-encoded), in a wrk Lua script, and
        as full URLs in OUT.lua.urls (one per line, for oha)
    python3 benches/requests.py mix URL OUT.lua [--seed S]
        the soak mix (benches/soak.sh): /wiki, /offsets, /xml ranges, /titles, POST /sql, /updates
    python3 benches/requests.py articles URL OUT --route R
        every article (namespace 0, not a redirect) as a /R path, one per line, in title order
        (benches/reader.sh turns them into one Lua script per route)
    python3 benches/requests.py suggest URL OUT [--count N] [--seed S]
        /suggest request sets from N random articles (benches/search.sh): OUT.prefix (the first 3
        to 8 characters of a title), OUT.fuzzy (a title's first 4 to 12 characters with one typo,
        kept only when no title starts with it, checked against the server), one path per line;
        prints the share of typo'd whole titles whose article is in the top 5 (JSON on stdout)
    python3 benches/requests.py fulltext URL OUT [--count N] [--seed S]
        N two-word /search queries (benches/fulltext.sh), one URL per line: two words of the
        text of one random article (the words of its /search snippet for the article's own
        title, so both are words the index holds); prints how many queries, the median number of
        pages each matches, and the share whose article is among the first 100 hits (JSON on
        stdout; words drawn from a Zipf vocabulary are common, so most queries match thousands)
    python3 benches/requests.py same FOLIO PEER OUT.lua [--count N] [--seed S]
        checks that Folio and the Python peer give the same answers (/wiki and /offsets), then
        writes N random /wiki paths for both (benches/peer.sh)
    python3 benches/requests.py sizes URLS PEER OUT
        for each /wiki URL of a running Folio in the file URLS (one per line), its page's
        length and span (from /pages): PEER/bytes/LENGTH in OUT (the actix-web peer's answer of
        as many bytes, no lookup behind it) and the same Folio's /xml?range=START-END in OUT.xml
        (the same bytes without the title's lookup), one per line (benches/capacity.sh)

Only the standard library: it runs with the system python3.
"""

import argparse
import http.client
import json
import random
import sys
import urllib.parse
import urllib.request


def titles(url, want):
    """The first `want` rows of /titles (title order), as (title, page_id)."""
    rows, after = [], ""
    while len(rows) < want:
        query = urllib.parse.urlencode({"limit": 10000, "after": after})
        page = json.load(urllib.request.urlopen(f"{url}/titles?{query}"))
        rows += [(i["title"], i["page_id"]) for i in page["items"]]
        after = page["next"]
        if after is None:
            break
    return rows


def path(route, title):
    return f"/{route}/" + urllib.parse.quote(title.replace(" ", "_"), safe="")


def lua(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_paths(out, paths):
    with open(out, "w") as f:
        f.write("local paths = {" + ",".join(lua(p) for p in paths) + "}\n")
        f.write("math.randomseed(os.time())\n")
        f.write("request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")


def wiki(args):
    sample = random.sample(titles(args.url, 200000), args.count)
    paths = [path("wiki", t) for t, _ in sample]
    write_paths(args.out, paths)
    # The same as full URLs, one per line, for oha's --urls-from-file.
    with open(args.out + ".urls", "w") as f:
        f.writelines(f"{args.url}{p}\n" for p in paths)


def articles(args):
    rows, after = [], ""
    while True:
        query = urllib.parse.urlencode({"limit": 10000, "after": after, "ns": 0})
        page = json.load(urllib.request.urlopen(f"{args.url}/titles?{query}"))
        rows += [i["title"] for i in page["items"] if i["redirect"] is None]
        after = page["next"]
        if after is None:
            break
    with open(args.out, "w") as f:
        f.writelines(path(args.route, t) + "\n" for t in rows)


def typo(title):
    """One substitution, deletion or transposition, never in the first character."""
    c = list(title)
    i = random.randrange(1, len(c))
    kind = random.randrange(3)
    if kind == 0 and len(c) >= 4:
        del c[i]
    elif kind == 1 and i < len(c) - 1:
        c[i], c[i + 1] = c[i + 1], c[i]
    else:
        c[i] = random.choice([x for x in "abcdefghijklmnopqrstuvwxyz" if x != c[i].lower()])
    return "".join(c)


def suggest(args):
    rows, after = [], ""
    while True:
        query = urllib.parse.urlencode({"limit": 10000, "after": after, "ns": 0})
        page = json.load(urllib.request.urlopen(f"{args.url}/titles?{query}"))
        rows += [i["title"] for i in page["items"] if i["redirect"] is None and len(i["title"]) >= 4]
        after = page["next"]
        if after is None:
            break
    sample = random.sample(rows, min(args.count, len(rows)))

    def ask(q, limit=5):
        query = urllib.parse.urlencode({"q": q, "limit": limit, "excerpts": "false"})
        return json.load(urllib.request.urlopen(f"{args.url}/suggest?{query}"))["items"]

    def suggest_path(q):
        return "/suggest?" + urllib.parse.urlencode({"q": q})

    prefix = [suggest_path(t[: random.randint(3, 8)]) for t in sample]
    fuzzy, found = [], 0
    for t in sample:
        q = typo(t[: random.randint(4, 12)])
        items = ask(q, 10)
        if items and all(i["tier"] == "fuzzy" for i in items):
            fuzzy.append(suggest_path(q))
        found += any(i["title"] == t for i in ask(typo(t)))
    for name, paths in (("prefix", prefix), ("fuzzy", fuzzy)):
        with open(f"{args.out}.{name}", "w") as f:
            f.writelines(f"{args.url}{p}\n" for p in paths)
    print(json.dumps({"titles": len(sample), "top5": found, "share": found / len(sample), "fuzzy_queries": len(fuzzy)}))


def fulltext(args):
    rows = [t for t, _ in titles(args.url, 400000)]
    sample = random.sample(rows, min(args.count * 3, len(rows)))
    paths, found, totals = [], 0, []
    for t in sample:
        if len(paths) >= args.count:
            break
        # The article's text as the index sees it: its snippet for its own title's words.
        words_of_title = " OR ".join(w for w in t.replace("(", " ").replace(")", " ").split() if w.isalpha())
        if not words_of_title:
            continue
        q = urllib.parse.urlencode({"q": f"title:({words_of_title})", "limit": 1})
        items = json.load(urllib.request.urlopen(f"{args.url}/search?{q}"))["items"]
        if not items or not items[0]["snippet"]:
            continue
        words = [w.lower() for w in items[0]["snippet"].split() if w.isalpha() and len(w) >= 3]
        if len(words) < 2:
            continue
        a, b = random.sample(words, 2)
        query = f"{a} {b}"
        hits = json.load(urllib.request.urlopen(f"{args.url}/search?" + urllib.parse.urlencode({"q": query, "limit": 100, "snippets": "false"})))
        found += any(h["title"] == items[0]["title"] for h in hits["items"])
        totals.append(hits["total"])
        paths.append("/search?" + urllib.parse.urlencode({"q": query}))
    with open(args.out, "w") as f:
        f.writelines(f"{args.url}{p}\n" for p in paths)
    totals.sort()
    median = totals[len(totals) // 2] if totals else 0
    print(json.dumps({"queries": len(paths), "median_pages_matching": median,
                      "own_article_in_top_100": round(found / max(len(paths), 1), 3)}))


def mix(args):
    sample = random.sample(titles(args.url, 100000), 20000)
    size = json.load(urllib.request.urlopen(f"{args.url}/stats"))["dataset"]["dump_bytes"]
    reqs = []
    for _ in range(4000):
        t, pid = random.choice(sample)
        a = random.randrange(size - 70000)
        kind = random.random()
        if kind < 0.40 or (kind < 0.55 and len(t.strip()) < 4):
            reqs.append(("GET", path("wiki", t), ""))
        elif kind < 0.55:
            reqs.append(("GET", path("offsets", t[:4]), ""))
        elif kind < 0.70:
            reqs.append(("GET", f"/xml?range={a}-{a + random.randrange(1, 65536)}", ""))
        elif kind < 0.80:
            reqs.append(("GET", "/titles?" + urllib.parse.urlencode({"prefix": t[:2], "limit": 50}), ""))
        elif kind < 0.90:
            reqs.append(("POST", "/sql", f'SELECT title, start, "end" FROM pages WHERE page_id = {pid}'))
        else:
            reqs.append(("GET", "/updates?queries=5", ""))
    with open(args.out, "w") as f:
        f.write("local reqs = {\n")
        for m, p, b in reqs:
            f.write(f"  {{{lua(m)}, {lua(p)}, {lua(b)}}},\n")
        f.write("}\n")
        f.write(
            "math.randomseed(os.time())\n"
            'local sql = {["Content-Type"] = "text/plain"}\n'
            "request = function()\n"
            "  local r = reqs[math.random(#reqs)]\n"
            '  if r[1] == "POST" then return wrk.format("POST", r[2], sql, r[3]) end\n'
            '  return wrk.format("GET", r[2])\n'
            "end\n"
        )


def same(args):
    rows = titles(args.url, 100000)
    paths = [path("wiki", t) for t, _ in random.sample(rows, args.count)]

    def get(base, p):
        return urllib.request.urlopen(base + p).read()

    for p in paths[:300]:
        assert get(args.url, p) == get(args.peer, p), f"different answers for {p}"
    prefixes = {t[:4] for t, _ in random.sample(rows, 50) if len(t.strip()) >= 4} | {"List of "}
    for prefix in prefixes:
        p = path("offsets", prefix)
        assert json.loads(get(args.url, p)) == json.loads(get(args.peer, p)), f"different answers for {p}"
    print(f"same answers: {len(paths[:300])} pages, {len(prefixes)} prefix listings", file=sys.stderr)
    write_paths(args.out, paths)


def sizes(args):
    with open(args.url) as f:
        urls = [urllib.parse.urlsplit(line.strip()) for line in f if line.strip()]
    lengths, ranges, connection = [], [], None
    for u in urls:
        if connection is None or connection.host != u.hostname or connection.port != u.port:
            connection = http.client.HTTPConnection(u.hostname, u.port)
        assert u.path.startswith("/wiki/"), u.geturl()
        connection.request("GET", "/pages/" + u.path[len("/wiki/"):])
        answer = connection.getresponse()
        meta = json.loads(answer.read())
        assert answer.status == 200, f"{u.geturl()}: {answer.status} {meta}"
        assert meta["bytes"] == meta["end"] - meta["start"] + 1, meta
        lengths.append(meta["bytes"])
        ranges.append(f"{u.scheme}://{u.netloc}/xml?range={meta['start']}-{meta['end']}")
    with open(args.out, "w") as f:
        f.writelines(f"{args.peer}/bytes/{n}\n" for n in lengths)
    with open(args.out + ".xml", "w") as f:
        f.writelines(f"{r}\n" for r in ranges)
    print(f"{len(lengths)} sizes, mean {sum(lengths) / len(lengths):.0f} bytes", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    commands = (("wiki", wiki, 20000), ("mix", mix, 0), ("same", same, 5000), ("articles", articles, 0), ("suggest", suggest, 2000),
                ("fulltext", fulltext, 1000), ("sizes", sizes, 0))
    for name, fn, count in commands:
        p = sub.add_parser(name)
        p.add_argument("url")
        if name in ("same", "sizes"):
            p.add_argument("peer")
        p.add_argument("out")
        if name == "articles":
            p.add_argument("--route", default="wiki")
        p.add_argument("--count", type=int, default=count)
        p.add_argument("--seed", type=int, default=1)
        p.set_defaults(fn=fn)
    args = parser.parse_args()
    random.seed(args.seed)
    args.fn(args)


if __name__ == "__main__":
    main()
