"""Fixtures for the grading tests: a generated course, once per test process.

Generating the student versions takes seconds, so each test process does it once
(``generated_course``) and every test that grades works on a copy of it (``new_course``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from autograder_helpers import copy_course

from autograder.course import Course
from autograder.release import generate


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A course with every assignment generated (release + gradebook), once per process."""
    course = Course(tmp_path_factory.mktemp("template") / "course")
    generate(course, course.assignments())
    return course


@pytest.fixture
def new_course(generated_course: Course, tmp_path: Path) -> Callable[..., Course]:
    """Make a fresh copy of the generated course in this test's temporary directory."""
    return lambda name="course": copy_course(generated_course, tmp_path / name)
