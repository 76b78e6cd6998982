"""Launch buttons (Binder, Colab) and download buttons of the book's pages.

The configuration tests need no build. The page tests read the built HTML: every notebook
page must offer Binder and Colab links that point at files which exist (the page's ``.md``
in this repository for Binder; for Colab, the ``.ipynb`` that the Pages workflow publishes,
written here by the same script into a temporary folder), and a download menu whose links
resolve to files inside ``_build/html``. The Colab install cell of each chapter must be in
its source and absent from its page.
"""

from __future__ import annotations

import json
import re
import stat
import sys
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urljoin, urlsplit

import jupytext
import pytest
import yaml

# scripts/ is a namespace package here: pytest puts the repository root on sys.path
from scripts import colab_notebooks
from scripts.book_ext import dlfs_colab

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
BINDER_HOST = "mybinder.org"
COLAB_HOST = "colab.research.google.com"
#: Where Binder opens a file, by the theme's notebook_interface setting.
BINDER_UI = {"classic": "tree", "jupyterlab": "lab/tree"}


NOTEBOOK_PAGES = colab_notebooks.notebook_pages(ROOT)
REPO_URL = urlsplit(CONFIG["repository"]["url"])
ORG, REPO = PurePosixPath(REPO_URL.path).parts[1:3]
BRANCH = CONFIG["repository"]["branch"]
COLAB_BRANCH = colab_notebooks.colab_branch(CONFIG)


class _Dropdowns(HTMLParser):
    """The ``href`` of every link inside each header dropdown of a page, by dropdown name
    (``launch-buttons``, ``download-buttons``)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, list[str]] = {}
        self._current: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            if self._current:
                self._depth += 1
            else:
                match = re.search(r"\bdropdown-([\w-]+)", dict(attrs).get("class") or "")
                if match:
                    self._current, self._depth = match.group(1), 0
                    self.links[self._current] = []
        elif tag == "a" and self._current:
            self.links[self._current].append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._current:
            if self._depth == 0:
                self._current = None
            else:
                self._depth -= 1


def dropdown_links(page: Path) -> dict[str, list[str]]:
    parser = _Dropdowns()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


@pytest.fixture(scope="session")
def published_notebooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the Pages workflow pushes to the Colab branch, written by the same script."""
    out = tmp_path_factory.mktemp("colab")
    colab_notebooks.write_notebooks(out, ROOT)
    return out


# --- configuration ---------------------------------------------------------------------------


def test_theme_receives_repository_and_launch_settings() -> None:
    """jupyter-book validates _config.yml and hands the theme the keys it reads."""
    from jupyter_book.config import get_final_config, validate_yaml

    validate_yaml(CONFIG, raise_on_errors=True)
    sphinx_config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml",
        cli_config={"latex_individualpages": False},
        sourcedir=ROOT,
    )
    theme = sphinx_config["html_theme_options"]
    assert theme["repository_url"] == CONFIG["repository"]["url"]
    assert theme["repository_branch"] == BRANCH == "main"
    assert theme["path_to_docs"] == ""
    launch = theme["launch_buttons"]
    assert launch["binderhub_url"] == f"https://{BINDER_HOST}"
    assert launch["colab_url"] == f"https://{COLAB_HOST}"
    assert launch["notebook_interface"] in BINDER_UI
    assert launch["thebe"] is False, "Thebe would load its code from a CDN"
    assert not launch.get("jupyterhub_url") and not launch.get("deepnote_url")
    assert theme["use_download_button"] is True
    assert "dlfs_colab" in sphinx_config["extensions"]
    assert "sphinx_thebe" not in sphinx_config["extensions"]
    assert sphinx_config["dlfs_colab_branch"] == COLAB_BRANCH


