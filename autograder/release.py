"""Generate the student versions of the assignments, and prove they give nothing away.

``nbgrader generate_assignment`` writes ``release/<assignment>/<assignment>.ipynb`` from the
source in ``solutions/`` and records the test cells in the gradebook. Afterwards every
release is checked: no nbgrader markers, no line of a solution, a hidden test or a model
answer. A release that fails the check is removed and the command fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder.course import Course, CourseError
from autograder.hidden_tests import stale_problems
from autograder.notebooks import (
    MARKERS,
    NotebookError,
    nbgrader_meta,
    read_notebook,
    source_problems,
)

__all__ = ["generate", "release_leaks", "secret_lines"]

_REGIONS = [("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")]


def _split(source: str, regions: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The stripped lines of a cell inside the given marker regions, and those outside."""
    inside: list[str] = []
    outside: list[str] = []
    current: str | None = None
    for raw in source.splitlines():
        line = raw.strip()
        ends = [end for begin, end in regions if begin in line]
        if ends:
            current = ends[0]
        elif current and current in line:
            current = None
        elif line and not any(m in line for m in MARKERS):
            (inside if current else outside).append(line)
    return inside, outside


def secret_lines(source: Path, hidden_only: bool = False) -> set[str]:
    """Lines of a source notebook that students must not see.

    Solution regions, hidden-test regions and model answers (manually graded markdown
    cells), minus the lines that also appear outside those regions (an import or a
    ``return out`` shown to students anyway is no secret). With ``hidden_only``, only the
    hidden tests count.
    """
    nb = read_notebook(source)
    regions = _REGIONS[1:] if hidden_only else _REGIONS
    secret: set[str] = set()
    visible: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown" and nbgrader_meta(cell).get("solution"):
            if not hidden_only:
                secret.update(line.strip() for line in cell.source.splitlines() if line.strip())
            continue
        inside, outside = _split(cell.source, regions)
        secret.update(inside)
        visible.update(outside)
    return {line for line in secret - visible if len(line) > 3}


def release_leaks(course: Course, assignment: str) -> list[str]:
    """What the release of ``assignment`` shows that it must not (empty when clean)."""
    release = course.release_notebook(assignment)
    try:
        nb = read_notebook(release)
    except NotebookError as err:
        return [f"the release cannot be read: {err}"]
    problems = []
    released: set[str] = set()
    for cell in nb.cells:
        for marker in MARKERS:
            if marker in cell.source:
                problems.append(f"cell {cell.get('id', '?')} contains '{marker}'")
        released.update(line.strip() for line in cell.source.splitlines())
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {cell.get('id', '?')} has outputs")
    for line in sorted(secret_lines(course.source_notebook(assignment)) & released):
        problems.append(f"a line of the solution or hidden tests is shown: {line!r}")
    return problems


def generate(course: Course, assignments: list[str]) -> list[Path]:
    """Write the student versions (``release/``) and record the assignments in the gradebook.

    Raises
    ------
    CourseError
        If a source is broken, nbgrader fails, or a release would leak a solution.
    """
    course.ensure()
    for assignment in assignments:
        path = course.source_notebook(assignment)
        problems = source_problems(path) or stale_problems(path, assignment)
        if problems:
            raise CourseError(
                f"the source of {assignment} has problems:\n  " + "\n  ".join(problems)
            )
    course.backup_gradebook("before-generate")
    # one nbgrader run for all assignments ("*") is much faster than one run each
    batches = [["*"]] if sorted(assignments) == course.assignments() else [[a] for a in assignments]
    for (pattern,) in batches:
        log = course.path("logs", "generate", f"{'all' if pattern == '*' else pattern}.log")
        run = course.nbgrader("generate_assignment", pattern, "--force", log_file=log)
        if not run.ok:
            detail = "\n  ".join(run.errors()[-5:]) or f"exit code {run.returncode}"
            raise CourseError(
                f"nbgrader generate_assignment {pattern} failed (log: {log}):\n  {detail}"
            )
    written = []
    for assignment in assignments:
        leaks = release_leaks(course, assignment)
        if leaks:
            shutil.rmtree(course.path("release", assignment), ignore_errors=True)
            raise CourseError(
                f"the release of {assignment} was removed because it gives answers away:\n  "
                + "\n  ".join(leaks)
            )
        written.append(course.release_notebook(assignment))
    return written
