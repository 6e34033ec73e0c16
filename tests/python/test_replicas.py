"""Three replicas behind HAProxy (deploy/replicas.sh, deploy/haproxy.cfg) under a steady load of
/wiki, /offsets and /db, with /updates going to the writer: a replica stopped with SIGTERM, one
killed with SIGKILL, a new index published and reloaded, and the replicas restarted one by one.

No request may fail, except one whose answer had already started on a killed replica (counted
and printed); every acknowledged update is in the writer's table at the end; after the reload,
every answer carries the new index's id.
"""

import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import free_ports

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "replicas.sh"


def wait_until(what, done, timeout=60):
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


class Load:
    """Threads asking HAProxy for reads on kept-alive connections, and one asking for updates.

    A request counts as failed when no whole answer with the expected status came; as cut
    when its status and headers came but the body did not (an answer already started on a
    replica that was killed)."""

    def __init__(self, port, titles, readers=3):
        self.port, self.titles = port, titles
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []
        self.cut = []
        self.answers = []  # (start time, path, Folio-Index header)
        self.acked = {}  # world id -> last acknowledged randomNumber
        self.updates = threading.Event()  # cleared: the updater pauses
        self.updates.set()
        self.idle = threading.Event()  # set: the updater saw the pause and sends nothing
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(readers)]
        self.threads.append(threading.Thread(target=self.write, daemon=True))
        for t in self.threads:
            t.start()

    def ask(self, conn, path):
        start = time.monotonic()
        try:
            conn.request("GET", path)
            r = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            return start, None, e
        try:
            body = r.read()
        except (OSError, http.client.HTTPException) as e:
            with self.lock:
                self.cut.append((path, repr(e)))
            return start, None, None
        return start, r, body

    def read(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        rng = random.Random()
        while not self.stop.is_set():
            kind = rng.randrange(3)
            if kind == 0:
                path = "/wiki/" + urllib.parse.quote(rng.choice(self.titles).replace(" ", "_"))
            elif kind == 1:
                path = "/offsets/" + urllib.parse.quote(rng.choice(self.titles)[:3])
            else:
                path = "/db"
            start, r, body = self.ask(conn, path)
            if r is None:
                if body is not None:
                    with self.lock:
                        self.failures.append((path, repr(body)))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            with self.lock:
                if r.status == 200:
                    self.ok += 1
                    self.answers.append((start, path, r.getheader("folio-index")))
                else:
                    self.failures.append((path, r.status, body[:200]))

    def write(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            if not self.updates.is_set():
                self.idle.set()
                self.updates.wait(0.1)
                if self.updates.is_set():
                    # HAProxy closes a client connection idle for 10 s (timeout http-keep-alive),
                    # and a request sent as it closes is lost unseen: after a pause, a new one.
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.idle.clear()
            start, r, body = self.ask(conn, "/updates?queries=5")
            if r is not None and r.status == 200:
                rows = json.loads(body)
                with self.lock:
                    for row in rows:
                        self.acked[row["id"]] = row["randomNumber"]
                continue
            # Not acknowledged (and the test fails): the next update goes on a new connection.
            with self.lock:
                self.failures.append(("/updates", r.status if r is not None else repr(body), body))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def more(self, n):
        """Waits until n more reads were answered."""
        with self.lock:
            target = self.ok + n
        wait_until(f"{n} more answers", lambda: self.ok >= target)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


@pytest.fixture(scope="module")
def cluster():
    if shutil.which("haproxy") is None:
        pytest.fail("haproxy is not installed: scripts/test.sh installs it with apt-get")
    server = Path(os.environ["FOLIO_SERVER_BIN"])
    ingest = server.with_name("folio-ingest")
    work = Path(tempfile.mkdtemp())
    index = work / "sample"
    build = [str(ingest), "build", str(REPO / "datasets/enwiki-sample.xml.bz2"), "--out", str(index), "--quiet"]
    subprocess.run(build, check=True)
    port = free_ports(4)
    run = work / "run"
    subprocess.run([str(SCRIPT), "start", "--replicas", "3", "--listen", f"127.0.0.1:{port}", "--run", str(run),
                    "--bin", str(server), "--workers", "1", "--drain", "1.5", "--",
                    "--data", f"sample={index}", "--reload-poll", "0.5"], check=True)
    yield {"port": port, "run": run, "index": index, "build": build}
    subprocess.run([str(SCRIPT), "stop", "--run", str(run)], check=True)
    shutil.rmtree(work, ignore_errors=True)


def pid(run, k):
    return int((run / f"replica-{k}.pid").read_text())


def stopped(p):
    try:
        os.kill(p, 0)
        return False
    except ProcessLookupError:
        return True


def test_replicas_behind_haproxy_lose_nothing(cluster):
    port, run = cluster["port"], cluster["run"]
    status, _, body = get(port, "/titles?limit=200")
    assert status == 200, body
    titles = [item["title"] for item in json.loads(body)["items"] if len(item["title"]) >= 3]
    old_id = json.loads(get(port, "/ready")[2])["datasets"][0]["index_id"]
    load = Load(port, titles)
    try:
        load.more(300)

        # SIGTERM: /ready turns 503, HAProxy takes it out, it drains and stops: nothing fails.
        p = pid(run, 2)
        os.kill(p, signal.SIGTERM)
        wait_until("replica 2 stopped after its drain", lambda: stopped(p))
        load.more(300)
        assert load.failures == [], load.failures
        subprocess.run([str(SCRIPT), "start-one", "2", "--run", str(run)], check=True)

        # SIGKILL: what it had not begun to answer is retried on another replica.
        p = pid(run, 3)
        os.kill(p, signal.SIGKILL)
        wait_until("replica 3 killed", lambda: stopped(p))
        load.more(300)
        assert load.failures == [], load.failures
        subprocess.run([str(SCRIPT), "start-one", "3", "--run", str(run)], check=True)
        load.more(300)

        # A new index published over the served directory: every replica reloads it.
        subprocess.run(cluster["build"], check=True)

        def switched():
            ids = [json.loads(get(port + k, "/ready")[2])["datasets"][0]["index_id"] for k in (1, 2, 3)]
            return all(i != old_id for i in ids) and len(set(ids)) == 1

        wait_until("every replica serves the new index", switched)
        new_id = json.loads(get(port + 1, "/ready")[2])["datasets"][0]["index_id"]
        assert new_id != old_id
        after = time.monotonic()
        load.more(300)

        # The replicas restarted one by one (a new binary, say). The writer's restart pauses
        # writes, whose one server is then out of the pool: the updater waits meanwhile.
        load.updates.clear()
        wait_until("the updater pauses", load.idle.is_set)
        paused = time.monotonic()
        subprocess.run([str(SCRIPT), "restart", "--run", str(run)], check=True)
        print(f"\nreplicas: writes paused {time.monotonic() - paused:.1f} s for the rolling restart")
        load.updates.set()
        load.more(300)
    finally:
        load.finish()

    print(f"\nreplicas: {load.ok} answers, {len(load.cut)} cut short by SIGKILL: {load.cut}, "
          f"{len(load.acked)} rows updated")
    assert load.failures == [], load.failures
    indexed = [(path, i) for start, path, i in load.answers if start > after and i is not None]
    assert indexed, "answers from the index after the reload"
    assert all(i == new_id for _, i in indexed), [x for x in indexed if x[1] != new_id][:5]
    # Every acknowledged update is in the writer's table, and the followers catch up with it.
    ids = ",".join(str(i) for i in load.acked)

    def lost(k):
        conn = http.client.HTTPConnection("127.0.0.1", port + k, timeout=10)
        conn.request("POST", "/sql", body=f'SELECT id, "randomNumber" FROM world WHERE id IN ({ids})',
                     headers={"content-type": "text/plain"})
        rows = {r["id"]: r["randomNumber"] for r in json.loads(conn.getresponse().read())}
        return {i: (v, rows.get(i)) for i, v in load.acked.items() if rows.get(i) != v}

    assert lost(1) == {}, lost(1)
    for k in (2, 3):
        wait_until(f"replica {k} follows the writer's updates", lambda: lost(k) == {})