def test_repository_is_configured_in_one_place() -> None:
    assert REPO_URL.scheme == "https" and REPO_URL.hostname == "github.com"
    assert (ORG, REPO) == ("dlfs-course", "dlfs")
    folder = CONFIG["sphinx"]["local_extensions"]["dlfs_colab"]
    assert (ROOT / folder / "dlfs_colab.py").is_file()
    # Nothing but _config.yml names the Colab branch: the workflow asks the script for it.
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8")
    assert "scripts/colab_notebooks.py --branch" in workflow
    assert "BRANCH: ${{ needs.build.outputs.colab_branch }}" in workflow
    assert not re.search(rf"(heads/|BRANCH: |switch --orphan ){COLAB_BRANCH}\b", workflow)


@pytest.mark.parametrize(
    ("repository", "path_to_docs", "expected"),
    [
        ("https://github.com/o/r", "", "https://c.test/github/o/r/blob/nb/ch/p.ipynb"),
        ("https://github.com/o/r/", "/book/", "https://c.test/github/o/r/blob/nb/book/ch/p.ipynb"),
    ],
)
def test_colab_url_of_extension(repository: str, path_to_docs: str, expected: str) -> None:
    url = dlfs_colab.colab_notebook_url("https://c.test/", repository, "nb", path_to_docs, "ch/p")
    assert url == expected


def test_colab_url_needs_github() -> None:
    with pytest.raises(ValueError, match="GitHub only"):
        dlfs_colab.colab_notebook_url("https://c.test", "https://gitlab.com/o/r", "nb", "", "p")


def test_colab_branch_is_never_the_book_branch() -> None:
    config = {**CONFIG, "sphinx": {"config": {"dlfs_colab_branch": BRANCH}}}
    with pytest.raises(ValueError, match="branch of its own"):
        colab_notebooks.colab_branch(config)


