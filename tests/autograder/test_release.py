"""The student versions: nothing given away, and every test fails on the blanks."""

from __future__ import annotations

import nbformat
import pytest
from autograder_helpers import ASSIGNMENTS, points, source_notebook

from autograder.course import Course, CourseError
from autograder.notebooks import MARKERS, nbgrader_meta, read_notebook
from autograder.release import generate, release_leaks, secret_lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_hidden_test_or_model_answer(
    generated_course: Course, assignment: str
) -> None:
    release = read_notebook(generated_course.release_notebook(assignment))
    text = "\n".join(cell.source for cell in release.cells)
    for marker in MARKERS:
        assert marker not in text
    assert "_written_here" not in text  # the hidden origin check
    lines = {line.strip() for line in text.splitlines()}
    secrets = secret_lines(generated_course.source_notebook(assignment))
    assert secrets, "the source should have solutions and hidden tests"
    assert not secrets & lines
    assert release_leaks(generated_course, assignment) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_keeps_every_cell_and_locks_the_tests(
    generated_course: Course, assignment: str
) -> None:
    release = read_notebook(generated_course.release_notebook(assignment))
    source = source_notebook(assignment)
    assert [c.get("id") for c in release.cells] == [c.get("id") for c in source.cells]
    for cell in release.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade_id") in points(assignment):
            assert cell.metadata.get("editable") is False and meta["locked"]
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if meta.get("solution") and cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source


@pytest.mark.slow
def test_every_released_test_fails_on_the_blanks(generated_course: Course) -> None:
    """nbgrader validate --invert: no test cell of any release passes before work is done."""
    notebooks = [str(generated_course.release_notebook(a)) for a in ASSIGNMENTS]
    run = generated_course.nbgrader("validate", "--invert", *notebooks, timeout=600)
    assert run.ok, run.output[-3000:]
    assert run.output.count("Success! The notebook does not pass any tests.") == len(notebooks), (
        run.output[-3000:]
    )
    assert "PASSED ON" not in run.output  # nbgrader's message when a test cell passes


def test_generate_refuses_a_source_with_problems(generated_course: Course, tmp_path) -> None:
    """A broken source (unbalanced markers) stops generation with a clear error."""
    repo = tmp_path / "repo"
    (repo / "autograder").mkdir(parents=True)
    (repo / "autograder" / "nbgrader_config.py").write_text(
        generated_course.shared_config.read_text()
    )
    nb = source_notebook(ASSIGNMENTS[0])
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
            cell.source = cell.source.replace("### END SOLUTION", "")
            break
    folder = repo / "solutions" / ASSIGNMENTS[0]
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{ASSIGNMENTS[0]}.ipynb"))
    course = Course(tmp_path / "course", repo=repo)
    with pytest.raises(CourseError, match="BEGIN SOLUTION.*without"):
        generate(course, [ASSIGNMENTS[0]])
    assert not course.release_notebook(ASSIGNMENTS[0]).exists()
