"""The assignment notebooks speak Korean first: every Markdown cell of a source (instructions,
questions and the model answers of the written questions) has its Korean text, then the
English original folded away in a ``<details>`` block, so a new cell cannot be English only."""

from __future__ import annotations

import re

import pytest
from autograder_helpers import ASSIGNMENTS, source_notebook

from autograder.course import split_title

ENGLISH = "<details><summary>English</summary>"
HANGUL = re.compile(r"[\uac00-\ud7a3]")

CELLS = {
    f"{assignment}:{cell.get('id')}": cell
    for assignment in ASSIGNMENTS
    for cell in source_notebook(assignment).cells
    if cell.cell_type == "markdown"
}


def test_every_assignment_has_instructions() -> None:
    assert len(CELLS) >= 6 * 4, sorted(CELLS)


@pytest.mark.parametrize("name", CELLS)
def test_korean_then_the_english_in_details(name: str) -> None:
    source = CELLS[name].source
    assert source.count(ENGLISH) == 1, f"{name}: no (or several) English blocks"
    korean, english = source.split(ENGLISH)
    assert HANGUL.search(korean), f"{name}: no Korean before the English block"
    assert not HANGUL.search(english), f"{name}: Korean inside the English block"
    # blank lines around the English so that Jupyter, Colab and MyST read it as Markdown
    assert korean.endswith("\n\n") and english.startswith("\n\n"), name
    assert english.rstrip().endswith("\n\n</details>") and source.rstrip().endswith("</details>")
    # a heading inside <details> would open a section of the page in the middle of the block
    assert not [line for line in english.splitlines() if line.startswith("#")], name


@pytest.mark.parametrize("name", CELLS)
def test_the_korean_renders_its_emphasis(name: str) -> None:
    """``**굵게**`` next to Hangul and punctuation is easy to get wrong in CommonMark (``**a.**b``
    is not bold): no asterisks may be left over in the rendered Korean."""
    markdown_it = pytest.importorskip("markdown_it")
    korean = CELLS[name].source.split(ENGLISH)[0]
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(korean)
    text = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "**" not in text, f"{name}: unrendered bold in {text}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_title_is_korean_with_the_english_in_brackets(assignment: str) -> None:
    title = next(
        line[2:]
        for line in source_notebook(assignment).cells[0].source.splitlines()
        if line.startswith("# ")
    )
    korean, english = split_title(title)
    number = int(assignment.split("_")[0])
    assert korean.startswith(f"과제 {number} — "), title
    assert english.startswith(f"Assignment {number} — "), title
