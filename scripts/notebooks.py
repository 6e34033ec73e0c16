"""Runs the notebooks against a server on the bundled data, and either writes their outputs into
notebooks/ (so a person browsing the repository sees tables and plots) or checks that the
committed outputs are what the code produces today.

    python scripts/notebooks.py            # execute and write outputs in place
    python scripts/notebooks.py --check    # execute and compare (what the test command does)

Needs FOLIO_SERVER_BIN and FOLIO_INGEST_BIN (default: the debug binaries under CARGO_TARGET_DIR,
or ~/.cache/folio-target). Outputs are normalized before they are written or compared: the
server's address becomes http://127.0.0.1:8080 (its Flight SQL address grpc://127.0.0.1:8815),
the index directory data/enwiki-sample, the plot directory ".". Cells tagged `nondeterministic` (timings, load runs) are run but not
compared; of the others, every text output (stream text, text/plain, errors) must match, and an
image must be where the committed notebook has one.
"""

import contextlib
import difflib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHOWN_URL = "http://127.0.0.1:8080"
SHOWN_FLIGHT = "grpc://127.0.0.1:8815"
SHOWN_DATA = "data/enwiki-sample"


def binary(name):
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/folio-target"))
    env = "FOLIO_SERVER_BIN" if name == "folio-server" else "FOLIO_INGEST_BIN"
    return os.environ.get(env, os.path.join(target, "debug", name))


@contextlib.contextmanager
def server(index=None):
    """A server on `index` (built from the bundled sample when None) with fresh SQL tables and
    Flight SQL; yields (url, index directory, Flight SQL url)."""
    work = tempfile.mkdtemp()
    try:
        if index is None:
            index = os.path.join(work, "sample")
            subprocess.run([binary("folio-ingest"), "build", str(ROOT / "datasets/enwiki-sample.xml.bz2"),
                            "--out", index, "--quiet", "--fulltext"], check=True, stdout=subprocess.DEVNULL)
        proc = subprocess.Popen([binary("folio-server"), "--data", index, "--tables", os.path.join(work, "tables"),
                                 "--listen", "127.0.0.1:0", "--flight", "127.0.0.1:0", "--quiet"],
                                stdout=subprocess.PIPE, text=True, env={**os.environ, "FOLIO_LOG": "warn"})
        urls = {}
        while "http" not in urls:
            line = proc.stdout.readline()
            assert line, "the server did not start"
            url = line.strip().rsplit(" ", 1)[-1].rstrip("/")
            urls[url.split(":", 1)[0]] = url
        try:
            yield urls["http"], index, urls["grpc"]
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def execute(path, url, index, plots, flight):
    """The notebook at `path`, executed against the server at `url` (Flight SQL at `flight`),
    outputs normalized."""
    book = nbformat.read(path, as_version=4)
    env = {"FOLIO_URL": url, "FOLIO_FLIGHT": flight, "FOLIO_DATA": index, "FOLIO_PLOT_DIR": plots,
           "FOLIO_NB_SECONDS": os.environ.get("FOLIO_NB_SECONDS", "2")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(book, timeout=300, kernel_name="python3", resources={"metadata": {"path": plots}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    replace = [(url, SHOWN_URL), (flight, SHOWN_FLIGHT), (index, SHOWN_DATA), (plots, ".")]

    def clean(text):
        for a, b in replace:
            text = text.replace(a, b)
        return text

    for cell in book.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = clean(out["text"])
            for mime, value in out.get("data", {}).items():
                if isinstance(value, str) and not mime.startswith("image/"):
                    out["data"][mime] = clean(value)
    return book


def texts(cell):
    """What is compared of a cell's outputs: its text, and where its images are."""
    shown = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            shown.append(f"[{out.name}] {out.text}")
        elif out.output_type == "error":
            shown.append(f"[error] {out.ename}: {out.evalue}")
        else:
            data = out.get("data", {})
            if "text/plain" in data and not any(m.startswith("image/") for m in data):
                shown.append(f"[{out.output_type}] {data['text/plain']}")
            shown.extend(f"[{m}]" for m in data if m.startswith("image/"))
    return "\n".join(shown)


def differences(committed, fresh):
    """Lines that tell which deterministic cells' outputs changed (empty when none did)."""
    problems = []
    code = [(a, b) for a, b in zip(committed.cells, fresh.cells) if a.cell_type == "code"]
    for i, (old, new) in enumerate(code):
        if "nondeterministic" in old.metadata.get("tags", []):
            continue
        if old.source != new.source:
            problems.append(f"code cell {i}: the committed source differs")
        a, b = texts(old), texts(new)
        if a != b:
            diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "committed", "today", lineterm="")
            problems.append(f"code cell {i}:\n" + "\n".join(diff))
    return problems


def main(argv):
    check = "--check" in argv
    failed = False
    with server() as (url, index, flight), tempfile.TemporaryDirectory() as plots:
        for path in NOTEBOOKS:
            fresh = execute(path, url, index, plots, flight)
            if check:
                problems = differences(nbformat.read(path, as_version=4), fresh)
                for p in problems:
                    print(f"{path.name}: {p}", file=sys.stderr)
                failed |= bool(problems)
            else:
                nbformat.write(fresh, path)
                print(f"wrote {path.relative_to(ROOT)}")
    if failed:
        print("outputs differ: run scripts/notebooks.py to refresh them, and review the diff", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
