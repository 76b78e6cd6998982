"""dlfs.i18n: one setting (DLFS_LANG or set_language) chooses the language of plot text.

The Korean edition of the book runs its chapters with DLFS_LANG=ko; the library's plots and
the chapters' labels then come out in Korean, drawn with a Hangul font. Where no Debian font
is installed (Colab, Binder), that font is the NanumGothic the PyPI package
koreanize-matplotlib ships, found without importing the package.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from dlfs import i18n
from dlfs.datasets import FASHION_MNIST_CLASSES, FASHION_MNIST_CLASSES_KO
from dlfs.i18n import LANGUAGE_ENV, get_language, set_language, tr
from dlfs.plotting import plot_activation_histograms, plot_learning_curves

HANGUL = "가힣"


def has_hangul(text: str) -> bool:
    return any(HANGUL[0] <= c <= HANGUL[1] for c in text)


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no language chosen and no DLFS_LANG, and restores matplotlib."""
    monkeypatch.delenv(LANGUAGE_ENV, raising=False)
    set_language(None)
    with mpl.rc_context():
        yield
    set_language(None)
    plt.close("all")


@pytest.mark.parametrize(
    ("value", "language"),
    [("", "en"), ("ko", "ko"), ("ko_KR.UTF-8", "ko"), ("KO", "ko"), ("en", "en"), ("fr", "en")],
)
def test_language_comes_from_the_environment(monkeypatch, value: str, language: str) -> None:
    monkeypatch.setenv(LANGUAGE_ENV, value)
    assert get_language() == language
    assert tr("epoch", "에폭") == ("에폭" if language == "ko" else "epoch")


def test_set_language_overrides_the_environment_until_reset(monkeypatch) -> None:
    monkeypatch.setenv(LANGUAGE_ENV, "ko")
    assert set_language("en") == "en"
    assert tr("loss", "손실") == "loss"
    assert set_language(None) == "ko"
    assert tr("loss", "손실") == "손실"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        set_language("fr")
    assert get_language() == "en"


def test_korean_makes_sure_of_a_hangul_font(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(i18n, "_font_checked", False)
    monkeypatch.setattr("dlfs.fonts.use_hangul_font", lambda: calls.append(1))
    set_language("ko")
    tr("a", "가")
    tr("b", "나")
    assert calls == [1]


def _texts(fig) -> list[str]:
    found = []
    for ax in fig.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()]
    return [t for t in found if t]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_library_plots_speak_the_language(language: str) -> None:
    set_language(language)
    rng = np.random.default_rng(0)
    curves = plot_learning_curves(
        train_loss=rng.random(50), train_acc=[0.5, 0.7], test_acc=[0.4, 0.6], smooth=5
    )
    hist = plot_activation_histograms({"layer 1": rng.random((10, 5))})
    texts = _texts(curves) + _texts(hist)
    assert len(texts) >= 9, texts
    korean = [t for t in texts if has_hangul(t)]
    if language == "ko":
        assert len(korean) == len(texts) - 1, texts  # all but the histogram's "layer 1"
    else:
        assert not korean, texts


@pytest.mark.parametrize("language", ["en", "ko"])
def test_class_names_come_in_the_plots_language(language: str) -> None:
    from dlfs.plotting import plot_images

    set_language(language)
    names = tr(FASHION_MNIST_CLASSES, FASHION_MNIST_CLASSES_KO)
    assert len(names) == len(set(names)) == 10
    fig = plot_images(np.zeros((3, 1, 28, 28)), np.array([0, 5, 9]), names)
    titles = [t for t in _texts(fig) if t]
    assert len(titles) == 3
    assert all(has_hangul(t) for t in titles) == (language == "ko"), titles
    assert ("앵클 부츠" in titles) == (language == "ko") and ("Ankle boot" in titles) != (
        language == "ko"
    )


def test_korean_labels_draw_with_the_fonts_of_the_pypi_package(tmp_path) -> None:
    """With no Hangul font on the machine (as on Colab), the NanumGothic of the
    koreanize-matplotlib package draws the Korean labels; the package is never imported."""
    pytest.importorskip("koreanize_matplotlib")  # a dependency of dlfs (pyproject.toml)
    script = textwrap.dedent(
        """
        import io, sys, warnings
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import font_manager
        # A machine without Hangul fonts: none on the system, none registered.
        font_manager.findSystemFonts = lambda *args, **kwargs: []
        fm = font_manager.fontManager
        fm.ttflist = [e for e in fm.ttflist if "nanum" not in e.fname.lower()
                      and "cjk" not in e.fname.lower() and "koreanize" not in e.fname]
        import matplotlib.pyplot as plt
        from dlfs.i18n import tr  # DLFS_LANG=ko: the Hangul font is added here
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig, ax = plt.subplots()  # as a chapter does: its own axes, then labels
            ax.plot([1, 2], label=tr("loss", "손실"))
            ax.set_xlabel(tr("epoch", "에폭"))
            ax.set_title(tr("Training", "정확도와 손실"))
            ax.legend()
            fig.savefig(io.BytesIO(), format="png")
            from dlfs.plotting import plot_learning_curves
            fig = plot_learning_curves(train_loss=[3, 2, 1], train_acc=[0.2, 0.5])
            fig.savefig(io.BytesIO(), format="png")
        missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
        family = matplotlib.rcParams["font.family"]
        files = [e.fname for e in fm.ttflist if e.name == "NanumGothic"]
        print(family, files, missing, "koreanize_matplotlib" in sys.modules)
        assert "NanumGothic" in family, family
        assert files and all("koreanize_matplotlib" in f for f in files), files
        assert not missing, missing
        assert "koreanize_matplotlib" not in sys.modules
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"MPLCONFIGDIR": str(tmp_path), "PATH": "/usr/bin:/bin", LANGUAGE_ENV: "ko"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
