"""Korean (Hangul) text in plots: dlfs.plotting adds a Hangul font as per-glyph fallback.

Rendering checks run under Agg (set in conftest) and need an installed Hangul font; CI installs
Debian's fonts-nanum (scripts/setup.sh). Without one they skip, saying what to install, while
the checks of the fallback logic itself still run.
"""

from __future__ import annotations

import io
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from dlfs import fonts
from dlfs.fonts import HangulFontWarning, find_hangul_font, use_hangul_font
from matplotlib.axes import Axes
from matplotlib.text import Text

HANGUL_FONT = find_hangul_font()
needs_hangul_font = pytest.mark.skipif(
    HANGUL_FONT is None,
    reason="no Hangul font installed: install Debian's fonts-nanum (scripts/setup.sh does)",
)
DEJAVU = Path(mpl.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")


def _legend_text(ax: Axes, label: str) -> Text:
    ax.plot([0, 1], [1, 0], label=label)
    return ax.legend().get_texts()[0]


def _tick_text(ax: Axes, label: str) -> Text:
    ax.set_xticks([0, 1], ["epoch", label])
    return ax.get_xticklabels()[1]


# name -> (draw(ax, text) returning the Text artist it made, a text holding Hangul)
HANGUL_TEXTS: dict[str, tuple[Callable[[Axes, str], Text], str]] = {
    "title": (lambda ax, s: ax.set_title(s), "손실 함수 (loss function)"),
    "axis label": (lambda ax, s: ax.set_xlabel(s), "에폭 (epoch)"),
    "legend": (_legend_text, "교차 엔트로피 오차 (cross-entropy)"),
    "tick label": (_tick_text, "시험 데이터"),
    "free text": (lambda ax, s: ax.text(0.1, 0.5, s, fontsize=14), "합성곱 신경망"),
    "suptitle": (lambda ax, s: ax.figure.suptitle(s, fontsize=16), "기울기 소실"),
}


@pytest.fixture(autouse=True)
def _restore_rc() -> Iterator[None]:
    """Every test starts from the settings importing dlfs.plotting made, and leaves them."""
    with mpl.rc_context():
        yield
    plt.close("all")


def _render(
    case: str, caplog: pytest.LogCaptureFixture, text: str | None = None
) -> tuple[Text, list[str], np.ndarray]:
    """Draw one case (with its own text, or ``text``) into a new figure and save it as PNG.

    Returns the Text artist, the complaints about missing glyphs raised while rendering
    (warnings from the Agg renderer, log messages from mathtext), and the grey pixels of the
    text's bounding box.
    """
    draw, default = HANGUL_TEXTS[case]
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100, layout="constrained")
    caplog.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        artist = draw(ax, default if text is None else text)
        fig.savefig(io.BytesIO(), format="png")
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].mean(axis=-1)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    missing = [m for m in messages if "missing from font" in m or "does not have a glyph" in m]
    box = artist.get_window_extent()
    height = pixels.shape[0]
    crop = pixels[
        max(0, int(height - box.y1)) : int(height - box.y0) + 1,
        max(0, int(box.x0)) : int(box.x1) + 1,
    ]
    return artist, missing, crop


def _shift_hangul(s: str) -> str:
    """The same string with every Hangul syllable replaced by a different one."""

    def shift(c: str) -> str:
        if not "가" <= c <= "힣":
            return c
        return chr(ord(c) + 28 if ord(c) + 28 <= ord("힣") else ord(c) - 28)

    return "".join(map(shift, s))


def test_importing_dlfs_plotting_adds_the_font_as_fallback() -> None:
    family = list(mpl.rcParams["font.family"])
    if HANGUL_FONT is None:
        assert not set(family) & set(fonts.HANGUL_FONTS)
    else:
        assert family[-1] == HANGUL_FONT, f"font.family = {family}"
        assert family[0] == "sans-serif", "Latin text must keep its usual font"


@needs_hangul_font
@pytest.mark.parametrize("case", HANGUL_TEXTS)
def test_hangul_renders_without_missing_glyphs(case: str, caplog: pytest.LogCaptureFixture) -> None:
    _, missing, _ = _render(case, caplog)
    assert not missing, f"{case}: {missing}"


