"""Write the book's notebook pages as plain .ipynb files, for the Colab launch buttons.

Colab opens ``.ipynb`` files from a GitHub branch, never MyST Markdown. This script converts
every page of ``_toc.yml`` that is a notebook (its jupytext header names a kernel) with
jupytext and writes it, without outputs, to ``OUTDIR/<docname>.ipynb``.
``.github/workflows/book.yml`` pushes OUTDIR to the branch named by ``dlfs_colab_branch`` in
``_config.yml``, and ``scripts/book_ext/dlfs_colab.py`` points each page's Colab button there.

The first code cell of every notebook with code installs dlfs when it runs on Colab (and does
nothing anywhere else). Chapters carry that cell in their source, tagged ``remove-cell`` so
the book hides it; a page with code but without that cell gets it prepended here. Its
``source = "git+..."`` line is set from ``repository.url`` and ``repository.branch`` in
``_config.yml``, so a fork's notebooks install the fork's library.

Usage: ``python scripts/colab_notebooks.py OUTDIR``, or ``--branch`` to print the branch.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]

#: The first code cell of every chapter, as it must read in the chapter's source.
COLAB_CELL = """\
# On Google Colab only: install the course library, dlfs, from GitHub.
import sys

if "google.colab" in sys.modules:
    import subprocess

    source = "git+https://github.com/dlfs-course/dlfs@main"
    cmd = [sys.executable, "-m", "pip", "install", "-q", f"dlfs @ {source}"]
    subprocess.run(cmd, check=True)"""
#: Tag that keeps the cell out of the book.
HIDE_TAG = "remove-cell"
_SOURCE_LINE = re.compile(r'^(    source = )"[^"\n]*"$', re.M)


def load_config(root: Path = ROOT) -> dict:
    """The book's ``_config.yml``."""
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def install_source(config: dict) -> str:
    """pip's VCS URL of the repository the book names, e.g. ``git+https://...@main``."""
    repo = config["repository"]
    return f"git+{repo['url'].rstrip('/')}@{repo.get('branch') or 'main'}"


def colab_branch(config: dict) -> str:
    """The branch the Colab notebooks are published on (``dlfs_colab_branch``).

    The workflow force-pushes to it, so it must be named and differ from the book's branch.
    """
    branch = config["sphinx"]["config"].get("dlfs_colab_branch", "")
    if not branch or branch == config["repository"].get("branch", "main"):
        raise ValueError(
            f"dlfs_colab_branch must name a branch of its own for the generated notebooks, "
            f"not {branch!r} (the book's branch is {config['repository'].get('branch')!r})"
        )
    return branch


def with_source(cell_source: str, source: str) -> str:
    """``cell_source`` (a Colab cell) installing from ``source`` instead."""
    new, count = _SOURCE_LINE.subn(lambda m: f'{m.group(1)}"{source}"', cell_source)
    if count != 1:
        raise ValueError(f"not a Colab install cell (no single 'source = ...' line):\n{new}")
    return new


def is_colab_cell(cell_source: str) -> bool:
    """Whether ``cell_source`` is :data:`COLAB_CELL`, whatever repository it installs."""
    placeholder = "git+REPOSITORY@BRANCH"
    try:
        return with_source(cell_source.strip(), placeholder) == with_source(COLAB_CELL, placeholder)
    except ValueError:
        return False


def toc_docnames(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml`` in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names = [str(toc["root"])]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                names.append(str(entry["file"]).removesuffix(".md").removesuffix(".ipynb"))
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key, []))

    walk(toc.get("parts", []) + toc.get("chapters", []))
    return names


def notebook_pages(root: Path = ROOT) -> list[str]:
    """Docnames of the pages the theme treats as notebooks (their header names a kernel),
    which are the pages that get launch buttons."""
    return [
        name
        for name in toc_docnames(root)
        if "kernelspec" in jupytext.read(root / f"{name}.md").metadata
    ]


def colab_notebook(path: Path, source: str) -> nbformat.NotebookNode:
    """The MyST notebook at ``path`` as a plain notebook whose first code cell installs dlfs
    from ``source``."""
    nb = jupytext.read(path)
    nb.metadata.pop("jupytext", None)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if code and is_colab_cell(code[0].source):
        code[0].source = with_source(code[0].source, source)
    elif code:
        cell = nbformat.v4.new_code_cell(with_source(COLAB_CELL, source))
        cell.metadata["tags"] = [HIDE_TAG]
        nb.cells.insert(0, cell)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the branch diffs only what changed
    return nb


def write_notebooks(outdir: Path, root: Path = ROOT) -> list[Path]:
    """Write every notebook page to ``outdir/<docname>.ipynb`` and a README; return the
    notebooks written."""
    source = install_source(load_config(root))
    written = []
    for name in notebook_pages(root):
        nb = colab_notebook(root / f"{name}.md", source)
        target = outdir / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    commit = os.environ.get("GITHUB_SHA", "")
    (outdir / "README.md").write_text(
        "# Notebooks for Google Colab\n\n"
        "Generated by `scripts/colab_notebooks.py` from the book's MyST Markdown pages"
        + (f" (commit {commit})" if commit else "")
        + ". Do not edit: every deploy of the book replaces this branch. The book's Colab\n"
        "buttons open these notebooks.\n",
        encoding="utf-8",
    )
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, nargs="?", help="folder to write the notebooks into")
    parser.add_argument("--branch", action="store_true", help="print the branch and exit")
    args = parser.parse_args(argv)
    if args.branch:
        print(colab_branch(load_config()))
        return
    if args.outdir is None:
        parser.error("give OUTDIR (or --branch)")
    for path in write_notebooks(args.outdir):
        print(f"[colab] {path}")


if __name__ == "__main__":
    main()
