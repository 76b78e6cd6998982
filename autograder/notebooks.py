"""Reading assignment notebooks safely, and the static checks of the nbgrader sources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

__all__ = [
    "MARKERS",
    "NotebookError",
    "grade_ids",
    "hidden_lines",
    "nbgrader_meta",
    "read_notebook",
    "region_lines",
    "source_problems",
    "without_region",
    "strip_outputs",
]

MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "END MARK SCHEME",
)


class NotebookError(ValueError):
    """A file that is not a readable Jupyter notebook; the message says why."""


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook (nbformat 4), with a clear error for anything else.

    Raises
    ------
    NotebookError
        If the file is missing, not UTF-8, not JSON, or not a version-4 notebook.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookError(f"{path.name}: file not found") from None
    except UnicodeDecodeError as err:
        raise NotebookError(f"{path.name}: not a text file ({err.reason})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise NotebookError(
            f"{path.name}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
            "the file is damaged or is not a notebook"
        ) from None
    except RecursionError:
        raise NotebookError(f"{path.name}: JSON nested too deeply to be a notebook") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise NotebookError(f"{path.name}: JSON without a 'cells' list, so not a Jupyter notebook")
    if data.get("nbformat") != 4:
        raise NotebookError(
            f"{path.name}: notebook format {data.get('nbformat')!r}, expected 4 (Jupyter >= 4)"
        )
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several types for bad structure
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise NotebookError(f"{path.name}: not a valid notebook ({first})") from None
    return nb


def nbgrader_meta(cell: NotebookNode) -> dict:
    """The cell's nbgrader metadata, or an empty dict."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_ids(nb: NotebookNode) -> list[str]:
    """The nbgrader grade ids of a notebook's cells, in order."""
    return [m["grade_id"] for c in nb.cells if "grade_id" in (m := nbgrader_meta(c))]


def _marked(source: str, begin: str, end: str) -> Iterator[tuple[str, bool]]:
    """(line, inside) for every line of ``source`` but the ``begin`` and ``end`` marker lines."""
    inside = False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        else:
            yield line, inside


def region_lines(source: str, begin: str, end: str) -> list[str]:
    """Stripped, non-empty lines strictly between ``begin`` and ``end`` marker lines."""
    return [line.strip() for line, inside in _marked(source, begin, end) if inside and line.strip()]


def without_region(source: str, begin: str, end: str) -> str:
    """``source`` without its ``begin`` ... ``end`` regions, markers included (as it was typed)."""
    return "\n".join(line for line, inside in _marked(source, begin, end) if not inside)


def hidden_lines(nb: NotebookNode) -> list[str]:
    """Every line of hidden-test source in a notebook (stripped, non-empty)."""
    lines: list[str] = []
    for cell in nb.cells:
        lines += region_lines(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    return lines


def _problems_in_cell(index: int, cell: NotebookNode) -> list[str]:
    where = f"cell {index} ({nbgrader_meta(cell).get('grade_id', cell.get('id', '?'))})"
    problems = []
    if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
        problems.append(f"{where}: has outputs or an execution count; strip them")
    meta = nbgrader_meta(cell)
    for begin, end in (MARKERS[0:2], MARKERS[2:4]):
        depth = 0
        for line in cell.source.splitlines():
            if begin in line:
                depth += 1
            elif end in line:
                depth -= 1
            if depth not in (0, 1):
                problems.append(f"{where}: unbalanced or nested '{begin}' / '{end}'")
                break
        else:
            if depth:
                problems.append(f"{where}: '{begin}' without '{end}'")
    is_test = meta.get("grade") and not meta.get("solution")
    if "BEGIN HIDDEN TESTS" in cell.source and not is_test:
        problems.append(f"{where}: hidden tests outside an autograder test cell")
    if "BEGIN SOLUTION" in cell.source and not meta.get("solution"):
        problems.append(f"{where}: a solution region in a cell not marked as a solution")
    if is_test and cell.cell_type != "code":
        problems.append(f"{where}: a test cell must be a code cell")
    if is_test and not meta.get("locked"):
        problems.append(f"{where}: a test cell must be read-only (locked)")
    return problems


def source_problems(path: Path) -> list[str]:
    """Problems that would make an nbgrader source notebook unusable or leak answers.

    Checks that the file reads as a notebook, nbgrader's own metadata validation, unique
    grade ids, stripped outputs, balanced solution and hidden-test markers, and that hidden
    tests sit only in read-only test cells. An empty list means the source is fine.
    """
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    try:
        nb = read_notebook(path)
    except NotebookError as err:
        return [str(err)]
    problems = []
    try:
        MetadataValidator().validate_nb(nb)
    except ValidationError as err:
        problems.append(f"nbgrader metadata: {err}")
    ids = grade_ids(nb)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate grade ids: {', '.join(duplicates)}")
    if not any(nbgrader_meta(c).get("grade") for c in nb.cells):
        problems.append("no graded cells")
    for index, cell in enumerate(nb.cells):
        problems += _problems_in_cell(index, cell)
    return problems


@dataclass
class StripResult:
    path: Path
    changed: bool


def strip_outputs(path: Path) -> StripResult:
    """Remove outputs and execution counts in place; keep every cell's metadata."""
    nb = read_notebook(path)
    before = nbformat.writes(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    after = nbformat.writes(nb)
    if after != before:
        nbformat.write(nb, str(path))
    return StripResult(Path(path), after != before)
