"""The students' feedback: without hidden tests, with named parts, hints and offline math.

nbgrader's autograded notebooks hold the full test cells, hidden tests included, because
autograding restores the instructor's version of every test cell. ``generate_feedback``
renders those notebooks as they are, so without help the feedback would show the hidden
tests. :class:`HideHiddenTests` removes the hidden regions (like nbgrader's own
``ClearHiddenTests`` does for the student version) and also rewrites the tracebacks of those
cells, which quote the lines around the failing one. :func:`find_leaks` then checks the
written HTML, so a misconfiguration cannot leak hidden tests silently.

:class:`ExplainParts` (after ``HideHiddenTests``) names every graded part after its test
cell's first line ("# Tests for Relu.backward (1 point)" gives ``Relu.backward``) or, for a
written answer, after its question; adds the visible test's hints under a failed part (grading
runs trusted checks instead of the test cell, so the student would otherwise never see them);
and shortens the error of an ungraded cell that could not run while grading (a scratch cell
importing a library module the assignment makes students write) to one line.
:class:`FeedbackExporter` renders with the course's template (``autograder/templates``): a
summary that lists every part by name and points, and MathJax 3 from a copy next to the HTML
file (:func:`install_mathjax`), so feedback opened from disk renders its math offline.
"""

from __future__ import annotations

import ast
import html
import html.parser
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbgrader
from dlfs.i18n import split_bilingual
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from autograder.course import Course, CourseError
from autograder.messages import configured_language, current, file_language, language, tr
from autograder.notebooks import NotebookError, read_notebook, region_lines
from autograder.release import secret_lines
from autograder.sandbox.verdicts import NOT_OWN_CODE

