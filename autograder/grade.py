"""Autograde every submission with nbgrader (one or ``jobs`` at a time) and say what happened.

Each (student, assignment) runs in its own ``nbgrader autograde`` process (forked from a
helper that has imported nbgrader once: :mod:`autograder.forks`), whose
SandboxExecute step runs the notebook in a sandbox with time and resource limits and lets
the trusted checks decide the test cells (see :mod:`autograder.sandbox`), so an infinite
loop, a crash or a damaged notebook costs that submission only. Before anything runs the
gradebook is backed up. The outcome of every submission (score, and notes such as "test cell
a3_affine_db was edited; the original was run instead") is printed and kept in
``reports/autograde-status.csv``. The notes come from comparing the submission with the
release and from the sandbox's report (:class:`~autograder.sandbox.verdicts.Report`), never
from nbgrader's log.
"""

from __future__ import annotations

import csv
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry

from autograder.course import Course, CourseError
from autograder.messages import file_language
from autograder.notebooks import NotebookError, nbgrader_meta, read_notebook
from autograder.sandbox.verdicts import Report

__all__ = [
    "GradeResult",
    "autograde",
    "finished",
    "remove_student",
    "submissions",
    "write_status",
]

STATUS_FIELDS = ["assignment", "student", "status", "score", "max_score", "seconds", "notes"]


@dataclass
class GradeResult:
    """The outcome of autograding one submission."""

    assignment: str
    student: str
    status: str  # graded | up to date | invalid | failed | killed
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict[str, str]:
        return {
            "assignment": self.assignment,
            "student": self.student,
            "status": self.status,
            "score": "" if self.score is None else f"{self.score:g}",
            "max_score": "" if self.max_score is None else f"{self.max_score:g}",
            "seconds": f"{self.seconds:.1f}",
            "notes": "; ".join(self.notes),
        }


def submissions(course: Course, assignment: str, students: list[str] | None = None) -> list[str]:
    """Students with a folder ``submitted/<student>/<assignment>``, sorted (only ``students``)."""
    root = course.path("submitted")
    if not root.is_dir():
        return []
    found = sorted(p.parent.name for p in root.glob(f"*/{assignment}") if p.is_dir())
    return [s for s in found if not students or s in students]


def _tampering(course: Course, assignment: str, nb) -> list[str]:
    """What nbgrader will put back: cells deleted, edited, retyped or re-pointed, by release."""
    try:
        release = read_notebook(course.release_notebook(assignment))
    except NotebookError:
        return []
    submitted = {m["grade_id"]: c for c in nb.cells if "grade_id" in (m := nbgrader_meta(c))}
    notes = []
    for cell in release.cells:
        meta = nbgrader_meta(cell)
        name = meta.get("grade_id")
        is_test = meta.get("grade") and not meta.get("solution")
        if not name or not (is_test or meta.get("locked") or meta.get("solution")):
            continue
        mine = submitted.pop(name, None)
        if mine is None:
            if is_test:
                notes.append(f"test cell {name} was deleted; it was put back and run")
            elif meta.get("solution"):
                notes.append(f"answer cell {name} was deleted")
            else:
                notes.append(f"read-only cell {name} was deleted")
            continue
        if mine.cell_type != cell.cell_type:
            notes.append(f"cell {name} changed type; the original type was restored")
        if meta.get("grade") and nbgrader_meta(mine).get("points") != meta.get("points"):
            notes.append(f"the points of cell {name} were edited; the original points were used")
        if meta.get("locked") and _text(mine.source) != _text(cell.source):
            what = "test cell" if is_test else "read-only cell"
            notes.append(f"{what} {name} was edited; the original was run instead")
    notes += [f"cell id {name} is unknown and was not graded" for name in submitted]
    return notes


def _text(source: str) -> str:
    """A cell's source compared as text: Windows line ends and trailing spaces do not count."""
    return "\n".join(line.rstrip() for line in source.replace("\r\n", "\n").split("\n")).strip()


