"""Argument checks shared by the layers, so that each shown listing checks in one call.

Every function raises with a message that names the caller (``who``) and says what was
expected; none of them changes its arguments.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


def int_at_least(value: Any, low: int, name: str, who: str) -> int:
    """``value`` as an ``int`` after checking it is an integer (not a bool) ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        kind = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"{who}: {name} must be {kind}, got {value!r}")
    return int(value)


def positive_number(value: Any, name: str, who: str) -> float:
    """``value`` as a Python ``float`` after checking it is a real number (not a bool) ``> 0``.

    A Python float keeps float32 arrays float32 where a NumPy float64 scalar would not.
    """
    is_number = isinstance(value, (int, float, np.integer, np.floating))
    if isinstance(value, bool) or not is_number or not float(value) > 0:
        raise ValueError(f"{who}: {name} must be a positive number, got {value!r}")
    return float(value)


def check_dout(layer: object, dout: Any, expected: Any) -> np.ndarray:
    """Return ``dout`` as an array after checking it fits the last forward pass.

    Parameters
    ----------
    layer : object or str
        The layer (its class name is used in messages) or a name.
    dout : array_like
    expected : tuple of int, ndarray or None
        The shape of the forward output (or an array of that shape); None when forward has
        not run yet.
    """
    who = layer if isinstance(layer, str) else type(layer).__name__
    if expected is None:
        raise RuntimeError(f"{who}.backward called before forward")
    shape = expected.shape if isinstance(expected, np.ndarray) else tuple(expected)
    dout = np.asarray(dout)
    if dout.shape != shape and shape == ():
        raise ValueError(
            f"{who}.backward: the loss is a scalar, so dout must be a scalar, got shape "
            f"{dout.shape}"
        )
    if dout.shape != shape:
        raise ValueError(
            f"{who}.backward: dout must have the shape of the forward output {shape}, "
            f"got {dout.shape}"
        )
    return dout


def require_forward(layer: object, cache: object) -> None:
    """Raise ``RuntimeError`` when ``cache`` is None: ``backward`` ran before ``forward``."""
    if cache is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward")


def check_features(layer: object, x: Any, features: int, min_batch: int = 1) -> np.ndarray:
    """Check a batch (N, D) or (N, d1, d2, ...) with ``d1 * d2 * ... == features``.

    ``min_batch`` is the smallest N accepted (2 for batch normalization in training, which
    estimates a variance from the batch). Returns ``x`` as an array.
    """
    who = type(layer).__name__
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(
            f"{who}: x must be a batch of shape (N, {features}) or (N, ...), got shape "
            f"{x.shape}; use x.reshape(1, -1) for a single sample"
        )
    got = int(np.prod(x.shape[1:]))
    if got != features:
        owner = "gamma" if hasattr(layer, "gamma") else "W"
        shape = getattr(layer, owner).shape
        raise ValueError(
            f"{who}: x has {got} features per sample (x.shape={x.shape}) but {owner} expects "
            f"{features} ({owner}.shape={shape})"
        )
    if len(x) < min_batch:
        raise ValueError(
            f"{who}: training needs a batch of at least {min_batch} samples to estimate a "
            f"variance, got x.shape={x.shape}; normalizing one sample by its own statistics "
            f"would give all zeros (use train_flg=False to apply the running statistics)"
        )
    return x


def check_examples(X: Any, y: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Examples ``X`` (N, D) with N > 0 and their 0/1 targets ``y`` (N,), as float64 arrays."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"{who}: X must have shape (N, D) with N > 0, got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(
            f"{who}: y must have shape ({len(X)},) to match X {X.shape}, got {y.shape}"
        )
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{who}: y must hold only 0 and 1, got {np.unique(y)}")
    return X, y.astype(np.float64)


def check_loss_targets(caller: object, x: np.ndarray, t: Any, name: str = "x") -> np.ndarray:
    """Check scores ``x`` (N, C) or (C,) and targets ``t``; return ``t`` as (N,) or (N, C).

    ``t`` holds integer labels of shape (N,) in [0, C) or one-hot rows shaped like ``x``.
    Labels of shape (N, 1) are accepted with a ``DeprecationWarning``. ``caller`` is the layer
    (or the name of the function) that checks, ``name`` what it calls ``x``.
    """
    who = caller if isinstance(caller, str) else type(caller).__name__
    t = np.asarray(t)
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: {name} must have shape (N, C) or (C,), got {x.shape}")
    n, c = (1, x.shape[0]) if x.ndim == 1 else x.shape
    if t.shape == x.shape:
        return t.reshape(n, c)
    if x.ndim == 2 and t.shape == (n, 1) and c > 1:
        warnings.warn(
            f"{who}: labels of shape (N, 1) are read as shape (N,); pass t.ravel() (dlfs "
            f"keeps labels as one integer per sample)",
            DeprecationWarning,
            stacklevel=3,
        )
        t = t.reshape(n)
    if t.shape != x.shape[:-1] and t.shape != (n,):
        raise ValueError(
            f"{who}: t must be labels of shape {x.shape[:-1]} or one-hot of shape {x.shape} "
            f"(expected for {name}.shape={x.shape}), got t.shape={t.shape}"
        )
    labels = t.reshape(n)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"{who}: labels t must be integers, got dtype {t.dtype} (use t.astype(int))"
        )
    if n and (labels.min() < 0 or labels.max() >= c):
        raise ValueError(
            f"{who}: labels out of range: expected values in [0, {c}) for {c} classes, got "
            f"values from {labels.min()} to {labels.max()}"
        )
    return labels


