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
from autograder.hidden_tests import stale_hidden_tests, stale_problems, sync_hidden_tests
from autograder.notebooks import nbgrader_meta, read_notebook, source_problems

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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_tests_are_the_checks(assignment: str) -> None:
    """Every hidden-test region is what autograder/checks generates: the two cannot drift."""
    assert stale_hidden_tests(source_notebook(assignment), assignment) == []
    for cell in source_notebook(assignment).cells:
        assert "_written_here" not in cell.source


def test_an_edited_check_makes_the_source_stale(tmp_path: Path, monkeypatch) -> None:
    from autograder.checks import load_suite

    source = shutil.copy(SOURCES["03_backprop"], tmp_path / "03_backprop.ipynb")
    check = load_suite("03_backprop").checks["a3_add"]
    monkeypatch.setattr(check, "fn", load_suite("03_backprop").checks["a3_mul"].fn)
    assert stale_problems(source, "03_backprop") != []
    assert sync_hidden_tests(source, "03_backprop") == ["a3_add"]
    assert stale_hidden_tests(read_notebook(source), "03_backprop") == []


def test_course_resolves_assignment_names() -> None:
    course = Course(REPO / "autograder" / "course")
    assert course.resolve(["03", "backprop", "03_backprop", "cnn"]) == ["03_backprop", "05_cnn"]


@pytest.mark.parametrize(
    "name",
    [
        "과제 3 — 계층별 오차역전파 (Assignment 3 — Backpropagation layers)",
        "과제 3 — 계층별 오차역전파",
        "계층별 오차역전파",
        "과제 3",
        "Assignment 3 — Backpropagation layers",
        "assignment 3: backpropagation layers",
        "Backpropagation layers",
        "Assignment 3",
    ],
)
def test_course_resolves_the_korean_and_english_titles(name: str) -> None:
    assert Course(REPO / "autograder" / "course").resolve([name]) == ["03_backprop"]


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
