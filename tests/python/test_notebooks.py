"""Every notebook in notebooks/ runs top to bottom against a server on the bundled data.

Runs each notebook with nbclient against the server of conftest.py (FOLIO_URL and FOLIO_DATA
point at it and its index); any
error in any cell fails the test. Outputs are not written back: the committed notebooks stay
stripped.
"""

import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((pathlib.Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


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
