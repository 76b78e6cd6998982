"""The language of the text in plots: English, or Korean in the book's Korean edition.

One setting decides it: the environment variable ``DLFS_LANG`` (``ko`` or ``en``), which the
Korean edition of the book sets when it runs the chapters (``scripts/build-book.sh``), or
:func:`set_language` in a notebook or script. The library's plots (:mod:`dlfs.plotting`) and
the book's chapters write every label, title and legend entry in both languages with
:func:`tr`, which picks the one to show::

    from dlfs.i18n import tr

    ax.set_xlabel(tr("epoch", "에폭"))
    ax.plot(losses, label=tr("training loss", "훈련 손실"))

When Korean is chosen (by ``DLFS_LANG=ko`` when this module is imported, or by
``set_language("ko")``), matplotlib gets a Hangul font (:func:`dlfs.fonts.use_hangul_font`)
so that the labels never show as empty boxes. That must happen before a figure is made: an
axis keeps the fonts of the moment it was created, so import this module (or call
:func:`set_language`) before ``plt.subplots``, as the chapters do in their first cell. Keep
Korean and math (``$...$``) in separate strings: matplotlib draws a string with math wholly
with mathtext, which has no Hangul.
"""

from __future__ import annotations

import os
import re
from typing import TypeVar

__all__ = [
    "LANGUAGES",
    "LANGUAGE_ENV",
    "get_language",
    "set_language",
    "split_bilingual",
    "tr",
]

T = TypeVar("T")

#: The environment variable that chooses the language of plots.
LANGUAGE_ENV = "DLFS_LANG"
#: The languages the text of plots comes in; the first is the default.
LANGUAGES = ("en", "ko")

_chosen: str | None = None
_font_checked = False


def _need_hangul_font() -> None:
    """Add a Hangul font to matplotlib once, when Korean is the language."""
    global _font_checked
    if get_language() == "ko" and not _font_checked:
        from dlfs.fonts import use_hangul_font

        use_hangul_font()  # warns, saying what to install, when no Hangul font is found
        _font_checked = True


def _code(value: str) -> str:
    """The two-letter code of a language setting: "ko_KR.UTF-8" -> "ko"."""
    return value.strip().split(".")[0].replace("-", "_").split("_")[0].lower()


def get_language() -> str:
    """The language plots are labelled in: ``"en"`` or ``"ko"``.

    It is the one given to :func:`set_language` if any, else ``$DLFS_LANG`` if that names a
    language of :data:`LANGUAGES`, else English.
    """
    if _chosen is not None:
        return _chosen
    code = _code(os.environ.get(LANGUAGE_ENV, ""))
    return code if code in LANGUAGES else LANGUAGES[0]


def set_language(language: str | None) -> str:
    """Label plots in ``language`` from now on (``None``: back to ``$DLFS_LANG``).

    Parameters
    ----------
    language : {"en", "ko"} or None

    Returns
    -------
    str
        The language now in use.

    Raises
    ------
    ValueError
        If ``language`` is not one of :data:`LANGUAGES`.
    """
    global _chosen
    if language is None:
        _chosen = None
    else:
        code = _code(language)
        if code not in LANGUAGES:
            raise ValueError(
                f"set_language: unknown language {language!r}; expected one of {LANGUAGES}"
            )
        _chosen = code
    _need_hangul_font()
    return get_language()


def tr(english: T, korean: T) -> T:
    """The text of a label in the current language: ``english``, or ``korean`` in Korean.

    Parameters
    ----------
    english, korean : str, or a sequence of str
        The same label, or the same labels (class names, say), in both languages.

    Examples
    --------
    >>> set_language("ko")
    'ko'
    >>> tr("epoch", "에폭")
    '에폭'
    >>> set_language("en")
    'en'
    >>> tr("epoch", "에폭")
    'epoch'
    """
    if get_language() != "ko":
        return english
    _need_hangul_font()
    return korean


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def split_bilingual(text: str) -> tuple[str, str]:
    """The Korean and the English of a text written ``Korean (English)``.

    The course writes its assignments' headings and test messages that way. A text without
    Hangul before a final bracket, or with Hangul inside it, is the same in both languages
    and comes back twice.

    Examples
    --------
    >>> split_bilingual("과제 3 — 계층별 오차역전파 (Assignment 3 — Backpropagation layers)")
    ('과제 3 — 계층별 오차역전파', 'Assignment 3 — Backpropagation layers')
    >>> split_bilingual("3. Affine 계층 (The Affine (fully connected) layer)")
    ('3. Affine 계층', 'The Affine (fully connected) layer')
    >>> split_bilingual("1. `im2col`")
    ('1. `im2col`', '1. `im2col`')
    """
    text = text.strip()
    if text.endswith(")"):
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                korean, english = text[:i].strip(), text[i + 1 : -1].strip()
                if _HANGUL.search(korean) and english and not _HANGUL.search(english):
                    return korean, english
                break
    return text, text


# The Korean edition of the book sets DLFS_LANG=ko: its figures need the Hangul font from the
# first one on.
_need_hangul_font()