@needs_hangul_font
@pytest.mark.parametrize("case", HANGUL_TEXTS)
def test_hangul_text_is_drawn_with_real_glyphs(case: str, caplog: pytest.LogCaptureFixture) -> None:
    """Real glyphs differ from syllable to syllable; the boxes drawn for missing glyphs
    ('tofu') are all alike. So shifting every syllable must change the picture."""
    text, _, crop = _render(case, caplog)
    size_px = text.get_fontsize() * 100 / 72
    hangul = sum("가" <= c <= "힣" for c in text.get_text())
    assert crop.shape[1] > 0.5 * hangul * size_px, f"{case}: text only {crop.shape[1]} px wide"
    assert crop.shape[0] > 0.6 * size_px, f"{case}: text only {crop.shape[0]} px high"
    assert crop.min() < 128, f"{case}: nothing dark drawn in the text's box"

    _, _, other = _render(case, caplog, _shift_hangul(HANGUL_TEXTS[case][1]))
    same_shape = other.shape == crop.shape
    assert not (same_shape and np.array_equal(other, crop)), (
        f"{case}: different Hangul syllables render identically (missing-glyph boxes?)"
    )


@pytest.mark.parametrize("case", ["free text", "tick label"])
def test_without_fallback_the_missing_glyphs_are_detected(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The checks above can fail: DejaVu Sans alone draws Hangul as boxes, with warnings."""
    mpl.rcParams["font.family"] = ["DejaVu Sans"]
    _, missing, crop = _render(case, caplog)
    assert missing, "matplotlib should warn about the Hangul glyphs DejaVu Sans lacks"
    _, _, other = _render(case, caplog, _shift_hangul(HANGUL_TEXTS[case][1]))
    assert np.array_equal(other, crop), "missing glyphs should all look alike"


@needs_hangul_font
def test_korean_beside_math_is_caught(caplog: pytest.LogCaptureFixture) -> None:
    """A label with $...$ goes wholly through mathtext, which has no fallback: the Korean in
    it is missing (the docstring of use_hangul_font says to keep them apart)."""
    _, missing, _ = _render("axis label", caplog, "기울기 $\\partial L / \\partial W$")
    assert missing


@needs_hangul_font
def test_use_hangul_font_appends_once_and_keeps_the_family() -> None:
    mpl.rcParams["font.family"] = ["serif"]
    assert use_hangul_font() == HANGUL_FONT
    assert use_hangul_font() == HANGUL_FONT
    assert list(mpl.rcParams["font.family"]) == ["serif", HANGUL_FONT]


@needs_hangul_font
def test_use_hangul_font_accepts_a_family_name_or_a_font_file(tmp_path: Path) -> None:
    mpl.rcParams["font.family"] = ["sans-serif"]
    assert use_hangul_font(HANGUL_FONT) == HANGUL_FONT
    path = next(e.fname for e in fonts.font_manager.fontManager.ttflist if e.name == HANGUL_FONT)
    copy = tmp_path / f"copy{Path(path).suffix}"
    shutil.copy(path, copy)
    assert use_hangul_font(copy) == HANGUL_FONT
    assert use_hangul_font(str(copy)) == HANGUL_FONT
    assert list(mpl.rcParams["font.family"]) == ["sans-serif", HANGUL_FONT]


# bad argument -> (exception, words the message must contain)
BAD_FONTS = {
    "unknown family": ("No Such Font KR", ValueError, "No Such Font KR"),
    "file without Hangul": (DEJAVU, ValueError, "no Hangul glyphs"),
    "family without Hangul": ("DejaVu Sans", ValueError, "no Hangul glyphs"),
    "missing file": (Path("no/such/font.ttf"), FileNotFoundError, "no font file"),
}


@pytest.mark.parametrize("case", BAD_FONTS)
def test_use_hangul_font_rejects_bad_fonts(case: str) -> None:
    font, error, words = BAD_FONTS[case]
    before = list(mpl.rcParams["font.family"])
    with pytest.raises(error, match=words):
        use_hangul_font(font)
    assert list(mpl.rcParams["font.family"]) == before


def test_no_hangul_font_warns_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "HANGUL_FONTS", ("No Such Font KR",))
    monkeypatch.setattr(fonts, "_unregistered_font_files", lambda: [])
    before = list(mpl.rcParams["font.family"])
    with pytest.warns(HangulFontWarning, match="fonts-nanum"):
        assert use_hangul_font() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert use_hangul_font(warn=False) is None
    assert list(mpl.rcParams["font.family"]) == before


def test_fonts_of_the_pypi_package_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package shipping fonts/*.ttf (as koreanize-matplotlib does) is used, not imported."""
    package = tmp_path / "fake_hangul_fonts"
    (package / "fonts").mkdir(parents=True)
    (package / "__init__.py").write_text("raise AssertionError('must not be imported')\n")
    font = package / "fonts" / "Shipped.ttf"
    shutil.copy(DEJAVU, font)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(fonts, "_PYPI_FONT_PACKAGE", "fake_hangul_fonts")
    assert str(font) in fonts._unregistered_font_files()
