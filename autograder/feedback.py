"""Feedback without hidden tests: an nbgrader preprocessor and a scan of the HTML it makes.

nbgrader's autograded notebooks hold the full test cells, hidden tests included, because
autograding restores the instructor's version of every test cell. ``generate_feedback``
renders those notebooks as they are, so without help the feedback would show the hidden
tests. :class:`HideHiddenTests` removes the hidden regions (like nbgrader's own
``ClearHiddenTests`` does for the student version) and also rewrites the tracebacks of those
cells, which quote the lines around the failing one. :func:`find_leaks` then checks the
written HTML, so a misconfiguration cannot leak hidden tests silently.
"""

from __future__ import annotations

import html.parser
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

from autograder.course import Course
from autograder.notebooks import NotebookError, read_notebook, region_lines
from autograder.release import secret_lines

__all__ = [
    "FeedbackResult",
    "HideHiddenTests",
    "check_feedback",
    "find_leaks",
    "generate_feedback",
    "html_text",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

HIDDEN_NOTE = "(Part of this traceback is not shown: it would quote the hidden tests.)"


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions and the traceback frames that would quote them.

    A traceback entry (one frame of an error output) is kept when it quotes none of the
    removed lines, so errors raised in the student's own code still show where they happened.
    The error's type and message (the last entry) are kept: they are the feedback.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        hidden = set(region_lines(cell.source, self.begin_test_delimeter, self.end_test_delimeter))
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        # lines also left in the visible part of the cell give nothing away
        hidden -= {line.strip() for line in cell.source.splitlines()}
        if hidden and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = _redact(output.get("traceback", []), hidden)
        return cell, resources


# "----> 12 x = f()" or "     13 y = 2": how IPython quotes source lines in a traceback
_QUOTED = re.compile(r"^\s*(?:-*>)?\s*\d+\s(.*)$")


def _quoted_lines(text: str) -> set[str]:
    """The lines of ``text``, stripped, plus the source lines a traceback in it quotes."""
    lines = set()
    for raw in _ANSI.sub("", text).splitlines():
        lines.add(raw.strip())
        match = _QUOTED.match(raw)
        if match:
            lines.add(match.group(1).strip())
    return lines


def _redact(traceback: list[str], hidden: set[str]) -> list[str]:
    """Replace every traceback entry that quotes a hidden line by a note (once in a row)."""
    kept: list[str] = []
    for entry in traceback:
        if _quoted_lines(entry) & hidden:
            if not kept or kept[-1] != HIDDEN_NOTE:
                kept.append(HIDDEN_NOTE)
        else:
            kept.append(entry)
    return kept


_BLOCKS = {"br", "div", "p", "pre", "li", "tr", "td", "h1", "h2", "h3", "h4", "table"}


class _TextCollector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCKS:  # a block starts a new line, as in the browser
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> str:
    """The text of an HTML document as a reader sees it (tags removed, entities decoded).

    Syntax highlighting splits a code line over many tags; joining the text nodes puts the
    line back together, so a hidden-test line can be searched for as plain text.
    """
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return "".join(collector.parts)


def find_leaks(html_file: Path, secret_lines: Iterable[str]) -> list[str]:
    """The secret lines (hidden-test source) that a feedback HTML file shows.

    A secret counts as shown when a line of the page's text is that line, also when a
    traceback quotes it behind an arrow and a line number.
    """
    text = html_text(Path(html_file).read_text(encoding="utf-8", errors="replace"))
    shown = _quoted_lines(text)
    return sorted(set(secret_lines) & shown)


@dataclass
class FeedbackResult:
    """The feedback file of one submission, or why there is none."""

    assignment: str
    student: str
    status: str  # written | missing | removed
    path: Path | None = None
    notes: list[str] = field(default_factory=list)


def _own_lines(notebook: Path) -> set[str]:
    """Lines the student wrote (or received) themselves: showing them back is no leak."""
    try:
        nb = read_notebook(notebook)
    except NotebookError:
        return set()
    return {line.strip() for cell in nb.cells for line in cell.source.splitlines()}


def generate_feedback(
    course: Course, assignments: list[str], students: list[str] | None = None
) -> list[FeedbackResult]:
    """Write HTML feedback for autograded submissions and check it for hidden tests.

    Runs ``nbgrader generate_feedback`` for each assignment, then reads every feedback
    file: one that quotes a hidden-test line (that the student did not write) is deleted
    and reported as ``removed``.
    """
    course.ensure()
    results = []
    for assignment in assignments:
        graded = sorted(p.parent.name for p in course.path("autograded").glob(f"*/{assignment}"))
        who = [s for s in graded if not students or s in students]
        if not who:
            continue
        secrets = secret_lines(course.source_notebook(assignment), hidden_only=True)
        # one nbgrader run for the whole class, or one per chosen student
        batches = [("*", who)] if not students else [(s, [s]) for s in who]
        for pattern, group in batches:
            name = assignment if pattern == "*" else f"{assignment}-{pattern}"
            log = course.path("logs", "feedback", f"{name}.log")
            args = ["generate_feedback", assignment, "--force", f"--student={pattern}"]
            run = course.nbgrader(*args, log_file=log)
            for student in group:
                results.append(check_feedback(course, assignment, student, secrets, run.errors()))
    return results


def check_feedback(
    course: Course,
    assignment: str,
    student: str,
    secrets: set[str] | None = None,
    errors: Sequence[str] = (),
) -> FeedbackResult:
    """Check one feedback file; delete it if it shows a hidden-test line.

    ``secrets`` are the hidden-test lines (computed from the source when None); lines that
    the student's own submission contains are not secrets to them. ``errors`` are
    nbgrader's messages, used to explain a missing file.
    """
    if secrets is None:
        secrets = secret_lines(course.source_notebook(assignment), hidden_only=True)
    html_file = course.path("feedback", student, assignment, f"{assignment}.html")
    result = FeedbackResult(assignment, student, "written", html_file)
    if not html_file.is_file():
        result.status, result.path = "missing", None
        mine = [e for e in errors if student in e] or list(errors)[-1:]
        result.notes.append(mine[-1] if mine else "nbgrader wrote no feedback; see logs/feedback")
        return result
    submitted = course.path("submitted", student, assignment, f"{assignment}.ipynb")
    leaks = find_leaks(html_file, secrets - _own_lines(submitted))
    if leaks:
        html_file.unlink()
        result.status, result.path = "removed", None
        result.notes.append(f"deleted: it showed {len(leaks)} hidden-test lines, e.g. {leaks[0]!r}")
    return result
