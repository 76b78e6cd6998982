"""Fixtures for the book tests: the built book, a local HTTP server and headless Chromium.

The book is built once per test session by ``scripts/build-book.sh`` when ``_build/html`` is
missing or older than any of its sources. Set ``DLFS_BOOK_NO_BUILD=1`` to never build: the tests
then use whatever book is there, and skip (saying so) when there is none.
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.colab_notebooks import toc_docnames

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
#: Written by scripts/build-book.sh after a build that passed (no cell error, no warning).
BUILD_OK = BUILD / ".book-ok"
NO_BUILD_ENV = "DLFS_BOOK_NO_BUILD"


def chapter_docnames() -> list[str]:
    return [name for name in toc_docnames() if name.startswith("chapters/")]


def source_of(docname: str) -> Path:
    return ROOT / f"{docname}.md"


def book_sources() -> list[Path]:
    """Files whose change makes the built book stale."""
    files = [ROOT / "_config.yml", ROOT / "_toc.yml"]
    files += [source_of(name) for name in toc_docnames()]
    files += sorted((ROOT / "lib" / "dlfs").rglob("*.py"))
    files += [
        ROOT / "scripts" / n
        for n in (
            "build-book.sh",
            "book-env.sh",
            "fetch-mathjax.sh",
            "check_book_output.py",
            "korean_config.py",
        )
    ]
    files += sorted((ROOT / "scripts" / "book_ext").glob("*.py"))
    files += sorted((ROOT / "_static").glob("*"))
    files += sorted((ROOT / "solutions").glob("*/*.ipynb"))  # the chapters' assignment sections
    files += sorted((ROOT / "locales").rglob("*.po"))  # the Korean edition's catalogs
    files += sorted((ROOT / "scripts" / "book_ext" / "templates").glob("*"))
    return [f for f in files if f.exists()]


def book_is_fresh() -> bool:
    if not (BUILD_OK.exists() and (HTML / "index.html").exists()):
        return False
    built = BUILD_OK.stat().st_mtime
    return all(f.stat().st_mtime <= built for f in book_sources())


#: Pages Sphinx writes besides the ones in _toc.yml (index.html redirects to the root page).
EXTRA_PAGES = ["index", "genindex", "search"]
#: The folder of the Korean edition in the built HTML (the English one is at its root).
KOREAN = "ko"


def korean(page: str) -> str:
    """The Korean edition's page of an English page name: ``ko/chapters/03_loss``."""
    return f"{KOREAN}/{page}"


