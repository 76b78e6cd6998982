"""What the built book shows: no cell writes to stderr, no page shows a build machine's path.

``scripts/check_book_output.py`` makes these checks at the end of every build; here they run
on small pages made on purpose, and on the built book.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.check_book_output import (
    EXTRA_PATHS_ENV,
    ROOT,
    machine_path_pattern,
    machine_paths,
    problems,
    stderr_problems,
)


def cell(outputs: str, tags: tuple[str, ...] = ()) -> str:
    """A code cell as myst-nb renders it: ``div.cell`` with one ``tag_`` class per tag."""
    classes = " ".join(["cell", *(f"tag_{t}" for t in tags), "docutils", "container"])
    return (
        f'<div class="{classes}"><div class="cell_input docutils container"><pre>x</pre></div>'
        f'<div class="cell_output docutils container">{outputs}</div></div>'
    )


STDERR = '<div class="output stderr highlight-myst-ansi notranslate"><pre>Warning: odd</pre></div>'
STDOUT = '<div class="output stream highlight-myst-ansi notranslate"><pre>hello</pre></div>'


def page(tmp_path: Path, *cells: str) -> Path:
    path = tmp_path / "page.html"
    path.write_text(f"<html><body><main>{''.join(cells)}</main></body></html>", "utf-8")
    return path


def test_stderr_output_is_reported(tmp_path: Path) -> None:
    found = stderr_problems(page(tmp_path, cell(STDOUT), cell(STDOUT + STDERR), cell(STDOUT)))
    assert len(found) == 1
    assert "code cell 2" in found[0] and "Warning: odd" in found[0]


@pytest.mark.parametrize("tag", ["stderr-ok", "raises-exception"])
def test_tagged_cells_may_write_to_stderr(tmp_path: Path, tag: str) -> None:
    assert stderr_problems(page(tmp_path, cell(STDERR, tags=("hide-input", tag)))) == []
    assert stderr_problems(page(tmp_path, cell(STDERR, tags=("hide-input",))))


@pytest.mark.parametrize(
    "text",
    [
        "File /root/.cache/x.py",
        "in /home/ann/dlfs/lib",
        "saved to /tmp/abc",
        f"at {ROOT}/chapters",  # wherever the repository is checked out
        f"in {Path.home()}/data",
        "python in .venv/bin",
        "lib/python3.11/site-packages/tqdm/auto.py",
    ],
)
def test_machine_paths_are_found(tmp_path: Path, text: str) -> None:
    page = tmp_path / "page.html"
    page.write_text(f"<p>{text}</p>", encoding="utf-8")
    assert machine_paths(page)


def test_more_machine_paths_can_be_named(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "data in /srv/datasets/mnist"
    assert not machine_path_pattern().search(text)
    monkeypatch.setenv(EXTRA_PATHS_ENV, "/opt/other:/srv/datasets")
    assert machine_path_pattern().search(text)


@pytest.mark.parametrize(
    "text", ["see chapters/05_backprop.html", "https://example.org/homework/", "a work/life"]
)
def test_ordinary_text_is_not_a_machine_path(tmp_path: Path, text: str) -> None:
    page = tmp_path / "page.html"
    page.write_text(f"<p>{text}</p>", encoding="utf-8")
    assert machine_paths(page) == []


def test_built_book_has_no_stderr_and_no_machine_path(book_html: Path) -> None:
    found = problems(book_html.parent)
    assert not found, "\n".join(found[:20])


def test_built_pages_render_cells_as_the_check_expects(book_html: Path) -> None:
    """The stderr check relies on myst-nb's markup: cells as ``div.cell`` with tag classes."""
    text = (book_html / "chapters" / "05_backprop.html").read_text(encoding="utf-8")
    assert 'class="cell ' in text and "tag_remove-input" in text