def _notes_from_report(report: Report) -> list[str]:
    """What the sandbox said: cells left out (they ended or hung the process), limits hit."""
    notes = list(report.notes)
    for grade_id, verdict in report.verdicts.items():
        if not verdict.passed and verdict.stopped:
            notes.append(f"{grade_id}: {verdict.message}")
    if report.isolation.startswith("sandbox: rlimits"):
        notes.append(report.isolation)
    if failed := report.failed():
        notes.append(
            f"{len(failed)} of {len(report.verdicts)} test cells failed: {', '.join(failed)}"
        )
    return notes


def _metadata_problem(nb) -> str:
    """Why nbgrader would refuse the notebook's cell metadata, or an empty string."""
    from nbgrader.nbgraderformat import (
        MetadataValidator,
        SchemaTooNewError,
        SchemaTooOldError,
        ValidationError,
    )

    try:
        MetadataValidator().validate_nb(nb)
    except (SchemaTooNewError, SchemaTooOldError) as err:
        return f"the nbgrader metadata of a cell was tampered with ({err}); grade it by hand"
    except ValidationError as err:
        return f"the nbgrader metadata is damaged ({err}); grade it by hand"
    return ""


def _points(
    course: Course, assignment: str, student: str
) -> tuple[float | None, float | None, float, float]:
    """The score and maximum in the gradebook, and the points of written answers graded by
    hand: those still waiting for a human grader, and those graded already.

    nbgrader flags a hand-graded score for review again whenever the notebook is
    autograded again; the score itself is kept.
    """
    with course.gradebook() as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None, None, 0.0, 0.0
        grades = [g for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade]
        waiting = sum(float(g.max_score) for g in grades if g.manual_score is None)
        kept = sum(float(g.max_score) for g in grades if g.manual_score is not None)
        return float(sub.score), float(sub.max_score), waiting, kept


def finished(graded: Path, notebook: Path) -> bool:
    """Whether ``graded`` is a complete autograded version of the submission ``notebook``.

    nbgrader removes the old autograded notebook before it grades again and writes the new
    one last, after the grades are in the gradebook, so a run killed midway leaves either no
    file, an older one, or (killed while writing) one that cannot be read.
    """
    if not graded.is_file() or graded.stat().st_mtime < notebook.stat().st_mtime:
        return False
    try:
        read_notebook(graded)
    except NotebookError:
        return False
    return True


def _grade_one(
    course: Course, assignment: str, student: str, timeout: int, force: bool, slot: int = 0
) -> GradeResult:
    result = GradeResult(assignment, student, "failed")
    folder = course.path("submitted", student, assignment)
    notebook = folder / f"{assignment}.ipynb"
    if not notebook.is_file():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        result.notes.append(
            f"expected {notebook.name}, found {others or 'no notebook'}; "
            f"collect the submission with `{course.command('collect', 'FILE')}` to rename it"
        )
        return result
    try:
        nb = read_notebook(notebook)
    except NotebookError as err:
        result.status = "invalid"
        result.notes.append(str(err))
        return result
    damaged = _metadata_problem(nb)
    if damaged:
        result.status = "invalid"
        result.notes.append(damaged)
        return result
    graded = course.path("autograded", student, assignment, notebook.name)
    if not force and finished(graded, notebook):
        result.status = "up to date"
        result.score, result.max_score, _, _ = _points(course, assignment, student)
        result.notes.append("already autograded; use --force to grade again")
        return result
    result.notes += _tampering(course, assignment, nb)
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    total = timeout * (code_cells + 2)
    wall = total + 180
    report_file = course.path("logs", "sandbox", assignment, f"{student}.json")
    report_file.unlink(missing_ok=True)
    start = time.perf_counter()
    run = course.nbgrader(
        "autograde",
        assignment,
        f"--student={student}",
        f"--notebook={assignment}",
        "--force",
        f"--SandboxExecute.cell_seconds={timeout}",
        f"--SandboxExecute.call_seconds={timeout}",
        f"--SandboxExecute.total_seconds={total}",
        f"--SandboxExecute.report_dir={report_file.parent.parent}",
        f"--SandboxExecute.slot={slot}",
        timeout=wall,
        log_file=course.path("logs", "autograde", assignment, f"{student}.log"),
    )
    result.seconds = time.perf_counter() - start
    report = Report.read(report_file)
    if run.timed_out:
        result.status = "killed"
        result.notes.append(f"grading took more than {wall} s and was stopped")
    elif graded.is_file() and run.ok and report is not None:
        result.status = "graded"
        result.notes += _notes_from_report(report)
    else:
        said = report.error if report is not None else ""
        result.notes.append(said or f"nbgrader stopped with exit code {run.returncode}")
    result.score, result.max_score, waiting, kept = _points(course, assignment, student)
    if result.status == "graded":
        if waiting:
            result.notes.append(f"{waiting:g} points of written answers to grade by hand")
        if kept:
            result.notes.append(f"hand grades of written answers kept ({kept:g} points)")
    if result.status != "graded":
        result.notes.append(f"log: {course.path('logs', 'autograde', assignment, student)}.log")
    return result


