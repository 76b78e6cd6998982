"""Layers with ``forward`` / ``backward(dout)``: the building blocks of backpropagation.

Every layer caches in ``forward`` what its ``backward`` needs, computes in NumPy's promoted
dtype of its input and parameters (float32 data with float32 weights stays float32, float64
weights give float64) and never writes into ``x`` or ``dout``. Layers with parameters
expose them as attributes (``W``, ``b``, ``gamma``, ``beta``) and store their gradients
beside them (``dW``, ``db``, ``dgamma``, ``dbeta``) so that optimizers can update the
arrays in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlfs._checks import check_dout, check_features, check_loss_targets, require_forward
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
        require_forward(self, self.x)
        dx = _unbroadcast(dout * self.y, np.shape(self.x))
        dy = _unbroadcast(dout * self.x, np.shape(self.y))
        return dx, dy


class AddLayer:
    """Addition node ``out = x + y`` (scalars or broadcastable arrays)."""

    def __init__(self) -> None:
        self._shapes: Any = None  # the shapes of x and y, kept by forward

    def forward(self, x: Any, y: Any) -> Any:
        """Return ``x + y``."""
        self._shapes = (np.shape(x), np.shape(y))
        return x + y

    def backward(self, dout: Any) -> tuple[Any, Any]:
        """Return ``(dx, dy)``: copies of ``dout``, each summed back to its input's shape."""
        require_forward(self, self._shapes)
        x_shape, y_shape = self._shapes
        # `dout * 1` gives each caller its own array, so dx and dy never alias dout
        return _unbroadcast(dout * 1, x_shape), _unbroadcast(dout * 1, y_shape)


class Relu:
    """Rectified linear unit ``out = max(0, x)``; passes ``dout`` where ``x > 0``."""

    def __init__(self) -> None:
        self.mask: Any = None

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
        dout = check_dout(self, dout, self.mask)
        return dout * self.mask


class Sigmoid:
    """Sigmoid layer ``out = 1 / (1 + exp(-x))``; backward reuses the cached output."""

    def __init__(self) -> None:
        self.out: Any = None

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
        dout = check_dout(self, dout, self.out)
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
    Results are in NumPy's promoted dtype of ``x``, ``W`` and ``b`` (and ``dout``).
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
        self.x: Any = None  # the input flattened to (N, D)
        self.original_x_shape: Any = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """
        Parameters
        ----------
        x : ndarray of shape (N, D) or (N, d1, d2, ...) with d1 * d2 * ... == D

        Returns
        -------
        ndarray of shape (N, M)
        """
        x = check_features(self, x, self.W.shape[0])
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Store ``dW`` (D, M) and ``db`` (M,); return ``dx`` in the shape ``x`` had."""
        dout = check_dout(self, dout, None if self.x is None else (len(self.x), len(self.b)))
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        dx = dout @ self.W.T
        return dx.reshape(self.original_x_shape)


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
        self.y: Any = None
        self.t: Any = None
        self._x_shape: Any = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """
        Parameters
        ----------
        x : ndarray of shape (N, C) (or (C,) for one sample)
            Scores (logits).
        t : ndarray
            Integer labels of shape (N,) with values in [0, C), or one-hot targets of the same
            shape as ``x``. Labels of shape (N, 1), as some textbook code makes them, are
            accepted with a ``DeprecationWarning``.

        Returns
        -------
        float
            Mean cross-entropy loss over the batch.
        """
        x = np.asarray(x)
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        t2 = check_loss_targets(self, x, t)  # labels (N,) or one-hot (N, C)
        n = x2.shape[0]
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
        check_dout(self, dout, None if self.y is None else ())  # the loss is a scalar
        n = self.y.shape[0]
        if self.t.ndim == 1:  # labels: subtract 1 at the true class, no one-hot needed
            dx = self.y.copy()
            dx[np.arange(n), self.t] -= 1
        else:
            dx = self.y - self.t
        return (dx * (float(dout) / n)).reshape(self._x_shape)


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
        dout = check_dout(self, dout, self._out_shape)
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
        self.running_mean: Any = running_mean
        self.running_var: Any = running_var
        self.eps = float(eps)
        self.dgamma: np.ndarray | None = None
        self.dbeta: np.ndarray | None = None
        # kept by forward for backward
        self.input_shape: Any = None
        self.batch_size: int | None = None
        self.xn: Any = None
        self.std: Any = None
        self.train_flg = True

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
        # training estimates a variance from the batch: one sample has none
        x = check_features(self, x, len(self.gamma), min_batch=2 if train_flg else 1)
        x2 = x.reshape(len(x), -1)
        if self.running_mean is None:
            self.running_mean = np.zeros_like(self.gamma)
            self.running_var = np.zeros_like(self.gamma)
        if train_flg:
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
        self.input_shape, self.batch_size = x.shape, len(x2)
        self.xn, self.std, self.train_flg = xn, std, bool(train_flg)
        return (self.gamma * xn + self.beta).reshape(x.shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Store ``dgamma`` and ``dbeta`` (D,); return ``dx`` with the shape of ``x``."""
        dout = check_dout(self, dout, self.input_shape)
        dout2 = dout.reshape(self.xn.shape)
        xn, std = self.xn, self.std
        self.dbeta = dout2.sum(axis=0)
        self.dgamma = np.sum(dout2 * xn, axis=0)
        dxn = dout2 * self.gamma
        if self.train_flg:
            # the batch mean and variance depend on every sample, which adds the two
            # correction terms to the plain dxn / std
            dx = (dxn - dxn.mean(axis=0) - xn * np.mean(dxn * xn, axis=0)) / std
        else:
            dx = dxn / std
        return dx.reshape(self.input_shape)