def check_windows(
    who: str,
    x: Any,
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
    channels: int | None = None,
) -> np.ndarray:
    """Check an image batch and a sliding window for ``im2col`` and the layers built on it.

    ``x`` must have shape (N, C, H, W) (with ``C == channels`` when given), the window
    sizes and ``stride`` must be positive integers, ``pad`` an integer >= 0, and the window
    must fit the padded input. Returns ``x`` as an array.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(
            f"{who}: x must be a batch of images of shape (N, C, H, W), got shape {x.shape}; "
            f"use x.reshape(1, C, H, W) for a single image"
        )
    fh = int_at_least(filter_h, 1, "filter_h", who)
    fw = int_at_least(filter_w, 1, "filter_w", who)
    int_at_least(stride, 1, "stride", who)
    pad = int_at_least(pad, 0, "pad", who)
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{who}: x has {x.shape[1]} channels but the filters expect {channels} "
            f"(x.shape={x.shape})"
        )
    h, w = x.shape[2:]
    if fh > h + 2 * pad or fw > w + 2 * pad:
        raise ValueError(
            f"{who}: a {fh}x{fw} window with pad {pad} does not fit an input of {h}x{w} "
            f"(x.shape={x.shape})"
        )
    return x


def check_col(
    col: Any, input_shape: Any, filter_h: int, filter_w: int, stride: int, pad: int
) -> np.ndarray:
    """Check the arguments of ``col2im``; return ``col`` as an array."""
    who = "col2im"
    col = np.asarray(col)
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"{who}: input_shape must be (N, C, H, W), got {tuple(input_shape)}")
    n, c, h, w = shape
    check_windows(who, np.empty((0, 0, h, w)), filter_h, filter_w, stride, pad)
    oh, ow = (h + 2 * pad - filter_h) // stride + 1, (w + 2 * pad - filter_w) // stride + 1
    expected = (n * oh * ow, c * filter_h * filter_w)
    if col.shape != expected:
        raise ValueError(
            f"{who}: col must have shape (N*OH*OW, C*FH*FW) = {expected} for input_shape "
            f"{shape} and a {filter_h}x{filter_w} window (stride {stride}, pad {pad}), "
            f"got {col.shape}"
        )
    return col


def check_conv_params(W: Any, b: Any, stride: Any, pad: Any) -> tuple[np.ndarray, Any, int, int]:
    """Check ``Convolution(W, b, stride, pad)``; return them, a scalar ``b`` made (FN,).

    A scalar bias (the textbook's ``Convolution(filter, 0)``) becomes one bias per filter,
    all equal, in the dtype of ``W`` when that is a float type.
    """
    who = "Convolution"
    W = np.asarray(W)
    if W.ndim != 4:
        raise ValueError(f"{who}: W must have shape (FN, C, FH, FW), got shape {W.shape}")
    if np.ndim(b) == 0:
        b = np.full(W.shape[0], float(b), W.dtype if W.dtype.kind == "f" else np.float64)
    b = np.asarray(b)
    if b.shape != (W.shape[0],):
        raise ValueError(
            f"{who}: b must have shape ({W.shape[0]},) to match W.shape={W.shape}, or be a "
            f"scalar, got {b.shape}"
        )
    return W, b, int_at_least(stride, 1, "stride", who), int_at_least(pad, 0, "pad", who)


def check_pool_params(pool_h: Any, pool_w: Any, stride: Any, pad: Any) -> tuple[int, ...]:
    """Check ``Pooling(pool_h, pool_w, stride, pad)``; return them as ints."""
    who = "Pooling"
    return (
        int_at_least(pool_h, 1, "pool_h", who),
        int_at_least(pool_w, 1, "pool_w", who),
        int_at_least(stride, 1, "stride", who),
        int_at_least(pad, 0, "pad", who),
    )


def require_float64(x: Any, what: str, fix: str = "Convert it with .astype(np.float64).") -> None:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{what} must be a NumPy float64 array (it is changed in place), got {type(x).__name__}"
        )
    if x.dtype != np.float64:
        why = (
            "an integer array cannot hold x + h"
            if not np.issubdtype(x.dtype, np.floating)
            else f"in {x.dtype} rounding error swamps the finite differences"
        )
        raise TypeError(f"{what} must have dtype float64, got {x.dtype}: {why}. {fix}")
    if not x.flags.writeable:
        raise ValueError(f"{what} is read-only, but it must be changed in place; pass a copy")


def takes_argument(f: Callable[..., Any]) -> bool:
    """Whether ``f`` is called as ``f(x)`` (True) or ``f()`` (False)."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):  # some builtins have no signature; they take x
        return True
    try:
        sig.bind(None)
        return True
    except TypeError:
        pass
    try:
        sig.bind()
    except TypeError:
        raise TypeError(
            f"f must accept x or no argument at all, but its signature is {sig}"
        ) from None
    return False


def to_scalar(value: Any, who: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1:
        raise TypeError(
            f"{who}: f must return a scalar (the loss), got an array of shape {arr.shape}"
        )
    return float(arr.reshape(-1)[0])


def scalar_objective(who: str, f: Callable[..., Any], x: Any) -> Callable[[], float]:
    """Check ``x`` (a writable float64 array) and ``f``; return ``f(x)`` or ``f()`` as a float."""
    require_float64(x, f"{who}: x")
    takes_x = takes_argument(f)
    return lambda: to_scalar(f(x) if takes_x else f(), who)