__all__ = [
    "ExplainParts",
    "FeedbackExporter",
    "FeedbackResult",
    "HideHiddenTests",
    "check_feedback",
    "feedback_words",
    "find_leaks",
    "generate_feedback",
    "html_text",
    "install_mathjax",
    "part_title",
    "visible_hints",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

HIDDEN_NOTE = "(Part of this traceback is not shown: it would quote the hidden tests.)"


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions and the traceback frames that would quote them.

    A traceback entry (one frame of an error output) is kept when it quotes none of the
    removed lines, so errors raised in the student's own code still show where they happened.
    The error's type and message (the last entry) are kept: they are the feedback.
    """

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        with language(configured_language(self.config)):
            return super().preprocess(nb, resources)

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
    note = tr("(Part of this traceback is not shown: it would quote the hidden tests.)")
    kept: list[str] = []
    for entry in traceback:
        if _quoted_lines(entry) & hidden:
            if not kept or kept[-1] != note:
                kept.append(note)
        else:
            kept.append(entry)
    return kept


# named parts, hints and one-line notes ----------------------------------------------------

_POINTS = re.compile(r"\s*\(\s*\d+(?:\.\d+)?\s+points?\s*\)(?::.*)?$")
_TESTS_PREFIX = re.compile(r"^Tests?\b\s*(?:for\b|that\b|:)?\s*", re.I)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
# the English original that follows the Korean text of a cell, folded away
_ENGLISH = re.compile(r"<details>.*?</details>", re.S)
# the stub's ImportError (autograder.checks.Suite.stubs), in English or in Korean
_STUB = re.compile(
    r"(\S+) is not available while \S+ is graded|(\S+)은\(는\) \S+을\(를\) 채점하는 동안"
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def part_title(cell: NotebookNode, before: NotebookNode | None = None) -> str:
    """The name of a graded part, as the summary of the feedback lists it.

    A test cell is named by its first comment line without the points ("# Tests for
    Relu.backward (1 point)" is ``Relu.backward``); a written answer by the bold words of the
    question just before it, or by that cell's heading; anything else by its grade id. The
    English original a cell keeps in a ``<details>`` block after its Korean text is not read,
    so a part is named once, in Korean.
    """
    meta = cell.metadata.get("nbgrader", {})
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    if cell.cell_type == "code" and not meta.get("solution") and first.startswith("#"):
        title = _TESTS_PREFIX.sub("", _POINTS.sub("", first.lstrip("#").strip()))
        if title:
            return title
    if before is not None and before.cell_type == "markdown":
        text = _ENGLISH.sub("", before.source)
        bold = [_one_line(b).rstrip(":") for b in _BOLD.findall(text)]
        if bold:
            return " ".join(bold)
        for line in text.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return str(meta.get("grade_id", "part"))


def _message_text(node: ast.expr | None) -> str:
    """The literal text of an assert message; f-string fields become "…"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [_message_text(v) if isinstance(v, ast.Constant) else "…" for v in node.values]
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _message_text(node.left) + _message_text(node.right)
    return ""


def visible_hints(source: str, lang: str | None = None) -> list[str]:
    """The messages of the ``assert`` statements in a (visible) test cell, in order.

    Values only known when the test runs are shown as "…": these are the hints a student
    sees in Jupyter when that assert fails. A message written ``Korean (English)`` gives the
    part in ``lang`` (by default the language the feedback speaks).
    """
    part = 0 if (lang or current()) == "ko" else 1
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    hints = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            text = _one_line(split_bilingual(_message_text(node.msg))[part])
            if text.strip(" …") and text not in hints:
                hints.append(text)
    return hints


def _error_line(output: NotebookNode) -> str:
    """The last line of an error output: the exception and its message."""
    text = _ANSI.sub("", str(output.get("evalue", "")) or "\n".join(output.get("traceback", [])))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else str(output.get("ename", "Error"))
    return line if ":" in line else f"{output.get('ename', 'Error')}: {line}"


def _before_traceback(text: str) -> str:
    """``text`` up to the traceback IPython printed into it (its dashed rule), if any."""
    lines = _ANSI.sub("", text).splitlines(keepends=True)
    for index, line in enumerate(lines):
        if "Traceback (most recent call last)" in line:
            if index and set(lines[index - 1].strip()) == {"-"}:
                index -= 1
            return "".join(lines[:index])
    return text


def ungraded_note(output: NotebookNode) -> str:
    """One line for the error of an ungraded cell while grading, instead of its traceback."""
    line = _error_line(output)
    stub = _STUB.search(line)
    if stub:
        return tr(
            "Stopped while grading: this cell uses {module}, which is not available while "
            "this assignment is graded. The cell is not graded, so this costs no points.",
            module=stub.group(1) or stub.group(2),
        )
    return tr(
        "This cell stopped while grading with {error}. It is not graded, so this costs "
        "no points by itself (only parts that need something it defines).",
        error=line[:600],
    )


#: nbgrader's note at the start of a test cell it put back (``OverwriteCells``, default text)
MISSING_CELL_NOTE = (
    "This cell (id:{cell_id}) was missing from the submission. It was added back by nbgrader.\n\n"
)


def feedback_words() -> dict[str, str]:
    """The fixed words of the feedback template, in the language :func:`tr` speaks now."""
    return {
        "score": tr("Score"),
        "written_answer": tr("written answer"),
        "code_answer": tr("code answer"),
        "task": tr("task"),
        "test": tr("test"),
        "point": tr("point"),
        "points": tr("points"),
        "comment_on": tr("Comment on"),
        "late_penalty": tr("Late submission penalty"),
        "students_answer": tr("Student's answer"),
        "students_task": tr("Student's task"),
        "grade_cell": tr("Grade cell:"),
        "task_cell": tr("Task:"),
        "top": tr("(Top)"),
        "comments": tr("Comments:"),
    }


class ExplainParts(NbGraderPreprocessor):
    """Name the graded parts, keep the visible tests' hints, shorten ungraded cells' errors.

    Runs after :class:`HideHiddenTests`, so only visible test code is read for hints.
    Titles go into ``cell.metadata.dlfs_feedback.title`` for the template.
    """

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        with language(configured_language(self.config)):
            return self._explain(nb, resources)

    def _explain(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        resources["dlfs_words"] = feedback_words()
        before = None
        for cell in nb.cells:
            self._translate_missing_note(cell)
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") or meta.get("task"):
                cell.metadata["dlfs_feedback"] = {"title": part_title(cell, before)}
            if cell.cell_type == "code":
                if meta.get("grade") and not meta.get("solution"):
                    self._add_hints(cell)
                elif not meta.get("grade") and not meta.get("solution"):
                    self._shorten(cell)
            before = cell
        return nb, resources

    @staticmethod
    def _translate_missing_note(cell: NotebookNode) -> None:
        """nbgrader's note on a test cell it put back, in the students' language."""
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        english = MISSING_CELL_NOTE.format(cell_id=grade_id)
        for prefix in ("# ", ""):
            if cell.source.startswith(prefix + english):
                note = tr(
                    "This cell (id:{cell_id}) was missing from the submission. It was added "
                    "back by nbgrader.\n\n",
                    cell_id=grade_id,
                )
                cell.source = prefix + note + cell.source[len(prefix + english) :]
                return

    @staticmethod
    def _add_hints(cell: NotebookNode) -> None:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors or all(o.get("ename") == NOT_OWN_CODE for o in errors):
            return  # passed, or the code is not the student's own: the hints are about values
        hints = visible_hints(cell.source)
        if not hints:
            return
        items = "".join(f"<li>{html.escape(h)}</li>" for h in hints)
        title = tr("Hints of the visible test")
        how = tr("run it in Jupyter to see which applies")
        markup = f'<div class="dlfs-hint"><b>{title}</b> ({how}):<ul>{items}</ul></div>'
        text = f"{title}:\n" + "\n".join(f"- {h}" for h in hints)
        cell.outputs.append(
            new_output("display_data", data={"text/html": markup, "text/plain": text})
        )

    @staticmethod
    def _shorten(cell: NotebookNode) -> None:
        if not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return
        outputs = []
        for output in cell.outputs:
            if output.get("output_type") == "error":
                note = ungraded_note(output)
                markup = f'<div class="dlfs-not-run">{html.escape(note)}</div>'
                output = new_output("display_data", data={"text/html": markup, "text/plain": note})
            elif output.get("output_type") == "stream":
                # what the cell printed stays; the traceback the sandbox captured with it goes
                output.text = _before_traceback(str(output.get("text", "")))
                if not output.text.strip():
                    continue
            outputs.append(output)
        cell.outputs = outputs


# the HTML: the course's template and a local MathJax ----------------------------------------

TEMPLATES = Path(__file__).resolve().parent / "templates"
_NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions/formgrader/templates"
#: Where ``scripts/fetch-mathjax.sh`` puts the local MathJax 3 (also the book's copy).
MATHJAX_SOURCE = Path(__file__).resolve().parent.parent / "_build" / ".mathjax" / "site" / "mathjax"
#: What a feedback page needs of MathJax: the combined TeX-to-CHTML build and its fonts.
_MATHJAX_FILES = ("tex-chtml.js", "LICENSE", "output/chtml/fonts/woff-v2")


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback HTML exporter with the course's template (``dlfs_feedback``).

    The template extends nbgrader's ``feedback`` template: its summary names every part,
    and its MathJax is the copy in ``mathjax/`` next to the HTML file, never a CDN.
    Configure with ``c.GenerateFeedback.exporter_class``; nbgrader's own configuration of
    ``HTMLExporter`` (its template name) does not apply to this class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_template_basedirs = [str(TEMPLATES), str(_NBGRADER_TEMPLATES)]
        # nbgrader's templates folder itself, for {% extends 'feedback/index.html.j2' %}
        self.extra_template_paths = [*self.extra_template_paths, str(_NBGRADER_TEMPLATES)]
        self.template_name = "dlfs_feedback"
        self.template_paths = self._template_paths()  # computed for the old name at init

    def from_notebook_node(  # type: ignore[override]  # as nbconvert's HTMLExporter
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Render with the template's fixed words in the course's language (``dlfs_words``)."""
        with language(configured_language(self.config)):
            resources = {**(resources or {}), "dlfs_words": feedback_words()}
            return super().from_notebook_node(nb, resources, **kw)


def install_mathjax(folder: Path, source: Path = MATHJAX_SOURCE) -> bool:
    """Put the MathJax a feedback page loads into ``folder/mathjax``; False if none is there.

    Files are hard-linked from ``source`` when the file system allows (a class's feedback
    then costs the space of one copy), copied otherwise.
    """
    if not (source / "tex-chtml.js").is_file():
        return False
    for name in _MATHJAX_FILES:
        origin = source / name
        files = sorted(p for p in origin.rglob("*") if p.is_file()) if origin.is_dir() else [origin]
        for path in files:
            target = folder / "mathjax" / path.relative_to(source)
            if target.is_file() and target.stat().st_size == path.stat().st_size:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
    return True


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
    try:
        file_language(course.root / "nbgrader_config.py")
    except ValueError as err:
        raise CourseError(f"{err} (set it in {course.shared_config})") from None
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
    elif not install_mathjax(html_file.parent):
        result.notes.append(
            "math is shown as LaTeX source: no local MathJax to copy next to it "
            "(run: bash scripts/fetch-mathjax.sh, then the feedback command again)"
        )
    return result
