"""Broken or hostile submissions get a clear result and never stop the others.

One class, one assignment, graded with the real nbgrader through the CLI: two good students
(first and last in grading order) around notebooks with a deleted test cell, an edited test
cell, an infinite loop (plain, and one that swallows the interrupt), a syntax error, a
crashing kernel, tampered metadata, invalid JSON, runaway output and a renamed file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from autograder_helpers import (
    cell_scores,
    copy_course,
    hidden_only_lines,
    points,
    said,
    student_notebook,
    write_notebook,
)

from autograder.cli import main
from autograder.course import Course
from autograder.feedback import generate_feedback, html_text

pytestmark = pytest.mark.slow

A = "01_loss_functions"
TIMEOUT = 5  # seconds per cell: the loops are stopped quickly
LOOP = "while True:\n        pass\n    shifted = x - np.max"
STUBBORN_LOOP = (
    "while True:\n        try:\n            pass\n        except KeyboardInterrupt:\n"
    "            pass\n    shifted = x - np.max"
)
START = "shifted = x - np.max"


def _submissions(course: Course, inbox: Path) -> None:
    good = student_notebook(course, A)
    write_notebook(good, inbox / "aaron" / f"{A}.ipynb")
    write_notebook(good, inbox / "zoe" / f"{A}.ipynb")
    # renamed: the file name says nothing, the cells say which assignment it is
    write_notebook(good, inbox / "grace_final_answers (2).ipynb")
    write_notebook(student_notebook(course, A, delete=["a1_mse"]), inbox / "deleter" / "hw.ipynb")
    edited = student_notebook(course, A, [("a1_softmax_code", START, "shifted = x  #")])
    for cell in edited.cells:  # the overflow bug, hidden by emptying the test that catches it
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "a1_softmax_stable":
            cell.source = "print('all tests passed')"
    write_notebook(edited, inbox / "editor" / "hw.ipynb")
    write_notebook(
        student_notebook(course, A, [("a1_softmax_code", START, LOOP)]),
        inbox / "looper" / "hw.ipynb",
    )
    write_notebook(
        student_notebook(course, A, [("a1_softmax_code", START, STUBBORN_LOOP)]),
        inbox / "stubborn" / "hw.ipynb",
    )
    write_notebook(
        student_notebook(course, A, [("a1_mse_code", "return total if", "return total iff")]),
        inbox / "typo" / "hw.ipynb",
    )
    write_notebook(
        student_notebook(
            course,
            A,
            [("a1_mse_code", "y = np.asarray(y, dtype=float)", "import os\n    os._exit(3)")],
        ),
        inbox / "crasher" / "hw.ipynb",
    )
    tampered = student_notebook(course, A)
    next(c for c in tampered.cells if "nbgrader" in c.metadata).metadata.nbgrader[
        "schema_version"
    ] = 99
    write_notebook(tampered, inbox / "tamperer" / "hw.ipynb")
    spam = "print('spam\\n' * 100_000)\n    y = np.asarray(y, dtype=float)"
    write_notebook(
        student_notebook(course, A, [("a1_mse_code", "y = np.asarray(y, dtype=float)", spam)]),
        inbox / "spammer" / "hw.ipynb",
    )
    text = (inbox / "zoe" / f"{A}.ipynb").read_text()
    (inbox / "broken").mkdir()
    (inbox / "broken" / f"{A}.ipynb").write_text(text[: len(text) // 2])  # cut in half
    (inbox / "notes.txt").write_text("not a notebook")
    (inbox / "mystery.ipynb").write_text(
        '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )


@pytest.fixture(scope="module")
def hostile(generated_course: Course, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile")
    course = copy_course(generated_course, root / "course")
    inbox = root / "inbox"
    _submissions(course, inbox)
    before = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    collect_code = main(["collect", str(inbox), "--course-dir", str(course.root)])
    grade_code = main(["autograde", A, "--timeout", str(TIMEOUT), "--course-dir", str(course.root)])
    with open(
        course.path("reports", "autograde-status.csv"), newline="", encoding="utf-8-sig"
    ) as fh:
        status = {row["student"]: row for row in csv.DictReader(fh)}
    with open(course.path("reports", "collect.csv"), newline="", encoding="utf-8-sig") as fh:
        collected = {row["file"]: row for row in csv.DictReader(fh)}
    after = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    generate_feedback(course, [A], students=["deleter", "editor", "looper"])
    return course, collect_code, grade_code, status, collected, before == after


def _scores(course: Course, student: str) -> dict[str, float]:
    return cell_scores(course, A, student)


def test_collect_reports_what_it_could_not_match(hostile) -> None:
    _, collect_code, _, _, collected, inbox_untouched = hostile
    assert inbox_untouched, "collect must never change the submissions it reads"
    assert collect_code == 3  # some files could not be matched
    assert collected["notes.txt"]["status"] == "ignored"
    assert collected["mystery.ipynb"]["status"] == "unmatched"
    assert "which assignment" in collected["mystery.ipynb"]["notes"]
    renamed = collected["grace_final_answers (2).ipynb"]
    assert (renamed["student"], renamed["assignment"], renamed["status"]) == (
        "grace",
        A,
        "collected",
    )
    assert "recognised from the notebook's cells" in renamed["notes"]
    assert "not valid JSON" in collected[f"broken/{A}.ipynb"]["notes"]


def test_good_students_around_the_broken_ones_get_full_marks(hostile) -> None:
    course, _, grade_code, status, _, _ = hostile
    assert grade_code == 3  # some submissions could not be graded: said in the exit code
    for student in ("aaron", "zoe", "grace", "spammer"):
        assert status[student]["status"] == "graded"
        assert _scores(course, student) == points(A), student


def test_deleted_test_cell_is_put_back_and_run(hostile) -> None:
    course, _, _, status, _, _ = hostile
    assert status["deleter"]["status"] == "graded"
    assert "test cell a1_mse was deleted; it was put back and run" in status["deleter"]["notes"]
    assert _scores(course, "deleter") == points(A)


def test_edited_test_cell_is_restored(hostile) -> None:
    course, _, _, status, _, _ = hostile
    assert "test cell a1_softmax_stable was edited" in status["editor"]["notes"]
    expected = dict(points(A), a1_softmax_stable=0.0)
    assert _scores(course, "editor") == expected


@pytest.mark.parametrize("student", ["looper", "stubborn"])
def test_infinite_loop_costs_only_the_cells_it_blocks(hostile, student: str) -> None:
    course, _, _, status, _, _ = hostile
    assert status[student]["status"] == "graded"
    notes = status[student]["notes"]
    hang = said(
        "{label} did not answer within {seconds:g} s (an endless loop, or far too slow)",
        label="softmax",
        seconds=TIMEOUT,
    )
    assert f"a1_softmax: {hang}" in notes, notes
    expected = dict(points(A), a1_softmax=0.0, a1_softmax_stable=0.0)
    assert _scores(course, student) == expected


def test_syntax_error_costs_only_its_part(hostile) -> None:
    course, _, _, status, _, _ = hostile
    assert status["typo"]["status"] == "graded"
    assert _scores(course, "typo") == dict(points(A), a1_mse=0.0)


def test_a_process_that_exits_costs_only_its_part(hostile) -> None:
    course, _, _, status, _, _ = hostile
    assert status["crasher"]["status"] == "graded"
    exited = said(
        "the Python process exited with code {code} (sys.exit or os._exit in the code?)", code=3
    )
    assert exited in status["crasher"]["notes"]
    assert _scores(course, "crasher") == dict(points(A), a1_mse=0.0)


def test_tampered_metadata_and_invalid_json_are_reported(hostile) -> None:
    _, _, _, status, _, _ = hostile
    assert status["tamperer"]["status"] == "invalid"
    assert "Schema version is too new" in status["tamperer"]["notes"]
    assert status["broken"]["status"] == "invalid"
    assert "not valid JSON" in status["broken"]["notes"]


def test_runaway_output_does_not_reach_the_notebook(hostile) -> None:
    course, _, _, _, _, _ = hostile
    graded = course.path("autograded", "spammer", A, f"{A}.ipynb").read_text()
    assert graded.count("spam") < 1000


@pytest.mark.parametrize("student", ["deleter", "editor", "looper"])
def test_feedback_on_restored_cells_hides_the_hidden_tests(hostile, student: str) -> None:
    course = hostile[0]
    page = course.path("feedback", student, A, f"{A}.html").read_text(encoding="utf-8")
    text = html_text(page)
    lines = {line.strip() for line in text.splitlines()}
    assert "BEGIN HIDDEN TESTS" not in page
    assert [s for s in hidden_only_lines(A) if s in lines or (len(s) >= 30 and s in text)] == []
