"""The grading tools without nbgrader runs: matching, collecting, errors, feedback scanning."""

from __future__ import annotations

import os
import unicodedata
import zipfile
from pathlib import Path

import nbformat
import pytest
from autograder_helpers import ASSIGNMENTS, source_notebook, write_notebook

from autograder.cli import main
from autograder.collect import collect
from autograder.course import REPO, Course, CourseError
from autograder.feedback import HIDDEN_NOTE, HideHiddenTests, check_feedback, find_leaks
from autograder.names import (
    StudentName,
    mentioned_assignment,
    name_words,
    student_name,
    tokens,
)
from autograder.notebooks import NotebookError, read_notebook, source_problems
from autograder.sandbox.verdicts import explain_name_error, names_set_by_tests


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path / "course")


# matching names ---------------------------------------------------------------------------
NAMES = {
    "alice_03_backprop": ("03_backprop", "", "alice"),
    "Bob Jones - loss_functions (1)": ("01_loss_functions", "", "bob_jones"),
    "carol-05-final": ("05_cnn", "", "carol"),
    "dave_cnn_v2": ("05_cnn", "", "dave"),
    "06_deep_learning": ("06_deep_learning", "", ""),
    "homework": (None, "", ""),
    "박서준 - 과제3": ("03_backprop", "", "박서준"),
    "박서윤 - 과제3 (2)": ("03_backprop", "", "박서윤"),
    "2021123456_한지우_03_backprop_20241105": ("03_backprop", "2021123456", "한지우"),
    "Park Seoyeon_backprop_late": ("03_backprop", "", "park_seoyeon"),
    "PARK Seojun - Assignment 3 - final": ("03_backprop", "", "park_seojun"),
    "student007_hw3": ("03_backprop", "", "student007"),
    "alice2 - backprop2": ("03_backprop", "", "alice2"),
}


@pytest.mark.parametrize("name", NAMES)
def test_file_names_say_assignment_and_student(name: str) -> None:
    assignment, number, student = NAMES[name]
    found, _, rivals = mentioned_assignment(name_words(name, ASSIGNMENTS), ASSIGNMENTS)
    assert (found, rivals) == (assignment, [])
    assert student_name(name, ASSIGNMENTS) == StudentName(number, student)


def test_macos_decomposed_hangul_is_the_same_name() -> None:
    nfd = unicodedata.normalize("NFD", "박서준")
    assert nfd != "박서준"
    assert student_name(nfd, ASSIGNMENTS).name == "박서준"


def test_two_assignments_in_one_name_are_ambiguous() -> None:
    assert mentioned_assignment(tokens("eve_backprop_and_cnn"), ASSIGNMENTS) == (
        None,
        set(),
        ["03_backprop", "05_cnn"],
    )


# collecting -------------------------------------------------------------------------------
def _notebook(assignment: str = "01_loss_functions") -> nbformat.NotebookNode:
    return source_notebook(assignment)


def test_collect_layouts_duplicates_and_replacements(course: Course, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_notebook(_notebook(), inbox / "ann" / "01_loss_functions" / "whatever.ipynb")
    write_notebook(_notebook("03_backprop"), inbox / "ann" / "03.ipynb")
    old = write_notebook(_notebook(), inbox / "ben_01_loss_functions.ipynb")
    new = write_notebook(_notebook(), inbox / "ben_loss_functions (1).ipynb")
    new.write_text(new.read_text().replace("Loss functions", "Loss functions!"))
    os.utime(old, (1_000_000, 1_000_000))
    (inbox / ".ipynb_checkpoints").mkdir()
    write_notebook(_notebook(), inbox / ".ipynb_checkpoints" / "ann_01-checkpoint.ipynb")

    entries = {e.source: e for e in collect(course, inbox)}
    assert set(entries) == {
        "ann/01_loss_functions/whatever.ipynb",
        "ann/03.ipynb",
        "ben_01_loss_functions.ipynb",
        "ben_loss_functions (1).ipynb",
    }
    assert entries["ben_01_loss_functions.ipynb"].status == "duplicate"
    assert entries["ben_loss_functions (1).ipynb"].status == "collected"
    stored = course.path("submitted", "ben", "01_loss_functions", "01_loss_functions.ipynb")
    assert "Loss functions!" in stored.read_text()
    assert course.path("submitted", "ann", "03_backprop", "03_backprop.ipynb").is_file()
    assert course.path("submitted", "ann", "01_loss_functions", "timestamp.txt").is_file()

    # the same again: unchanged; a new version: replaced, the old one kept in backups/
    assert {e.status for e in collect(course, inbox)} >= {"unchanged"}
    new.write_text(new.read_text().replace("Loss functions!", "Loss functions?"))
    entries = {e.source: e for e in collect(course, inbox)}
    assert entries["ben_loss_functions (1).ipynb"].status == "replaced"
    kept = list(course.path("backups").rglob("01_loss_functions.ipynb"))
    assert len(kept) == 1 and "Loss functions!" in kept[0].read_text()


def test_collect_needs_to_know_the_student(course: Course, tmp_path: Path) -> None:
    write_notebook(_notebook(), tmp_path / "inbox" / "01_loss_functions.ipynb")
    write_notebook(_notebook(), tmp_path / "inbox" / "Hana.ipynb")
    entries = {e.source: e for e in collect(course, tmp_path / "inbox")}
    assert entries["01_loss_functions.ipynb"].status == "unmatched"
    assert "which student" in "; ".join(entries["01_loss_functions.ipynb"].notes)
    hana = entries["Hana.ipynb"]
    assert (hana.student, hana.assignment, hana.status) == ("hana", ASSIGNMENTS[0], "collected")


def test_collect_from_a_zip_and_dry_run(course: Course, tmp_path: Path) -> None:
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "export/fay_02_numerical_gradient.ipynb", nbformat.writes(_notebook(ASSIGNMENTS[1]))
        )
        zf.writestr("export/readme.txt", "hello")
    dry = collect(course, archive, dry_run=True)
    assert [(e.student, e.assignment, e.status) for e in dry if e.assignment] == [
        ("fay", ASSIGNMENTS[1], "collected")
    ]
    assert not course.path("submitted").exists()
    collect(course, archive)
    assert course.path("submitted", "fay", ASSIGNMENTS[1], f"{ASSIGNMENTS[1]}.ipynb").is_file()


