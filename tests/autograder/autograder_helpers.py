"""Helpers for the grading tests: submissions made from the sources, scores from the gradebook.

Submissions are built like a student's: the released notebook with the solution code (or a
bug) written into the answer cells, so test cells hold exactly what students receive.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from autograder.course import REPO, Course
from autograder.notebooks import nbgrader_meta, read_notebook

ASSIGNMENTS = sorted(p.parent.name for p in (REPO / "solutions").glob("*/*.ipynb"))


def source_notebook(assignment: str) -> NotebookNode:
    return read_notebook(REPO / "solutions" / assignment / f"{assignment}.ipynb")


def points(assignment: str) -> dict[str, float]:
    """Points of every autograded test cell of an assignment, by grade id."""
    found = {}
    for cell in source_notebook(assignment).cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            found[meta["grade_id"]] = float(meta["points"])
    return found


def _without_markers(source: str) -> str:
    return "\n".join(
        line for line in source.splitlines() if "### BEGIN" not in line and "### END" not in line
    )


Edit = tuple[str, str, str]  # (grade id of the cell, text to replace, replacement)


def student_notebook(
    course: Course, assignment: str, edits: list[Edit] = (), delete: list[str] = ()
) -> NotebookNode:
    """What a student hands in: the release, answer cells filled in from the solution.

    ``edits`` replace text in one cell each (the text must occur exactly once, so the
    buggy variants break loudly when the sources change); ``delete`` removes cells.
    """
    answers = {
        nbgrader_meta(c)["grade_id"]: _without_markers(c.source)
        for c in source_notebook(assignment).cells
        if nbgrader_meta(c).get("solution")
    }
    nb = copy.deepcopy(read_notebook(course.release_notebook(assignment)))
    by_id = {}
    for cell in nb.cells:
        name = nbgrader_meta(cell).get("grade_id")
        if name in answers:
            cell.source = answers[name]
        if name:
            by_id[name] = cell
    for name, old, new in edits:
        cell = by_id[name]
        count = cell.source.count(old)
        assert count == 1, f"{name}: {old!r} occurs {count} times, expected once"
        cell.source = cell.source.replace(old, new)
    nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") not in delete]
    return nb


def write_notebook(nb: NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def cell_scores(course: Course, assignment: str, student: str) -> dict[str, float]:
    """Autograded score of every test cell of one submission, from the gradebook."""
    wanted = points(assignment)
    with course.gradebook() as gb:
        sub = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: float(g.auto_score or 0.0) for g in sub.grades if g.name in wanted}


def copy_course(template: Course, target: Path) -> Course:
    """A fresh copy of a generated course (release + gradebook) at ``target``."""
    shutil.copytree(template.root, target)
    course = Course(target)
    course.ensure()  # points the copied nbgrader_config.py at the new root
    return course


def hidden_only_lines(assignment: str, min_length: int = 15) -> set[str]:
    """Distinctive lines that occur only in the hidden tests of an assignment's source."""
    hidden, visible = set(), set()
    for cell in source_notebook(assignment).cells:
        inside = False
        for raw in cell.source.splitlines():
            line = raw.strip()
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif line:
                (hidden if inside else visible).add(line)
    return {line for line in hidden - visible if len(line) >= min_length}
