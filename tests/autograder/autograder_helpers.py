"""Helpers for the grading tests: submissions made from the sources, scores from the gradebook.

Submissions are built like a student's: the released notebook with the solution code (or a
bug) written into the answer cells, so test cells hold exactly what students receive.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from autograder.course import REPO, Course
from autograder.messages import file_language, language, tr
from autograder.messages_ko import KO
from autograder.notebooks import nbgrader_meta, read_notebook

ASSIGNMENTS = sorted(p.parent.name for p in (REPO / "solutions").glob("*/*.ipynb"))
SHARED_CONFIG = REPO / "autograder" / "nbgrader_config.py"
# the language the course's students get their messages in (c.StudentFeedback.language)
COURSE_LANGUAGE = file_language(SHARED_CONFIG)


def said(template: str, **values: object) -> str:
    """A message as the course's students read it: ``tr(template, ...)`` in their language."""
    with language(COURSE_LANGUAGE):
        return tr(template, **values)


def words_of(template: str) -> str:
    """The longest fixed piece of a message (between its placeholders) as students read it."""
    text = KO.get(template, template) if COURSE_LANGUAGE == "ko" else template
    return max(re.split(r"\{[^}]*\}", text), key=len).strip()


class CourseIn(Course):
    """A course whose settings are the shared ones plus another feedback language, as an
    instructor sets ``c.StudentFeedback.language`` in ``autograder/nbgrader_config.py``."""

    def __init__(self, root: Path, feedback_language: str) -> None:
        super().__init__(root)
        self._shared = Path(root).parent / f"nbgrader_config_{feedback_language}.py"
        self._shared.write_text(
            f"load_subconfig({str(SHARED_CONFIG)!r})  # noqa: F821\n"
            f"c.StudentFeedback.language = {feedback_language!r}  # noqa: F821\n",
            encoding="utf-8",
        )

    @property
    def shared_config(self) -> Path:
        return self._shared


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


def copy_course(template: Course, target: Path, feedback_language: str = "") -> Course:
    """A fresh copy of a generated course (release + gradebook) at ``target``, with the
    course's feedback language or ``feedback_language`` (``"en"``, ``"ko"``)."""
    shutil.copytree(template.root, target)
    course = CourseIn(target, feedback_language) if feedback_language else Course(target)
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
