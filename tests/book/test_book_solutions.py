"""The instructors' edition (scripts/build-solutions.sh) and the public book's exclusion of it.

The public book (_config.yml, _toc.yml, _build/html) must never contain the assignments'
solutions or hidden tests; the instructors' edition (instructors/, built into
_build/solutions/html) must contain all six nbgrader source notebooks of solutions/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.solutions_toc import merged_toc

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
INSTRUCTORS = yaml.safe_load((ROOT / "instructors" / "_config.yml").read_text(encoding="utf-8"))
SOURCES = sorted(
    str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "solutions").glob("*/*.ipynb")
)
OUTPUT = ROOT / "_build" / "solutions" / "html"
#: Text that only nbgrader source notebooks hold, and the paths of those notebooks.
SECRET = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|solutions/\d\d_\w+")


def _files(toc: dict) -> list[str]:
    return [toc["root"]] + [
        entry["file"] for part in toc["parts"] for entry in part.get("chapters", [])
    ]


def test_there_are_six_solution_sources() -> None:
    assert len(SOURCES) == 6, SOURCES


def test_public_book_excludes_solutions(toc: list[str]) -> None:
    assert PUBLIC["only_build_toc_files"] is True
    assert {"solutions", "instructors"} <= set(PUBLIC["exclude_patterns"])
    leaked = [name for name in toc if name.startswith(("solutions/", "instructors/"))]
    assert not leaked, f"_toc.yml lists instructor-only pages: {leaked}"


def test_built_public_book_holds_no_solution(book_html: Path) -> None:
    offenders = {}
    for path in book_html.rglob("*"):
        if path.suffix in {".html", ".js", ".md", ".ipynb", ".txt"} and "mathjax" not in str(
            path.relative_to(book_html)
        ):
            found = SECRET.findall(path.read_text(encoding="utf-8", errors="replace"))
            if found:
                offenders[str(path.relative_to(book_html))] = sorted(set(found))[:3]
    assert not offenders, f"solutions reached the public book: {offenders}"


def test_instructors_toc_lists_every_public_page_and_all_six_sources(toc: list[str]) -> None:
    merged = merged_toc(ROOT)
    assert merged["format"] == "jb-book" and merged["root"] == toc[0]
    files = _files(merged)
    assert len(files) == len(set(files)), files
    assert files[: len(toc)] == toc, "the public book's pages come first, in order"
    assert sorted(f for f in files if f.startswith("solutions/")) == SOURCES
    assert "instructors/intro" in files
    for name in files:
        assert (ROOT / f"{name}.md").is_file() or (ROOT / f"{name}.ipynb").is_file(), name


def test_instructors_config_keeps_the_public_offline_settings() -> None:
    public, instructors = PUBLIC["sphinx"]["config"], INSTRUCTORS["sphinx"]["config"]
    # No Colab buttons, and English only: no language switch, no Korean search.
    public_only = {"dlfs_colab", "dlfs_editions", "dlfs_search_ko"}
    assert instructors["extensions"] == [e for e in public["extensions"] if e not in public_only]
    for key in ("html_extra_path", "mathjax_path", "nb_ipywidgets_js", "html_context"):
        assert instructors[key] == public[key], key
    assert INSTRUCTORS["parse"] == PUBLIC["parse"]
    assert "repository" not in INSTRUCTORS
    launch = INSTRUCTORS["launch_buttons"]
    assert not any(launch[k] for k in ("binderhub_url", "colab_url", "jupyterhub_url", "thebe"))
    excluded = set(INSTRUCTORS["exclude_patterns"])
    assert excluded == set(PUBLIC["exclude_patterns"]) - {"solutions", "instructors"}
    assert INSTRUCTORS["only_build_toc_files"] is True
    assert INSTRUCTORS["execute"]["execute_notebooks"] == "cache"
    assert INSTRUCTORS["execute"]["raise_on_error"] is True


def test_build_script_and_run_command() -> None:
    # strict bash and no machine paths: test_book_config.test_build_scripts_are_strict_bash
    script = (ROOT / "scripts" / "build-solutions.sh").read_text(encoding="utf-8")
    assert "--config instructors/_config.yml" in script and "--path-output" in script
    assert "out=_build/solutions/html\n" in script
    # It reads the public book's execution cache and never writes into the public book.
    assert not re.search(r"(rm|cp|mv|>)[^\n]*(?<![/\w])_build/html\b", script)
    assert not re.search(r"(rm|>)[^\n]*_build/\.jupyter_cache\b", script)
    run = (ROOT / "run").read_text(encoding="utf-8")
    case = re.search(r"^  solutions\)\n(.*?)^    ;;", run, re.M | re.S)
    assert case and "bash scripts/build-solutions.sh" in case.group(1)


@pytest.mark.slow
def test_instructors_edition_builds_with_all_six_sources(execution_cache: Path | None) -> None:
    """Build the edition once (chapters come from the public book's cache; the six
    notebooks run with their own solutions, ~15 s) and look at its pages."""
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-solutions.sh")],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert f"{OUTPUT.relative_to(ROOT)}/index.html" in result.stdout
    for name in SOURCES:
        page = (OUTPUT / f"{name}.html").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" in page and "BEGIN HIDDEN TESTS" in page, name
        assert "cell_output" in page, f"{name}: executed, its outputs should show"
    for name in _files(merged_toc(ROOT)):
        assert (OUTPUT / f"{name}.html").is_file(), name
    assert (OUTPUT / "mathjax" / "tex-chtml.js").is_file()
