"""Sphinx extension: a chapter's graded assignment, read from its source notebook.

``{assignment} 03_backprop`` (a MyST directive) reads ``solutions/03_backprop/03_backprop.ipynb``
and writes what the student will be graded on: the assignment's title, a table of its parts
(the notebook's ``## k. ...`` headings, which are Korean with the English in brackets; each
edition shows its own language) with the nbgrader ``grade_id`` and ``points`` of every
graded cell, the total, and a link to download the student version. Nothing is typed twice,
so the book cannot describe an assignment that has changed.

The student version is made here as nbgrader's ``generate_assignment`` makes it by default:
each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region becomes ``# YOUR CODE HERE`` and
``raise NotImplementedError()``, each model answer ``YOUR ANSWER HERE``, each hidden test
region disappears, and outputs are cleared. It is written to ``assignments/<name>.ipynb`` in
the built book. (Instructors still hand out the release of ``./run course generate``; both
come from the same source.)
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlfs.i18n import split_bilingual
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: Folder of the built book that holds the student versions.
DOWNLOAD_FOLDER = "assignments"
_SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
_HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
ANSWER_STUB = "YOUR ANSWER HERE"
#: The directive's own words, per language of the edition being built (Sphinx's ``language``).
WORDS = {
    "en": {
        "summary": ": {total} points in {parts} parts. Code cells are graded automatically by "
        "tests, some of them hidden; written answers are graded by hand.",
        "head": ("Part", "Graded cells (points)", "Points"),
        "total": "Total",
        "by_hand": ", by hand",
        "download": "Download the student version: ",
        "open": " (open it in Jupyter or Colab, fill in every YOUR CODE HERE).",
    },
    "ko": {
        "summary": ": 모두 {total}점, {parts}개 부분입니다. 코드 셀은 테스트(일부는 숨겨진 "
        "테스트)로 자동 채점하고, 서술형 답은 직접 채점합니다.",
        "head": ("부분", "채점 셀 (배점)", "배점"),
        "total": "합계",
        "by_hand": ", 직접 채점",
        "download": "학생용 노트북 내려받기: ",
        "open": " (Jupyter나 Colab에서 열어 YOUR CODE HERE를 모두 채우세요).",
    },
}


@dataclass
class Part:
    """One part of an assignment: its heading and its graded cells ``(grade_id, points,
    by_hand)``."""

    title: str
    graded: list[tuple[str, float, bool]] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(points for _, points, _ in self.graded)


@dataclass
class Assignment:
    """What a source notebook says about its assignment."""

    name: str
    title: str
    parts: list[Part]

    @property
    def points(self) -> float:
        return sum(part.points for part in self.parts)


_LABEL = re.compile(r"^(?:[A-Z]?\d+|[A-Z])\.\s+")


def in_language(heading: str, language: str) -> str:
    """The part of a heading ``Korean (English)`` that an edition in ``language`` shows.

    The notebooks' headings are Korean with the English in brackets:
    ``4. 서술형 문제 — 직접 채점 (Written question, graded by hand)`` is
    ``4. Written question, graded by hand`` in the English edition (the part's number comes
    from the Korean) and ``4. 서술형 문제 — 직접 채점`` in the Korean one. A heading without
    such brackets, such as ``1. `im2col` ``, is the same in both. ``./run course`` reads
    titles with the same :func:`dlfs.i18n.split_bilingual`.
    """
    korean, english = split_bilingual(heading)
    if language == "ko" or korean == english:
        return korean
    label = _LABEL.match(korean)
    if label and not _LABEL.match(english):
        return label.group(0) + english
    return english


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def source_notebook(root: Path, name: str) -> Path:
    """``solutions/<name>/<name>.ipynb`` under ``root``."""
    return root / "solutions" / name / f"{name}.ipynb"


def read_assignment(path: Path) -> Assignment:
    """The title (the ``#`` heading), parts (``##`` headings) and graded cells of a notebook.

    Parameters
    ----------
    path : Path
        An nbgrader source notebook.
    """
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    title, parts = "", []
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# ") and not title:
                    title = line[2:].strip()
                elif line.startswith("## "):
                    parts.append(Part(line[3:].strip()))
        meta = _nbgrader(cell)
        if meta.get("grade"):
            if not parts:
                raise ValueError(f"{path.name}: graded cell {meta.get('grade_id')} before any part")
            by_hand = cell.get("cell_type") == "markdown"
            parts[-1].graded.append((meta["grade_id"], float(meta.get("points", 0)), by_hand))
    if not title:
        raise ValueError(f"{path.name}: no '# ' title")
    return Assignment(path.stem, title, [part for part in parts if part.graded])


def _strip_region(lines: list[str], begin: str, end: str, stub: list[str] | None) -> list[str]:
    out: list[str] = []
    inside = False
    for line in lines:
        if line.strip() == begin:
            inside = True
            if stub is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out += [indent + s for s in stub]
        elif line.strip() == end:
            inside = False
        elif not inside:
            out.append(line)
    return out


def student_version(path: Path) -> dict:
    """The student version of a source notebook: no solution, no hidden test, no output.

    Parameters
    ----------
    path : Path
        An nbgrader source notebook.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    student = copy.deepcopy(nb)
    for cell in student["cells"]:
        meta = _nbgrader(cell)
        if cell.get("cell_type") == "markdown" and meta.get("solution"):
            cell["source"] = ANSWER_STUB
            continue
        if cell.get("cell_type") != "code":
            continue
        lines = _source(cell).splitlines()
        lines = _strip_region(lines, *_SOLUTION, CODE_STUB)
        lines = _strip_region(lines, *_HIDDEN, None)
        cell["source"] = "\n".join(lines).rstrip("\n")
        cell["outputs"], cell["execution_count"] = [], None
    return student


def _points(value: float) -> str:
    return f"{value:g}"


def _inline(text: str) -> list[nodes.Node]:
    """``text`` with its Markdown code spans (`` `im2col` ``) as literal nodes."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unmatched backquote: keep the text as it is
        return [nodes.Text(text)]
    return [
        nodes.literal(text=piece) if i % 2 else nodes.Text(piece)
        for i, piece in enumerate(pieces)
        if piece
    ]


class AssignmentDirective(SphinxDirective):
    """``{assignment} <name>``: parts, points and download link of ``solutions/<name>``."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        root = Path(self.env.app.confdir)
        path = source_notebook(root, name)
        self.env.note_dependency(str(path))
        assignment = read_assignment(path)

        language = (self.env.config.language or "en").split("_")[0]
        words = WORDS.get(language, WORDS["en"])
        intro = nodes.paragraph()
        intro += nodes.strong("", "", *_inline(in_language(assignment.title, language)))
        total = _points(assignment.points)
        intro += nodes.Text(words["summary"].format(total=total, parts=len(assignment.parts)))

        table = nodes.table(classes=["dlfs-assignment"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (40, 45, 15):
            group += nodes.colspec(colwidth=width)

        def row(*cells: nodes.Node | str) -> nodes.row:
            r = nodes.row()
            for content in cells:
                entry = nodes.entry()
                if isinstance(content, nodes.Node):
                    entry += content
                else:
                    entry += nodes.paragraph("", "", *_inline(content))
                r += entry
            return r

        head = nodes.thead()
        head += row(*words["head"])
        group += head
        body = nodes.tbody()
        for part in assignment.parts:
            items = nodes.paragraph()
            for i, (grade_id, points, by_hand) in enumerate(part.graded):
                if i:
                    items += nodes.Text(", ")
                items += nodes.literal(text=grade_id)
                items += nodes.Text(f" ({_points(points)}{words['by_hand'] if by_hand else ''})")
            body += row(in_language(part.title, language), items, _points(part.points))
        body += row(words["total"], "", total)
        group += body

        depth = self.env.docname.count("/")
        link = nodes.paragraph()
        link += nodes.Text(words["download"])
        link += nodes.reference(
            text=f"{name}.ipynb",
            refuri="../" * depth + f"{DOWNLOAD_FOLDER}/{name}.ipynb",
            classes=["dlfs-assignment-download"],
        )
        link += nodes.Text(words["open"])
        # The words come from WORDS in the edition's language and the parts from the notebook:
        # nothing here goes into the translation catalogs (where a changed point would go stale).
        for node in (intro, table, link):
            for element in node.findall(nodes.TextElement):
                element["translatable"] = False
        return [intro, table, link]


def _write_student_versions(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / DOWNLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    root = Path(app.confdir)
    for name in sorted(_all_assignments(root)):
        student = student_version(source_notebook(root, name))
        text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
        (folder / f"{name}.ipynb").write_text(text, encoding="utf-8")


def _all_assignments(root: Path) -> list[str]:
    """Every assignment with a source notebook (a rebuild that reads no chapter again still
    publishes all of them)."""
    return [p.parent.name for p in sorted((root / "solutions").glob("*/*.ipynb"))]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("assignment", AssignmentDirective)
    app.connect("build-finished", _write_student_versions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
