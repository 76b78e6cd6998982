"""Activation functions and loss functions as plain NumPy functions.

Every activation works elementwise on an array of any shape and keeps the floating dtype
it is given (float32 in, float32 out); integer input is computed in float64. Scalars in
give NumPy scalars out. The losses return a Python ``float``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dlfs._checks import check_loss_targets

__all__ = [
    "step_function",
    "sigmoid",
    "sigmoid_grad",
    "relu",
    "relu_grad",
    "leaky_relu",
    "tanh",
    "identity",
    "softmax",
    "mean_squared_error",
    "cross_entropy_error",
]

#: Added inside the logarithm of :func:`cross_entropy_error` so that ``log(0)`` never happens.
CROSS_ENTROPY_DELTA = 1e-7


def _float_array(x: ArrayLike) -> np.ndarray:
    """Return ``x`` as an array with a floating dtype (float64 unless it already is floating)."""
    a = np.asarray(x)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    return a


def _unwrap(a: np.ndarray) -> np.ndarray:
    """Turn a 0-d result into a scalar: ``sigmoid(0.0)`` gives ``0.5``, not ``array(0.5)``."""
    return a[()] if a.ndim == 0 else a


def step_function(x: ArrayLike) -> np.ndarray:
    """Step function: 1 where ``x > 0``, else 0.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape
        Float input keeps its dtype (0.0 / 1.0); integer or boolean input gives int64.
    """
    a = np.asarray(x)
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.int64
    return _unwrap((a > 0).astype(dtype))


def sigmoid(x: ArrayLike) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    ``exp`` is only ever taken of ``-|x|``, so nothing overflows for large ``|x|``; for
    negative ``x`` the equivalent form ``exp(x) / (1 + exp(x))`` keeps tiny results accurate
    instead of rounding them to 0.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape and floating dtype, values in [0, 1]
    """
    a = _float_array(x)
    with np.errstate(under="ignore"):  # exp(-|x|) may underflow to 0, which is the right answer
        z = np.exp(-np.abs(a))
    out = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    return _unwrap(out.astype(a.dtype, copy=False))


def sigmoid_grad(x: ArrayLike) -> np.ndarray:
    """Derivative of the sigmoid at ``x``: ``sigmoid(x) * (1 - sigmoid(x))``.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape and floating dtype
    """
    s = np.asarray(sigmoid(x))
    return _unwrap(s * (1 - s))


def relu(x: ArrayLike) -> np.ndarray:
    """Rectified linear unit ``max(0, x)``.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape and floating dtype
    """
    a = _float_array(x)
    return _unwrap(np.maximum(a, 0))


def relu_grad(x: ArrayLike) -> np.ndarray:
    """Derivative of ReLU: 1 where ``x > 0``, else 0.

    At ``x == 0`` the derivative is taken as 0, matching the ``Relu`` layer.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape and floating dtype
    """
    a = _float_array(x)
    return _unwrap((a > 0).astype(a.dtype))


def leaky_relu(x: ArrayLike, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: ``x`` where ``x > 0``, else ``alpha * x``.

    Parameters
    ----------
    x : array_like of any shape
    alpha : float, default 0.01
        Slope for negative inputs.

    Returns
    -------
    ndarray of the same shape and floating dtype
    """
    a = _float_array(x)
    return _unwrap(np.where(a > 0, a, float(alpha) * a))


def tanh(x: ArrayLike) -> np.ndarray:
    """Hyperbolic tangent.

    Parameters
    ----------
    x : array_like of any shape

    Returns
    -------
    ndarray of the same shape and floating dtype, values in [-1, 1]
    """
    return _unwrap(np.tanh(_float_array(x)))


def identity(x: ArrayLike) -> ArrayLike:
    """Identity function (the output activation for regression); returns ``x`` itself."""
    return x


def softmax(x: ArrayLike) -> np.ndarray:
    """Softmax over the last axis, stable for large inputs.

    Subtracting the maximum first leaves the result unchanged and keeps ``exp`` from
    overflowing, so ``softmax([1010, 1000, 990])`` is fine.

    Parameters
    ----------
    x : array_like of shape (C,) or (N, C) (any leading axes work)
        Scores; softmax is taken over the last axis.

    Returns
    -------
    ndarray of the same shape and floating dtype
        Each slice along the last axis is non-negative and sums to 1.
    """
    a = _float_array(x)
    if a.ndim == 0:
        raise ValueError("softmax: x must have at least one axis (the classes), got a scalar")
    shifted = a - np.max(a, axis=-1, keepdims=True)
    with np.errstate(under="ignore"):  # very negative scores underflow to probability 0
        e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def mean_squared_error(y: ArrayLike, t: ArrayLike) -> float:
    """Half the sum of squared errors, ``0.5 * sum((y - t)**2)``, averaged over the batch.

    Parameters
    ----------
    y : array_like of shape (C,) or (N, C)
        Network output; with two or more axes the first is the batch axis.
    t : array_like of the same shape as ``y``
        Targets.

    Returns
    -------
    float
        For 1-D input the half sum of squares of that sample, otherwise its mean over the N samples.
    """
    y_arr, t_arr = _float_array(y), _float_array(t)
    if y_arr.shape != t_arr.shape:
        raise ValueError(
            f"mean_squared_error: y and t must have the same shape, got y {y_arr.shape} "
            f"and t {t_arr.shape}"
        )
    total = 0.5 * float(np.sum((y_arr - t_arr) ** 2))
    batch_size = y_arr.shape[0] if y_arr.ndim >= 2 else 1
    return total / batch_size


def cross_entropy_error(y: ArrayLike, t: ArrayLike) -> float:
    """Cross-entropy of probabilities ``y`` against targets ``t``, averaged over the batch.

    ``-sum(t * log(y + delta)) / N`` with ``delta = 1e-7``, so a probability of exactly 0
    gives a large but finite loss instead of ``inf``.

    Parameters
    ----------
    y : array_like of shape (C,) or (N, C)
        Probabilities (for example softmax output).
    t : array_like
        Either one-hot (or soft) targets of the same shape as ``y``, or integer class labels
        of shape (N,) (a single int for 1-D ``y``).

    Returns
    -------
    float
        Mean loss per sample.
    """
    y_arr = _float_array(y)
    t_arr = check_loss_targets("cross_entropy_error", y_arr, t, name="y")
    n = len(t_arr)
    y_arr = y_arr.reshape(n, -1)  # one sample (C,) becomes a batch of one
    if t_arr.ndim == 2:  # one-hot (or soft) targets: every class counts
        return -float(np.sum(t_arr * np.log(y_arr + CROSS_ENTROPY_DELTA))) / n
    picked = y_arr[np.arange(n), t_arr]  # labels: the probability given to the correct class
    return -float(np.sum(np.log(picked + CROSS_ENTROPY_DELTA))) / n
