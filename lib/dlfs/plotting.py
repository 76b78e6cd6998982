"""Plots used throughout the book: learning curves, filters, weights, activations, boundaries.

Every function draws into the ``ax`` it is given (one Axes, or a sequence of Axes for plots
with several panels) or into a new figure, and returns what it drew on: the Axes for a
single-panel plot, the Figure for a multi-panel one. Nothing calls ``plt.show()``, so the
functions work under the non-interactive Agg backend, in scripts and in notebooks alike.
Filter and weight grids are drawn as one tiled image in a single Axes, which is fast even
for hundreds of filters.

Labels in the reader's language: the labels, titles and legends these functions write come
in English and Korean, and :func:`dlfs.i18n.tr` picks one (Korean with ``DLFS_LANG=ko``, as
in the book's Korean edition, or after ``dlfs.i18n.set_language("ko")``).

Korean labels: importing this module calls :func:`dlfs.fonts.use_hangul_font`, which adds an
installed Hangul font after the current font family, so titles and labels in Hangul draw
without boxes; see :mod:`dlfs.fonts` for which fonts it finds and what to install.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from dlfs._checks import int_at_least
from dlfs.datasets import FASHION_MNIST_CLASSES, MNIST_CLASSES
from dlfs.fonts import HANGUL_FONTS, HangulFontWarning, find_hangul_font, use_hangul_font
from dlfs.i18n import tr

__all__ = [
    "FASHION_MNIST_CLASSES",
    "HANGUL_FONTS",
    "MNIST_CLASSES",
    "HangulFontWarning",
    "find_hangul_font",
    "plot_activation_histograms",
    "plot_decision_boundary",
    "plot_filters",
    "plot_images",
    "plot_learning_curves",
    "plot_weight_grid",
    "smooth_curve",
    "tile_images",
    "use_hangul_font",
]


def _axes_list(ax: Axes | Sequence[Axes] | None, n: int, ncols: int, panel: float) -> list[Axes]:
    """``n`` Axes: the ones given (checked), or a new figure of ``ceil(n / ncols)`` rows."""
    if ax is None:
        nrows = math.ceil(n / ncols)
        _, grid = plt.subplots(
            nrows,
            ncols,
            figsize=(panel * ncols, panel * nrows),
            squeeze=False,
            layout="constrained",
        )
        axes = list(grid.ravel())
        for extra in axes[n:]:
            extra.set_visible(False)
        return axes[:n]
    axes = [ax] if isinstance(ax, Axes) else list(ax)
    if len(axes) < n:
        raise ValueError(f"this plot needs {n} Axes, got {len(axes)}")
    return axes[:n]


def _single_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


# --------------------------------------------------------------------------------------------
# Learning curves


def smooth_curve(x: ArrayLike, window: int = 11, beta: float = 2.0) -> np.ndarray:
    """A noisy curve (a loss per iteration) smoothed by a Kaiser window; the length is kept.

    Each point becomes the weighted mean of the ``window`` points around it, with weights
    from ``np.kaiser(window, beta)``; at the ends the curve is mirrored about its first and
    last points. With the defaults this is the textbook's ``smooth_curve``.

    Parameters
    ----------
    x : array_like of shape (L,)
    window : int, default 11
        Odd number of points averaged; shortened to fit a curve of fewer points.
    beta : float, default 2.0
        Shape of the Kaiser window: 0 gives equal weights, larger values favour the centre.

    Returns
    -------
    ndarray of shape (L,), float64
    """
    y = np.asarray(x, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"smooth_curve: x must be 1-D, got shape {y.shape}")
    window = int_at_least(window, 1, "window", "smooth_curve")
    if window % 2 == 0:
        raise ValueError(f"smooth_curve: window must be odd (centred on each point), got {window}")
    half = min(int(window) // 2, len(y) - 1)
    if half < 1:
        return y.copy()
    weights = np.kaiser(2 * half + 1, beta)
    padded = np.pad(y, half, mode="reflect")
    return np.convolve(padded, weights / weights.sum(), mode="valid")


def plot_learning_curves(
    train_loss: Any = None,
    train_acc: Sequence[float] | None = None,
    test_acc: Sequence[float] | None = None,
    *,
    smooth: int | None = None,
    acc_at: Sequence[float] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Loss per iteration (left) and train/test accuracy per epoch (right).

    Parameters
    ----------
    train_loss : sequence of float, or a Trainer-like object, or a dict, optional
        Loss after each iteration. An object with ``train_loss_list``, ``train_acc_list`` and
        ``test_acc_list`` attributes (a :class:`dlfs.trainer.Trainer`) or a dict with keys
        ``train_loss``, ``train_acc``, ``test_acc`` supplies all three curves.
    train_acc, test_acc : sequence of float, optional
        Accuracy after each epoch.
    smooth : int, optional
        Also draw the moving average of the loss over this many iterations.
    acc_at : sequence of float, optional
        The iteration after which each accuracy was measured, for accuracies recorded more
        often than once per epoch; the accuracy panel then counts iterations, like the loss
        panel. Accuracies are drawn at epochs 1, 2, ... when None.
    ax : Axes or sequence of Axes, optional
        One Axes per panel drawn (loss, accuracy); a new figure when None.

    Returns
    -------
    Figure
    """
    if hasattr(train_loss, "train_loss_list"):
        source = train_loss
        train_loss = source.train_loss_list
        train_acc = getattr(source, "train_acc_list", None)
        test_acc = getattr(source, "test_acc_list", None)
    elif isinstance(train_loss, Mapping):
        source = train_loss
        train_loss, train_acc, test_acc = (
            source.get(k) for k in ("train_loss", "train_acc", "test_acc")
        )
    curves = {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc}
    for name, values in curves.items():
        if values is not None and np.ndim(values) != 1:
            raise ValueError(
                f"plot_learning_curves: {name} must be 1-D, got shape {np.shape(values)}"
            )
    has_loss = train_loss is not None and len(train_loss) > 0
    acc = {k: v for k, v in (("train", train_acc), ("test", test_acc)) if v is not None and len(v)}
    n_panels = int(has_loss) + int(bool(acc))
    if n_panels == 0:
        raise ValueError("plot_learning_curves: nothing to plot (all curves are None or empty)")
    axes = _axes_list(ax, n_panels, n_panels, 4.5)
    if has_loss:
        loss_ax = axes[0]
        loss = np.asarray(train_loss, dtype=float)
        loss_ax.plot(
            np.arange(len(loss)),
            loss,
            lw=0.8,
            alpha=0.6 if smooth else 1.0,
            label=tr("train loss", "훈련 손실"),
        )
        if smooth and smooth > 1 and len(loss) >= smooth:
            avg = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
            loss_ax.plot(
                np.arange(smooth - 1, len(loss)),
                avg,
                lw=1.8,
                label=tr(f"moving average ({smooth})", f"이동 평균 ({smooth})"),
            )
        loss_ax.set(
            xlabel=tr("iteration", "반복 횟수"),
            ylabel=tr("loss", "손실"),
            title=tr("Training loss", "훈련 손실"),
        )
        loss_ax.legend()
    steps = None if acc_at is None else np.asarray(acc_at, dtype=float)
    if steps is not None:
        for name, values in acc.items():
            if steps.ndim != 1 or len(steps) != len(values):
                raise ValueError(
                    f"plot_learning_curves: acc_at has {steps.size} positions but "
                    f"{name}_acc has {len(values)} values"
                )
    if acc:
        acc_ax = axes[-1]
        for (name, values), style in zip(acc.items(), ("-o", "--s"), strict=False):
            x = np.arange(1, len(values) + 1) if steps is None else steps
            label = tr(f"{name} acc", {"train": "훈련 정확도", "test": "시험 정확도"}[name])
            acc_ax.plot(x, values, style, ms=3, label=label)
        xlabel = tr("epoch", "에폭") if steps is None else tr("iteration", "반복 횟수")
        acc_ax.set(
            xlabel=xlabel,
            ylabel=tr("accuracy", "정확도"),
            title=tr("Accuracy", "정확도"),
            ylim=(0.0, 1.02),
        )
        acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        acc_ax.legend(loc="lower right")
    return cast(Figure, axes[0].figure)


