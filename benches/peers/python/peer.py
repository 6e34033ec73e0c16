"""The Python peer: PyParallel's wiki server as a user would write it today.

A marisa-trie RecordTrie maps every title to its page's (start, end) byte offsets in the dump,
a sorted numpy array holds every page's start (searchsorted finds the page of any byte), and an
ASGI app under uvicorn (uvloop, httptools; one worker process per core) answers

    GET /wiki/{title}      the page's XML, exactly the dump's bytes (404 when there is none)
    GET /offsets/{prefix}  [[title, start, end], ...] sorted bytewise by title (400 under 3 chars)

with the same answers as Folio (titles normalized as MediaWiki does; the first page wins when a
title repeats). Build the index once, then serve:

    python peer.py build DUMP OUT_DIR
    PEER_DUMP=DUMP PEER_INDEX=OUT_DIR uvicorn peer:app --workers 2 --loop uvloop --http httptools
"""

import html
import json
import mmap
import os
import re
import sys
import time
from urllib.parse import unquote_to_bytes

import marisa_trie
import numpy as np

PAGE = re.compile(rb"<page>")
TITLE = re.compile(rb"<title>([^<]*)</title>")


def build(dump, out):
    started = time.monotonic()
    with open(dump, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    seen, keys, values, starts = set(), [], [], []
    for m in PAGE.finditer(mm):
        start = m.start()
        end = mm.find(b"</page>", start) + len(b"</page>") - 1
        title = html.unescape(TITLE.search(mm, start, end).group(1).decode())
        starts.append(start)
        if title not in seen:
            seen.add(title)
            keys.append(title)
            values.append((start, end))
    os.makedirs(out, exist_ok=True)
    marisa_trie.RecordTrie("<QQ", zip(keys, values)).save(os.path.join(out, "titles.marisa"))
    np.save(os.path.join(out, "offsets.npy"), np.array(starts, dtype=np.uint64))
    print(f"peer: indexed {len(starts)} pages in {time.monotonic() - started:.1f} s", file=sys.stderr)


def normalize(raw, keep_trailing=False):
    """MediaWiki's normalization, as Folio's title.rs does it."""
    spaced = raw.replace("_", " ")
    out = " ".join(w for w in spaced.split(" ") if w)
    out = out[:1].upper() + out[1:]
    if keep_trailing and spaced.endswith(" ") and spaced.strip():
        out += " "
    return out


class Index:
    def __init__(self, dump, directory):
        started = time.monotonic()
        self.trie = marisa_trie.RecordTrie("<QQ").load(os.path.join(directory, "titles.marisa"))
        self.offsets = np.load(os.path.join(directory, "offsets.npy"))
        with open(dump, "rb") as f:
            self.dump = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.load_seconds = time.monotonic() - started
        print(f"peer: index loaded in {self.load_seconds:.3f} s (pid {os.getpid()})", file=sys.stderr, flush=True)

    def page(self, title):
        found = self.trie.get(title)
        if not found:
            return None
        start, end = found[0]
        return self.dump[start:end + 1]

    def offsets_of(self, prefix):
        items = sorted(self.trie.items(prefix), key=lambda kv: kv[0].encode())
        return [[k, s, e] for k, (s, e) in items]


INDEX = None


def index():
    global INDEX
    if INDEX is None:
        INDEX = Index(os.environ["PEER_DUMP"], os.environ["PEER_INDEX"])
    return INDEX


async def respond(send, status, content_type, body):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                index()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    raw = unquote_to_bytes(scope["raw_path"]).decode("utf-8", "replace")
    if raw.startswith("/wiki/"):
        body = index().page(normalize(raw[6:]))
        if body is None:
            await respond(send, 404, b"application/json", b'{"error":"no such page"}')
        else:
            await respond(send, 200, b"application/xml; charset=utf-8", body)
    elif raw.startswith("/offsets/"):
        prefix = normalize(raw[9:], keep_trailing=True)
        if len(prefix) < 3:
            await respond(send, 400, b"text/plain", b"Name too short (< 3 chars)")
        else:
            body = json.dumps(index().offsets_of(prefix), ensure_ascii=False, separators=(",", ":")).encode()
            await respond(send, 200, b"application/json", body)
    else:
        await respond(send, 404, b"text/plain", b"no such route")


if __name__ == "__main__" and sys.argv[1:2] == ["build"]:
    build(sys.argv[2], sys.argv[3])
