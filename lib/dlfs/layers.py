"""Layers with ``forward`` / ``backward(dout)``: the building blocks of backpropagation.

Every layer caches in ``forward`` what its ``backward`` needs, keeps the dtype it is given
(float32 in, float32 out) and never writes into ``x`` or ``dout``. Layers with parameters
expose them as attributes (``W``, ``b``, ``gamma``, ``beta``) and store their gradients
beside them (``dW``, ``db``, ``dgamma``, ``dbeta``) so that optimizers can update the
arrays in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlfs.functions import sigmoid, softmax

__all__ = [
    "MulLayer",
    "AddLayer",
    "Relu",
    "Sigmoid",
    "Affine",
    "SoftmaxWithLoss",
    "Dropout",
    "BatchNormalization",
]


def _require_forward(layer: object, cache: object) -> None:
    if cache is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward")


def _check_dout(layer: object, dout: Any, expected: tuple[int, ...]) -> np.ndarray:
    """Return ``dout`` as an array after checking it has the shape of the forward output."""
    dout = np.asarray(dout)
    if dout.shape != expected:
        raise ValueError(
            f"{type(layer).__name__}.backward: dout must have the shape of the forward output "
            f"{expected}, got {dout.shape}"
        )
    return dout


def _as_dtype_of(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Cast ``a`` to the floating dtype of ``like`` (no copy when it already matches)."""
    like = np.asarray(like)
    if np.issubdtype(like.dtype, np.floating):
        return np.asarray(a).astype(like.dtype, copy=False)
    return a


def _unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting in the forward pass."""
    if np.shape(grad) == shape:
        return grad
    grad = np.asarray(grad)
    extra = grad.ndim - len(shape)
    summed = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and summed.shape[i] != 1)
    if axes:
        summed = summed.sum(axis=axes, keepdims=True)
    return summed.reshape(shape)


class MulLayer:
    """Multiplication node ``out = x * y`` (scalars or broadcastable arrays).

    Examples
    --------
    >>> mul = MulLayer()
    >>> mul.forward(100, 2)
    200
    >>> mul.backward(1)
    (2, 100)
    """

    def __init__(self) -> None:
        self.x: Any = None
        self.y: Any = None

    def forward(self, x: Any, y: Any) -> Any:
        """Return ``x * y``; ``x`` and ``y`` are numbers or arrays that broadcast together."""
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        """Return ``(dx, dy) = (dout * y, dout * x)``, each summed back to its input's shape."""
        _require_forward(self, self.x)
        dx = _unbroadcast(dout * self.y, np.shape(self.x))
        dy = _unbroadcast(dout * self.x, np.shape(self.y))
        return dx, dy


class AddLayer:
    """Addition node ``out = x + y`` (scalars or broadcastable arrays)."""

    def __init__(self) -> None:
        self._shapes: tuple[tuple[int, ...], tuple[int, ...]] | None = None

    def forward(self, x: Any, y: Any) -> Any:
        """Return ``x + y``."""
        self._shapes = (np.shape(x), np.shape(y))
        return x + y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        """Return ``(dx, dy)``: copies of ``dout``, each summed back to its input's shape."""
        _require_forward(self, self._shapes)
        assert self._shapes is not None
        x_shape, y_shape = self._shapes
        # `dout * 1` gives each caller its own array, so dx and dy never alias dout
        return _unbroadcast(dout * 1, x_shape), _unbroadcast(dout * 1, y_shape)


class Relu:
    """Rectified linear unit ``out = max(0, x)``; passes ``dout`` where ``x > 0``."""

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of any shape

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
        """
        x = np.asarray(x)
        self.mask = x > 0  # True where the gradient flows through
        return np.maximum(x, 0)  # a Python 0 keeps x's dtype (NEP 50)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return ``dx = dout * (x > 0)``, same shape and dtype as ``dout``."""
        _require_forward(self, self.mask)
        assert self.mask is not None
        dout = _check_dout(self, dout, self.mask.shape)
        return dout * self.mask


