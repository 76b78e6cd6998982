"""Check what the built book shows: no cell writes to stderr, no page shows a machine path.

A warning printed under a cell (a ``DeprecationWarning``, tqdm's ``TqdmWarning``, ...) is
written to stderr and usually carries the path of the file that raised it, which is a path on
the build machine. So no page of the built book (``_build/html``) may show stderr output,
except under cells tagged ``raises-exception`` or ``stderr-ok`` (a cell that shows an error or
a warning on purpose), and no published page or download may contain a path of the build
machine. (The pages are checked, not ``_build/jupyter_execute``: myst-nb writes the notebooks
there without outputs when it takes a chapter from its execution cache.)

Usage: ``python scripts/check_book_output.py [BUILD_DIR]`` (default ``_build``); prints every
problem and exits with status 1 when there is one. ``scripts/build-book.sh`` runs it after
each build, so a stray warning fails the build.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

#: Cell tags that allow a cell to write to stderr.
STDERR_TAGS = frozenset({"raises-exception", "stderr-ok"})
#: The repository, whose absolute path is this build machine's own.
ROOT = Path(__file__).resolve().parent.parent
#: The folders that hold home and temporary folders on any Unix machine.
UNIX_ROOTS = ("/root/", "/home/", "/tmp/", "/var/tmp/")
#: Extra path prefixes that must not appear in the book, separated by ``os.pathsep``.
EXTRA_PATHS_ENV = "DLFS_MACHINE_PATHS"


def machine_path_pattern() -> re.Pattern[str]:
    """Pieces of paths that only a build machine has: home and temporary folders, this
    machine's repository, home, temporary folder and Python, the ones named in
    ``DLFS_MACHINE_PATHS``, a virtual environment and installed packages."""
    here = [ROOT, Path.home(), Path(tempfile.gettempdir()), Path(sys.prefix), Path(sys.base_prefix)]
    extra = [Path(p) for p in os.environ.get(EXTRA_PATHS_ENV, "").split(os.pathsep) if p]
    prefixes = set(UNIX_ROOTS)
    for path in here + extra:
        text = str(path.resolve()).rstrip("/")
        if text:  # not the root folder itself
            prefixes.add(text + "/")
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"(?<![\w.-])({alternatives}|\.venv\b|site-packages)")


MACHINE_PATH = machine_path_pattern()
#: Published files that are text and that a reader sees (pages, sources, notebooks, search).
TEXT_SUFFIXES = {".html", ".md", ".ipynb", ".txt", ".js"}
#: Folders of the built HTML that hold third-party files, not pages of this book.
VENDORED = {"_static", "mathjax", "_sphinx_design_static"}
#: Folders of the built HTML that hold another edition of the book (the Korean one).
EDITIONS = {"ko"}


def is_vendored(relative: Path) -> bool:
    """Whether a path relative to the built HTML lies in a third-party folder of an edition."""
    parts = relative.parts[1:] if relative.parts[0] in EDITIONS else relative.parts
    return bool(parts) and parts[0] in VENDORED


class _StderrFinder(HTMLParser):
    """Collects the stderr outputs of a page's cells that no tag allows (myst-nb renders a
    cell as ``div.cell`` with a ``tag_<name>`` class per tag, and stderr as
    ``div.output.stderr``)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.cells: list[tuple[int, bool]] = []  # (depth of the cell's div, stderr allowed)
        self.index = -1
        self.capture: int | None = None
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "div":
            return
        self.depth += 1
        classes = set((dict(attrs).get("class") or "").split())
        if "cell" in classes:
            self.index += 1
            allowed = any(f"tag_{t}" in classes for t in STDERR_TAGS)
            self.cells.append((self.depth, allowed))
        elif {"output", "stderr"} <= classes and self.cells and not self.cells[-1][1]:
            self.found.append((self.index, ""))
            self.capture = self.depth

    def handle_endtag(self, tag: str) -> None:
        if tag != "div":
            return
        if self.capture == self.depth:
            self.capture = None
        if self.cells and self.cells[-1][0] == self.depth:
            self.cells.pop()
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.capture is not None and self.found and len(self.found[-1][1]) < 160:
            index, text = self.found[-1]
            self.found[-1] = (index, (text + data).strip())


def stderr_problems(page: Path, shown: str | None = None) -> list[str]:
    """One line per cell of a built page that shows stderr output without a tag allowing it.

    Parameters
    ----------
    page : Path
        An HTML page of the built book.
    shown : str, optional
        How to name the page in the lines (default: its file name).
    """
    finder = _StderrFinder()
    finder.feed(page.read_text(encoding="utf-8"))
    return [
        f"{shown or page.name}: code cell {index + 1} writes to stderr: "
        f"{text.splitlines()[0][:160]}"
        if text
        else f"{shown or page.name}: code cell {index + 1} writes to stderr"
        for index, text in finder.found
    ]


def machine_paths(path: Path) -> list[str]:
    """The machine paths a published text file contains, with a little context each.

    Parameters
    ----------
    path : Path
        A file of the built book.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    found = []
    for match in MACHINE_PATH.finditer(text):
        start, end = max(match.start() - 40, 0), match.end() + 40
        found.append(text[start:end].replace("\n", " "))
    return found


def published_text_files(html: Path) -> Iterable[Path]:
    """The text files of the built book a reader can open, without vendored folders."""
    for path in sorted(html.rglob("*")):
        relative = path.relative_to(html)
        if path.is_file() and path.suffix in TEXT_SUFFIXES and not is_vendored(relative):
            yield path


def problems(build: Path) -> list[str]:
    """Every stderr output and every machine path of a built book.

    Parameters
    ----------
    build : Path
        The build folder (``_build``), holding ``html/`` (and the Korean edition in
        ``html/ko/``).
    """
    found = []
    html = build / "html"
    for page in sorted(html.rglob("*.html")):
        if not is_vendored(page.relative_to(html)):
            found += stderr_problems(page, str(page.relative_to(html)))
    for path in published_text_files(html):
        for snippet in machine_paths(path):
            found.append(f"{path.relative_to(html)}: a machine path: ...{snippet}...")
    return found


def main(argv: list[str]) -> int:
    build = Path(argv[0]) if argv else Path("_build")
    if not (build / "html").is_dir():
        print(f"check_book_output: no built book in {build / 'html'}", file=sys.stderr)
        return 1
    found = problems(build)
    for line in found:
        print(f"check_book_output: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
