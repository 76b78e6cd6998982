"""One writing command per course at a time, and a grading run killed midway can be resumed.

Real ``python -m autograder`` processes on a copy of the generated course, with two
submissions of the first assignment (its source notebook, which earns every point).
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from autograder_helpers import ASSIGNMENTS, cell_scores, points

from autograder.cli import EXIT_ERROR, EXIT_OK
from autograder.course import REPO, Course

pytestmark = pytest.mark.slow
ASSIGNMENT = ASSIGNMENTS[0]
STUDENTS = ("ada", "ben")


def _hand_in(course: Course, students: tuple[str, ...] = STUDENTS) -> None:
    for student in students:
        target = course.path("submitted", student, ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
        target.parent.mkdir(parents=True)
        shutil.copy(course.source_notebook(ASSIGNMENT), target)


def _start(course: Course, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "autograder", *args, "--course-dir", str(course.root)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(course: Course, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args, "--course-dir", str(course.root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _wait_for(condition: Callable[[], bool], seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def _status(course: Course) -> dict[str, str]:
    with open(
        course.path("reports", "autograde-status.csv"), newline="", encoding="utf-8-sig"
    ) as fh:
        return {row["student"]: row["status"] for row in csv.DictReader(fh)}


def _full_marks(course: Course, student: str) -> bool:
    return cell_scores(course, ASSIGNMENT, student) == points(ASSIGNMENT)


def test_a_second_writer_refuses_or_waits(new_course: Callable[..., Course]) -> None:
    course = new_course()
    _hand_in(course)
    first = _start(course, "autograde")
    try:
        _wait_for(lambda: "autograde" in _read(course.lock_path))
        refused = _run(course, "autograde")
        assert refused.returncode == EXIT_ERROR
        message = refused.stderr
        assert f"pid {first.pid}" in message and "autograde" in message, message
        assert "--wait" in message, message
        # a command that only reads the course is not held up
        assert _run(course, "list").returncode == EXIT_OK
        # with --wait it takes its turn; whether it had to wait depends on when the first ends
        waited = _run(course, "export", "--wait")
        assert waited.returncode == EXIT_OK, waited.stderr
    finally:
        out, err = first.communicate(timeout=600)
    assert first.returncode == EXIT_OK, out + err
    assert _status(course) == {"ada": "graded", "ben": "graded"}
    assert _full_marks(course, "ada") and _full_marks(course, "ben")
    # export waited for autograde to end, so it exported both grades
    with open(course.path("reports", "grades.csv"), newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["assignment"] == ASSIGNMENT]
    assert [float(r["score"]) for r in rows] == [sum(points(ASSIGNMENT).values())] * 2


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def test_a_killed_run_is_resumed(new_course: Callable[..., Course]) -> None:
    course = new_course()
    _hand_in(course)
    first = _start(course, "autograde")
    assert first.stdout is not None
    for line in first.stdout:  # the first submission is graded: kill the run in the second
        if line.startswith(ASSIGNMENT) and "graded" in line:
            break
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=60)
    assert _status(course) == {"ada": "graded"}  # kept as it went

    again = _run(course, "autograde", "--wait")
    assert again.returncode == EXIT_OK, again.stdout + again.stderr
    status = _status(course)
    assert status["ada"] == "up to date"  # not graded twice
    # ben was graded by the rerun, or finished by the killed run's nbgrader before it
    assert status["ben"] in ("graded", "up to date")
    assert _full_marks(course, "ada") and _full_marks(course, "ben")
    assert "failed" not in again.stdout

    # a graded notebook cut short (killed while being written) is graded again
    graded = course.path("autograded", "ben", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    graded.write_bytes(graded.read_bytes()[:100])
    third = _run(course, "autograde")
    assert third.returncode == EXIT_OK, third.stdout + third.stderr
    assert _status(course) == {"ada": "up to date", "ben": "graded"}
    assert _full_marks(course, "ben")