def autograde(
    course: Course,
    assignments: list[str],
    students: list[str] | None = None,
    timeout: int = 300,
    force: bool = False,
    progress=None,
    jobs: int = 1,
    fork: bool = True,
) -> list[GradeResult]:
    """Autograde the submissions of the given assignments (all students by default).

    Parameters
    ----------
    course : Course
    assignments : list of str
        Assignment ids, already generated (they must be in the gradebook).
    students : list of str, optional
        Only these students.
    timeout : int
        Seconds each notebook cell may run before it is interrupted.
    force : bool
        Grade again submissions that were already autograded and have not changed.
    progress : callable, optional
        Called with each GradeResult as soon as it is known.
    jobs : int
        Submissions graded at the same time (each in its own nbgrader process and sandbox).
        The results are the same as one at a time; they are returned in the same order.
    fork : bool
        Fork each nbgrader process from a helper that has imported nbgrader already
        (:mod:`autograder.forks`), which saves a second or two per submission; False starts
        ``python -m nbgrader`` afresh for each (the benchmark compares the two).

    Returns
    -------
    list of GradeResult
    """
    if timeout <= 0:
        raise CourseError(f"--timeout must be a positive number of seconds, got {timeout}")
    if jobs < 1:
        raise CourseError(f"--jobs must be at least 1, got {jobs}")
    course.require_generated(assignments)
    course.ensure()
    try:  # a wrong language would fail every submission inside nbgrader
        file_language(course.root / "nbgrader_config.py")
    except ValueError as err:
        raise CourseError(f"{err} (set it in {course.shared_config})") from None
    todo = {a: submissions(course, a, students) for a in assignments}
    unknown = sorted(set(students or ()) - {s for who in todo.values() for s in who})
    if unknown:
        raise CourseError(
            f"no submission of {', '.join(assignments)} from: {', '.join(unknown)} "
            "(student ids are the folder names in submitted/); to collect one, run "
            f"`{course.command('collect', 'FILE', '--student', unknown[0])}`"
        )
    course.backup_gradebook("before-autograde")
    for who in todo.values():
        with course.gradebook() as gb:
            for student in who:
                gb.update_or_create_student(student)
    work = [(a, s) for a, who in todo.items() for s in who]
    slots: queue.SimpleQueue[int] = queue.SimpleQueue()
    for slot in range(jobs):
        slots.put(slot)
    lock = threading.Lock()

    def grade(item: tuple[str, str]) -> GradeResult:
        slot = slots.get()
        try:
            result = _grade_one(course, item[0], item[1], timeout, force, slot)
        finally:
            slots.put(slot)
        with lock:
            write_status(course, [result])  # kept as it goes: a killed run loses nothing done
            if progress is not None:
                progress(result)
        return result

    with course.forked(min(jobs, len(work))) if work and fork else nullcontext():
        if jobs == 1:
            return [grade(item) for item in work]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(grade, work))