class Sigmoid:
    """Sigmoid layer ``out = 1 / (1 + exp(-x))``; backward reuses the cached output."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of any shape

        Returns
        -------
        ndarray of the same shape and floating dtype as ``x``
        """
        self.out = np.asarray(sigmoid(x))
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return ``dx = dout * out * (1 - out)``."""
        _require_forward(self, self.out)
        assert self.out is not None
        dout = _check_dout(self, dout, self.out.shape)
        return dout * self.out * (1 - self.out)


class Affine:
    """Fully connected layer, ``out = x.reshape(N, -1) @ W + b``.

    Input with more than two axes (for example images of shape (N, C, H, W)) is flattened
    per sample, and ``backward`` returns ``dx`` in the original shape.

    Parameters
    ----------
    W : ndarray of shape (D, M)
        Weights; D input features, M outputs.
    b : ndarray of shape (M,)
        Biases.

    Notes
    -----
    ``out`` and ``dx`` have the dtype of ``x``; ``dW`` and ``db`` have the dtypes of ``W``
    and ``b`` (so optimizers can update them in place).
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        W, b = np.asarray(W), np.asarray(b)
        if W.ndim != 2:
            raise ValueError(f"Affine: W must have shape (D, M), got shape {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"Affine: b must have shape ({W.shape[1]},) to match W.shape={W.shape}, "
                f"got {b.shape}"
            )
        self.W, self.b = W, b  # optimizers update these arrays in place
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self.x: np.ndarray | None = None  # the input flattened to (N, D)
        self.original_x_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of shape (N, D) or (N, d1, d2, ...) with d1 * d2 * ... == D

        Returns
        -------
        ndarray of shape (N, M)
        """
        x = np.asarray(x)
        d = self.W.shape[0]
        if x.ndim < 2:
            raise ValueError(
                f"Affine: x must be a batch of shape (N, {d}) or (N, ...), got shape {x.shape}; "
                f"use x.reshape(1, -1) for a single sample"
            )
        features = int(np.prod(x.shape[1:]))
        if features != d:
            raise ValueError(
                f"Affine: x has {features} features per sample (x.shape={x.shape}) "
                f"but W expects {d} (W.shape={self.W.shape})"
            )
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], d)
        return _as_dtype_of(self.x @ self.W + self.b, x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Store ``dW`` (D, M) and ``db`` (M,); return ``dx`` in the shape ``x`` had."""
        _require_forward(self, self.x)
        assert self.x is not None and self.original_x_shape is not None
        dout = _check_dout(self, dout, (self.x.shape[0], self.W.shape[1]))
        self.dW = _as_dtype_of(self.x.T @ dout, self.W)
        self.db = _as_dtype_of(dout.sum(axis=0), self.b)
        dx = (dout @ self.W.T).reshape(self.original_x_shape)
        return _as_dtype_of(dx, self.x)


