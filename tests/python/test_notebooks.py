"""Every notebook in notebooks/ runs top to bottom against a server on the bundled data, and the
outputs committed in it are what the code produces today (cells tagged `nondeterministic`, the
load runs, excepted). scripts/notebooks.py does the work (and writes the outputs when run
without --check); each notebook gets a server with fresh SQL tables, so earlier tests' updates
cannot change its answers.
"""

import importlib.util
import os
import pathlib

import nbformat
import pytest

ROOT = pathlib.Path(__file__).parents[2]
spec = importlib.util.spec_from_file_location("notebooks", ROOT / "scripts" / "notebooks.py")
notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(notebooks)


def test_there_are_notebooks():
    assert [p.name for p in notebooks.NOTEBOOKS] == ["01-titles.ipynb", "02-sql.ipynb", "03-parallel.ipynb"]


@pytest.mark.parametrize("path", notebooks.NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_are_current(path, tmp_path, monkeypatch):
    monkeypatch.setenv("FOLIO_NB_SECONDS", "0.5")
    committed = nbformat.read(path, as_version=4)
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert any(c.outputs for c in code), f"{path.name}: run scripts/notebooks.py to commit outputs"
    with notebooks.server(os.environ["FOLIO_TEST_INDEX"]) as (url, index, flight):
        fresh = notebooks.execute(path, url, index, str(tmp_path), flight)
    assert notebooks.differences(committed, fresh) == []
    if path.name != "01-titles.ipynb":
        assert list(tmp_path.glob("*.png")), f"{path.name} drew no plot"
        assert any("image/png" in o.get("data", {}) for c in fresh.cells for o in c.get("outputs", [])), "no plot shown"


def test_a_changed_output_is_caught(tmp_path):
    """The comparison can fail: a committed output edited by hand is reported."""
    path = notebooks.NOTEBOOKS[0]
    committed = nbformat.read(path, as_version=4)
    edited = nbformat.read(path, as_version=4)
    cell = next(c for c in edited.cells if c.cell_type == "code" and c.outputs)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="something else\n")]
    assert notebooks.differences(edited, committed) != []
    assert notebooks.differences(committed, committed) == []
