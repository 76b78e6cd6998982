"""The language of what students get back: the checks' messages and the feedback's fixed text.

One course setting, ``c.StudentFeedback.language`` in ``autograder/nbgrader_config.py``:
``"en"`` (the default) or ``"ko"``. Whatever produces text a student reads (the sandbox's
verdicts in ``nbgrader autograde``, the feedback's preprocessors and template) reads it with
:func:`configured_language` and runs inside :func:`language`.

A message is written once, in English, as a ``str.format`` template, and said with
:func:`tr`: ``tr("{what} contains nan or inf", what=what)``. In Korean, :func:`tr` uses the
template's entry in :data:`autograder.messages_ko.KO` (same placeholders), and the English
text when there is none (a unit test makes sure there always is).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from traitlets import Enum, TraitError
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

from autograder.messages_ko import KO

__all__ = [
    "LANGUAGES",
    "StudentFeedback",
    "configured_language",
    "current",
    "file_language",
    "language",
    "tr",
]

LANGUAGES = ("en", "ko")

_LANGUAGE: ContextVar[str] = ContextVar("student_language", default="en")


class StudentFeedback(Configurable):
    """What students get back from grading (``c.StudentFeedback.language = "ko"``)."""

    language = Enum(
        list(LANGUAGES),
        default_value="en",
        help="Language of the checks' messages and the feedback's fixed text: 'en' or 'ko'",
    ).tag(config=True)


def configured_language(config: Config | None) -> str:
    """The language set in ``config``; a wrong value raises a TraitError naming 'en' and 'ko'."""
    return str(StudentFeedback(config=config or Config()).language)


def file_language(config_file: Path) -> str:
    """The language an nbgrader config file sets; ValueError naming 'en' and 'ko' if wrong."""
    loader = PyFileConfigLoader(Path(config_file).name, str(Path(config_file).parent))
    try:
        return configured_language(loader.load_config())
    except TraitError as err:
        raise ValueError(
            f"c.StudentFeedback.language must be one of {', '.join(map(repr, LANGUAGES))}: {err}"
        ) from None


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Say every :func:`tr` message in ``lang`` while the block runs."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    token = _LANGUAGE.set(lang)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def current() -> str:
    """The language :func:`tr` speaks now."""
    return _LANGUAGE.get()


def tr(template: str, /, **fields: object) -> str:
    """``template.format(**fields)``, in Korean when the block runs in ``language("ko")``."""
    if _LANGUAGE.get() == "ko":
        template = KO.get(template, template)
    return template.format(**fields)