class SoftmaxWithLoss:
    """Softmax followed by cross-entropy loss, with the simple backward ``(y - t) / N``.

    The loss is computed as ``-mean(log_softmax(x)[t])`` (log-sum-exp), which is stable and
    never takes ``log(0)``; its exact gradient is ``(y - t) / N``, so the layer passes a
    float64 gradient check. (Adding ``1e-7`` inside the log, as ``cross_entropy_error`` does,
    would change the value by about 1e-7 relative and bias that check.)

    Attributes
    ----------
    loss : float
    y : ndarray of shape (N, C)
        Softmax probabilities from the last forward pass.
    t : ndarray
        Targets from the last forward pass, labels (N,) or one-hot (N, C).
    """

    def __init__(self) -> None:
        self.loss: float | None = None
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None
        self._x_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """
        Parameters
        ----------
        x : ndarray of shape (N, C) (or (C,) for one sample)
            Scores (logits).
        t : ndarray
            Integer labels of shape (N,) with values in [0, C), or one-hot targets of the same
            shape as ``x``.

        Returns
        -------
        float
            Mean cross-entropy loss over the batch.
        """
        x = np.asarray(x)
        t = np.asarray(t)
        if x.ndim not in (1, 2):
            raise ValueError(f"SoftmaxWithLoss: x must have shape (N, C) or (C,), got {x.shape}")
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        n, c = x2.shape
        if t.shape == x.shape:
            t2 = t.reshape(x2.shape)
        elif t.shape == x.shape[:-1]:
            t2 = t.reshape(n)
            if not np.issubdtype(t2.dtype, np.integer):
                raise TypeError(
                    f"SoftmaxWithLoss: labels t must be integers, got dtype {t.dtype} "
                    f"(use t.astype(int))"
                )
            if n and (t2.min() < 0 or t2.max() >= c):
                raise ValueError(
                    f"SoftmaxWithLoss: labels out of range: expected values in [0, {c}) "
                    f"for {c} classes, got values from {t2.min()} to {t2.max()}"
                )
        else:
            raise ValueError(
                f"SoftmaxWithLoss: t must be labels of shape {x.shape[:-1]} or one-hot of "
                f"shape {x.shape} (expected for x.shape={x.shape}), got t.shape={t.shape}"
            )
        shifted = x2 - np.max(x2, axis=1, keepdims=True)
        with np.errstate(under="ignore"):
            log_sum = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        log_y = shifted - log_sum
        if t2.ndim == 1:
            self.loss = -float(np.sum(log_y[np.arange(n), t2])) / n
        else:
            self.loss = -float(np.sum(t2 * log_y)) / n
        self.y = softmax(x2)
        self.t = t2
        self._x_shape = x.shape
        return self.loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """Return ``dx = dout * (y - t) / N`` with the shape and dtype of ``x``.

        Parameters
        ----------
        dout : float, default 1.0
            Upstream gradient of the (scalar) loss.
        """
        _require_forward(self, self.y)
        assert self.y is not None and self.t is not None and self._x_shape is not None
        if np.ndim(dout) != 0:
            raise ValueError(
                f"SoftmaxWithLoss.backward: the loss is a scalar, so dout must be a scalar, "
                f"got shape {np.shape(dout)}"
            )
        n = self.y.shape[0]
        scale = float(dout) / n  # a Python float keeps float32 arrays float32
        if self.t.ndim == 1:
            dx = self.y.copy()  # labels: subtract 1 at the true class, no dense one-hot needed
            dx[np.arange(n), self.t] -= 1
        else:
            dx = self.y - self.t
        dx = (dx * scale).reshape(self._x_shape)
        return _as_dtype_of(dx, self.y)  # y has the floating dtype of x


class Dropout:
    """Dropout: in training, zero each unit with probability ``dropout_ratio``.

    Textbook semantics: training multiplies by a random 0/1 mask; testing multiplies by
    ``1 - dropout_ratio`` so the expected activation matches training.

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        Probability of dropping a unit, in [0, 1).
    rng : numpy.random.Generator, optional
        Source of the masks; ``np.random.default_rng()`` when None.
    """

    def __init__(self, dropout_ratio: float = 0.5, rng: np.random.Generator | None = None) -> None:
        if not 0 <= dropout_ratio < 1:
            raise ValueError(f"Dropout: dropout_ratio must be in [0, 1), got {dropout_ratio}")
        self.dropout_ratio = float(dropout_ratio)
        self.rng = np.random.default_rng() if rng is None else rng
        self.mask: np.ndarray | None = None  # None after a test-mode forward
        self._out_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of any shape
        train_flg : bool, default True
            Draw a new mask (training) or scale by ``1 - dropout_ratio`` (testing).

        Returns
        -------
        ndarray of the same shape and dtype as ``x``
        """
        x = np.asarray(x)
        self._out_shape = x.shape
        if train_flg:
            self.mask = self.rng.random(x.shape) > self.dropout_ratio
            return x * self.mask
        self.mask = None
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return ``dout * mask`` (training) or ``dout * (1 - dropout_ratio)`` (testing)."""
        _require_forward(self, self._out_shape)
        assert self._out_shape is not None
        dout = _check_dout(self, dout, self._out_shape)
        if self.mask is None:
            return dout * (1.0 - self.dropout_ratio)
        return dout * self.mask


