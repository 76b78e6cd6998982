"""Each chapter ends with its assignment's parts and points, generated from the source notebook.

The ``{assignment}`` directive (``scripts/book_ext/dlfs_assignments.py``) reads the nbgrader
source in ``solutions/``; these tests read the same notebooks through the autograder's own
readers and compare, check that the student version it publishes gives nothing away, and
look at the built pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dlfs.i18n import split_bilingual

from autograder.notebooks import MARKERS, nbgrader_meta, read_notebook
from autograder.release import secret_lines
from scripts.book_ext.dlfs_assignments import (
    ANSWER_STUB,
    DOWNLOAD_FOLDER,
    in_language,
    read_assignment,
    source_notebook,
    student_version,
)

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb"))
_DIRECTIVE = re.compile(r"^```\{assignment\} (\S+)\n```\s*$", re.M)


def chapter_assignments() -> dict[str, str]:
    """Chapter docname -> the assignment its ``{assignment}`` directive names."""
    found = {}
    for path in sorted((ROOT / "chapters").glob("*.md")):
        names = _DIRECTIVE.findall(path.read_text(encoding="utf-8"))
        assert len(names) <= 1, f"{path.name} names several assignments: {names}"
        if names:
            found[f"chapters/{path.stem}"] = names[0]
    return found


def test_every_assignment_ends_a_chapter_in_order() -> None:
    found = chapter_assignments()
    assert sorted(found.values()) == ASSIGNMENTS, found
    assert list(found.values()) == ASSIGNMENTS, "chapters and assignments in the same order"
    for chapter in found:
        text = (ROOT / f"{chapter}.md").read_text(encoding="utf-8").rstrip()
        last = [line for line in text.splitlines() if line.startswith("## ")][-1]
        assert last == "## The graded assignment", f"{chapter}: ends with {last!r}"
        assert text.endswith("```"), f"{chapter}: the assignment is not the last thing"
        assert "Then do **Assignment" not in text, f"{chapter}: a hand-written description left"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_parts_and_points_match_the_source(name: str) -> None:
    path = source_notebook(ROOT, name)
    assignment = read_assignment(path)
    nb = read_notebook(path)
    graded = {
        m["grade_id"]: float(m["points"]) for c in nb.cells if (m := nbgrader_meta(c)).get("grade")
    }
    listed = {gid: pts for part in assignment.parts for gid, pts, _ in part.graded}
    assert listed == graded
    assert assignment.points == sum(graded.values())
    # each graded cell sits in the part whose "## " heading comes last before it
    part_of, heading = {}, None
    for c in nb.cells:
        if c.cell_type == "markdown":
            heading = next(
                (line[3:].strip() for line in c.source.splitlines() if line.startswith("## ")),
                heading,
            )
        if nbgrader_meta(c).get("grade"):
            part_of[nbgrader_meta(c)["grade_id"]] = heading
    assert {gid: p.title for p in assignment.parts for gid, _, _ in p.graded} == part_of
    # headings are Korean, with the English in brackets; each edition shows its own
    assert in_language(assignment.title, "ko").startswith("과제 ")
    assert in_language(assignment.title, "en").startswith("Assignment ")
    by_hand = [gid for p in assignment.parts for gid, _, hand in p.graded if hand]
    written = [
        m["grade_id"]
        for c in nb.cells
        if c.cell_type == "markdown" and (m := nbgrader_meta(c)).get("grade")
    ]
    assert by_hand == written


@pytest.mark.parametrize(
    ("heading", "english", "korean"),
    [
        (
            "과제 3 — 계층별 오차역전파 (Assignment 3 — Backpropagation layers)",
            "Assignment 3 — Backpropagation layers",
            "과제 3 — 계층별 오차역전파",
        ),
        (
            "3. Affine 계층 — 완전연결 계층 (The Affine (fully connected) layer)",
            "3. The Affine (fully connected) layer",
            "3. Affine 계층 — 완전연결 계층",
        ),
        ("A1. SGD와 모멘텀 (SGD and Momentum)", "A1. SGD and Momentum", "A1. SGD와 모멘텀"),
        ("1. `im2col`", "1. `im2col`", "1. `im2col`"),
        ("Written question (graded by hand)", *["Written question (graded by hand)"] * 2),
    ],
)
def test_each_edition_shows_its_language_of_a_heading(
    heading: str, english: str, korean: str
) -> None:
    assert in_language(heading, "en") == english
    assert in_language(heading, "ko") == korean


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_book_and_the_grader_split_headings_alike(name: str) -> None:
    """``./run course`` (dlfs.i18n.split_bilingual) reads the same two titles as the book."""
    assignment = read_assignment(source_notebook(ROOT, name))
    for heading in [assignment.title, *(part.title for part in assignment.parts)]:
        korean, english = split_bilingual(heading)
        assert in_language(heading, "ko") == korean
        assert in_language(heading, "en").endswith(english)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_version_gives_nothing_away(name: str) -> None:
    path = source_notebook(ROOT, name)
    student = student_version(path)
    text = "\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in student["cells"]
    )
    shown = {line.strip() for line in text.splitlines()}
    leaked = sorted(secret_lines(path) & shown)  # the check `./run course generate` makes
    assert not leaked, f"{name}: the student version shows {leaked[:5]}"
    assert not [m for m in MARKERS if m in text]
    assert "raise NotImplementedError()" in text
    graded_ids = [
        nbgrader_meta(c)["grade_id"]
        for c in read_notebook(path).cells
        if nbgrader_meta(c).get("grade_id")
    ]
    assert [
        c["metadata"]["nbgrader"]["grade_id"]
        for c in student["cells"]
        if "nbgrader" in c["metadata"]
    ] == graded_ids
    answers = [
        c
        for c in student["cells"]
        if c["cell_type"] == "markdown" and c["metadata"].get("nbgrader", {}).get("solution")
    ]
    assert all(c["source"] == ANSWER_STUB for c in answers)


def test_chapter_pages_show_the_assignment_and_its_download(book_html: Path) -> None:
    for chapter, name in chapter_assignments().items():
        html = (book_html / f"{chapter}.html").read_text(encoding="utf-8")
        assignment = read_assignment(source_notebook(ROOT, name))
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))  # what the reader sees
        assert in_language(assignment.title, "en").replace("`", "") in text, chapter
        assert in_language(assignment.title, "ko") not in text, chapter
        for part in assignment.parts:
            title = in_language(part.title, "en")
            # a Markdown code span in a part's heading shows as code, not as backquotes
            assert title.replace("`", "") in text, (chapter, title)
            table = html[html.index("dlfs-assignment") :]
            table = table[: table.index("</table>")]
            for code in title.split("`")[1::2]:
                assert f"`{code}`" not in table, (chapter, title)
                assert f'<span class="pre">{code}</span>' in table, (chapter, title)
            for grade_id, _, _ in part.graded:
                assert f"{grade_id}</span>" in html, (chapter, grade_id)
        assert f"{assignment.points:g} points in {len(assignment.parts)} parts" in html
        # the Korean edition shows the Korean title and part names
        korean = (book_html / "ko" / f"{chapter}.html").read_text(encoding="utf-8")
        korean = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", korean))
        for heading in [assignment.title, *(part.title for part in assignment.parts)]:
            assert in_language(heading, "ko").replace("`", "") in korean, (chapter, heading)
        href = f'href="../{DOWNLOAD_FOLDER}/{name}.ipynb"'
        assert href in html, f"{chapter}: no link to the student version"
        download = book_html / DOWNLOAD_FOLDER / f"{name}.ipynb"
        assert json.loads(download.read_text(encoding="utf-8")) == student_version(
            source_notebook(ROOT, name)
        )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_version_is_what_nbgrader_makes(name: str) -> None:
    """Cell for cell, the published student version has the sources nbgrader's own
    preprocessors give (the ones ``generate_assignment`` runs to blank a release)."""
    nbformat = pytest.importorskip("nbformat")
    preprocessors = pytest.importorskip("nbgrader.preprocessors")
    path = source_notebook(ROOT, name)
    nb = nbformat.read(path, as_version=4)
    for step in (preprocessors.ClearSolutions(), preprocessors.ClearHiddenTests()):
        nb, _ = step.preprocess(nb, {})
    ours = student_version(path)["cells"]
    assert len(ours) == len(nb.cells)
    for theirs, mine in zip(nb.cells, ours, strict=True):
        source = mine["source"] if isinstance(mine["source"], str) else "".join(mine["source"])
        assert source.rstrip() == theirs.source.rstrip()
