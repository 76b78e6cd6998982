"""Hostile submissions cannot fool, break or escape the grader (the regression corpus).

One class of 03_backprop is graded by the real ``nbgrader autograde`` through the CLI, two
submissions at a time. Every attacker hands in the correct solution with one part broken (the
``db`` of Affine sums over the wrong axis) plus an attack meant to hide the bug or to score
without working; or only an attack. Each must score 0 on the parts it attacks, the honest
students around them must score full marks, the course files must be untouched, and no
process may outlive the run.
"""

from __future__ import annotations

import copy
import csv
import http.server
import os
import socket
import threading
from pathlib import Path

import nbformat
import pytest
from autograder_helpers import (
    cell_scores,
    points,
    said,
    student_notebook,
    words_of,
    write_notebook,
)

from autograder.cli import main
from autograder.course import Course
from autograder.sandbox.jail import isolation

pytestmark = pytest.mark.slow

A = "03_backprop"
DB_BUG = ("a3_affine_code", "np.sum(dout, axis=0)", "np.sum(dout, axis=1)")
ALL = set(points(A))
AFFINE = {"a3_affine_forward", "a3_affine_dx", "a3_affine_dW", "a3_affine_db"}
# Only bwrap hides and protects the course files; the rlimits fallback says so.
NEEDS_BWRAP = {"reader", "writer"}


def _with_cell(nb: nbformat.NotebookNode, source: str, after: str | None = None):
    """Add a student cell after the cell with grade id ``after`` (default: at the end)."""
    cell = nbformat.v4.new_code_cell(source)
    index = len(nb.cells)
    if after is not None:
        index = 1 + next(
            i
            for i, c in enumerate(nb.cells)
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == after
        )
    nb.cells.insert(index, cell)
    return nb


PATCH_HELPERS = """
import numpy, dlfs.gradient, builtins
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
dlfs.gradient.rel_error = lambda *a, **k: 0.0
builtins.AssertionError = type("Never", (Exception,), {})
"""

TRANSFORMER = """
ip = get_ipython()
def hide_tests(lines):  # turn every cell with an assert into a success message
    return ["print('all tests passed')\\n"] if any("assert" in x for x in lines) else lines
ip.input_transformers_cleanup.append(hide_tests)
"""

LIAR = """
class Liar:
    def __eq__(self, other): return True
    def __array__(self, dtype=None, copy=None): return numpy.zeros(1)
    def __array_ufunc__(self, *a, **k): return True
    def __float__(self): return 0.0
import numpy
_forward = Affine.forward
Affine.forward = lambda self, x: (_forward(self, x), Liar())[1]
"""

READ_SOURCES = """
import glob, json, os
found = []
for pattern in ["{repo}/solutions/*/*.ipynb", "{course}/gradebook.db",
                "{course}/submitted/*/*/*.ipynb", "{repo}/.git/HEAD"]:
    for path in glob.glob(pattern):
        found.append(open(path, "rb").read()[:10])
if found:
    nb = json.load(open(glob.glob("{repo}/solutions/03_backprop/*.ipynb")[0]))
    for cell in nb["cells"]:
        if cell.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"):
            exec("".join(cell["source"]))
"""

WRITE_COURSE = """
import os, glob
for path in ["{course}/gradebook.db", "{course}/nbgrader_config.py"]:
    try:
        open(path, "wb").write(b"gone")
    except OSError as err:
        print("refused:", err)
for path in glob.glob("{course}/submitted/*/*/*.ipynb"):
    os.remove(path)
"""

NETWORK = """
import socket
conn = socket.create_connection(("127.0.0.1", {port}), timeout=3)
conn.sendall(b"GET /leak HTTP/1.0\\r\\n\\r\\n")
"""

FORK_BOMB = "import os\nwhile True:\n    os.fork()\n"
MEMORY_BOMB = "hog = []\nwhile True:\n    hog.append(bytearray(50_000_000))\n"
HUGE_OUTPUT = "import os\nwhile True:\n    os.write(1, b'x' * 1_000_000)\n"
LOOP = "while True:\n    pass\n"
CRASH = "import ctypes\nctypes.string_at(0)\n"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


TAG = f"test-sandbox-{os.getpid()}"


