"""The assignment notebooks speak Korean first: every Markdown cell of a source (instructions,
questions and the model answers of the written questions) has its Korean text, then the
English original folded away in a ``<details>`` block, so a new cell cannot be English only.
The visible tests speak Korean first too: each message a student sees when one fails, or when
all pass, is Korean with the English after it in brackets."""

from __future__ import annotations

import ast
import re

import pytest
from autograder_helpers import ASSIGNMENTS, source_notebook
from dlfs.i18n import split_bilingual

from autograder.hidden_tests import BEGIN
from autograder.notebooks import nbgrader_meta

ENGLISH = "<details><summary>English</summary>"
HANGUL = re.compile(r"[\uac00-\ud7a3]")

CELLS = {
    f"{assignment}:{cell.get('id')}": cell
    for assignment in ASSIGNMENTS
    for cell in source_notebook(assignment).cells
    if cell.cell_type == "markdown"
}

VISIBLE_TESTS = {
    f"{assignment}:{cell.get('id')}": cell.source.split(BEGIN)[0]
    for assignment in ASSIGNMENTS
    for cell in source_notebook(assignment).cells
    if cell.cell_type == "code"
    and nbgrader_meta(cell).get("grade")
    and not nbgrader_meta(cell).get("solution")
}


def _literal(node: ast.expr | None) -> str | None:
    """The text of a string or f-string literal (fields as ``{}``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _messages(source: str) -> list[str | None]:
    """What a visible test says: its assert messages, the messages of the ``AssertionError``
    it raises (None for one that is not a literal) and the literal strings it prints."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assert):
            found.append(_literal(node.msg))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "AssertionError":
                found += [_literal(arg) for arg in node.args]
            elif node.func.id == "print":
                found += [text for arg in node.args if (text := _literal(arg)) is not None]
    return found


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
    korean, english = split_bilingual(title)
    number = int(assignment.split("_")[0])
    assert korean.startswith(f"과제 {number} — "), title
    assert english.startswith(f"Assignment {number} — "), title


def test_every_assignment_has_visible_tests() -> None:
    assert len(VISIBLE_TESTS) >= 6 * 3, sorted(VISIBLE_TESTS)


@pytest.mark.parametrize("name", VISIBLE_TESTS)
def test_visible_test_messages_are_korean_then_english(name: str) -> None:
    """``assert ok, f"... 220이어야 하는데 {price}입니다 (should be 220, got {price})"``."""
    messages = _messages(VISIBLE_TESTS[name])
    passed = [text for text in messages if text and "공개 테스트 통과" in text]
    assert passed, f"{name}: no success print"
    for text in messages:
        assert text is not None, f"{name}: a message that is not a string literal"
        korean, english = split_bilingual(text)
        assert korean != english, f"{name}: not Korean with the English in brackets: {text!r}"
