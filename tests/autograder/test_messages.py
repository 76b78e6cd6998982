"""The Korean catalog of the messages students get back, and the setting that picks it.

Every template said with ``tr(...)`` in ``autograder/`` (collected from the source with
``ast``) has a Korean entry with the same placeholders, and English stays as written.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import numpy as np
import pytest
from traitlets import TraitError
from traitlets.config import Config

from autograder.checks import CheckFailed, array, close, gradient_matches
from autograder.course import REPO
from autograder.messages import configured_language, file_language, language, tr
from autograder.messages_ko import KO


def _is_fail(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef) and node.name == "fail"


def _templates() -> dict[str, str]:
    """Every literal first argument of a ``tr(...)`` or ``fail(...)`` call in autograder/,
    with where it is."""
    found = {}
    for path in sorted((REPO / "autograder").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # fail(template, **fields) hands its own template on to tr()
        forward = {id(n) for f in ast.walk(tree) if _is_fail(f) for n in ast.walk(f)}
        for node in ast.walk(tree):
            if id(node) in forward:
                continue
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("tr", "fail"):
                first = node.args[0] if node.args else None
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{where}: tr() needs a literal template, so that the catalog can be checked"
                )
                found.setdefault(first.value, where)
    return found


def _fields(template: str) -> list[tuple[str, str]]:
    """The placeholders of a template with their format specs, sorted."""
    return sorted(
        (name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name
    )


TEMPLATES = _templates()


def test_the_raise_sites_are_found() -> None:
    assert len(TEMPLATES) > 150
    assert "{what} should have shape {shape}, got {got}" in TEMPLATES


def test_every_template_has_a_korean_entry() -> None:
    missing = {t: where for t, where in TEMPLATES.items() if t not in KO}
    assert not missing, missing


def test_the_catalog_has_no_stale_entries() -> None:
    assert sorted(set(KO) - set(TEMPLATES)) == []


@pytest.mark.parametrize("template", sorted(KO))
def test_placeholders_agree(template: str) -> None:
    assert _fields(KO[template]) == _fields(template)
    assert KO[template] != template or template == "{label}: {err}", "not translated"


def _message(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(CheckFailed) as err:
        fn(*args, **kwargs)  # type: ignore[operator]
    return str(err.value)


def test_english_is_the_default_and_unchanged() -> None:
    assert tr("{what} contains nan or inf", what="dx") == "dx contains nan or inf"
    wrong = np.array([1.0, 2.5])
    assert _message(close, wrong, np.array([1.0, 2.0]), "dx of Relu.backward") == (
        "dx of Relu.backward is wrong: at index (1,) it is 2.5, expected 2"
    )


def test_korean_messages_nest_their_fragments() -> None:
    with language("ko"):
        what = tr("{grad} of {name}.backward", grad="dx", name="Relu")
        assert what == "Relu.backward의 dx"
        message = _message(array, [1.0, 2.0], what, (3,))
        assert message == "Relu.backward의 dx: 형상이 (3,)이어야 하는데 (2,)입니다"
        message = _message(gradient_matches, np.ones(3), np.zeros(3), what)
        assert message.startswith("Relu.backward의 dx: 수치 미분으로 구한 기울기와 다릅니다")
    assert tr("passed") == "passed"


def test_the_setting_accepts_en_and_ko_only() -> None:
    assert configured_language(None) == "en"
    assert configured_language(Config({"StudentFeedback": {"language": "ko"}})) == "ko"
    with pytest.raises(TraitError, match=r"\['en', 'ko'\]"):
        configured_language(Config({"StudentFeedback": {"language": "kr"}}))


def test_a_config_file_with_a_wrong_language_is_refused(tmp_path: Path) -> None:
    shared = REPO / "autograder" / "nbgrader_config.py"
    assert file_language(shared) == "ko"  # the course's students read Korean
    config = tmp_path / "nbgrader_config.py"
    config.write_text(f'load_subconfig({str(shared)!r})\nc.StudentFeedback.language = "kr"\n')
    with pytest.raises(ValueError, match=r"must be one of 'en', 'ko'"):
        file_language(config)