def _sandbox_processes() -> list[int]:
    """Processes of the sandboxes started by this test module (by their marker)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/environ", "rb") as fh:
                    if f"DLFS_SANDBOX_RUN={TAG}-".encode() in fh.read():
                        found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, generated_course: Course):
    from autograder_helpers import copy_course

    course = copy_course(generated_course, tmp_path_factory.mktemp("sandbox") / "course")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    fmt = {"repo": str(course.repo), "course": str(course.root), "port": port}
    inbox = course.root.parent / "inbox"
    good = student_notebook(course, A)
    buggy = lambda: student_notebook(course, A, [DB_BUG])  # noqa: E731
    cases = {
        "aaron": good,
        "patcher": _with_cell(buggy(), PATCH_HELPERS, after="a3_affine_code"),
        "transformer": _with_cell(buggy(), TRANSFORMER, after="a3_muladd_code"),
        "liar": _with_cell(student_notebook(course, A), LIAR, after="a3_affine_code"),
        "reader": _with_cell(
            student_notebook(course, A, delete=[]), READ_SOURCES.format(**fmt), after=None
        ),
        "writer": _with_cell(
            copy.deepcopy(good), WRITE_COURSE.format(**fmt), after="a3_muladd_code"
        ),
        "networker": _with_cell(copy.deepcopy(good), NETWORK.format(**fmt), after="a3_muladd_code"),
        "forker": _with_cell(copy.deepcopy(good), FORK_BOMB, after="a3_relu_code"),
        "hog": _with_cell(copy.deepcopy(good), MEMORY_BOMB, after="a3_relu_code"),
        "shouter": _with_cell(copy.deepcopy(good), HUGE_OUTPUT, after="a3_relu_code"),
        "looper": _with_cell(copy.deepcopy(good), LOOP, after="a3_relu_code"),
        "exiter": _with_cell(copy.deepcopy(good), "import os\nos._exit(0)\n", after="a3_relu_code"),
        "sysexit": _with_cell(
            copy.deepcopy(good), "import sys\nsys.exit(1)\n", after="a3_relu_code"
        ),
        "crasher": _with_cell(copy.deepcopy(good), CRASH, after="a3_relu_code"),
        "zoe": good,
    }
    # the reader's own answers are blank: it can only score by reading the sources
    for cell in cases["reader"].cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = "# YOUR CODE HERE\nraise NotImplementedError()"
    if isolation().level != "bwrap":  # these attacks would succeed: said in the output
        cases = {k: v for k, v in cases.items() if k not in NEEDS_BWRAP}
    for name, nb in cases.items():
        write_notebook(nb, inbox / name / f"{A}.ipynb")
    assert main(["--course-dir", str(course.root), "collect", str(inbox)]) == 0
    gradebook_before = course.db_path.stat().st_size
    code = main(["--course-dir", str(course.root), "autograde", A, "--timeout", "5", "--jobs", "2"])
    server.shutdown()
    return course, code, _Recorder.hits, gradebook_before


def _lost(course: Course, student: str) -> set[str]:
    full = points(A)
    return {k for k, v in cell_scores(course, A, student).items() if v < full[k]}


EXPECTED_LOSS = {
    "aaron": set(),
    "zoe": set(),
    "patcher": {"a3_affine_db"},
    "transformer": {"a3_affine_db"},
    "liar": {"a3_affine_forward"},
    "reader": ALL,
    "writer": set(),
    "networker": set(),
    "forker": set(),
    "hog": set(),
    "shouter": set(),
    "looper": set(),
    "exiter": set(),
    "sysexit": set(),
    "crasher": set(),
}


@pytest.mark.parametrize("student", sorted(EXPECTED_LOSS))
def test_each_submission_scores_what_it_earned(graded, student: str) -> None:
    if student in NEEDS_BWRAP and isolation().level != "bwrap":
        pytest.skip("course files are not hidden without bwrap: " + isolation().describe())
    course, _, _, _ = graded
    assert _lost(course, student) == EXPECTED_LOSS[student]


def test_the_batch_completes_and_the_course_is_intact(graded) -> None:
    course, code, _, size_before = graded
    assert code == 0  # every submission graded, none failed
    if isolation().level != "bwrap":
        return
    assert course.db_path.stat().st_size >= size_before
    assert course.path("submitted", "aaron", A, f"{A}.ipynb").is_file()
    config = course.root.joinpath("nbgrader_config.py").read_text(encoding="utf-8")
    assert "load_subconfig" in config


def test_no_network_from_the_sandbox(graded) -> None:
    _, _, hits, _ = graded
    if isolation().level != "bwrap":
        pytest.skip("no bwrap on this machine: " + isolation().describe())
    assert hits == []


def test_no_process_outlives_grading(graded) -> None:
    assert _sandbox_processes() == []


def test_reasons_are_reported(graded) -> None:
    course, _, _, _ = graded
    with open(course.path("reports", "autograde-status.csv"), encoding="utf-8-sig") as fh:
        rows = {row["student"]: row["notes"] for row in csv.DictReader(fh)}
    assert "SIGSEGV" in rows["crasher"]
    assert "left out: " + said("it ran longer than {seconds:g} s", seconds=5) in rows["looper"]
    exited = "the Python process exited with code {code} (sys.exit or os._exit in the code?)"
    assert said(exited, code=0) in rows["exiter"]
    assert words_of("it printed more than {mb} MB") in rows["shouter"]


def test_isolation_is_described() -> None:
    text = isolation().describe()
    assert text.startswith("sandbox: ")
    if isolation().level == "rlimits":
        assert "network is not blocked" in text


def test_port_is_really_closed_outside(graded) -> None:
    """Sanity check of the network test: the recorder did accept connections."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.handle_request, daemon=True).start()
    with socket.create_connection(server.server_address, timeout=3) as conn:
        conn.sendall(b"GET /probe HTTP/1.0\r\n\r\n")
        conn.recv(100)
    server.server_close()
    assert "/probe" in _Recorder.hits