def _status(course: Course) -> dict[tuple[str, str], dict[str, str]]:
    """The rows of ``reports/autograde-status.csv`` by (assignment, student)."""
    path = course.path("reports", "autograde-status.csv")
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return {(row["assignment"], row["student"]): row for row in csv.DictReader(fh)}


def _save_status(course: Course, rows: dict[tuple[str, str], dict[str, str]]) -> Path:
    path = course.path("reports", "autograde-status.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads UTF-8
        writer = csv.DictWriter(fh, STATUS_FIELDS)
        writer.writeheader()
        writer.writerows(rows[key] for key in sorted(rows))
    return path


def write_status(course: Course, results: list[GradeResult]) -> Path:
    """Merge these results into ``reports/autograde-status.csv`` and return its path."""
    rows = _status(course)
    for result in results:
        rows[(result.assignment, result.student)] = result.row()
    return _save_status(course, rows)


def remove_student(course: Course, student: str, assignments: list[str] | None = None) -> list[str]:
    """Take a student (or only their ``assignments``) out of the gradebook and the folders.

    The gradebook is backed up first and the student's folders in ``submitted``,
    ``autograded`` and ``feedback`` are moved to ``backups/``, so nothing is lost; their
    rows leave ``reports/autograde-status.csv``. Returns what was done, one line each.

    Raises
    ------
    CourseError
        Before changing anything, if there is no gradebook or the student is unknown.
    """
    if not course.db_path.is_file():
        raise CourseError(f"no gradebook in {course.root}: nothing to remove")
    folders = [
        course.path(step, student, *([a] if assignments else []))
        for step in ("submitted", "autograded", "feedback")
        for a in (assignments or [""])
    ]
    folders = [f for f in folders if f.is_dir()]
    with course.gradebook() as gb:
        try:
            record = gb.find_student(student)
            in_gradebook = sorted(s.assignment.name for s in record.submissions)
        except MissingEntry:
            in_gradebook = None
    if in_gradebook is None and not folders:
        known = sorted(p.name for p in course.path("submitted").glob("*") if p.is_dir())
        raise CourseError(
            f"no student '{student}' in the gradebook or in submitted/; "
            f"the students are: {', '.join(known) or 'none yet'}"
        )
    if assignments and not folders and not set(assignments) & set(in_gradebook or []):
        raise CourseError(
            f"{student} has no submission of {', '.join(assignments)} in the gradebook or the "
            "course folders: nothing to remove"
        )
    done = []
    backup = course.backup_gradebook(f"before-removing-{student}")
    if backup is not None:
        done.append(f"gradebook backed up to {backup.relative_to(course.root)}")
    if in_gradebook is not None:
        with course.gradebook() as gb:
            if assignments:
                for a in assignments:
                    if a in in_gradebook:
                        gb.remove_submission(a, student)
                        done.append(f"removed the submission of {a} from the gradebook")
            else:
                gb.remove_student(student)
                done.append(
                    f"removed {student} and {len(in_gradebook)} submission(s) from the gradebook"
                )
    for folder in folders:
        kept = course.backup_file(folder, f"removed-{student}")
        done.append(f"moved {folder.relative_to(course.root)} to {kept.relative_to(course.root)}")
    for step in ("submitted", "autograded", "feedback"):
        empty = course.path(step, student)
        if empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
    if rows := _status(course):
        _save_status(
            course,
            {
                (a, who): row
                for (a, who), row in rows.items()
                if who != student or (assignments and a not in assignments)
            },
        )
    return done
