"""What students receive: every assignment opens with "How to check and submit" and a set-up
cell that installs dlfs where it is missing, both made from one template (autograder.howto).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from autograder_helpers import ASSIGNMENTS, source_notebook

from autograder import howto
from autograder.course import REPO, Course
from autograder.notebooks import read_notebook
from scripts.colab_notebooks import install_source, load_config


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_source_opens_with_the_template(assignment: str) -> None:
    nb = source_notebook(assignment)
    assert howto.missing_cells(nb, assignment) == []
    ids = [cell.get("id") for cell in nb.cells[:3]]
    assert ids[1:] == [howto.HOWTO_ID, howto.INSTALL_ID], "the header follows the title cell"
    text = nb.cells[1].source
    for needed in ("Validate", "Restart Kernel and Run All", "stops at the", f"{assignment}.ipynb"):
        assert needed in text, f"the how-to cell of {assignment} does not say {needed!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_student_version_keeps_the_header(generated_course: Course, assignment: str) -> None:
    release = read_notebook(generated_course.release_notebook(assignment))
    assert howto.missing_cells(release, assignment) == []


def test_the_sources_are_up_to_date_with_the_template() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograder.howto", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_a_changed_or_missing_header_is_put_back() -> None:
    nb = source_notebook("03_backprop")
    edited = nbformat.from_dict(nb)
    edited.cells[1].source = "## How to submit\n\nEmail it to me."
    del edited.cells[2]
    assert howto.missing_cells(edited, "03_backprop") == [howto.HOWTO_ID, howto.INSTALL_ID]
    fixed = howto.with_header(edited, "03_backprop")
    assert howto.missing_cells(fixed, "03_backprop") == []
    assert len(fixed.cells) == len(nb.cells)
    assert nbformat.writes(howto.with_header(fixed, "03_backprop")) == nbformat.writes(fixed)


def test_the_install_cell_uses_the_books_source() -> None:
    """One install source for the book's Colab cells and the assignments: _config.yml's."""
    source = install_source(load_config(REPO))
    assert f'source = "{source}"' in howto.install_code()
    assert f'"dlfs @ {source}"' in howto.howto_markdown("03_backprop")


def _run_install_cell(found: bool, tmp_path: Path) -> list[str]:
    """Run the install cell in a fresh Python where dlfs is (not) importable; return the pip
    command it ran, if any (subprocess.run is replaced by a recorder)."""
    log = tmp_path / "calls.txt"
    program = f"""
import importlib.util, subprocess
real = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: (real(name, *a) if {found!r} else None)
subprocess.run = lambda cmd, **kw: open({str(log)!r}, "w").write("\\n".join(cmd))
"""
    program += howto.install_code()
    subprocess.run([sys.executable, "-c", program], check=True, cwd=tmp_path)
    return log.read_text().splitlines() if log.exists() else []


def test_the_install_cell_does_nothing_where_dlfs_is_installed(tmp_path: Path) -> None:
    assert _run_install_cell(True, tmp_path) == []


def test_the_install_cell_installs_dlfs_where_it_is_missing(tmp_path: Path) -> None:
    cmd = _run_install_cell(False, tmp_path)
    assert cmd[1:5] == ["-m", "pip", "install", "-q"]
    assert cmd[-1] == f"dlfs @ {howto.install_source()}"
