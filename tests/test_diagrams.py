"""Tests for dlfs.diagrams: every diagram draws, as SVG, the numbers the library computes."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
from dlfs import diagrams
from dlfs.convnets import DeepConvNet, SimpleConvNet
from dlfs.functions import sigmoid
from dlfs.i18n import set_language
from dlfs.networks import TwoLayerNet

DIAGRAMS: dict[str, Callable[[], diagrams.Diagram]] = {
    "apple": diagrams.apple_graph,
    "sigmoid_gate": diagrams.sigmoid_gate,
    "xor": diagrams.xor_network,
    "two_layer": lambda: diagrams.two_layer_network(TwoLayerNet(784, 50, 10, rng=0)),
    "conv_sliding": diagrams.conv_sliding,
    "im2col": diagrams.im2col_unrolling,
    "pooling_forward": diagrams.pooling_forward,
    "pooling_backward": diagrams.pooling_backward,
    "simple_convnet": lambda: diagrams.architecture(SimpleConvNet(rng=0), (1, 28, 28)),
    "deep_convnet": lambda: diagrams.architecture(
        DeepConvNet(rng=0, dtype=np.float32), (1, 28, 28), per_row=6
    ),
}


@pytest.mark.parametrize("name", DIAGRAMS)
def test_diagram_is_a_deterministic_svg(name: str) -> None:
    first, second = DIAGRAMS[name](), DIAGRAMS[name]()
    svg = first._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg == second.svg(), "the same drawing must give the same SVG (no dates, fixed ids)"
    assert first.texts, "a diagram without any label"


@pytest.mark.parametrize(("price", "count", "tax"), [(100, 2, 1.1), (50, 3, 1.2), (120, 4, 1.05)])
def test_apple_graph_shows_forward_values_and_gradients(price, count, tax) -> None:
    texts = diagrams.apple_graph(price, count, tax).texts
    expected = [price * count * tax, count * tax, price * tax, price * count, tax]
    for value in expected:
        assert f"{value:.3g}" in texts, (value, texts)


def test_apple_graph_has_the_textbook_numbers() -> None:
    assert {"220", "1.1", "200", "110", "2.2"} <= set(diagrams.apple_graph().texts)


def test_sigmoid_gate_matches_the_formula() -> None:
    w, x = (0.5, -1.5, 0.25), (2.0, 1.0)
    a = w[0] * x[0] + w[1] * x[1] + w[2]
    y = float(sigmoid(a))
    local = y * (1 - y)
    texts = diagrams.sigmoid_gate(w, x).texts
    for value in [y, a, local, local * x[0], local * w[0], local * x[1], local * w[1]]:
        assert f"{value:.2f}" in texts, (value, texts)


def test_conv_sliding_shows_the_convolution() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.integers(0, 4, (4, 4)).astype(float), rng.integers(0, 3, (3, 3)).astype(float)
    texts = diagrams.conv_sliding(x, w).texts
    for i in range(2):
        for j in range(2):
            assert f"{np.sum(x[i : i + 3, j : j + 3] * w):g}" in texts


def test_pooling_backward_routes_each_gradient_to_its_maximum() -> None:
    x = np.array([[9, 1, 0, 2], [3, 4, 8, 5], [0, 7, 1, 1], [6, 2, 3, 0]], dtype=float)
    dout = np.array([[1.5, 2.5], [3.5, 4.5]])
    texts = diagrams.pooling_backward(x, dout).texts
    dx_texts = texts[texts.index("dx") - 16 : texts.index("dx")]
    expected = np.zeros_like(x)
    expected[0, 0], expected[1, 2], expected[2, 1], expected[3, 2] = 1.5, 2.5, 3.5, 4.5
    assert dx_texts == [f"{v:g}" for v in expected.ravel()]


def test_architecture_lists_every_layer_with_its_shape() -> None:
    conv = {"filter_num": 7, "filter_size": 3}
    net = SimpleConvNet((1, 12, 12), conv_param=conv, hidden_size=20, rng=0)
    texts = diagrams.architecture(net, (1, 12, 12)).texts
    names = [t for t in texts if "×" not in t and not t.isdigit()]
    assert names == ["input", *net.layers, "Softmax"]
    assert "7 × 10 × 10" in texts and "7 × 5 × 5" in texts and "20" in texts


def test_xor_network_table_is_xor() -> None:
    table = diagrams.xor_network().texts[-1].splitlines()[1:]
    assert [row.split()[-1] for row in table] == ["0", "1", "1", "0"]


@pytest.mark.parametrize("name", DIAGRAMS)
def test_drawing_logs_no_font_warning(name: str, caplog: pytest.LogCaptureFixture) -> None:
    """Bold numbers must not send matplotlib looking for a bold Hangul font: its findfont
    warning would be printed under the book's cells."""
    import dlfs.plotting  # noqa: F401  (adds the Hangul fallback font, as the chapters do)
    from matplotlib import font_manager

    cached = getattr(font_manager.fontManager, "_findfont_cached", None)
    if cached is not None:
        cached.cache_clear()  # a warning is logged only the first time a font is missed
    with caplog.at_level("WARNING", logger="matplotlib.font_manager"):
        DIAGRAMS[name]().svg()
    assert not [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()]


#: Diagrams whose labels are only numbers, symbols and code names.
UNLABELLED = {"sigmoid_gate", "im2col"}
#: The English words of the diagrams' labels, which the Korean edition must not show.
ENGLISH_LABELS = re.compile(
    r"\b(apple|tax|total|input|layer|hidden|pixels|neurons|classes|"
    r"filter|output|route)\b"
)


@pytest.mark.parametrize("name", DIAGRAMS)
def test_diagrams_speak_korean_in_the_korean_edition(name: str) -> None:
    try:
        set_language("ko")
        texts = DIAGRAMS[name]().texts
    finally:
        set_language(None)
    english = [t for t in texts if ENGLISH_LABELS.search(t)]
    assert not english, f"{name}: English labels in Korean: {english}"
    assert any(ENGLISH_LABELS.search(t) for t in DIAGRAMS[name]().texts) or name in UNLABELLED