def test_collect_refuses_unsafe_zip_and_missing_input(course: Course, tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../outside.ipynb", "{}")
    with pytest.raises(CourseError, match="unsafe path"):
        collect(course, archive)
    assert not (tmp_path / "outside.ipynb").exists()
    with pytest.raises(CourseError, match="does not exist"):
        collect(course, tmp_path / "nowhere")
    (tmp_path / "not-a-zip.zip").write_text("nope")
    with pytest.raises(CourseError, match="not a valid zip"):
        collect(course, tmp_path / "not-a-zip.zip")


# command line errors ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["list", "99"], "'99' matches no assignment"),
        (["autograde", "01"], "run `./run course generate"),
        (["report"], "nothing has been graded yet"),
        (["collect", "no/such/folder"], "does not exist"),
        (["autograde", "01", "--timeout", "0"], "positive number of seconds"),
    ],
)
def test_bad_input_gets_a_clear_error(course: Course, capsys, argv, message) -> None:
    assert main([*argv, "--course-dir", str(course.root)]) == 2
    assert message in capsys.readouterr().err


def test_course_dir_must_be_a_directory(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["list", "--course-dir", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_list_and_check(capsys) -> None:
    assert main(["list", "-v"]) == 0
    out = capsys.readouterr().out
    assert "03_backprop: 13 autograded + 2 by hand" in out and "a3_affine_db" in out
    assert main(["check"]) == 0


def test_read_notebook_explains_what_is_wrong(tmp_path: Path) -> None:
    cases = {
        "cut.ipynb": '{"cells": [',
        "list.ipynb": "[1, 2]",
        "old.ipynb": '{"cells": [], "nbformat": 3}',
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(NotebookError, match="not valid JSON"):
        read_notebook(tmp_path / "cut.ipynb")
    with pytest.raises(NotebookError, match="not a Jupyter notebook"):
        read_notebook(tmp_path / "list.ipynb")
    with pytest.raises(NotebookError, match="format 3"):
        read_notebook(tmp_path / "old.ipynb")


def test_source_problems_finds_outputs_and_unbalanced_markers(tmp_path: Path) -> None:
    nb = _notebook()
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="hi")]
    solution = next(c for c in nb.cells if "### BEGIN SOLUTION" in c.source)
    solution.source = solution.source.replace("### END SOLUTION", "")
    problems = source_problems(write_notebook(nb, tmp_path / "bad.ipynb"))
    assert any("outputs" in p for p in problems)
    assert any("without 'END SOLUTION'" in p for p in problems)


# feedback ---------------------------------------------------------------------------------
def test_hide_hidden_tests_keeps_the_students_frames() -> None:
    cell = nbformat.v4.new_code_cell(
        "check(x)\n### BEGIN HIDDEN TESTS\nsecret_value = check(hidden_x)\n### END HIDDEN TESTS"
    )
    cell.metadata = {
        "nbgrader": {
            "grade": True,
            "grade_id": "t",
            "locked": True,
            "points": 1,
            "solution": False,
            "schema_version": 3,
        }
    }
    cell.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="AssertionError",
            evalue="wrong",
            traceback=[
                "----> 3 secret_value = check(hidden_x)",
                "Cell In[2], line 4, in check(x)\n----> 4     assert ok",
                "AssertionError: wrong",
            ],
        )
    ]
    out, _ = HideHiddenTests().preprocess_cell(cell, {}, 0)
    assert "secret_value" not in out.source and "BEGIN HIDDEN" not in out.source
    assert out.outputs[0].traceback == [
        HIDDEN_NOTE,
        "Cell In[2], line 4, in check(x)\n----> 4     assert ok",
        "AssertionError: wrong",
    ]


