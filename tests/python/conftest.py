"""The running server the Python tests talk to.

Starts the binary named by FOLIO_SERVER_BIN on the index named by FOLIO_TEST_INDEX (both set by
scripts/test.sh), on a free port, with its SQL tables in a temporary directory; stops it with
SIGTERM at the end and checks that it exits cleanly.
"""

import os
import random
import socket
import subprocess
import tempfile

import pytest


def serve(data, extra=(), flight=False):
    """Starts the server on the index directories `data` (`--data` values) with `extra` flags;
    yields its URL, or (URL, Flight SQL URL) with `flight`."""
    tables = tempfile.mkdtemp()
    flags = [f for d in data for f in ("--data", d)]
    if flight:
        flags += ["--flight", "127.0.0.1:0"]
    proc = subprocess.Popen(
        [os.environ["FOLIO_SERVER_BIN"], *flags, *extra, "--tables", tables, "--listen", "127.0.0.1:0", "--quiet"],
        stdout=subprocess.PIPE, text=True)
    urls = {}
    while "http" not in urls:
        line = proc.stdout.readline()
        assert line, "the server did not start"
        url = line.strip().rsplit(" ", 1)[-1].rstrip("/")
        urls[url.split(":", 1)[0]] = url
    yield (urls["http"], urls["grpc"]) if flight else urls["http"]
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def free_ports(n):
    """A base port with the n consecutive ports from it free (for servers that need their ports
    named in advance: HAProxy and its replicas, Ballista executors)."""
    for _ in range(100):
        base = random.randint(20000, 60000)
        try:
            socks = []
            for p in range(base, base + n):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return base
    raise RuntimeError("no free ports")


@pytest.fixture(scope="session")
def server():
    yield from serve([os.environ["FOLIO_TEST_INDEX"]])


@pytest.fixture(scope="session")
def two_datasets():
    """The test index served twice, as `first` (the default) and `second`."""
    index = os.environ["FOLIO_TEST_INDEX"]
    yield from serve([f"first={index}", f"second={index}"])