class BatchNormalization:
    """Batch normalization over the batch axis, with running statistics for testing.

    Input of shape (N, d1, d2, ...) is treated as (N, D) with D = d1 * d2 * ..., as in the
    textbook: every one of the D values has its own mean, variance, ``gamma`` and ``beta``.

    Parameters
    ----------
    gamma : ndarray of shape (D,)
        Scale.
    beta : ndarray of shape (D,)
        Shift.
    momentum : float, default 0.9
        ``running = momentum * running + (1 - momentum) * batch_statistic``.
    running_mean, running_var : ndarray of shape (D,), optional
        Start values; zeros (created at the first forward pass) when None.
    eps : float, default 1e-6
        Added to the variance before the square root.
    """

    def __init__(
        self,
        gamma: np.ndarray,
        beta: np.ndarray,
        momentum: float = 0.9,
        running_mean: np.ndarray | None = None,
        running_var: np.ndarray | None = None,
        eps: float = 1e-6,
    ) -> None:
        gamma, beta = np.asarray(gamma), np.asarray(beta)
        if gamma.ndim != 1 or beta.shape != gamma.shape:
            raise ValueError(
                f"BatchNormalization: gamma and beta must both have shape (D,), "
                f"got gamma {gamma.shape} and beta {beta.shape}"
            )
        for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
            if stat is not None and np.shape(stat) != gamma.shape:
                raise ValueError(
                    f"BatchNormalization: {name} must have shape {gamma.shape} like gamma, "
                    f"got {np.shape(stat)}"
                )
        self.gamma, self.beta = gamma, beta
        self.momentum = float(momentum)
        self.running_mean = running_mean
        self.running_var = running_var
        self.eps = float(eps)
        self.dgamma: np.ndarray | None = None
        self.dbeta: np.ndarray | None = None
        # cache for backward
        self.input_shape: tuple[int, ...] | None = None
        self.batch_size: int | None = None
        self.xn: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self._train: bool = True
        self._dtype: np.dtype | None = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of shape (N, D) or (N, d1, d2, ...) with d1 * d2 * ... == D
        train_flg : bool, default True
            Normalize with the batch statistics and update the running ones (training), or
            normalize with the running statistics (testing).

        Returns
        -------
        ndarray of the same shape and floating dtype as ``x``
        """
        x = np.asarray(x)
        d = self.gamma.shape[0]
        if x.ndim < 2:
            raise ValueError(
                f"BatchNormalization: x must be a batch of shape (N, {d}) or (N, ...), "
                f"got shape {x.shape}"
            )
        features = int(np.prod(x.shape[1:]))
        if features != d:
            raise ValueError(
                f"BatchNormalization: x has {features} features per sample (x.shape={x.shape}) "
                f"but gamma expects {d} (gamma.shape={self.gamma.shape})"
            )
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
        x2 = x.reshape(x.shape[0], d).astype(dtype, copy=False)
        if self.running_mean is None:
            self.running_mean = np.zeros(d, dtype=dtype)
        if self.running_var is None:
            self.running_var = np.zeros(d, dtype=dtype)

        if train_flg:
            if x2.shape[0] < 2:
                raise ValueError(
                    f"BatchNormalization: training needs a batch of at least 2 samples to "
                    f"estimate a variance, got x.shape={x.shape}"
                )
            mu = x2.mean(axis=0)
            xc = x2 - mu
            var = np.mean(xc**2, axis=0)
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            xc = x2 - self.running_mean
            var = self.running_var
        std = np.sqrt(var + self.eps)
        xn = xc / std

        self.input_shape, self.batch_size = x.shape, x2.shape[0]
        self.xn, self.std, self._train, self._dtype = xn, std, bool(train_flg), dtype
        out = self.gamma * xn + self.beta
        return out.astype(dtype, copy=False).reshape(x.shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Store ``dgamma`` and ``dbeta`` (D,); return ``dx`` with the shape of ``x``."""
        _require_forward(self, self.xn)
        assert self.xn is not None and self.std is not None and self.input_shape is not None
        dout = _check_dout(self, dout, self.input_shape)
        dout2 = dout.reshape(self.xn.shape)
        xn, std = self.xn, self.std

        self.dbeta = _as_dtype_of(dout2.sum(axis=0), self.beta)
        self.dgamma = _as_dtype_of(np.sum(dout2 * xn, axis=0), self.gamma)
        dxn = dout2 * self.gamma
        if self._train:
            # the batch mean and variance depend on every sample, which adds the two
            # correction terms to the plain dxn / std
            dx = (dxn - dxn.mean(axis=0) - xn * np.mean(dxn * xn, axis=0)) / std
        else:
            dx = dxn / std
        return dx.astype(self._dtype, copy=False).reshape(self.input_shape)
