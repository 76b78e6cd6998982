"""Tests for dlfs.plotting under the Agg backend (set in conftest): artists, saving, bad input."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from dlfs.perceptron import Perceptron
from dlfs.plotting import (
    FASHION_MNIST_CLASSES,
    plot_activation_histograms,
    plot_decision_boundary,
    plot_filters,
    plot_images,
    plot_learning_curves,
    plot_weight_grid,
    smooth_curve,
    tile_images,
)
from dlfs.synthetic import make_spiral, truth_table
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def _spiral_predict(X):
    """A fixed 3-class scorer: the class of the nearest of three directions."""
    directions = np.array([[1.0, 0.0], [-0.5, 0.87], [-0.5, -0.87]])
    return X @ directions.T


def _trained_and_gate():
    X, y = truth_table("AND")
    return Perceptron(rng=np.random.default_rng(0)).fit(X, y), X, y


HISTORY = SimpleNamespace(
    train_loss_list=[2.3, 1.9, 1.2, 0.8, 0.7, 0.5],
    train_acc_list=[0.5, 0.8],
    test_acc_list=[0.4, 0.7],
)

# name -> (draw(rng, ax_or_None), number of Axes to pass, expected artists over all Axes,
#          expected number of visible Axes)
PLOTS = {
    "learning curves": (
        lambda rng, ax: plot_learning_curves([2.3, 1.5, 1.0, 0.9], [0.6, 0.9], [0.5, 0.85], ax=ax),
        2,
        {"lines": 3},
        2,
    ),
    "learning curves smoothed": (
        lambda rng, ax: plot_learning_curves(rng.random(50), smooth=5, ax=ax),
        1,
        {"lines": 2},
        1,
    ),
    "learning curves from trainer": (
        lambda rng, ax: plot_learning_curves(HISTORY, ax=ax),
        2,
        {"lines": 3},
        2,
    ),
    "learning curves from dict": (
        lambda rng, ax: plot_learning_curves({"train_acc": [0.1, 0.5, 0.9]}, ax=ax),
        1,
        {"lines": 1},
        1,
    ),
    "filters gray": (
        lambda rng, ax: plot_filters(rng.standard_normal((30, 1, 5, 5)), ax=ax),
        1,
        {"images": 1},
        1,
    ),
    "filters rgb": (
        lambda rng, ax: plot_filters(rng.standard_normal((7, 3, 3, 3)), channel="rgb", ax=ax),
        1,
        {"images": 1},
        1,
    ),
    "weight grid": (
        lambda rng, ax: plot_weight_grid(rng.standard_normal((784, 20)), ax=ax),
        1,
        {"images": 1},
        1,
    ),
    "weight grid rectangular": (
        lambda rng, ax: plot_weight_grid(rng.standard_normal((12, 5)), (3, 4), ax=ax),
        1,
        {"images": 1},
        1,
    ),
    "activation histograms dict": (
        lambda rng, ax: plot_activation_histograms(
            {"sigmoid 1": rng.random((10, 4)), "sigmoid 2": rng.random((10, 4))},
            bins=10,
            value_range=(0, 1),
            ax=ax,
        ),
        2,
        {"patches": 20},
        2,
    ),
    "activation histograms list": (
        lambda rng, ax: plot_activation_histograms([rng.random(30)] * 3, bins=5, ax=ax),
        3,
        {"patches": 15},
        3,
    ),
    "activation histograms without zeros on a log axis": (
        lambda rng, ax: plot_activation_histograms(
            [np.maximum(rng.standard_normal(40), 0)] * 2, bins=8, drop_zeros=True, log=True, ax=ax
        ),
        2,
        {"patches": 16},
        2,
    ),
    "learning curves with accuracy every few steps": (
        lambda rng, ax: plot_learning_curves(
            rng.random(30), [0.3, 0.5, 0.6], [0.2, 0.4, 0.5], acc_at=[10, 20, 30], ax=ax
        ),
        2,
        {"lines": 3},
        2,
    ),
    "decision boundary spiral": (
        lambda rng, ax: plot_decision_boundary(
            _spiral_predict, *make_spiral(10, 3, rng=rng), resolution=30, ax=ax
        ),
        1,
        {"collections": 4},  # the filled contour set and one scatter per class
        1,
    ),
    "decision boundary perceptron": (
        lambda rng, ax: plot_decision_boundary(
            _trained_and_gate()[0].predict, *_trained_and_gate()[1:], resolution=20, ax=ax
        ),
        1,
        {"collections": 3},
        1,
    ),
    "images flat with names": (
        lambda rng, ax: plot_images(
            rng.random((10, 784)), np.arange(10), FASHION_MNIST_CLASSES, ax=ax
        ),
        10,
        {"images": 10},
        10,
    ),
    "images rgb with predictions": (
        lambda rng, ax: plot_images(
            rng.random((3, 3, 8, 8)), [0, 1, 2], predictions=np.eye(3)[[0, 2, 2]], ax=ax
        ),
        3,
        {"images": 3},
        3,
    ),
}


def _count(fig: Figure) -> dict[str, int]:
    counts = {"images": 0, "lines": 0, "patches": 0, "collections": 0}
    for ax in fig.axes:
        if ax.get_visible():
            for kind in counts:
                counts[kind] += len(getattr(ax, kind))
    return counts


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", PLOTS)
def test_plot_draws_expected_artists(name):
    draw, _, expected, n_axes = PLOTS[name]
    out = draw(np.random.default_rng(0), None)
    assert isinstance(out, (Axes, Figure))
    fig = out if isinstance(out, Figure) else out.figure
    assert sum(ax.get_visible() for ax in fig.axes) == n_axes
    counts = _count(fig)
    for kind, n in expected.items():
        assert counts[kind] == n, f"{kind}: {counts}"


@pytest.mark.parametrize("name", PLOTS)
def test_plot_saves_png_and_closes(name, tmp_path):
    draw = PLOTS[name][0]
    out = draw(np.random.default_rng(0), None)
    fig = out if isinstance(out, Figure) else out.figure
    path = tmp_path / "plot.png"
    fig.savefig(path, dpi=40)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 500
    plt.close(fig)
    assert fig.number not in plt.get_fignums()


@pytest.mark.parametrize("name", PLOTS)
def test_plot_draws_into_given_axes(name):
    draw, n_given, _, _ = PLOTS[name]
    fig, grid = plt.subplots(1, n_given + 1, squeeze=False)
    axes = list(grid.ravel())
    before = plt.get_fignums()
    out = draw(np.random.default_rng(0), axes[0] if n_given == 1 else axes[:n_given])
    assert plt.get_fignums() == before  # no new figure
    assert out is fig or out is axes[0]
    assert all(
        ax.images or ax.lines or ax.patches or ax.collections or not ax.axison
        for ax in axes[:n_given]
    )
    assert not (axes[-1].images or axes[-1].lines or axes[-1].patches or axes[-1].collections)


def test_tile_images_layout():
    images = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    mosaic = tile_images(images, ncols=3)
    assert mosaic.shape == (2 * 2 + 1, 3 * 3 + 2)
    np.testing.assert_array_equal(mosaic[3:5, 4:7], images[4])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[3:, 8:]).all()


def test_filters_are_scaled_each_to_its_own_range():
    W = np.stack([np.full((1, 2, 2), 5.0), np.array([[[0.0, 1.0], [2.0, 4.0]]])])
    ax = plot_filters(W, ncols=2)
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown[:2, :2], 0.5)  # a constant filter is mid-gray
    np.testing.assert_allclose(shown[:2, 3:], [[0.0, 0.25], [0.5, 1.0]])


def test_weight_grid_colour_scale_is_symmetric():
    W = np.array([[1.0, -3.0], [2.0, 0.5], [0.0, 0.0], [-1.0, 2.0]])
    ax = plot_weight_grid(W)
    assert ax.images[0].get_clim() == (-3.0, 3.0)


def test_plot_images_marks_wrong_predictions_in_red():
    fig = plot_images(np.zeros((2, 4, 4)), [1, 2], predictions=[1, 3], class_names="abcd")
    titles = [ax.title for ax in fig.axes if ax.get_visible()]
    assert titles[0].get_text() == "b" and titles[0].get_color() == "black"
    assert titles[1].get_text() == "d\n(c)" and titles[1].get_color() == "red"


def test_fashion_mnist_class_names():
    assert FASHION_MNIST_CLASSES[0] == "T-shirt/top" and FASHION_MNIST_CLASSES[9] == "Ankle boot"
    assert len(set(FASHION_MNIST_CLASSES)) == 10


BAD = {
    "curves nothing": (lambda: plot_learning_curves(), "nothing to plot"),
    "curves 2-D": (lambda: plot_learning_curves(np.zeros((2, 2))), "train_loss must be 1-D"),
    "curves too few axes": (
        lambda: plot_learning_curves([1.0], [0.5], ax=plt.subplots()[1]),
        "needs 2 Axes, got 1",
    ),
    "curves acc_at length": (
        lambda: plot_learning_curves([1.0], [0.5, 0.6], acc_at=[10]),
        "acc_at has 1 positions but train_acc has 2",
    ),
    "filters 3-D": (lambda: plot_filters(np.zeros((4, 5, 5))), r"\(FN, C, FH, FW\)"),
    "filters rgb C=1": (lambda: plot_filters(np.zeros((4, 1, 3, 3)), channel="rgb"), "C = 3"),
    "filters channel": (lambda: plot_filters(np.zeros((4, 2, 3, 3)), channel=2), "below C = 2"),
    "weights 3-D": (lambda: plot_weight_grid(np.zeros((4, 4, 4))), r"shape \(D, M\)"),
    "weights not square": (lambda: plot_weight_grid(np.zeros((10, 3))), "not a square"),
    "weights bad shape": (lambda: plot_weight_grid(np.zeros((10, 3)), (3, 3)), "holds 9 pixels"),
    "hist empty": (lambda: plot_activation_histograms({}), "no activations"),
    "hist empty array": (lambda: plot_activation_histograms([np.zeros(0)]), "is empty"),
    "boundary X 3-D": (
        lambda: plot_decision_boundary(_spiral_predict, np.zeros((5, 3)), np.zeros(5)),
        r"shape \(N, 2\)",
    ),
    "boundary labels": (
        lambda: plot_decision_boundary(_spiral_predict, np.zeros((5, 2)), np.zeros(4)),
        "5 labels",
    ),
    "boundary predict": (
        lambda: plot_decision_boundary(lambda X: X[:3, 0], np.eye(2), [0, 1], resolution=5),
        "predict_fn returned shape",
    ),
    "images 5-D": (lambda: plot_images(np.zeros((2, 1, 1, 4, 4))), "x must have shape"),
    "images labels": (lambda: plot_images(np.zeros((3, 4, 4)), [0, 1]), "3 entries"),
    "images few axes": (
        lambda: plot_images(np.zeros((3, 4, 4)), ax=plt.subplots(1, 2)[1]),
        "needs 3 Axes",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gives_clear_error(case):
    call, fragment = BAD[case]
    with pytest.raises(ValueError, match=fragment):
        call()


def test_activation_histograms_reject_other_types():
    with pytest.raises(TypeError, match="dict or a list"):
        plot_activation_histograms(np.zeros((3, 3)))


def test_smooth_curve_is_a_kaiser_weighted_mean_that_keeps_the_length():
    rng = np.random.default_rng(0)
    x = np.linspace(2.0, 0.5, 60) + 0.2 * rng.standard_normal(60)
    y = smooth_curve(x)
    assert y.shape == x.shape
    w = np.kaiser(11, 2.0)
    w /= w.sum()
    np.testing.assert_allclose(y[5:-5], [w @ x[i - 5 : i + 6] for i in range(5, 55)], rtol=1e-12)
    mirrored = np.concatenate([x[5:0:-1], x[:6]])  # the curve mirrored about its first point
    assert y[0] == pytest.approx(w @ mirrored, rel=1e-12)
    assert np.std(np.diff(y)) < 0.5 * np.std(np.diff(x))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_smooth_curve_handles_short_and_constant_curves(n):
    np.testing.assert_allclose(smooth_curve(np.full(n, 3.0)), np.full(n, 3.0))
    np.testing.assert_allclose(smooth_curve(np.full(30, -1.5), window=7, beta=5), -1.5)


def test_smooth_curve_rejects_an_even_window():
    with pytest.raises(ValueError, match="odd"):
        smooth_curve(np.ones(20), window=10)


def test_activation_histograms_drop_zeros_counts_only_nonzero_values_and_says_how_many():
    values = np.array([0.0] * 6 + [0.5, 1.0, 1.5, 2.0])
    fig = plot_activation_histograms({"relu": values}, bins=4, drop_zeros=True, log=True)
    ax = fig.axes[0]
    assert sum(patch.get_height() for patch in ax.patches) == 4
    assert ax.get_title() == "relu (60% zeros)"
    assert ax.get_yscale() == "log"


def test_learning_curves_put_accuracies_at_the_given_iterations():
    fig = plot_learning_curves(
        [1.0] * 300, test_acc=[0.5, 0.7, 0.8], acc_at=[100, 200, 300], ax=plt.subplots(1, 2)[1]
    )
    acc_ax = fig.axes[1]
    assert list(acc_ax.lines[0].get_xdata()) == [100, 200, 300]
    assert acc_ax.get_xlabel() == "iteration"
