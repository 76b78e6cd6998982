"""Run every chapter under nbval (``pytest --nbval-lax``) in a fresh kernel.

Chapters are MyST Markdown, so each is converted with jupytext to an .ipynb in a temporary
folder. Its outputs are those of the published book (the build's execution cache), so the
cells a chapter tags ``nbval-check-output`` (the numbers its text relies on) must come out
the same on a fresh run as in the book: the chapters are seeded and the book is not stale.
Every other cell must run without error; cells whose output legitimately varies (timings)
are left untagged. With ``DLFS_BOOK_NO_BUILD=1`` and no built book, only the "runs without
error" part is checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupyter_cache import get_cache

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
CHECK_TAG = "nbval-check-output"
#: Whole-chapter limit; the slowest chapter needs well under a minute on 2 cores.
TIMEOUT_S = 600


def _with_book_outputs(nb: nbformat.NotebookNode, cache_dir: Path, chapter: str) -> int:
    """Fill ``nb`` with the outputs the book shows; return how many cells nbval will compare.

    The outputs come from jupyter-cache, keyed by the chapter's code, exactly as myst-nb
    found them when it rendered the pages. (The copies in ``_build/jupyter_execute`` are no
    use here: myst-nb writes them without outputs when it takes a chapter from the cache.)
    """
    cache = get_cache(cache_dir)
    try:
        _, merged = cache.merge_match_into_notebook(nb)
    except KeyError:
        pytest.fail(f"{chapter}: its code matches nothing in {cache_dir}: the book is stale")
    nb.cells = merged.cells
    checked = [
        c for c in nb.cells if c.cell_type == "code" and CHECK_TAG in c.metadata.get("tags", [])
    ]
    silent = [c.source.splitlines()[0] for c in checked if not c.outputs]
    assert not silent, f"{chapter}: cells tagged {CHECK_TAG!r} have no output to compare: {silent}"
    return len(checked)


def test_chapter_passes_nbval(chapter: str, execution_cache: Path | None, tmp_path: Path) -> None:
    nb = jupytext.read(ROOT / f"{chapter}.md")
    if execution_cache is not None:
        checked = _with_book_outputs(nb, execution_cache, chapter)
        assert checked > 0, f"{chapter} tags no cell {CHECK_TAG!r}: nothing would be compared"
    target = tmp_path / f"{Path(chapter).name}.ipynb"
    nbformat.write(nb, target)

    env = {
        **os.environ,
        # The kernel's inline backend, as in the book (the suite exports MPLBACKEND=Agg).
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        # One BLAS thread, as scripts/build-book.sh runs the chapters: float32 sums in one order.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            f"--nbval-sanitize-with={SANITIZE}",
            f"--nbval-cell-timeout={TIMEOUT_S}",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            str(target),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, (
        f"nbval failed on {chapter}:\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}"
    )
