"""SQL on a Ballista cluster (`folio-cluster`, cluster/): a scheduler and two executors, each its
own process, over the page tables of two datasets (the sample index, plain, and a synthetic
multistream dump indexed --compressed, whose table has two more columns), answer what the
server's own `POST /sql` answers on each dataset.

FOLIO_CLUSTER_BIN names the binary (scripts/test.sh builds it in its own workspace).
"""

import os
import signal
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
import pytest

from conftest import free_ports, serve

ARROW = "application/vnd.apache.arrow.stream"
CLUSTER = os.environ.get("FOLIO_CLUSTER_BIN", "")


@pytest.fixture(scope="module")
def datasets():
    if not os.access(CLUSTER, os.X_OK):
        pytest.fail("FOLIO_CLUSTER_BIN names no binary: scripts/test.sh builds cluster/ and sets it")
    ingest = Path(os.environ["FOLIO_SERVER_BIN"]).with_name("folio-ingest")
    work = Path(tempfile.mkdtemp())
    dump = work / "synth.xml.bz2"
    subprocess.run([str(ingest), "synth", "--pages", "3000", "--multistream", "--out", str(dump)], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([str(ingest), "build", str(dump), "--compressed", "--out", str(work / "synth"), "--quiet"],
                   check=True)
    return [f"enwiki={os.environ['FOLIO_TEST_INDEX']}", f"synth={work / 'synth'}"]


@pytest.fixture(scope="module")
def server(datasets):
    yield from serve(datasets)


@pytest.fixture(scope="module")
def scheduler():
    """A scheduler and two executors of one task slot each; yields the scheduler's URL."""
    procs = []
    sched = subprocess.Popen([CLUSTER, "scheduler", "--bind", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    procs.append(sched)
    line = sched.stdout.readline()
    assert line.startswith("folio-cluster: scheduler at df://"), line
    url = line.split()[-1]
    for _ in range(2):
        port = free_ports(2)
        procs.append(subprocess.Popen(
            [CLUSTER, "executor", "--scheduler", url, "--bind", f"127.0.0.1:{port}", "--grpc-port", str(port + 1),
             "--slots", "1"], stdout=subprocess.DEVNULL))
    yield url
    for proc in reversed(procs):
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=60)


def cluster_sql(datasets, sql, scheduler=None):
    """`folio-cluster query --format arrow` as a pyarrow Table (on the cluster at `scheduler`, or
    on a scheduler and executor in its own process)."""
    args = [CLUSTER, "query", "--format", "arrow", *(f for d in datasets for f in ("--data", d))]
    if scheduler:
        args += ["--scheduler", scheduler]
    done = subprocess.run([*args, sql], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return pa.ipc.open_stream(done.stdout).read_all()


def http_sql(url, sql):
    req = urllib.request.Request(url + "/sql", data=sql.encode(), method="POST",
                                 headers={"Content-Type": "text/plain", "Accept": ARROW})
    with urllib.request.urlopen(req) as resp:
        return pa.ipc.open_stream(resp.read()).read_all()


def rows(table):
    return sorted(tuple(r.values()) for r in table.to_pylist())


@pytest.mark.parametrize("where", ["cluster", "standalone"])
def test_pages_of_all_datasets_group_as_each_dataset_on_sql_summed(datasets, server, scheduler, where):
    answer = cluster_sql(datasets, "SELECT dataset, ns, count(*) AS n FROM pages GROUP BY dataset, ns",
                         scheduler if where == "cluster" else None)
    expected = []
    for name in ("enwiki", "synth"):
        per_dataset = http_sql(server, f"SELECT ns, count(*) AS n FROM {name}.pages GROUP BY ns")
        expected += [(name, r["ns"], r["n"]) for r in per_dataset.to_pylist()]
    assert answer.column_names == ["dataset", "ns", "n"]
    assert rows(answer) == sorted(expected)
    # Five namespaces in the synthetic dump, two in the sample, 3,206 pages in all.
    assert len(expected) == 7 and sum(r[2] for r in expected) == 3206


@pytest.mark.parametrize("sql", [
    # Every dataset at once: the server's view `all_pages`, the same on the cluster.
    'SELECT dataset, count(*) AS n, sum("end" - start) AS bytes, count(redirect) AS redirects, '
    'max(page_id) AS last_id FROM all_pages GROUP BY dataset',
    # One dataset, with the columns only a compressed dataset's table has.
    "SELECT title, bz2_start, stream_offset FROM synth.pages WHERE ns = 0 AND title LIKE 'List of%'",
    # Across datasets: titles of one matched in the other, case-insensitively.
    "SELECT a.title, b.page_id FROM enwiki.pages a JOIN synth.pages b ON lower(a.title) = lower(b.title)",
    # A window per dataset: the three longest pages of each.
    'SELECT dataset, title, r FROM (SELECT dataset, title, '
    'row_number() OVER (PARTITION BY dataset ORDER BY "end" - start DESC, page_id) AS r FROM all_pages) WHERE r <= 3',
    "SELECT count(*) AS n FROM enwiki.pages WHERE redirect IS NOT NULL",
])
def test_the_same_statement_answers_as_on_sql(datasets, server, scheduler, sql):
    expected = http_sql(server, sql)
    answer = cluster_sql(datasets, sql, scheduler)
    assert answer.column_names == expected.column_names
    assert rows(answer) == rows(expected)


@pytest.mark.parametrize("sql, refusal", [
    ("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'", "CREATE EXTERNAL TABLE is not allowed"),
    ("COPY (SELECT 1) TO '/tmp/folio-cluster-test.csv'", "COPY is not allowed"),
    ("DROP VIEW pages", "DROP"),
])
def test_writes_are_refused_with_a_reason(datasets, scheduler, sql, refusal):
    args = [CLUSTER, "query", "--scheduler", scheduler, *(f for d in datasets for f in ("--data", d)), sql]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and refusal in done.stderr, done.stderr
    assert done.stdout == ""
    assert not Path("/tmp/folio-cluster-test.csv").exists()


def test_a_directory_that_is_no_index_is_named_in_the_error(scheduler, tmp_path):
    done = subprocess.run([CLUSTER, "query", "--scheduler", scheduler, "--data", f"x={tmp_path}", "SELECT 1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert str(tmp_path) in done.stderr and "folio-ingest build" in done.stderr, done.stderr
