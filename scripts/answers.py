#!/usr/bin/env python3
"""Records the answers of a fixed set of requests, for diffing before and after a refactor that
must not change the API:  scripts/answers.py SERVER_BINARY OUT.txt

Starts the server twice (the bundled sample, and a small dump of hard titles and redirect chains
written here), sends each request, and writes one block per request: method and path, status,
the headers that carry meaning (content type, ETag, Content-Range, Content-Location, Location,
X-Folio-*, Retry-After), and the body (JSON and text as they are, other bodies as a SHA-256).
Volatile answers (/stats, /metrics, Date, the random rows of /db and /queries) are left out. Standard library only."""
import hashlib
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

KEEP = ("content-type", "etag", "content-range", "content-location", "location", "retry-after",
        "accept-ranges", "allow")

SAMPLE = [
    ("GET", "/wiki/Anarchism", {}), ("GET", "/wiki/albert_einstein", {}), ("GET", "/wiki/Nope_at_all", {}),
    ("GET", "/wiki/Anarchy?redirect=follow", {}), ("GET", "/wiki/Anarchy", {}),
    ("GET", "/wiki/Anarchism?redirect=sideways", {}), ("GET", "/wiki/", {}),
    ("GET", "/pages/Anarchism", {}), ("GET", "/pages/Nope", {}),
    ("GET", "/offsets/Ana", {}), ("GET", "/offsets/An", {}), ("GET", "/offsets/List_of_", {}),
    ("GET", "/title/Ana", {}), ("GET", "/title/Zzzz", {}),
    ("GET", "/titles?prefix=ana&case=insensitive&limit=2", {}), ("GET", "/titles?ns=4", {}),
    ("GET", "/titles?limit=3", {}), ("GET", "/titles?limit=0", {}), ("GET", "/titles?after=garbage", {}),
    ("GET", "/xml", {"Range": "bytes=0-99"}), ("GET", "/xml", {"Range": "bytes=-500"}),
    ("GET", "/xml", {}), ("GET", "/xml?range=1000-1999", {}), ("GET", "/xml", {"Range": "bytes=99999999999-"}),
    ("GET", "/hello/a/b?k=v", {}), ("GET", "/json", {}), ("GET", "/plaintext", {}), ("GET", "/fortunes", {}),
    ("GET", "/db?id=1", {}), ("GET", "/queries?queries=0", {}), ("GET", "/nowhere", {}), ("DELETE", "/json", {}),
    ("POST", "/sql", {"Content-Type": "text/plain", "_body": "SELECT ns, count(*) AS n FROM pages GROUP BY ns ORDER BY ns"}),
    ("POST", "/sql", {"Content-Type": "text/plain", "_body": "DROP TABLE world"}),
    ("GET", "/openapi.json", {}),
]

HARD_PAGES = [("AC/DC", 0, None), ("What?", 0, None), ("C#", 0, None), ("50%", 0, None), ("A+b", 0, None),
    ("東京", 0, None), ("AT&T", 0, None), ("Say \"hi\"", 0, None), ("Albert Einstein", 0, None),
    ("Chain 1", 0, "Chain 2"), ("Chain 2", 0, "Chain 3#History"), ("Chain 3", 0, None),
    ("Loop A", 0, "Loop B"), ("Loop B", 0, "Loop A"), ("Long 0", 0, "Long 1"), ("Long 1", 0, "Long 2"),
    ("Long 2", 0, "Long 3"), ("Long 3", 0, "Long 4"), ("Long 4", 0, "Long 5"), ("Long 5", 0, "Long 6"),
    ("Long 6", 0, None), ("Dangling", 0, "Nowhere at all"), ("Talk:AC/DC", 1, None), ("Straße", 0, None),
    ("STRASSE", 0, None)]

HARD = [("GET", "/wiki/" + p, {}) for p in [
    "AC%2FDC", "What%3F", "C%23", "50%25", "A%2Bb", "%E6%9D%B1%E4%BA%AC", "AT%26T", "Say%20%22hi%22",
    "Chain_1?redirect=follow", "Loop_A?redirect=follow", "Long_0?redirect=follow", "Dangling?redirect=follow",
    "Talk:AC%2FDC", "stra%C3%9Fe", "%FF"]] + [
    ("GET", "/titles?prefix=stra&case=insensitive", {}), ("GET", "/offsets/Lon", {}), ("GET", "/title/Cha", {})]


def hard_dump(path):
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    xml = ['<mediawiki version="0.10">\n  <siteinfo><sitename>Hard</sitename></siteinfo>\n']
    for i, (title, ns, redirect) in enumerate(HARD_PAGES):
        xml.append(f"  <page>\n    <title>{esc(title)}</title>\n    <ns>{ns}</ns>\n    <id>{i + 1}</id>\n")
        if redirect:
            xml.append(f'    <redirect title="{esc(redirect)}" />\n')
        xml.append(f'    <revision><id>{100 + i}</id><text bytes="4">page {i}</text></revision>\n  </page>\n')
    xml.append("</mediawiki>\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(xml))


def serve(binary, dump, work):
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--quiet", "--dump", dump, "--data",
                             os.path.join(work, "idx"), "--tables", os.path.join(work, "tables")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    return proc, line.strip().rsplit(" ", 1)[-1].rstrip("/")


def ask(url, method, path, headers):
    headers = dict(headers)
    body = headers.pop("_body", None)
    req = urllib.request.Request(url + path, method=method, headers=headers,
                                 data=body.encode() if body is not None else None)
    try:
        r = urllib.request.urlopen(req)
        status, hdrs, data = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, data = e.code, e.headers, e.read()
    out = [f"{method} {path} {headers or ''}", f"  status {status}"]
    for k in sorted({k.lower() for k in hdrs.keys()}):
        if k in KEEP or k.startswith("x-folio"):
            out.append(f"  {k}: {hdrs.get(k)}")
    ctype = hdrs.get("content-type", "")
    if path.startswith(("/db", "/queries")):
        out.append("  body (random rows, by TechEmpower's rules)")
    elif ("json" in ctype or ctype.startswith("text/")) and len(data) < 4096:
        out.append("  body " + data.decode("utf-8", "replace"))
    else:
        out.append(f"  body {len(data)} bytes sha256 {hashlib.sha256(data).hexdigest()}")
    return "\n".join(out)


def main():
    binary, out_path = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    blocks = []
    with tempfile.TemporaryDirectory() as work:
        hard = os.path.join(work, "hard.xml")
        hard_dump(hard)
        for dump, requests in [(os.path.join(here, "..", "datasets", "enwiki-sample.xml.bz2"), SAMPLE), (hard, HARD)]:
            sub = tempfile.mkdtemp(dir=work)
            proc, url = serve(binary, dump, sub)
            try:
                blocks += [ask(url, m, p, h) for m, p, h in requests]
            finally:
                proc.terminate()
                proc.wait()
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(blocks) + "\n")


if __name__ == "__main__":
    main()