def test_find_leaks_reads_highlighted_code(tmp_path: Path) -> None:
    page = tmp_path / "f.html"
    page.write_text(
        "<pre><span>rng</span> <span>=</span> <span>np</span>.<span>default_rng</span>(1101)"
        "\n</pre><p>all tests passed</p><pre>     12 x = np.sqrt(9)\n</pre>"
    )
    secrets = ["rng = np.default_rng(1101)", "pass", "x = np.sqrt(9)", "y = 2"]
    assert find_leaks(page, secrets) == ["rng = np.default_rng(1101)", "x = np.sqrt(9)"]


def test_a_leaking_feedback_file_is_deleted(course: Course) -> None:
    assignment = ASSIGNMENTS[0]
    page = course.path("feedback", "mallory", assignment, f"{assignment}.html")
    page.parent.mkdir(parents=True)
    page.write_text("<pre>x = rng.standard_normal(shape) * 3</pre>")  # from a check
    result = check_feedback(course, assignment, "mallory")
    assert result.status == "removed" and not page.exists()
    assert "hidden-test lines" in result.notes[0]


def test_shared_config_lives_in_the_repository() -> None:
    course = Course(REPO / "autograder" / "course")
    assert course.shared_config.is_file()
    assert "HideHiddenTests" in course.shared_config.read_text()


# hints ------------------------------------------------------------------------------------
def _test_cell(source: str, grade_id: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id}
    return cell


def test_names_set_by_test_cells_exclude_hidden_tests_and_locals() -> None:
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell("def relu(x):\n    return np.maximum(x, 0)\n")
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "code"}
    visible = (
        "import numpy as np\nfrom dlfs.gradient import rel_error as err\n"
        "x = np.ones(3)\nfor i, (a, b) in enumerate([(1, 2)]):\n    total = a\n"
        "def check(n):\n    local = n\n    return [k for k in range(n)]\n"
        "### BEGIN HIDDEN TESTS\nsecret = 1\n### END HIDDEN TESTS\nafter = 2\n"
    )
    nb.cells = [answer, _test_cell(visible, "t1"), _test_cell("this is not Python (", "t2")]
    assert names_set_by_tests(nb) == {"np", "err", "x", "i", "a", "b", "total", "check", "after"}


def test_a_name_error_for_a_test_cell_name_gets_a_hint() -> None:
    names = {"x", "dout"}
    message = "Relu.backward raised NameError: name 'x' is not defined in backward (line 12)"
    hinted = explain_name_error(message, names)
    assert hinted.startswith(message)
    assert "`x` exists in your notebook only because a test cell sets it" in hinted
    # other names, other errors and the "not defined at all" message stay as they are
    other = "Relu.backward raised NameError: name 'mask' is not defined in backward (line 12)"
    assert explain_name_error(other, names) == other
    assert explain_name_error("ValueError: x is wrong", names) == "ValueError: x is wrong"
    assert explain_name_error("NameError: x is not defined", names) == "NameError: x is not defined"


def test_tampering_is_found_by_comparing_with_the_release(generated_course: Course) -> None:
    """Retyped cells, edited points and unknown cell ids are noted without reading any log."""
    from autograder.grade import _tampering
    from autograder.notebooks import nbgrader_meta

    nb = read_notebook(generated_course.release_notebook("01_loss_functions"))
    cells = {nbgrader_meta(c).get("grade_id"): c for c in nb.cells}
    cells["a1_mse"].metadata.nbgrader["points"] = 99
    cells["a1_softmax"].cell_type = "markdown"
    cells["a1_cee_labels"].metadata.nbgrader["grade_id"] = "a1_free_points"
    notes = _tampering(generated_course, "01_loss_functions", nb)
    assert "the points of cell a1_mse were edited; the original points were used" in notes
    assert "cell a1_softmax changed type; the original type was restored" in notes
    assert "cell id a1_free_points is unknown and was not graded" in notes
    assert "test cell a1_cee_labels was deleted; it was put back and run" in notes
