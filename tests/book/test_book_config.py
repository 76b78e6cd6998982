"""Checks on the book's sources that need no build: configuration, table of contents, chapters.

The build itself (scripts/build-book.sh) is exercised by test_book_browser.py and
test_book_nbval.py; these tests catch mistakes in seconds and say exactly where they are.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
SPHINX = CONFIG["sphinx"]["config"]

#: Folders that hold instructor-only or non-book material and must never be published.
MUST_EXCLUDE = [
    "solutions",
    "autograder",
    "tests",
    "lib",
    "benchmarks",
    ".venv",
    "node_modules",
    "_build",
]

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_LITERALINCLUDE = re.compile(r"```\{literalinclude\}\s+(\S+)\s*\n((?::\w+:.*\n)*)")
_CODE_CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def front_matter(path: Path) -> dict:
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.relative_to(ROOT)} has no YAML front matter (the jupytext header)"
    return yaml.safe_load(match.group(1))


def code_of(path: Path) -> str:
    return "\n".join(_CODE_CELL.findall(path.read_text(encoding="utf-8")))


def test_only_toc_files_are_built_and_instructor_folders_excluded() -> None:
    assert CONFIG["only_build_toc_files"] is True
    missing = [d for d in MUST_EXCLUDE if d not in CONFIG["exclude_patterns"]]
    assert not missing, f"_config.yml exclude_patterns lacks {missing}"


def test_execution_is_cached_strict_and_time_limited() -> None:
    execute = CONFIG["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["allow_errors"] is False
    assert execute["raise_on_error"] is True
    assert 30 <= execute["timeout"] <= 600, "per-cell timeout should fit the real work"


def test_mathjax_is_local_and_not_under_static() -> None:
    path = SPHINX["mathjax_path"]
    assert "://" not in path and not path.startswith("//"), f"mathjax_path is remote: {path}"
    # mathjax_path is relative to _static/; it must leave it (every .js in _static/ would be
    # injected into every page) and land in a folder published by html_extra_path.
    assert path.startswith("../"), f"mathjax_path {path!r} should point outside _static/"
    extra = SPHINX["html_extra_path"]
    assert len(extra) == 1 and extra[0].startswith("_build/"), "MathJax copy must be git-ignored"
    published = f"{extra[0]}/{path.removeprefix('../')}"  # the file the page will request
    script = (ROOT / "scripts" / "fetch-mathjax.sh").read_text(encoding="utf-8")
    assert f"dest={Path(published).parent}\n" in script, f"fetch-mathjax.sh must write {published}"
    assert f"entry=$dest/{Path(published).name}\n" in script


def test_no_network_features_enabled() -> None:
    assert "sphinx_thebe" not in SPHINX["extensions"]
    assert "sphinx.ext.intersphinx" not in SPHINX["extensions"]
    # Launch buttons are plain links (test_book_launch.py checks where they lead); Thebe would
    # run code through a CDN-loaded client, so it stays off.
    launch = CONFIG["launch_buttons"]
    assert launch["thebe"] is False
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert not launch["jupyterhub_url"] and not launch["deepnote_url"]
    assert SPHINX["nb_ipywidgets_js"] == {}, "ipywidgets would load require.js from a CDN"


def test_toc_lists_existing_chapter_sources(toc: list[str]) -> None:
    assert len(toc) == len(set(toc)), f"duplicate entries in _toc.yml: {toc}"
    missing = [name for name in toc if not (ROOT / f"{name}.md").is_file()]
    assert not missing, f"_toc.yml lists pages without a .md source: {missing}"


def test_chapters_are_text_notebooks_only() -> None:
    """Chapters live in git as MyST Markdown only: no .ipynb copy, no outputs."""
    stray = sorted(p.name for p in (ROOT / "chapters").glob("**/*.ipynb"))
    assert not stray, f"chapters/ must hold no .ipynb (the .md is the only copy): {stray}"


def test_chapter_has_jupytext_header(docname: str) -> None:
    meta = front_matter(ROOT / f"{docname}.md")
    assert meta["kernelspec"]["name"] == "python3"
    assert meta["kernelspec"]["language"] == "python"
    assert meta["jupytext"]["text_representation"]["format_name"] == "myst"


def test_chapter_imports_dlfs_explicitly(chapter: str) -> None:
    code = code_of(ROOT / f"{chapter}.md")
    assert re.search(r"^from dlfs\.\w+ import ", code, re.M), f"{chapter} does not import dlfs"
    for bad, why in [
        (r"sys\.path", "no sys.path tricks"),
        (r"import \*", "no star imports"),
        (r"np\.random\.(seed|rand|randn|randint|choice|normal|permutation)\(", "use a Generator"),
    ]:
        assert not re.search(bad, code), f"{chapter}: {why} (found /{bad}/)"
    assert "np.random.default_rng(" in code, f"{chapter}: seed an explicit np.random.Generator"


def _defined_names(module: Path) -> set[str]:
    """Dotted names a literalinclude ``:pyobject:`` can refer to in ``module``."""
    names: set[str] = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names.update(
                    f"{node.name}.{item.name}"
                    for item in node.body
                    if isinstance(item, (ast.FunctionDef, ast.ClassDef))
                )
    return names


def test_chapter_shows_real_library_code(chapter: str) -> None:
    """Library code is included from lib/dlfs (literalinclude), never retyped."""
    source = ROOT / f"{chapter}.md"
    includes = _LITERALINCLUDE.findall(source.read_text(encoding="utf-8"))
    assert includes, f"{chapter} includes no library code with literalinclude"
    for target, options in includes:
        path = (source.parent / target).resolve()
        assert path.is_relative_to(ROOT / "lib" / "dlfs"), f"{chapter}: {target} is not in dlfs"
        assert path.is_file(), f"{chapter}: literalinclude of missing file {target}"
        for obj in re.findall(r":pyobject:\s*(\S+)", options):
            assert obj in _defined_names(path), f"{chapter}: {target} defines no {obj}"


def test_chapter_ends_with_exercises_and_answered_questions(chapter: str) -> None:
    text = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    assert re.search(r"^## Exercises", text, re.M), f"{chapter} has no '## Exercises' section"
    # chapters 3 to 8 end with their assignment's table (the {assignment} directive), the
    # first two point ahead to assignment 1
    assert re.search(r"Assignment \d+: |^```\{assignment\} ", text, re.M), (
        f"{chapter} names no assignment"
    )
    questions = re.search(r"^## Questions to think about\n(.*)", text, re.M | re.S)
    assert questions, f"{chapter} has no '## Questions to think about' section"
    assert re.search(r":class: dropdown|\{toggle\}", questions.group(1)), (
        f"{chapter}: answers to the questions must sit in a collapsible block"
    )


@pytest.mark.parametrize("script", ["build-book.sh", "build-solutions.sh", "fetch-mathjax.sh"])
def test_build_scripts_are_strict_bash(script: str) -> None:
    text = (ROOT / "scripts" / script).read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    # no machine-specific paths: neither this checkout's location nor a home directory
    assert str(ROOT) not in text and str(Path.home()) not in text