# --------------------------------------------------------------------------------------------
# Image grids


def tile_images(images: np.ndarray, ncols: int | None = None, gap: int = 1) -> np.ndarray:
    """Tile images into one mosaic, with NaN (transparent) between and after them.

    Parameters
    ----------
    images : ndarray of shape (N, H, W) or (N, H, W, 3)
    ncols : int, optional
        Tiles per row; about ``sqrt(N)`` by default.
    gap : int, default 1
        Pixels between tiles.

    Returns
    -------
    ndarray of shape (rows * (H + gap) - gap, ncols * (W + gap) - gap[, 3]), float64
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3):
        raise ValueError(
            f"tile_images: expected shape (N, H, W) or (N, H, W, 3), got {images.shape}"
        )
    n, h, w = images.shape[:3]
    if n == 0:
        raise ValueError("tile_images: no images to tile (N = 0)")
    ncols = min(n, ncols or math.ceil(math.sqrt(n)))
    nrows = math.ceil(n / ncols)
    mosaic = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap, *images.shape[3:]), np.nan)
    for i in range(n):
        r, c = divmod(i, ncols)
        mosaic[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = images[i]
    return mosaic


def _scale_each(images: np.ndarray) -> np.ndarray:
    """Scale each image to [0, 1] by its own min and max (a constant image becomes 0.5)."""
    axes = tuple(range(1, images.ndim))
    lo = images.min(axis=axes, keepdims=True)
    span = images.max(axis=axes, keepdims=True) - lo
    return np.where(span > 0, (images - lo) / np.where(span > 0, span, 1.0), 0.5)


def _show_mosaic(ax: Axes, mosaic: np.ndarray, title: str | None, **imshow: Any) -> Axes:
    if mosaic.ndim == 3:  # RGB: gaps become transparent pixels
        alpha = ~np.isnan(mosaic[..., :1])
        mosaic = np.concatenate([np.nan_to_num(mosaic), alpha.astype(float)], axis=-1)
    ax.imshow(mosaic, interpolation="nearest", **imshow)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_filters(
    W: ArrayLike,
    *,
    channel: int | str = 0,
    ncols: int | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Show convolution filters side by side, each scaled to its own range.

    Parameters
    ----------
    W : array_like of shape (FN, C, FH, FW)
        Filters as stored by :class:`dlfs.conv.Convolution`.
    channel : int or "rgb", default 0
        Which input channel to show in gray, or ``"rgb"`` to show 3-channel filters in colour.
    ncols : int, optional
        Filters per row; about ``sqrt(FN)`` by default.
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
        Holding one image of all filters.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4:
        raise ValueError(f"plot_filters: W must have shape (FN, C, FH, FW), got {W.shape}")
    if channel == "rgb":
        if W.shape[1] != 3:
            raise ValueError(f"plot_filters: channel='rgb' needs C = 3, got W.shape={W.shape}")
        images = W.transpose(0, 2, 3, 1)
    elif isinstance(channel, int) and -W.shape[1] <= channel < W.shape[1]:
        images = W[:, channel]
    else:
        raise ValueError(
            f"plot_filters: channel must be 'rgb' or an index below "
            f"C = {W.shape[1]}, got {channel!r}"
        )
    ax = _single_axes(ax, (6, 6))
    mosaic = tile_images(_scale_each(images), ncols)
    return _show_mosaic(ax, mosaic, title, cmap="gray", vmin=0, vmax=1)


def _image_shape(n_pixels: int, image_shape: Sequence[int] | None, func: str) -> tuple[int, int]:
    if image_shape is None:
        side = math.isqrt(n_pixels)
        if side * side != n_pixels:
            raise ValueError(
                f"{func}: {n_pixels} pixels is not a square image; pass image_shape=(H, W)"
            )
        return side, side
    h, w = image_shape
    if h * w != n_pixels:
        raise ValueError(
            f"{func}: image_shape={tuple(image_shape)} holds {h * w} pixels, "
            f"but the data has {n_pixels}"
        )
    return int(h), int(w)


def plot_weight_grid(
    W: ArrayLike,
    image_shape: Sequence[int] | None = None,
    *,
    max_units: int | None = 100,
    ncols: int | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Show the incoming weights of each unit of an Affine layer as an image.

    Column ``j`` of ``W`` (the weights into unit ``j``) is reshaped to ``image_shape``. One
    symmetric colour scale is shared by all units: red positive, blue negative, white zero.

    Parameters
    ----------
    W : array_like of shape (D, M)
        ``D = H * W`` input pixels, ``M`` units (the textbook's ``Affine.W``).
    image_shape : (int, int), optional
        ``(H, W)``; square by default.
    max_units : int or None, default 100
        Show at most this many units (the first ones); None for all.
    ncols : int, optional
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"plot_weight_grid: W must have shape (D, M), got {W.shape}")
    h, w = _image_shape(W.shape[0], image_shape, "plot_weight_grid")
    units = W.T[:max_units] if max_units else W.T
    limit = float(np.abs(units).max()) or 1.0
    ax = _single_axes(ax, (6, 6))
    mosaic = tile_images(units.reshape(-1, h, w), ncols)
    return _show_mosaic(ax, mosaic, title, cmap="RdBu_r", vmin=-limit, vmax=limit)


def _to_images(x: np.ndarray, image_shape: Sequence[int] | None) -> np.ndarray:
    """(N, D), (N, H, W), (N, 1, H, W) or (N, 3, H, W) -> (N, H, W) or (N, H, W, 3)."""
    if x.ndim == 2:
        return x.reshape(len(x), *_image_shape(x.shape[1], image_shape, "plot_images"))
    if x.ndim == 3:
        return x
    if x.ndim == 4 and x.shape[1] in (1, 3):
        return x[:, 0] if x.shape[1] == 1 else x.transpose(0, 2, 3, 1)
    raise ValueError(
        f"plot_images: x must have shape (N, D), (N, H, W), (N, 1, H, W) or "
        f"(N, 3, H, W), got {x.shape}"
    )


def plot_images(
    x: ArrayLike,
    labels: ArrayLike | None = None,
    class_names: Sequence[str] | None = None,
    *,
    predictions: ArrayLike | None = None,
    image_shape: Sequence[int] | None = None,
    ncols: int = 8,
    ax: Sequence[Axes] | None = None,
) -> Figure:
    """Show images in a grid, titled by their labels (and predictions, red when wrong).

    Parameters
    ----------
    x : array_like of shape (N, D), (N, H, W), (N, 1, H, W) or (N, 3, H, W)
        Flat rows are reshaped to ``image_shape`` (square by default).
    labels : array_like of shape (N,) or (N, K), optional
        Integer labels or one-hot rows.
    class_names : sequence of str, optional
        Name of each class, e.g. :data:`FASHION_MNIST_CLASSES`.
    predictions : array_like of shape (N,) or (N, K), optional
        Predicted labels or scores.
    image_shape : (int, int), optional
    ncols : int, default 8
    ax : sequence of Axes, optional
        At least N Axes; a new figure when None.

    Returns
    -------
    Figure
    """
    images = _to_images(np.asarray(x), image_shape)
    n = len(images)
    if n == 0:
        raise ValueError("plot_images: x holds no images (N = 0)")

    def as_labels(values: ArrayLike | None, name: str) -> np.ndarray | None:
        if values is None:
            return None
        arr = np.asarray(values)
        arr = arr.argmax(axis=1) if arr.ndim == 2 else arr
        if arr.shape != (n,):
            raise ValueError(
                f"plot_images: {name} must have {n} entries to match x, got "
                f"shape {np.shape(values)}"
            )
        return arr.astype(np.int64)

    truth, pred = as_labels(labels, "labels"), as_labels(predictions, "predictions")

    def name_of(k: int) -> str:
        return class_names[k] if class_names is not None and 0 <= k < len(class_names) else str(k)

    axes = _axes_list(ax, n, min(ncols, n), 1.5)
    gray = images.ndim == 3
    for i, a in enumerate(axes):
        a.imshow(images[i], cmap="gray" if gray else None, interpolation="nearest")
        a.set_axis_off()
        if truth is not None and pred is not None:
            ok = truth[i] == pred[i]
            a.set_title(
                f"{name_of(pred[i])}" + ("" if ok else f"\n({name_of(truth[i])})"),
                fontsize=8,
                color="black" if ok else "red",
            )
        elif truth is not None:
            a.set_title(name_of(truth[i]), fontsize=8)
        elif pred is not None:
            a.set_title(name_of(pred[i]), fontsize=8)
    return cast(Figure, axes[0].figure)


# --------------------------------------------------------------------------------------------
# Activations and decision boundaries


def plot_activation_histograms(
    activations: Mapping[Any, ArrayLike] | Sequence[ArrayLike],
    *,
    bins: int = 30,
    value_range: tuple[float, float] | None = None,
    drop_zeros: bool = False,
    log: bool = False,
    ax: Sequence[Axes] | None = None,
) -> Figure:
    """One histogram per layer of the activation values, side by side on a shared y-axis.

    Parameters
    ----------
    activations : dict of name to array, or sequence of arrays
        Output of each layer (any shape; all values are counted). A sequence is named
        ``"layer 1"``, ``"layer 2"``, ...
    bins : int, default 30
    value_range : (float, float), optional
        Range of the histograms, e.g. ``(0, 1)`` for sigmoid outputs; the data range otherwise.
    drop_zeros : bool, default False
        Leave out the values that are exactly 0 and give their share in each title instead
        (for ReLU, whose zeros would make one bar that dwarfs all the others).
    log : bool, default False
        Count on a logarithmic axis, so that small bars stay visible beside tall ones.
    ax : sequence of Axes, optional
        One per layer; a new figure when None.

    Returns
    -------
    Figure
    """
    if isinstance(activations, Mapping):
        items = [(str(k), np.asarray(v)) for k, v in activations.items()]
    elif isinstance(activations, (list, tuple)):
        items = [(f"layer {i + 1}", np.asarray(v)) for i, v in enumerate(activations)]
    else:
        raise TypeError(
            f"plot_activation_histograms: activations must be a dict or a list of "
            f"arrays, got {type(activations).__name__}"
        )
    if not items:
        raise ValueError("plot_activation_histograms: no activations given")
    for name, values in items:
        if values.size == 0:
            raise ValueError(f"plot_activation_histograms: {name!r} is empty")
    if ax is None:
        _, grid = plt.subplots(
            1,
            len(items),
            figsize=(2.6 * len(items), 2.6),
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        axes = list(grid.ravel())
    else:
        axes = _axes_list(ax, len(items), len(items), 2.6)
    for a, (name, values) in zip(axes, items, strict=True):
        values = values.ravel()
        if drop_zeros:
            zero = values == 0
            name = tr(f"{name} ({zero.mean():.0%} zeros)", f"{name} (0: {zero.mean():.0%})")
            values = values[~zero]
        a.hist(values, bins=bins, range=value_range)
        a.set_title(name)
        if log:
            a.set_yscale("log")
    axes[0].set_ylabel(
        tr("count", "개수")
        if not drop_zeros
        else tr("count of nonzero values", "0이 아닌 값의 개수")
    )
    return cast(Figure, axes[0].figure)


def plot_decision_boundary(
    predict_fn: Callable[[np.ndarray], ArrayLike],
    X: ArrayLike,
    t: ArrayLike,
    *,
    resolution: int = 200,
    padding: float = 0.25,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Colour the plane by the predicted class and scatter the data on top.

    Parameters
    ----------
    predict_fn : callable
        Maps an array of shape (M, 2) to labels of shape (M,) or to scores of shape (M, K)
        (the class is the argmax), e.g. ``network.predict`` or ``perceptron.predict``.
    X : array_like of shape (N, 2)
    t : array_like of shape (N,) or (N, K)
        Labels or one-hot rows.
    resolution : int, default 200
        Grid points per axis.
    padding : float, default 0.25
        Margin around the data, as a fraction of its extent.
    class_names : sequence of str, optional
        Legend entries.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(t)
    labels = labels.argmax(axis=1) if labels.ndim == 2 else labels
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"plot_decision_boundary: X must have shape (N, 2), got {X.shape}")
    if labels.shape != (len(X),):
        raise ValueError(
            f"plot_decision_boundary: t must have {len(X)} labels to match X, "
            f"got shape {np.shape(t)}"
        )
    lo, hi = X.min(axis=0), X.max(axis=0)
    margin = padding * np.where(hi > lo, hi - lo, 1.0)
    xs = np.linspace(lo[0] - margin[0], hi[0] + margin[0], resolution)
    ys = np.linspace(lo[1] - margin[1], hi[1] + margin[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    pred = np.asarray(predict_fn(np.column_stack([gx.ravel(), gy.ravel()])))
    pred = pred.argmax(axis=1) if pred.ndim == 2 else pred
    if pred.shape != (gx.size,):
        raise ValueError(
            f"plot_decision_boundary: predict_fn returned shape {pred.shape} "
            f"for {gx.size} points; expected ({gx.size},) or ({gx.size}, K)"
        )
    classes = np.unique(np.concatenate([labels.astype(np.int64), pred.astype(np.int64)]))
    n_classes = int(classes.max()) + 1
    cmap = plt.get_cmap("tab10" if n_classes <= 10 else "tab20")
    ax = _single_axes(ax, (5, 5))
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(
        gx, gy, pred.reshape(gx.shape), levels=levels, cmap=cmap, vmin=0, vmax=cmap.N - 1, alpha=0.3
    )
    for k in np.unique(labels):
        name = class_names[k] if class_names is not None and k < len(class_names) else str(k)
        ax.scatter(
            X[labels == k, 0],
            X[labels == k, 1],
            s=14,
            color=cmap(int(k)),
            edgecolor="k",
            lw=0.4,
            label=name,
        )
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="$x_1$", ylabel="$x_2$")
    ax.legend(loc="best", fontsize=8)
    return ax


# Korean labels work out of the box wherever a Hangul font is installed; use_hangul_font()
# says what to install where none is.
use_hangul_font(warn=False)