def english(page: str) -> str:
    """The page name without its edition folder (``ko/intro`` -> ``intro``)."""
    return page.removeprefix(f"{KOREAN}/")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``docname`` over the pages of _toc.yml, ``chapter`` over its chapters and
    ``built_page`` over every HTML page the build writes, in both editions."""
    if "docname" in metafunc.fixturenames:
        metafunc.parametrize("docname", toc_docnames())
    if "chapter" in metafunc.fixturenames:
        metafunc.parametrize("chapter", chapter_docnames())
    if "built_page" in metafunc.fixturenames:
        pages = toc_docnames() + EXTRA_PAGES
        metafunc.parametrize("built_page", pages + [korean(page) for page in pages])


@pytest.fixture(scope="session")
def toc() -> list[str]:
    """The pages of _toc.yml in reading order."""
    return toc_docnames()


@pytest.fixture(scope="session")
def extra_pages() -> list[str]:
    """Pages Sphinx writes besides the ones in _toc.yml."""
    return list(EXTRA_PAGES)


@pytest.fixture(scope="session")
def chapters() -> list[str]:
    """The chapters of _toc.yml in reading order."""
    return chapter_docnames()


def _build_book_if_stale() -> None:
    """Run scripts/build-book.sh unless the built book is fresh; a lock file serialises this
    between pytest-xdist workers."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if book_is_fresh():
                return
            result = subprocess.run(
                ["bash", str(ROOT / "scripts" / "build-book.sh")],
                cwd=ROOT,
                env={**os.environ, "PYTHON": sys.executable},
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                pytest.fail(
                    f"scripts/build-book.sh failed:\n{result.stdout[-6000:]}\n"
                    f"{result.stderr[-6000:]}",
                    pytrace=False,
                )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _building_is_off() -> bool:
    return os.environ.get(NO_BUILD_ENV, "") not in ("", "0")


@pytest.fixture(scope="session")
def book_html() -> Path:
    """The built book's HTML folder, built first if missing or stale."""
    if _building_is_off():
        if not (HTML / "index.html").exists():
            pytest.skip(
                f"{NO_BUILD_ENV} is set and there is no built book in {HTML}: "
                "run scripts/build-book.sh (or unset the variable to build it here)"
            )
        return HTML
    _build_book_if_stale()
    return HTML


@pytest.fixture(scope="session")
def execution_cache() -> Path | None:
    """The book's execution cache (``_build/.jupyter_cache``, what the published pages show),
    built first if stale; None when building is off and there is no cache."""
    if not _building_is_off():
        _build_book_if_stale()
    folder = BUILD / ".jupyter_cache"
    return folder if folder.is_dir() else None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        """Keep the test output clean: no access log."""


@pytest.fixture(scope="session")
def book_url(book_html: Path) -> Iterator[str]:
    """Base URL of the built book, served on 127.0.0.1 from a thread (free port)."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


#: How long a page may take to be ready (math typeset, fonts and images loaded). Chromium and
#: the server share two cores with the other test process, so this is generous.
PAGE_READY_MS = 120_000

#: Polled until true, in whichever document the page shows (it may have been redirected):
#: MathJax has typeset the page, the web fonts are in, every image that is not lazy has loaded,
#: and the page is not a redirect (``index.html`` forwards to ``intro.html``).
_READY_JS = """
() => {
  if (window.__dlfsTypeset === undefined) {
    window.__dlfsTypeset = false;
    const startup = window.MathJax && MathJax.startup;
    const typeset = startup && startup.promise ? startup.promise : Promise.resolve();
    typeset.then(() => { window.__dlfsTypeset = true; });
  }
  return window.__dlfsTypeset === true
    && document.readyState === 'complete'
    && !document.querySelector('meta[http-equiv="refresh" i]')
    && document.fonts.status === 'loaded'
    && [...document.images].every(i => i.complete || i.loading === 'lazy');
}
"""


@pytest.fixture(scope="session")
def settle() -> Callable[[Any], None]:
    """Wait until a loaded page is ready to look at: MathJax has typeset it (and so loaded its
    fonts), the web fonts are in and every image that is not lazy has loaded.

    Not Playwright's "networkidle": on a loaded CI machine it has waited out two minutes on a
    page whose every request had finished, where these conditions hold in a second.
    """

    def wait(page: Any) -> None:
        page.wait_for_function(_READY_JS, timeout=PAGE_READY_MS)

    return wait


@pytest.fixture
def repo_copy(tmp_path: Path) -> Callable[..., Path]:
    """Make a copy of the repository to run a build script in, so that the script never
    rewrites the pages other tests (and other pytest-xdist workers) have open. Virtual
    environments, git data, the built pages and the graded course are left out, and the
    folders of ``_build`` named in ``build_skips``."""

    def copy(build_skips: tuple[str, ...] = ()) -> Path:
        skip = {
            Path("."): {".venv", ".venv-student", ".git", "artifacts", "node_modules"},
            Path("_build"): {"html", "solutions", ".solutions", *build_skips},
            Path("autograder"): {"course"},
        }
        target = tmp_path / "repo"
        shutil.copytree(
            ROOT,
            target,
            symlinks=True,
            ignore=lambda folder, names: (
                skip.get(Path(folder).relative_to(ROOT), set()) & set(names)
            ),
        )
        return target

    return copy


def run_script(copy: Path, script: str) -> str:
    """Run ``scripts/<script>`` in a copy of the repository with this Python; its output.
    Fails the test, with the end of the output, when the script fails."""
    result = subprocess.run(
        ["bash", str(copy / "scripts" / script)],
        cwd=copy,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


@pytest.fixture(name="run_script")
def run_script_fixture() -> Callable[[Path, str], str]:
    """:func:`run_script`, for the tests (a conftest is not imported by name)."""
    return run_script