def test_feedback_says_what_failed_and_hides_the_checks(graded) -> None:
    from autograder_helpers import hidden_only_lines

    from autograder.feedback import generate_feedback, html_text

    course, _, _, _ = graded
    generate_feedback(course, [A], students=["patcher"])
    page = course.path("feedback", "patcher", A, f"{A}.html").read_text(encoding="utf-8")
    text = html_text(page)
    # the reason of the check that failed: db of Affine.backward has the wrong shape
    assert "CheckFailed: " in text and "Affine.backward" in text
    assert words_of("{what} should have shape {shape}, got {got}") in text
    assert "BEGIN HIDDEN TESTS" not in page
    assert [s for s in hidden_only_lines(A) if s in text] == []
    checks = Path(course.repo, "autograder", "checks", "a03_backprop.py").read_text()
    code_lines = {line.strip() for line in checks.splitlines() if len(line.strip()) > 30}
    assert [line for line in code_lines if line in text] == []


def test_grading_again_is_idempotent_and_keeps_manual_grades(
    generated_course: Course, tmp_path: Path
) -> None:
    from autograder_helpers import copy_course, source_notebook

    from autograder.notebooks import nbgrader_meta

    course = copy_course(generated_course, tmp_path / "course")
    write_notebook(student_notebook(course, A, [DB_BUG]), tmp_path / "in" / "bob" / f"{A}.ipynb")
    assert main(["--course-dir", str(course.root), "collect", str(tmp_path / "in")]) == 0
    assert main(["--course-dir", str(course.root), "autograde", A]) == 0
    first = cell_scores(course, A, "bob")
    written = next(
        nbgrader_meta(c)["grade_id"]
        for c in source_notebook(A).cells
        if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")
    )
    with course.gradebook() as gb:
        grade = gb.find_grade(written, A, A, "bob")
        grade.manual_score = 1.5
        gb.db.commit()
    assert main(["--course-dir", str(course.root), "autograde", A, "--force", "--jobs", "2"]) == 0
    status = course.path("reports", "autograde-status.csv").read_text(encoding="utf-8-sig")
    # the written answer was graded: it is not announced as waiting for a grader again
    assert "written answers to grade by hand" not in status
    assert "hand grades of written answers kept (2 points)" in status
    assert cell_scores(course, A, "bob") == first
    assert first["a3_affine_db"] == 0
    with course.gradebook() as gb:
        assert gb.find_grade(written, A, A, "bob").manual_score == 1.5
        assert gb.find_submission(A, "bob").score == sum(first.values()) + 1.5
