"""The nbgrader sources in solutions/: well-formed, stripped, and passing all their tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from autograder_helpers import ASSIGNMENTS, points, source_notebook

from autograder.course import REPO, Course
from autograder.notebooks import nbgrader_meta, source_problems

SOURCES = {a: REPO / "solutions" / a / f"{a}.ipynb" for a in ASSIGNMENTS}


def test_six_assignments_with_written_questions() -> None:
    assert len(ASSIGNMENTS) == 6, ASSIGNMENTS
    for assignment in ASSIGNMENTS:
        manual = [
            c
            for c in source_notebook(assignment).cells
            if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade")
        ]
        assert manual, f"{assignment} has no written question graded by hand"
        assert len(points(assignment)) >= 4, f"{assignment} should split its points over parts"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_is_valid_and_stripped(assignment: str) -> None:
    assert source_problems(SOURCES[assignment]) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_round_trips_its_metadata(assignment: str) -> None:
    """Reading and writing with nbformat (what Jupyter does) changes nothing."""
    text = SOURCES[assignment].read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert nbformat.writes(nb) + "\n" == text
    raw = json.loads(text)
    for cell, node in zip(raw["cells"], nb.cells, strict=True):
        assert cell["metadata"] == node.metadata
        assert cell.get("id") == node.get("id")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_separate_the_parts(assignment: str) -> None:
    """Every autograded test cell has hidden tests and a visible part with a message."""
    for cell in source_notebook(assignment).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            parts = cell.source.split("### BEGIN HIDDEN TESTS")
            assert len(parts) > 1, f"{meta['grade_id']} has no hidden tests"
            visible = parts[0] + "".join(p.split("### END HIDDEN TESTS", 1)[-1] for p in parts[1:])
            assert "assert" in visible and "print(" in visible, meta["grade_id"]
            assert meta.get("locked"), meta["grade_id"]


def test_course_resolves_assignment_names() -> None:
    course = Course(REPO / "autograder" / "course")
    assert course.resolve(["03", "backprop", "03_backprop", "cnn"]) == ["03_backprop", "05_cnn"]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_passes_all_tests_with_nbval(assignment: str, tmp_path: Path) -> None:
    """Run the source, hidden tests included, with nbval in a scratch directory."""
    notebook = shutil.copy(SOURCES[assignment], tmp_path / f"{assignment}.ipynb")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-cell-timeout=600",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-q",
            "--rootdir",
            str(tmp_path),
            notebook,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env=Course(tmp_path / "course").environment(),
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
