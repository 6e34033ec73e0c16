"""Every notebook in notebooks/ runs top to bottom against a server on the bundled data.

Starts the server binary named by FOLIO_SERVER_BIN on the index named by FOLIO_TEST_INDEX, on a
free port, and runs each notebook with nbclient (FOLIO_URL and FOLIO_DATA point at them); any
error in any cell fails the test. Outputs are not written back: the committed notebooks stay
stripped.
"""

import os
import pathlib
import subprocess
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((pathlib.Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def server():
    tables = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [os.environ["FOLIO_SERVER_BIN"], "--data", os.environ["FOLIO_TEST_INDEX"], "--tables", tables,
         "--listen", "127.0.0.1:0", "--quiet"],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line, "the server did not start"
    yield line.strip().rsplit(" ", 1)[-1].rstrip("/")
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01-titles.ipynb", "02-sql.ipynb", "03-parallel.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(server, path, tmp_path, monkeypatch):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs not stripped"
    monkeypatch.setenv("FOLIO_URL", server)
    monkeypatch.setenv("FOLIO_DATA", os.environ["FOLIO_TEST_INDEX"])
    monkeypatch.setenv("FOLIO_PLOT_DIR", str(tmp_path))
    monkeypatch.setenv("FOLIO_NB_SECONDS", "0.5")
    NotebookClient(book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    if path.name != "01-titles.ipynb":
        assert list(tmp_path.glob("*.png")), f"{path.name} drew no plot"
