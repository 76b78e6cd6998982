"""Perceptrons: logic gates with hand-set weights, and the perceptron learning rule.

A perceptron outputs 1 when ``w . x + b > 0`` and 0 otherwise. One perceptron draws one
straight line through the input plane, which is enough for AND, NAND and OR but not for XOR;
XOR needs two layers (:func:`XOR`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dlfs._checks import check_examples, int_at_least, positive_number
from dlfs.functions import step_function

__all__ = ["AND", "NAND", "OR", "XOR", "Perceptron"]

# (w1, w2, b) for each gate. Any line that splits the four corners the right way works; these
# put the line halfway between the corners, so every corner is 0.5 away from the threshold.
_GATE_PARAMS = {
    "AND": (1.0, 1.0, -1.5),  # fires only when both inputs are 1
    "NAND": (-1.0, -1.0, 1.5),  # AND with every sign flipped
    "OR": (1.0, 1.0, -0.5),  # fires when at least one input is 1
}


def _gate(name: str, x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    w1, w2, b = _GATE_PARAMS[name]
    out = step_function(w1 * np.asarray(x1, dtype=np.float64) + w2 * np.asarray(x2) + b)
    return np.asarray(out).astype(np.int64)[()]


def AND(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    """1 if both inputs are 1, else 0 (elementwise on arrays; a scalar for scalars)."""
    return _gate("AND", x1, x2)


def NAND(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    """0 if both inputs are 1, else 1."""
    return _gate("NAND", x1, x2)


def OR(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    """1 if at least one input is 1, else 0."""
    return _gate("OR", x1, x2)


def XOR(x1: ArrayLike, x2: ArrayLike) -> np.ndarray:
    """1 if exactly one input is 1: a two-layer perceptron, ``AND(NAND(x1, x2), OR(x1, x2))``."""
    return AND(NAND(x1, x2), OR(x1, x2))


class Perceptron:
    """A single perceptron trained with the perceptron learning rule.

    For each training example (visited in a new random order every epoch) the prediction
    ``y_hat = step(w . x + b)`` is compared with the target ``y`` in {0, 1}, and

    ``w += lr * (y - y_hat) * x``,  ``b += lr * (y - y_hat)``.

    Training stops after the first epoch without a mistake; on linearly separable data that
    epoch always comes (the perceptron convergence theorem), on XOR it never does.

    Parameters
    ----------
    lr : float, default 0.1
        Learning rate, > 0.
    epochs : int, default 100
        Maximum number of passes over the data.
    rng : numpy.random.Generator, optional
        Source of the initial weights and of the visiting order; ``np.random.default_rng()``
        when None.

    Attributes
    ----------
    w_ : ndarray of shape (D,)
        Weights after :meth:`fit`.
    b_ : float
        Bias after :meth:`fit`.
    errors_ : list of int
        Number of misclassified examples in each epoch (its length is the epochs run).
    """

    def __init__(
        self, lr: float = 0.1, epochs: int = 100, rng: np.random.Generator | None = None
    ) -> None:
        lr = positive_number(lr, "lr", "Perceptron")
        epochs = int_at_least(epochs, 1, "epochs", "Perceptron")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"Perceptron: rng must be a numpy.random.Generator or None, "
                f"got {type(rng).__name__} (use rng=np.random.default_rng(seed))"
            )
        self.lr: float = float(lr)
        self.epochs: int = int(epochs)
        self.rng: np.random.Generator = np.random.default_rng() if rng is None else rng
        self.w_: np.ndarray | None = None
        self.b_: float = 0.0
        self.errors_: list[int] = []

    def fit(self, X: ArrayLike, y: ArrayLike) -> Perceptron:
        """Learn ``w_`` and ``b_`` from examples.

        Parameters
        ----------
        X : array_like of shape (N, D)
        y : array_like of shape (N,)
            Targets, each 0 or 1.

        Returns
        -------
        Perceptron
            ``self``, so that ``Perceptron().fit(X, y).predict(X)`` works.
        """
        X, y = check_examples(X, y, "Perceptron.fit")
        # Small random start; the rule itself would also work from zeros.
        w = 0.01 * self.rng.standard_normal(X.shape[1:])
        b = 0.0
        self.errors_ = []
        for _ in range(self.epochs):
            mistakes = 0
            for i in self.rng.permutation(len(X)):
                y_hat = float(step_function(X[i] @ w + b))
                delta = self.lr * (y[i] - y_hat)
                if delta != 0.0:
                    w = w + delta * X[i]
                    b += delta
                    mistakes += 1
            self.errors_.append(mistakes)
            if mistakes == 0:
                break
        self.w_, self.b_ = w, float(b)
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class (0 or 1) of each row.

        Parameters
        ----------
        X : array_like of shape (N, D) or (D,)

        Returns
        -------
        ndarray of shape (N,) (or a scalar for one example), int64
        """
        if self.w_ is None:
            raise RuntimeError("Perceptron.predict: call fit(X, y) first")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim not in (1, 2) or X.shape[-1] != len(self.w_):
            raise ValueError(
                f"Perceptron.predict: X must have {len(self.w_)} features per sample "
                f"(shape (N, {len(self.w_)})), got shape {X.shape}"
            )
        return np.asarray(step_function(X @ self.w_ + self.b_)).astype(np.int64)[()]
