"""A course-site download graded end to end by real nbgrader runs, then regraded and pruned.

One ``./run course grade`` of a zip with Hangul, romanised and numbered names (so nbgrader's
gradebook, folders and export are shown to take a Hangul student id), then the three ways
to correct a grade: ``grade --student --source`` with a new notebook, ``autograde --student``
after a new collect, and ``remove-student``. After each, the feedback HTML and
``grades.csv`` must agree with the gradebook.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import nbformat
import pytest
from autograder_helpers import points, student_notebook
from lms_zips import Entry, strays, write_zip

from autograder.cli import main
from autograder.course import Course

pytestmark = pytest.mark.slow
A = "03_backprop"
BUG = [("a3_affine_code", "np.sum(dout, axis=0)", "np.sum(dout, axis=1)")]  # db wrong


def grades(course: Course) -> dict[str, float]:
    with open(course.path("reports", "grades.csv"), newline="", encoding="utf-8-sig") as fh:
        return {
            r["student_id"]: float(r["score"]) for r in csv.DictReader(fh) if r["assignment"] == A
        }


def feedback_score(course: Course, student: str) -> float:
    text = course.path("feedback", student, A, f"{A}.html").read_text(encoding="utf-8")
    return float(re.search(r"\((?:Score|점수): ([\d.]+) / [\d.]+\)", text).group(1))


def run(course: Course, *argv: str) -> int:
    return main([*argv, "--course-dir", str(course.root)])


def test_grade_regrade_and_remove(new_course, tmp_path: Path) -> None:
    course = new_course()
    full = sum(points(A).values())
    solved = nbformat.writes(student_notebook(course, A)).encode()
    buggy = nbformat.writes(student_notebook(course, A, BUG)).encode()
    blank = course.release_notebook(A).read_bytes()
    wrap = "AI 2026-2 과제3 submissions/"
    archive = write_zip(
        tmp_path / "download.zip",
        [
            Entry(f"{wrap}박서준 - 과제3.ipynb", solved, "cp949"),
            Entry(f"{wrap}박서윤 - 과제3.ipynb", blank, "cp949"),
            Entry(f"{wrap}2021123456_Park Seoyeon_03_backprop.ipynb", buggy),
            Entry(f"{wrap}Choi Yuna - 03_backprop.ipynb", blank),
            Entry(f"{wrap}Choi Yuna - 03_backprop (1).ipynb", solved),
            *strays(wrap),
        ],
    )
    assert run(course, "grade", "3", "--source", str(archive)) == 0
    assert grades(course) == {
        "박서준": full,
        "박서윤": 0.0,
        "2021123456": full - 1,
        "choi_yuna": full,
    }
    for student, score in grades(course).items():
        assert feedback_score(course, student) == score

    # the student sends the corrected notebook by e-mail: one command regrades it
    fixed = tmp_path / "my notebook.ipynb"
    fixed.write_bytes(solved)
    assert run(course, "grade", "backprop", "--student", "2021123456", "--source", str(fixed)) == 0
    assert grades(course)["2021123456"] == full
    assert feedback_score(course, "2021123456") == full

    # collect, then autograde one student: the feedback and the export follow
    late = tmp_path / "late.ipynb"
    late.write_bytes(buggy)
    assert run(course, "collect", str(late), "--student", "박서윤") == 0
    assert run(course, "autograde", "03", "--student", "박서윤", "--force") == 0
    assert feedback_score(course, "박서윤") == full - 1
    assert grades(course)["박서윤"] == full - 1

    # collect and autograde, without feedback in between: grades.csv follows every time
    new = tmp_path / "new.ipynb"
    for notebook, score in ((solved, full), (buggy, full - 1)):
        new.write_bytes(notebook)
        assert run(course, "collect", str(new), "--student", "2027000002") == 0
        assert run(course, "autograde", "03") == 0
        assert grades(course)["2027000002"] == score

    # every report opens in Excel on Korean Windows: UTF-8 with a BOM
    for name in ("grades.csv", "autograde-status.csv", "collect.csv", "test-pass-rates.csv"):
        assert course.path("reports", name).read_bytes().startswith(b"\xef\xbb\xbf"), name

    # a wrongly collected student goes away, and everything after still works
    assert run(course, "remove-student", "choi_yuna") == 0
    assert not course.path("submitted", "choi_yuna").exists()
    assert "choi_yuna" not in {who for _, who in _status_rows(course)}
    assert run(course, "feedback", "3") == 0
    assert run(course, "export") == 0
    assert set(grades(course)) == {"박서준", "박서윤", "2021123456", "2027000002"}
    # one submission removed, then asked again: nothing is left to remove, and it says so
    before = _status_rows(course)
    assert (A, "2027000002") in before
    assert run(course, "remove-student", "2027000002", "03") == 0
    assert _status_rows(course) == before - {(A, "2027000002")}
    assert run(course, "remove-student", "2027000002", "03") == 2


def _status_rows(course) -> set[tuple[str, str]]:
    """(assignment, student) of every row of reports/autograde-status.csv."""
    path = course.path("reports", "autograde-status.csv")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return {(row["assignment"], row["student"]) for row in csv.DictReader(fh)}


def test_export_says_which_collected_submissions_are_not_graded(
    new_course, tmp_path: Path, capsys
) -> None:
    course = new_course()
    single = tmp_path / "박서준_과제3.ipynb"
    single.write_bytes(nbformat.writes(student_notebook(course, A)).encode())
    assert run(course, "collect", str(single)) == 0
    capsys.readouterr()
    assert run(course, "export") == 0
    out = capsys.readouterr().out
    assert f"1 collected submission(s) of {A} have no autograded notebook" in out
    assert "박서준" in out and "autograde 03_backprop" in out


def test_grades_csv_names_every_student_of_the_roster(new_course, tmp_path: Path, capsys) -> None:
    """The roster's names and e-mails reach grades.csv; a student who handed in nothing has a
    row (0 points); a submission collected but not graded again has an empty score."""
    course = new_course()
    roster = tmp_path / "명단.csv"
    roster.write_bytes(
        "학번,이름,이메일\n"
        "2021000001,박서준,seojun@example.ac.kr\n"
        '2021000002,"Lee, Doyun",\n'
        "2021000003,김민준,minjun@example.ac.kr\n".encode("cp949")
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "박서준_과제3.ipynb").write_text(nbformat.writes(student_notebook(course, A)))
    (inbox / "2021000002_hw3.ipynb").write_text(nbformat.writes(student_notebook(course, A, BUG)))
    assert run(course, "grade", "3", "--source", str(inbox), "--roster", str(roster)) == 0
    full = sum(points(A).values())

    def rows() -> dict[str, dict[str, str]]:
        text = course.path("reports", "grades.csv").read_text(encoding="utf-8-sig")
        assert "None" not in text
        return {
            r["student_id"]: r for r in csv.DictReader(text.splitlines()) if r["assignment"] == A
        }

    got = rows()
    assert set(got) == {"2021000001", "2021000002", "2021000003"}
    assert (got["2021000001"]["last_name"], got["2021000001"]["email"]) == (
        "박서준",
        "seojun@example.ac.kr",
    )
    assert (got["2021000002"]["last_name"], got["2021000002"]["first_name"]) == ("Lee", "Doyun")
    assert float(got["2021000001"]["score"]) == full
    assert float(got["2021000002"]["score"]) == full - 1
    assert (got["2021000003"]["last_name"], float(got["2021000003"]["score"])) == ("김민준", 0.0)
    assert got["2021000003"]["timestamp"] == ""

    # a resubmission collected, not yet graded: its old score is not passed off as current
    (inbox / "2021000002_hw3.ipynb").write_text(nbformat.writes(student_notebook(course, A)))
    later = inbox / "2021000002_hw3.ipynb"
    os.utime(later, (later.stat().st_mtime + 60, later.stat().st_mtime + 60))
    assert run(course, "collect", str(later), "--roster", str(roster)) == 0
    capsys.readouterr()
    assert run(course, "export") == 0
    assert "empty score in grades.csv" in capsys.readouterr().out
    got = rows()
    assert got["2021000002"]["score"] == "" and float(got["2021000001"]["score"]) == full


def test_a_file_name_gives_the_gradebook_a_name(new_course, tmp_path: Path) -> None:
    course = new_course()
    single = tmp_path / "박서준_2021123456_과제3.ipynb"
    single.write_bytes(nbformat.writes(student_notebook(course, A)).encode())
    assert run(course, "collect", str(single)) == 0
    with course.gradebook() as gb:
        assert gb.find_student("2021123456").last_name == "박서준"
