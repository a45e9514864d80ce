"""The lesson notebooks (demos/lessons): each .ipynb is its .py source (jupytext's percent format) cell for cell,
carries no outputs, and runs top to bottom in a fresh kernel of this Python; a lesson's claims cells assert the
study's verdicts, so the day a lesson's statement stops being true, this test fails.

nbclient, not nbmake: the notebooks run from this file, under the suite's `pytest` (testpaths = tests) with no
plugin or extra option, beside the check that each .ipynb is its .py, and with the kernel chosen here."""

import pathlib
import resource
import sys
import time

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

LESSONS = pathlib.Path(__file__).resolve().parent.parent / "demos" / "lessons"
SOURCES = sorted(LESSONS.glob("[0-9][0-9][0-9]_*.py"))
CELL_SECONDS = 600  # a cell that takes longer is stuck (a whole lesson takes under 90 s on two cores)


def cells(notebook):
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def run(notebook):
    """Execute a notebook in a fresh kernel started by this Python (jupyter_client puts sys.executable in place
    of the kernel spec's "python"), with the lesson folder as its working folder; raises on any error."""
    client = NotebookClient(
        notebook, timeout=CELL_SECONDS, kernel_name="python3", resources={"metadata": {"path": str(LESSONS)}}
    )
    client.execute()
    return notebook


def test_there_is_a_lesson_per_document_and_one_for_the_edge_of_stability():
    assert [path.name[:3] for path in SOURCES] == ["000", "001", "002", "003", "004", "005"]


@pytest.mark.parametrize("source", SOURCES, ids=[path.stem for path in SOURCES])
def test_the_notebook_is_its_source(source):
    """The committed .ipynb has the .py's cells (jupytext's round trip), and no outputs: a lesson's numbers are
    made when it runs, on the reader's machine, never stored beside the code that makes them."""
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} is missing: jupytext --sync {source.relative_to(LESSONS.parent.parent)}"
    notebook = nbformat.read(paired, as_version=4)
    assert cells(notebook) == cells(jupytext.read(source)), f"{paired.name} differs from {source.name}: jupytext --sync"
    stored = [
        k
        for k, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert stored == [], (
        f"{paired.name} carries outputs in cells {stored}: jupyter nbconvert --clear-output --inplace {paired.name}"
    )


def test_the_kernel_is_this_python_and_a_failed_assert_fails():
    """The notebooks run in the Python that runs the tests (the venv minnet is installed in), not another kernel's;
    and a lesson's failed assert is the test's failure, not an output."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import sys; print(sys.executable, sys.prefix)")]
    )
    assert run(notebook).cells[0].outputs[0]["text"].split() == [sys.executable, sys.prefix]
    failing = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell('row = {"verdict": "differs"}\nassert row["verdict"] == "reproduced"')]
    )
    with pytest.raises(CellExecutionError, match="AssertionError"):
        run(failing)


@pytest.mark.parametrize("source", SOURCES, ids=[path.stem for path in SOURCES])
def test_the_lesson_runs_top_to_bottom(source):
    """Every cell of the committed notebook, in order, in a fresh kernel: an exception or a failed assert fails."""
    start, cpu = time.perf_counter(), children_cpu()
    run(nbformat.read(source.with_suffix(".ipynb"), as_version=4))
    print(
        f"{source.stem}: {time.perf_counter() - start:.1f} s, {children_cpu() - cpu:.1f} s of CPU (kernel and workers)"
    )


def children_cpu():
    """CPU seconds of this process's finished children: a lesson's kernel and the study workers it waited for."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime
