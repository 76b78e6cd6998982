"""What autograde notes about a submission before it runs: cells deleted, edited or retyped."""

from __future__ import annotations

from autograder_helpers import student_notebook

from autograder.course import Course
from autograder.grade import _tampering

A = "03_backprop"


def test_windows_line_ends_are_not_an_edit(generated_course: Course) -> None:
    nb = student_notebook(generated_course, A)
    for cell in nb.cells:
        cell.source = cell.source.replace("\n", "\r\n") + "  \r\n"
    assert _tampering(generated_course, A, nb) == []


def test_an_edited_test_cell_is_noted(generated_course: Course) -> None:
    nb = student_notebook(generated_course, A)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "a3_mul")
    test.source = test.source.replace("assert", "assert True or", 1)
    assert _tampering(generated_course, A, nb) == [
        "test cell a3_mul was edited; the original was run instead"
    ]
