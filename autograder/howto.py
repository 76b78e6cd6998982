"""The cells every assignment notebook opens with: how to check and submit, and the set-up.

Each source notebook in ``solutions/`` starts with its title cell, then two cells made here
from one template, so the six assignments cannot drift apart:

* a Markdown cell "How to check and submit" (cell id ``how-to-submit``): nbgrader's
  *Validate* button, which lists every failing part; *Restart & Run All*, which stops at the
  first failing test; and which file to upload;
* a code cell (cell id ``install-dlfs``) that installs the course library where it is
  missing (Google Colab, or a Python without the course's set-up) and does nothing
  elsewhere. It is the book's Colab cell (``scripts/colab_notebooks.py``) with a wider
  condition, and installs from the same repository and branch (``_config.yml``).

``nbgrader generate_assignment`` copies both cells into the student versions unchanged.
Run ``python -m autograder.howto`` from the repository root after changing the template (or
``--check`` to only report sources that differ from it).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from autograder.notebooks import read_notebook

__all__ = [
    "HOWTO_ID",
    "INSTALL_ID",
    "howto_markdown",
    "install_code",
    "missing_cells",
    "with_header",
]

REPO = Path(__file__).resolve().parent.parent
HOWTO_ID = "how-to-submit"
INSTALL_ID = "install-dlfs"
#: The heading of the how-to cell; tests look for it in sources and student versions.
HOWTO_HEADING = "## How to check and submit"

_HOWTO = """\
{heading}

**Check your work** (save first, Ctrl+S). Both ways run the whole notebook in a fresh Python,
top to bottom, so they also catch code that worked only thanks to a cell run earlier:

* **Validate** — the *Validate* button in the notebook's toolbar (from nbgrader). It runs
  every cell and lists **every** test that fails, part by part, in a few seconds. Use it
  before you submit.
* **Kernel › Restart Kernel and Run All Cells…** — also runs every cell, but **stops at the
  first cell with an error**: you see the first failing test only, and nothing below it has
  run. Fix that part and run all again, or use *Validate* to see every failing part at once.
  (On Google Colab there is no *Validate*: use *Runtime › Restart session and run all*.)

A passing visible test is a good sign, not the grade: hidden tests check the same parts on
other shapes and seeds.

**Submit** this notebook file itself, **`{filename}`**, on the course site — with its name
unchanged (no `(1)`, no student number added, not zipped, not exported as PDF or HTML). In
JupyterLab, *File › Download* saves a copy. Outputs do not matter: grading runs the notebook
again.

The next cell installs the course library `dlfs` when it is missing (on Colab, or in a Python
without the course's set-up: `pip install "dlfs @ {source}"` does the same); elsewhere it
does nothing."""

_INSTALL = """\
# Set-up: install the course library, dlfs, where it is missing (Google Colab, or a Python
# without the course's set-up). Anywhere else this cell does nothing.
import importlib.util
import sys

if importlib.util.find_spec("dlfs") is None:
    import subprocess

    source = "{source}"
    cmd = [sys.executable, "-m", "pip", "install", "-q", f"dlfs @ {{source}}"]
    subprocess.run(cmd, check=True)
    importlib.invalidate_caches()"""


def install_source(root: Path = REPO) -> str:
    """pip's VCS URL of the course repository (from ``_config.yml``), as the Colab cell uses."""
    from scripts.colab_notebooks import install_source as from_config
    from scripts.colab_notebooks import load_config

    return from_config(load_config(root))


def howto_markdown(assignment: str, source: str | None = None) -> str:
    """The "How to check and submit" cell of ``assignment`` (e.g. ``03_backprop``)."""
    return _HOWTO.format(
        heading=HOWTO_HEADING,
        filename=f"{assignment}.ipynb",
        source=source or install_source(),
    )


def install_code(source: str | None = None) -> str:
    """The set-up cell that installs ``dlfs`` from ``source`` when it is not importable."""
    return _INSTALL.format(source=source or install_source())


def _header_cells(assignment: str, source: str) -> list[NotebookNode]:
    howto = nbformat.v4.new_markdown_cell(howto_markdown(assignment, source))
    howto["id"] = HOWTO_ID
    install = nbformat.v4.new_code_cell(install_code(source))
    install["id"] = INSTALL_ID
    return [howto, install]


def with_header(nb: NotebookNode, assignment: str, source: str | None = None) -> NotebookNode:
    """A copy of ``nb`` whose header cells (after the title cell) are the template's.

    Cells with the header's ids are replaced wherever they are; new ones go right after the
    first cell (the assignment's title and rules).
    """
    source = source or install_source()
    new = copy.deepcopy(nb)
    ours = {HOWTO_ID, INSTALL_ID}
    new.cells = [c for c in new.cells if c.get("id") not in ours]
    new.cells[1:1] = _header_cells(assignment, source)
    return new


def missing_cells(nb: NotebookNode, assignment: str, source: str | None = None) -> list[str]:
    """Which header cells ``nb`` lacks or has changed (empty when it has both, as templated).

    Matching is by content, not by cell id, so it also works on a student version or a
    submission, whose cell ids Jupyter may have changed.
    """
    source = source or install_source()
    texts = {c.source.strip() for c in nb.cells}
    wanted = {
        HOWTO_ID: howto_markdown(assignment, source),
        INSTALL_ID: install_code(source),
    }
    return [name for name, text in wanted.items() if text.strip() not in texts]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report sources that differ")
    args = parser.parse_args(argv)
    stale = []
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        assignment = path.parent.name
        nb = read_notebook(path)
        new = with_header(nb, assignment)
        if nbformat.writes(new) == nbformat.writes(nb):
            continue
        stale.append(path)
        if not args.check:
            nbformat.write(new, str(path))
            print(f"[howto] updated {path.relative_to(REPO)}")
    if args.check and stale:
        for path in stale:
            print(f"[howto] differs from the template: {path.relative_to(REPO)}", file=sys.stderr)
        print("[howto] run: python -m autograder.howto", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
