"""Adding an assignment, as the guide says, end to end in a copy of the repository.

A seventh assignment (``07_scaling``: one function, one test cell of 2 points) is added to
a temporary copy of the grading code: its source notebook with visible tests and an empty
hidden-test region, and its check in ``autograder/checks/a07_scaling.py``. Then the real
commands run there: ``generate`` writes the hidden tests from the check and the student
version, ``validate`` passes the source and fails the blank release, and ``grade`` gives a
right submission 2 points and a wrong one 0.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.course import REPO

pytestmark = pytest.mark.slow

A = "07_scaling"
CHECK = '''"""Trusted checks of assignment 07_scaling."""

from __future__ import annotations

import numpy as np

from autograder.checks import Session, Suite, array, close, unchanged

SUITE = Suite("07_scaling")


@SUITE.check("a7_scale", own=("scale",))
def scale(s: Session) -> None:
    x = np.random.default_rng(7).standard_normal((3, 4))
    out, (x_after, _) = s.get("scale").call_keep_args("__call__", x, 2.5)
    close(array(out, "scale(x, 2.5)", x.shape), 2.5 * x, "scale(x, 2.5)")
    unchanged(x, x_after, "the input of scale")
'''
SOLUTION = "def scale(x, a):\n    ### BEGIN SOLUTION\n    return a * x\n    ### END SOLUTION\n"
TEST = (
    "# Tests for scale (2 points)\n"
    "assert np.allclose(scale(np.array([1.0, 2.0]), 3.0), [3.0, 6.0]), 'scale multiplies'\n"
    "print('scale: visible tests passed')\n"
    "### BEGIN HIDDEN TESTS\n"
    "### END HIDDEN TESTS\n"
)


def _cell(cell, grade_id: str, **meta):
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": grade_id,
        "locked": False,
        "schema_version": 3,
        "solution": False,
        "task": False,
        **meta,
    }
    return cell


def _source() -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=[
            _cell(new_markdown_cell("# Scaling\nWrite `scale(x, a)`."), "a7_intro", locked=True),
            _cell(new_code_cell("import numpy as np"), "a7_setup", locked=True),
            _cell(new_code_cell(SOLUTION), "a7_scale_code", solution=True),
            _cell(new_code_cell(TEST), "a7_scale", grade=True, locked=True, points=2),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return nb


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(repo))
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args, "--course-dir", str(repo / "course")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _submission(release: Path, answer: str, target: Path) -> None:
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "a7_scale_code":
            cell.source = answer
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


def test_a_seventh_assignment_from_source_and_check_to_grades(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(
        REPO / "autograder",
        repo / "autograder",
        ignore=shutil.ignore_patterns("course", "__pycache__"),
    )
    (repo / "autograder" / "checks" / f"a{A}.py").write_text(CHECK, encoding="utf-8")
    source = repo / "solutions" / A / f"{A}.ipynb"
    source.parent.mkdir(parents=True)
    nbformat.write(_source(), str(source))

    generated = _run(repo, "generate", A)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "hidden tests of a7_scale written from the checks" in generated.stdout
    test_cell = nbformat.read(source, as_version=4).cells[-1].source
    assert 'run_here(\n    globals(),\n    "07_scaling",' in test_cell
    assert '@SUITE.check("a7_scale", own=("scale",))' in test_cell
    release = repo / "course" / "release" / A / f"{A}.ipynb"
    released = release.read_text(encoding="utf-8")
    assert "scale: visible tests passed" in released
    assert "run_here" not in released and "a * x" not in released

    checked = _run(repo, "check", A)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    validated = _run(repo, "validate", A)
    assert validated.returncode == 0, validated.stdout + validated.stderr

    inbox = tmp_path / "inbox"
    _submission(release, "def scale(x, a):\n    return a * x\n", inbox / "right" / f"{A}.ipynb")
    wrong = "def scale(x, a):\n    x *= a\n    return x\n"  # right values, but writes into x
    _submission(release, wrong, inbox / "wrong" / f"{A}.ipynb")
    graded = _run(repo, "grade", A, "--source", str(inbox))
    assert graded.returncode == 0, graded.stdout + graded.stderr
    with open(repo / "course" / "reports" / "grades.csv", newline="", encoding="utf-8-sig") as fh:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    assert scores == {"right": 2.0, "wrong": 0.0}
    with open(
        repo / "course" / "reports" / "autograde-status.csv", newline="", encoding="utf-8-sig"
    ) as fh:
        notes = {row["student"]: row["notes"] for row in csv.DictReader(fh)}
    assert "1 of 1 test cells failed: a7_scale" in notes["wrong"]
