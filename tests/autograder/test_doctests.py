"""The examples in the docstrings of the collector's modules are true."""

from __future__ import annotations

import doctest

import pytest

from autograder import collect, names


@pytest.mark.parametrize("module", [names, collect], ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