def test_binder_environment_installs_dlfs_and_jupytext() -> None:
    lines = [
        line.split("#", 1)[0].strip()
        for line in (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    assert "." in lines, "binder/requirements.txt must install this repository (dlfs)"
    assert any(re.match(r"jupytext\b", line) for line in lines)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for dependency in ("numpy", "matplotlib", "tqdm"):
        assert f'"{dependency}' in pyproject, f"dlfs should depend on {dependency}"
    apt = (ROOT / "binder" / "apt.txt").read_text(encoding="utf-8").split()
    assert "fonts-nanum" in apt, "Korean plot labels need a Hangul font"
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.(1[0-9])", runtime), runtime


def test_binder_postbuild_opens_markdown_as_notebooks() -> None:
    post = ROOT / "binder" / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR, "repo2docker runs postBuild only if executable"
    text = post.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    match = re.search(r"^jupytext-config set-default-viewer (.+)$", text, re.M)
    assert match and {"markdown", "myst"} <= set(match.group(1).split())
    assert "load_fashion_mnist()" in text


def test_chapter_starts_with_hidden_colab_install_cell(chapter: str) -> None:
    nb = jupytext.read(ROOT / f"{chapter}.md")
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert colab_notebooks.is_colab_cell(first.source), (
        f"{chapter}: the first code cell must be the Colab install cell of "
        f"scripts/colab_notebooks.py (COLAB_CELL), found:\n{first.source}"
    )
    assert "remove-cell" in first.metadata.get("tags", []), f"{chapter}: tag it remove-cell"
    github = r'source = "git\+https://github\.com/[\w.-]+/[\w.-]+@[\w./-]+"'
    assert re.search(github, first.source), f"{chapter}: install dlfs from a GitHub repository"


def test_colab_cell_does_nothing_outside_colab() -> None:
    """Run the cell here (no google.colab module): it must neither fail nor install."""
    assert "google.colab" not in sys.modules
    namespace: dict = {}
    exec(colab_notebooks.COLAB_CELL, namespace)
    assert "subprocess" not in namespace and "cmd" not in namespace


def test_published_notebooks_install_the_configured_repository(
    published_notebooks: Path,
) -> None:
    import nbformat

    expected = f"git+{CONFIG['repository']['url']}@{BRANCH}"
    assert colab_notebooks.install_source(CONFIG) == expected
    written = sorted(
        str(p.relative_to(published_notebooks).with_suffix(""))
        for p in published_notebooks.rglob("*.ipynb")
    )
    assert written == sorted(NOTEBOOK_PAGES)
    for name in NOTEBOOK_PAGES:
        nb = nbformat.read(published_notebooks / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert "jupytext" not in nb.metadata and nb.metadata["kernelspec"]["name"] == "python3"
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        assert not any(cell.outputs for cell in code), f"{name}: notebooks ship no outputs"
        if code:
            assert colab_notebooks.is_colab_cell(code[0].source), name
            assert f'source = "{expected}"' in code[0].source, name
    assert (published_notebooks / "README.md").is_file()


# --- the built pages -------------------------------------------------------------------------


def test_every_notebook_page_is_in_the_book(toc: list[str]) -> None:
    assert set(NOTEBOOK_PAGES) <= set(toc)
    assert {name for name in toc if name.startswith("chapters/")} <= set(NOTEBOOK_PAGES)


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_page_has_binder_and_colab_links(
    book_html: Path, published_notebooks: Path, page: str
) -> None:
    launch = dropdown_links(book_html / f"{page}.html").get("launch-buttons", [])
    by_host = {urlsplit(href).hostname: urlsplit(href) for href in launch}
    assert set(by_host) == {BINDER_HOST, COLAB_HOST}, f"{page}: launch links {launch}"

    binder = by_host[BINDER_HOST]
    assert binder.scheme == "https"
    assert binder.path == f"/v2/gh/{ORG}/{REPO}/{BRANCH}", binder.geturl()
    ui = BINDER_UI[CONFIG["launch_buttons"]["notebook_interface"]]
    assert parse_qs(binder.query) == {"urlpath": [f"{ui}/{page}.md"]}, binder.geturl()
    assert (ROOT / f"{page}.md").is_file(), f"Binder would open a missing {page}.md"

    colab = by_host[COLAB_HOST]
    assert colab.scheme == "https" and not colab.query
    prefix = f"/github/{ORG}/{REPO}/blob/{COLAB_BRANCH}/"
    assert colab.path == f"{prefix}{page}.ipynb", colab.geturl()
    assert (published_notebooks / f"{page}.ipynb").is_file(), (
        f"the Colab branch would have no {page}.ipynb"
    )


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_colab_install_cell_is_hidden_in_the_book(book_html: Path, page: str) -> None:
    html = (book_html / f"{page}.html").read_text(encoding="utf-8")
    assert "google.colab" not in html, f"{page}: the Colab install cell shows on the page"
    assert "install the course library" not in html


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_download_menu_offers_files_of_the_build(book_html: Path, page: str) -> None:
    html_file = book_html / f"{page}.html"
    links = dropdown_links(html_file).get("download-buttons", [])
    files = [href for href in links if href]
    suffixes = sorted(Path(href).suffix for href in files)
    assert suffixes == [".ipynb", ".md"], f"{page}: download links {links}"
    base = f"file://{html_file.parent.as_posix()}/"
    for href in files:
        assert not urlsplit(href).scheme, f"{page}: {href} is not a file of the book"
        target = Path(urlsplit(urljoin(base, href)).path)
        assert target.is_relative_to(book_html) and target.is_file(), f"{page}: {href}"
    notebook = book_html / "_sources" / f"{page}.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    if page.startswith("chapters/"):
        # Uploaded to Colab by hand, the downloaded notebook installs dlfs too.
        assert colab_notebooks.is_colab_cell("".join(code[0]["source"])), page


def test_launch_icons_are_local(book_html: Path) -> None:
    for icon in ("logo_binder.svg", "logo_colab.png"):
        assert (book_html / "_static" / "images" / icon).is_file(), icon
    assert not any("thebe" in p.name for p in (book_html / "_static").rglob("*")), "Thebe"
