"""Numerical differentiation (chapter 4): derivatives and gradients by central differences.

``numerical_diff`` differentiates a function of one number, ``numerical_gradient`` a scalar
function of an array, element by element; ``gradient_descent`` walks downhill with it and
``rel_error`` compares two gradients. The gradient checks for layers and networks, which
compare backpropagation with these estimates, are in :mod:`dlfs.gradcheck`.

Examples
--------
>>> import numpy as np
>>> x = np.array([3.0, 4.0])
>>> numerical_gradient(lambda v: np.sum(v**2), x).round(6)
array([6., 8.])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dlfs._checks import int_at_least, scalar_objective

__all__ = ["numerical_diff", "numerical_gradient", "gradient_descent", "rel_error"]


def numerical_diff(f: Callable[[Any], Any], x: Any, h: float = 1e-4) -> Any:
    """Central difference ``(f(x + h) - f(x - h)) / (2h)``, the derivative of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Function of one number (or an elementwise function of an array).
    x : float or ndarray
    h : float, default 1e-4

    Returns
    -------
    float or ndarray
    """
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f: Callable[..., Any], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Gradient of a scalar function at the array ``x``, by central differences.

    Each element of ``x`` in turn is nudged to ``x[i] + h`` and ``x[i] - h`` in place and
    ``f`` evaluated, then put back (also when ``f`` raises). Because ``x`` changes in
    place, ``f`` may ignore its argument and read ``x`` through a closure, as in the
    textbook's ``lambda W: net.loss(x_batch, t)``; ``f()`` without an argument works too.

    Parameters
    ----------
    f : callable
        ``f(x)`` or ``f()``, returning a scalar.
    x : ndarray of any shape, dtype float64
        Float64 only: an integer array cannot hold ``x + h``, and in float32 rounding error
        swamps the difference.
    h : float, default 1e-4

    Returns
    -------
    ndarray of the same shape as ``x``
    """
    loss = scalar_objective("numerical_gradient", f, x)  # checks x; loss() is f's value
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        try:
            x[idx] = original + h
            f_plus = loss()
            x[idx] = original - h
            f_minus = loss()
        finally:
            x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_descent(
    f: Callable[..., Any], init_x: Any, lr: float = 0.01, step_num: int = 100
) -> np.ndarray:
    """Minimise ``f`` by ``step_num`` steps ``x <- x - lr * grad f(x)`` from ``init_x``.

    Parameters
    ----------
    f : callable
        Scalar function of an array, as for :func:`numerical_gradient`.
    init_x : array_like
        Starting point; it is copied, not changed.
    lr : float, default 0.01
        Learning rate.
    step_num : int, default 100

    Returns
    -------
    ndarray of float64, shaped like ``init_x``
        The last point.
    """
    step_num = int_at_least(step_num, 0, "step_num", "gradient_descent")
    x = np.array(init_x, dtype=np.float64)
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
    return x


def rel_error(a: Any, b: Any) -> float:
    """Relative error between two arrays, ``max|a - b| / (max|a| + max|b|)``.

    The largest difference is measured against the magnitude of the arrays as a whole, not
    of each element: finite differences are accurate relative to the scale of the function,
    so an element whose true gradient is nearly 0 cannot be resolved relative to itself.
    The result is 0 for identical arrays, 1 when one of them is all zeros and the other is
    not, and ``inf`` when either contains nan or inf.

    Parameters
    ----------
    a, b : array_like of the same shape

    Returns
    -------
    float
    """
    return _scaled_error(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))


def _scaled_error(a_arr: np.ndarray, b_arr: np.ndarray, floor: float = 0.0) -> float:
    """:func:`rel_error` whose denominator is at least ``floor``."""
    if a_arr.shape != b_arr.shape:
        raise ValueError(
            f"rel_error: the arrays must have the same shape, got {a_arr.shape} and {b_arr.shape}"
        )
    if a_arr.size == 0:
        return 0.0
    if not (np.all(np.isfinite(a_arr)) and np.all(np.isfinite(b_arr))):
        return math.inf
    scale = max(float(np.max(np.abs(a_arr)) + np.max(np.abs(b_arr))), floor)
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a_arr - b_arr))) / scale


def __getattr__(name: str) -> Any:
    """The gradient checks moved to :mod:`dlfs.gradcheck`; ``from dlfs.gradient import
    check_layer`` keeps working for every name it exports."""
    from dlfs import gradcheck

    if name in gradcheck.__all__:
        return getattr(gradcheck, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
