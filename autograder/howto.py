"""The cells every assignment notebook opens with: how to check and submit, and the set-up.

Each source notebook in ``solutions/`` starts with its title cell, then two cells made here
from one template, so the six assignments cannot drift apart:

* a Markdown cell "확인과 제출 방법 (How to check and submit)" (cell id ``how-to-submit``):
  nbgrader's *Validate* button, which lists every failing part; *Restart & Run All*, which
  stops at the first failing test; and which file to upload. Like every Markdown cell of the
  assignments it is Korean first, with the English original in a ``<details>`` block;
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
HOWTO_HEADING = "## 확인과 제출 방법 (How to check and submit)"

_HOWTO = """\
{heading}

**작업 확인하기** (먼저 Ctrl+S로 저장하세요). 아래 두 방법 모두 새 Python에서 노트북 전체를 위에서
아래로 실행하므로, 앞서 실행한 셀 덕분에 우연히 돌아가던 코드도 잡아냅니다.

* **Validate** — 노트북 도구 모음에 있는 *Validate* 버튼(nbgrader가 제공합니다)입니다. 모든 셀을
  실행하고, 실패한 테스트를 부분별로 **모두** 몇 초 안에 보여 줍니다. 제출하기 전에 사용하세요.
* **Kernel › Restart Kernel and Run All Cells…** — 역시 모든 셀을 실행하지만, **오류가 난 첫
  셀에서 멈춥니다**. 처음 실패한 테스트만 보이고, 그 아래 셀은 실행되지 않습니다. 그 부분을 고친
  뒤 다시 모두 실행하거나, *Validate*로 실패한 부분을 한꺼번에 확인하세요. (Google Colab에는
  *Validate*가 없습니다. *Runtime › Restart session and run all*을 사용하세요.)

보이는 테스트를 통과했다면 좋은 신호이지만, 그것이 점수는 아닙니다. 숨겨진 테스트가 같은 부분을
다른 형상과 시드로 다시 확인합니다.

**제출**: 이 노트북 파일 **`{filename}`** 자체를 강의 사이트에 올리세요. 파일 이름은 바꾸지
마세요(`(1)`이나 학번을 붙이지 말고, 압축하거나 PDF·HTML로 내보내지도 마세요). JupyterLab에서는
*File › Download*로 사본을 저장할 수 있습니다. 출력은 상관없습니다. 채점할 때 노트북을 다시
실행합니다.

다음 셀은 강의 라이브러리 `dlfs`가 없을 때(Colab이나, 강의 환경이 설정되지 않은 Python에서)
설치합니다. `pip install "dlfs @ {source}"`를 실행해도 같습니다. 그 밖의 환경에서는 아무 일도 하지
않습니다.

<details><summary>English</summary>

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
does nothing.

</details>"""

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
    """The "How to check and submit" cell of ``assignment`` (e.g. ``03_backprop``), in Korean
    and English."""
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
