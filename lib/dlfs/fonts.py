"""Hangul in matplotlib: find a font that draws Korean and add it as a fallback.

matplotlib's default font (DejaVu Sans) has no Hangul, so Korean titles and labels would show
as empty boxes. :func:`use_hangul_font` adds an installed Hangul font (NanumGothic from
Debian's ``fonts-nanum``, Noto Sans CJK, Malgun Gothic on Windows, Apple SD Gothic Neo on
macOS, or the NanumGothic that the ``koreanize-matplotlib`` package ships, which also works on
Colab) after the current font family; matplotlib then takes every glyph the first family lacks
from it. Importing :mod:`dlfs.plotting` calls it once.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

__all__ = ["HANGUL_FONTS", "HangulFontWarning", "find_hangul_font", "use_hangul_font"]


#: Font families with Hangul, in order of preference: Debian's fonts-nanum, Noto / Source Han
#: (most Linux distributions), then the fonts that come with Windows and macOS.
HANGUL_FONTS = (
    "NanumGothic",
    "NanumBarunGothic",
    "Noto Sans CJK KR",
    "Noto Sans CJK JP",  # matplotlib names a .ttc by its first face; Hangul is the same
    "Noto Sans KR",
    "Source Han Sans KR",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
    "UnDotum",
    "Baekmuk Gulim",
)
#: A PyPI package that ships NanumGothic; its font files are used if it is installed (it is
#: never imported, since importing it changes matplotlib's settings by itself).
_PYPI_FONT_PACKAGE = "koreanize_matplotlib"
_HANGUL_PROBE = "한글"
_INSTALL_HINT = (
    "install a Hangul font: fonts-nanum on Debian/Ubuntu (sudo apt-get install fonts-nanum; "
    "in Colab: !apt-get -qq install fonts-nanum), or `pip install koreanize-matplotlib`, "
    "which ships NanumGothic; or pass a .ttf/.otf file to use_hangul_font(path)"
)


class HangulFontWarning(UserWarning):
    """No installed font can draw Hangul: Korean text in plots would show as empty boxes."""


def _covers_hangul(path: str | os.PathLike[str]) -> bool:
    """Whether the font file maps the Hangul probe characters to glyphs."""
    try:
        charmap = FT2Font(os.fspath(path)).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(ch) in charmap for ch in _HANGUL_PROBE)


def _compact(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _unregistered_font_files() -> list[str]:
    """Hangul font files matplotlib does not know yet.

    Those are system fonts installed after matplotlib built its font cache (the cache is not
    refreshed when fonts are added) and the fonts shipped by the PyPI package above.
    """
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    wanted = [_compact(name) for name in HANGUL_FONTS] + ["nanum", "notosanscjk"]
    files = [
        path
        for path in font_manager.findSystemFonts()
        if any(w in _compact(Path(path).stem) for w in wanted)
    ]
    spec = importlib.util.find_spec(_PYPI_FONT_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            files += sorted(str(p) for p in Path(folder, "fonts").glob("*.ttf"))
    return [path for path in files if path not in known]


def find_hangul_font() -> str | None:
    """Name of an installed font family that can draw Hangul, or None.

    The families of :data:`HANGUL_FONTS` are tried in order; a Hangul font file that
    matplotlib has not registered yet (installed after its font cache was built, or shipped by
    the ``koreanize-matplotlib`` package) is registered first.

    Returns
    -------
    str or None
        A family name usable in ``rcParams["font.family"]``, e.g. ``"NanumGothic"``.
    """

    def registered() -> dict[str, str]:
        files: dict[str, str] = {}
        for entry in font_manager.fontManager.ttflist:
            files.setdefault(entry.name, entry.fname)
        return files

    files = registered()
    if not any(name in files for name in HANGUL_FONTS):
        for path in _unregistered_font_files():
            if _covers_hangul(path):
                font_manager.fontManager.addfont(path)
        files = registered()
    for name in HANGUL_FONTS:
        if name in files and _covers_hangul(files[name]):
            return name
    return None


def use_hangul_font(font: str | os.PathLike[str] | None = None, *, warn: bool = True) -> str | None:
    """Let matplotlib draw Hangul by adding a Hangul font as fallback to ``font.family``.

    The font goes *after* the families already in ``rcParams["font.family"]``: Latin text
    keeps its usual font and matplotlib (3.6 or later) takes each glyph that font lacks, such
    as every Hangul syllable, from the next family that has it. A string containing math
    (``$...$``) is drawn wholly by mathtext, which has no such fallback, so keep Korean and
    math in separate labels (``ax.set_title("손실 함수")``, ``ax.set_ylabel("$L$")``).

    Parameters
    ----------
    font : str or path-like, optional
        A font family name (``"NanumGothic"``) or the path of a .ttf/.otf/.ttc file with
        Hangul glyphs. By default the first installed family of :data:`HANGUL_FONTS`.
    warn : bool, default True
        Warn (:class:`HangulFontWarning`) when no Hangul font is installed.

    Returns
    -------
    str or None
        The family added (or already present), or None when no Hangul font was found.

    Raises
    ------
    ValueError
        If ``font`` names a family matplotlib does not know, or a file without Hangul glyphs.
    FileNotFoundError
        If ``font`` looks like a font file path but there is no such file.
    """
    if font is None:
        name = find_hangul_font()
        if name is None:
            if warn:
                warnings.warn(
                    f"no font with Hangul glyphs found (tried {', '.join(HANGUL_FONTS)}), so "
                    f"Korean text in plots will show as empty boxes: {_INSTALL_HINT}",
                    HangulFontWarning,
                    stacklevel=2,
                )
            return None
    elif isinstance(font, os.PathLike) or Path(font).suffix.lower() in (".ttf", ".otf", ".ttc"):
        path = Path(font)
        if not path.is_file():
            raise FileNotFoundError(f"use_hangul_font: no font file {str(path)!r}")
        if not _covers_hangul(path):
            raise ValueError(f"use_hangul_font: {str(path)!r} has no Hangul glyphs")
        font_manager.fontManager.addfont(str(path))
        name = font_manager.FontProperties(fname=str(path)).get_name()
    else:
        name = str(font)
        files = [e.fname for e in font_manager.fontManager.ttflist if e.name == name]
        if not files:
            known = {entry.name for entry in font_manager.fontManager.ttflist}
            raise ValueError(
                f"use_hangul_font: matplotlib knows no font family {name!r}; expected an "
                f"installed family such as {sorted(known & set(HANGUL_FONTS)) or 'NanumGothic'} "
                f"({_INSTALL_HINT})"
            )
        if not any(_covers_hangul(path) for path in files):
            raise ValueError(f"use_hangul_font: font family {name!r} has no Hangul glyphs")
    family = mpl.rcParams["font.family"]
    family = [family] if isinstance(family, str) else list(family)
    if name not in family:
        mpl.rcParams["font.family"] = [*family, name]
    return name
