"""Every object a chapter shows with ``literalinclude`` and ``:pyobject:`` exists and fits a screen.

A shown object is what a student reads and then writes: at most ``MAX_LINES`` lines with its
docstring. A class that grows longer is shown one method at a time (``:pyobject:
Class.method``). The test reads the chapters' sources, so it needs no book build.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 60

DIRECTIVE = re.compile(
    r"^```\{literalinclude\}\s+(?P<path>\S+)\s*\n(?P<options>(?::[^\n]*\n)*)", re.M
)


def shown_objects() -> list[tuple[str, Path, str]]:
    """(chapter file name, source path, dotted object name) of every ``:pyobject:`` listing."""
    found = []
    for chapter in sorted((ROOT / "chapters").glob("*.md")):
        for match in DIRECTIVE.finditer(chapter.read_text(encoding="utf-8")):
            options = dict(re.findall(r"^:(\S+):\s*(.*?)\s*$", match["options"], re.M))
            if "pyobject" in options:
                source = (chapter.parent / match["path"]).resolve()
                found.append((chapter.name, source, options["pyobject"]))
    return found


def find_object(tree: ast.Module, dotted: str) -> ast.AST | None:
    """The class or function ``dotted`` (``Class.method`` for a method) in ``tree``."""
    node: ast.AST = tree
    for part in dotted.split("."):
        children = [
            child
            for child in ast.iter_child_nodes(node)
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and child.name == part
        ]
        if not children:
            return None
        node = children[0]
    return node


SHOWN = shown_objects()


def test_the_chapters_show_library_code() -> None:
    # the pattern must keep finding the listings, or the size test below checks nothing
    assert len(SHOWN) >= 20
    assert any(name == "Convolution" for _, _, name in SHOWN)


@pytest.mark.parametrize(("page", "source", "name"), SHOWN, ids=[f"{c}:{n}" for c, _, n in SHOWN])
def test_shown_object_exists_and_fits_one_screen(page: str, source: Path, name: str) -> None:
    assert source.is_file(), f"{page} includes {source}, which does not exist"
    node = find_object(ast.parse(source.read_text(encoding="utf-8")), name)
    assert node is not None, f"{page} shows {name}, which {source.name} does not define"
    assert isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    assert node.end_lineno is not None
    lines = node.end_lineno - first + 1
    assert lines <= MAX_LINES, (
        f"{page} shows {name} ({source.name}), {lines} lines long; a listing is at most "
        f"{MAX_LINES} lines with its docstring. Shorten it, move speed-ups to a twin the book "
        f"does not show, or show its methods one at a time (:pyobject: {name}.method)."
    )


@pytest.mark.parametrize(("page", "source", "name"), SHOWN, ids=[f"{c}:{n}" for c, _, n in SHOWN])
def test_shown_object_checks_its_arguments_in_one_place(page: str, source: Path, name: str) -> None:
    """A listing is the algorithm: its argument checks are one call at the top (a helper of
    ``dlfs._checks``), or at most one ``raise``, not a run of ``if ...: raise`` blocks."""
    node = find_object(ast.parse(source.read_text(encoding="utf-8")), name)
    assert node is not None
    raises = [r.lineno for r in ast.walk(node) if isinstance(r, ast.Raise)]
    assert len(raises) <= 1, (
        f"{page} shows {name} ({source.name}) with {len(raises)} raise statements (lines "
        f"{raises}); move its checks into one call of a helper in dlfs/_checks.py"
    )
