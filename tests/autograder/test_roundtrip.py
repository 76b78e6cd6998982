"""End to end through the real nbgrader commands: collect, autograde, feedback, export, report.

Three students hand in all six assignments: ``ada`` the source notebooks themselves and
``ben`` the student versions with the solutions written in (both expect full marks on every
autograded test), ``blank`` the untouched student versions (zero expected).
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from autograder_helpers import (
    ASSIGNMENTS,
    cell_scores,
    copy_course,
    hidden_only_lines,
    points,
    student_notebook,
    write_notebook,
)

from autograder.cli import main
from autograder.collect import CollectEntry, collect
from autograder.course import Course
from autograder.feedback import FeedbackResult, generate_feedback, html_text
from autograder.grade import GradeResult, autograde

pytestmark = pytest.mark.slow
STUDENTS = ("ada", "ben", "blank")


@dataclass
class Graded:
    course: Course
    collected: list[CollectEntry]
    results: list[GradeResult]
    feedback: list[FeedbackResult]


@pytest.fixture(scope="module")
def graded(generated_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    root = tmp_path_factory.mktemp("roundtrip")
    course = copy_course(generated_course, root / "course")
    inbox = root / "inbox"
    inbox.mkdir()
    for assignment in ASSIGNMENTS:
        # an LMS-style flat file for ada, a folder per student for ben, nbgrader's layout for blank
        shutil.copy(course.source_notebook(assignment), inbox / f"ada_{assignment}.ipynb")
        write_notebook(student_notebook(course, assignment), inbox / "ben" / f"{assignment}.ipynb")
        blank = inbox / "blank" / assignment / f"{assignment}.ipynb"
        blank.parent.mkdir(parents=True)
        shutil.copy(course.release_notebook(assignment), blank)
    collected = collect(course, inbox)
    results = autograde(course, ASSIGNMENTS, timeout=600)
    feedback = generate_feedback(course, ASSIGNMENTS)
    return Graded(course, collected, results, feedback)


def test_collect_takes_both_layouts(graded: Graded) -> None:
    assert sorted((e.student, e.assignment, e.status) for e in graded.collected) == sorted(
        (s, a, "collected") for s in STUDENTS for a in ASSIGNMENTS
    )


def test_every_submission_is_graded(graded: Graded) -> None:
    assert {(r.student, r.assignment, r.status) for r in graded.results} == {
        (s, a, "graded") for s in STUDENTS for a in ASSIGNMENTS
    }


@pytest.mark.parametrize("student", ["ada", "ben"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_full_marks_on_every_test(graded: Graded, assignment: str, student) -> None:
    assert cell_scores(graded.course, assignment, student) == points(assignment)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_gets_zero_on_every_test(graded: Graded, assignment: str) -> None:
    scores = cell_scores(graded.course, assignment, "blank")
    assert scores == dict.fromkeys(points(assignment), 0.0)


def test_written_answers_wait_for_a_human(graded: Graded) -> None:
    solved = [r for r in graded.results if r.student != "blank"]
    assert all("written answers to grade by hand" in "; ".join(r.notes) for r in solved)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_never_shows_hidden_tests(graded: Graded, assignment: str) -> None:
    secrets = hidden_only_lines(assignment)
    assert secrets
    for student in STUDENTS:
        result = next(
            f for f in graded.feedback if f.student == student and f.assignment == assignment
        )
        assert result.status == "written", result.notes
        raw = result.path.read_text(encoding="utf-8")
        text = html_text(raw)
        assert "BEGIN HIDDEN TESTS" not in raw and "_written_here" not in text
        lines = {line.strip() for line in text.splitlines()}
        shown = [s for s in secrets if s in lines or (len(s) >= 30 and s in text)]
        assert shown == []
        if student == "blank":  # failing tests still tell the student what went wrong
            assert "NotImplementedError" in text


def test_export_writes_one_row_per_student_and_assignment(graded: Graded, capsys) -> None:
    target = graded.course.path("reports", "grades.csv")
    assert main(["export", "--course-dir", str(graded.course.root)]) == 0
    with open(target, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["student_id"], r["assignment"]) for r in rows} == {
        (s, a) for s in STUDENTS for a in ASSIGNMENTS
    }
    for row in rows:
        expected = sum(points(row["assignment"]).values()) if row["student_id"] != "blank" else 0
        assert float(row["raw_score"]) == pytest.approx(expected)


def test_report_ranks_tests_by_pass_rate(graded: Graded, capsys) -> None:
    assert main(["report", "--course-dir", str(graded.course.root)]) == 0
    out = capsys.readouterr().out
    assert "a1_softmax" in out and "rate" in out.splitlines()[0]
    with open(
        graded.course.path("reports", "test-pass-rates.csv"), newline="", encoding="utf-8-sig"
    ) as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(len(points(a)) for a in ASSIGNMENTS)
    assert {(r["passed"], r["submissions"]) for r in rows} == {("2", "3")}
    png = Path(graded.course.path("reports", "test-pass-rates.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grading_again_skips_unchanged_submissions(graded: Graded) -> None:
    again = autograde(graded.course, ASSIGNMENTS[:1], timeout=60)
    assert [r.status for r in again] == ["up to date"] * len(STUDENTS)
    assert sorted(graded.course.path("backups").glob("gradebook-*.db"))
