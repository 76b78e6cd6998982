"""Functions the checks ask the sandbox to build, since no code can be sent into it.

A check writes ``Fn("polynomial", (coefs,))``; the runner calls ``FUNCTIONS["polynomial"]``
with the arguments and hands the student's code what it returns. This module is copied
beside the runner, so it imports only the standard library and NumPy, and it runs in the
student's interpreter: the checks never trust what these functions compute there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np

__all__ = ["FUNCTIONS", "Params", "col2im", "im2col", "numerical_diff", "numerical_gradient"]

INNER: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x": lambda x: x,
    "x2": np.square,
    "sin": np.sin,
    "cube": lambda x: x**3,
}


def weighted_sum(weights: np.ndarray, inner: str) -> Callable[[np.ndarray], float]:
    """f(x) = sum(weights * g(x)) for an elementwise g named in ``INNER``."""
    g = INNER[inner]
    return lambda x: float(np.sum(weights * g(np.asarray(x, dtype=float))))


def quadratic(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray], float]:
    """f(x) = 0.5 x.A.x + b.x over the flattened x."""
    return lambda x: float(0.5 * x.ravel() @ a @ x.ravel() + b @ x.ravel())


def polynomial(coefs: list[float]) -> Callable[[float], float]:
    """f(x) = sum_k coefs[k] * x**k for a number x."""
    return lambda x: float(sum(c * x**k for k, c in enumerate(coefs)))


def _windows(shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int, pad: int):
    """Output size and the slice of every window offset (dy, dx) in the padded image."""
    out_h = (shape[2] + 2 * pad - filter_h) // stride + 1
    out_w = (shape[3] + 2 * pad - filter_w) // stride + 1
    offsets = [
        (dy, dx, slice(dy, dy + stride * out_h, stride), slice(dx, dx + stride * out_w, stride))
        for dy in range(filter_h)
        for dx in range(filter_w)
    ]
    return out_h, out_w, offsets


def im2col(
    input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """The course's im2col, so that a student's layer is graded apart from their im2col."""
    n, c = input_data.shape[:2]
    out_h, out_w, offsets = _windows(input_data.shape, filter_h, filter_w, stride, pad)
    padded = np.pad(input_data, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.empty((n, c, filter_h, filter_w, out_h, out_w), input_data.dtype)
    for dy, dx, rows, cols in offsets:
        col[:, :, dy, dx] = padded[:, :, rows, cols]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * out_h * out_w, -1)


def col2im(
    col: np.ndarray,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> np.ndarray:
    """The course's col2im (the adjoint of :func:`im2col`)."""
    n, c, h, w = input_shape
    out_h, out_w, offsets = _windows(input_shape, filter_h, filter_w, stride, pad)
    col = col.reshape(n, out_h, out_w, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), col.dtype)
    for dy, dx, rows, cols in offsets:
        img[:, :, rows, cols] += col[:, :, dy, dx]
    return img[:, :, pad : pad + h, pad : pad + w].copy()


def numerical_diff(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """The course's central difference, for grading a student's code that calls it."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4
) -> np.ndarray:
    """The course's gradient by central differences (``x`` changed in place, then restored)."""
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        try:
            x[idx] = original + h
            f_plus = f(x)
            x[idx] = original - h
            f_minus = f(x)
        finally:
            x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


class Params(dict):
    """The ``params`` a check hands to an optimizer: a dict, kept in the sandbox, so that the
    check can see whether ``update`` changed its arrays in place."""


FUNCTIONS: dict[str, Callable[..., object]] = {
    "weighted_sum": weighted_sum,
    "quadratic": quadratic,
    "polynomial": polynomial,
    "im2col": lambda: im2col,
    "col2im": lambda: col2im,
    "numerical_diff": lambda: numerical_diff,
    "numerical_gradient": lambda: numerical_gradient,
    "params": Params,
    "module": importlib.import_module,  # numpy.random of the student's process, say
}
