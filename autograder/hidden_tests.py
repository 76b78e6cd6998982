"""The hidden tests of the sources, generated from the trusted checks that grade them.

Every autograded test cell of ``solutions/<id>/<id>.ipynb`` ends in one hidden-test region,
and that region is written from ``autograder/checks/a<id>.py``: the source of the check
registered for the cell's grade id, handed to :func:`autograder.checks.local.run_here`,
which runs it on the notebook's own code. So the notebook shows exactly the code that
decides the grade, and running the source (in Jupyter, or ``nbgrader validate``) runs it.
:func:`sync_hidden_tests` rewrites the regions (``generate`` does it first); a test fails
when a source is out of date.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.checks import load_suite
from autograder.notebooks import nbgrader_meta, read_notebook, without_region

__all__ = ["hidden_region", "stale_hidden_tests", "stale_problems", "sync_hidden_tests"]

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def hidden_region(assignment: str, grade_id: str) -> str:
    """The hidden-test region of test cell ``grade_id``, markers included."""
    suite = load_suite(assignment)
    if grade_id not in suite.checks:
        raise LookupError(
            f"{assignment}: test cell {grade_id} has no check; register one with "
            f'@SUITE.check("{grade_id}") in autograder/checks/a{assignment}.py'
        )
    source = inspect.getsource(suite.checks[grade_id].fn)
    quote = '"""' if '"""' not in source else "'''"
    if quote in source or source.rstrip().endswith("\\"):
        raise ValueError(f"{assignment}: the check of {grade_id} cannot be quoted in a notebook")
    return (
        f"{BEGIN}\n"
        f"# The check that grades this part, from autograder/checks/a{assignment}.py (edit it\n"
        "# there; `./run course generate` copies it here). It runs on this notebook's code.\n"
        "from autograder.checks.local import run_here\n\n"
        f'run_here(\n    globals(),\n    "{assignment}",\n    r{quote}\n{source}{quote},\n)\n'
        f"{END}"
    )


def _test_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and nbgrader_meta(c).get("grade")
        and not nbgrader_meta(c).get("solution")
    ]


def _with_region(source: str, region: str) -> str:
    """The visible part of a test cell's ``source``, then ``region`` to end the cell."""
    return without_region(source, BEGIN, END).rstrip() + "\n\n\n" + region


def stale_hidden_tests(nb: NotebookNode, assignment: str) -> list[str]:
    """Grade ids of the test cells whose hidden tests are not what the checks generate."""
    stale = []
    for cell in _test_cells(nb):
        grade_id = nbgrader_meta(cell)["grade_id"]
        if _with_region(cell.source, hidden_region(assignment, grade_id)) != cell.source:
            stale.append(grade_id)
    return stale


def sync_hidden_tests(path: Path, assignment: str) -> list[str]:
    """Rewrite the hidden tests of the source at ``path`` from the checks; the ids changed."""
    nb = read_notebook(path)
    changed = []
    for cell in _test_cells(nb):
        grade_id = nbgrader_meta(cell)["grade_id"]
        new = _with_region(cell.source, hidden_region(assignment, grade_id))
        if new != cell.source:
            cell.source = new
            changed.append(grade_id)
    if changed:
        Path(path).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return changed


def stale_problems(path: Path, assignment: str) -> list[str]:
    """Why the hidden tests of the source at ``path`` are not those of the checks, if so."""
    try:
        stale = stale_hidden_tests(read_notebook(path), assignment)
    except (LookupError, ValueError) as err:
        return [str(err)]
    if not stale:
        return []
    return [
        f"the hidden tests of {', '.join(stale)} differ from autograder/checks/a{assignment}.py; "
        "run `./run course generate` to write them from the checks"
    ]
