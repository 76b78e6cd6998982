"""Gradient-descent optimizers that update a network's parameters in place.

Every optimizer has ``update(params, grads)``: ``params`` and ``grads`` are dicts of arrays
with the same keys (``"W1"``, ``"b1"``, ...). The arrays in ``params`` are the very arrays the
layers use, so they are changed in place (``p -= ...``), never replaced. State such as a
velocity is kept per parameter key, created at the first update with the dtype of the
parameter (a float32 network keeps float32 state). A parameter may also be a 0-d array, or
a plain number as in the textbook's comparison of optimizers on ``f(x, y)``; a number cannot
change in place, so its entry of ``params`` is replaced by the new value.

Examples
--------
>>> import numpy as np
>>> params = {"w": np.array([1.0, -2.0])}
>>> SGD(lr=0.5).update(params, {"w": np.array([2.0, 2.0])})
>>> params["w"]
array([ 0., -3.])
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import numpy as np

from dlfs._checks import positive_number

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]


def _is_number(value: Any) -> bool:
    """Whether ``value`` is a real Python or NumPy number (not a bool)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _fraction(name: str, value: float, who: str) -> float:
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"{who}: {name} must be in [0, 1), got {value}")
    return value


class Optimizer:
    """Base class: checks the arguments of :meth:`update` and keeps per-parameter state.

    Subclasses implement ``_update_one(key, param, grad)``.

    Parameters
    ----------
    lr : float
        Learning rate, positive.
    """

    def __init__(self, lr: float) -> None:
        self.lr = positive_number(lr, "lr", type(self).__name__)

    def update(self, params: MutableMapping[str, Any], grads: Mapping[str, Any]) -> None:
        """Take one step: change every array in ``params`` in place using ``grads``.

        Parameters
        ----------
        params : dict of str to ndarray or float
            Floating-point arrays (of any shape, 0-d included), changed in place, or plain
            numbers, which are replaced by their new values.
        grads : dict of str to ndarray or float
            A gradient of the same shape for every key of ``params`` (extra keys are ignored).

        Raises
        ------
        ValueError
            If a gradient is missing or has the wrong shape.
        TypeError
            If a parameter is neither a floating-point NumPy array nor a real number.
        """
        who = type(self).__name__
        missing = [key for key in params if key not in grads]
        if missing:
            raise ValueError(
                f"{who}.update: grads has no entry for {missing}; params has keys "
                f"{list(params)} and grads has keys {list(grads)}"
            )
        for key, param in params.items():
            if not (isinstance(param, np.ndarray) and param.dtype.kind == "f" or _is_number(param)):
                raise TypeError(
                    f"{who}.update: params[{key!r}] must be a floating-point ndarray (it is "
                    f"updated in place) or a number, got {type(param).__name__}"
                    + (f" of dtype {param.dtype}" if isinstance(param, np.ndarray) else "")
                )
            if np.shape(grads[key]) != np.shape(param):
                raise ValueError(
                    f"{who}.update: grads[{key!r}] has shape {np.shape(grads[key])} but "
                    f"params[{key!r}] has shape {np.shape(param)}"
                )
        self._begin_step()
        for key in list(params):
            param = params[key]
            if isinstance(param, np.ndarray):
                self._update_one(key, param, np.asarray(grads[key]))
            else:  # a number: update a 0-d copy and put its value back
                value = np.array(param, dtype=np.float64)
                self._update_one(key, value, np.asarray(grads[key]))
                params[key] = float(value)

    def _begin_step(self) -> None:
        """Hook run once per :meth:`update` call, before the parameters are changed."""

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    @staticmethod
    def _state(store: dict[str, np.ndarray], key: str, param: np.ndarray) -> np.ndarray:
        """Return ``store[key]``, creating it as zeros shaped and typed like ``param``."""
        if key not in store:
            store[key] = np.zeros_like(param)
        return store[key]

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{k}={v!r}"
            for k, v in vars(self).items()
            if not k.startswith("_") and isinstance(v, (int, float, bool))
        )
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, ``W -= lr * dW``.

    Parameters
    ----------
    lr : float, default 0.01
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        param -= self.lr * grad


class Momentum(Optimizer):
    """SGD with momentum: ``v = momentum * v - lr * dW``, then ``W += v``.

    Parameters
    ----------
    lr : float, default 0.01
    momentum : float, default 0.9
        Fraction of the velocity kept from step to step, in [0, 1).

    Attributes
    ----------
    v : dict of str to ndarray
        Velocity per parameter key.
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = _fraction("momentum", momentum, type(self).__name__)
        self.v: dict[str, np.ndarray] = {}

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        v = self._state(self.v, key, param)
        v *= self.momentum
        v -= self.lr * grad
        param += v


class Nesterov(Optimizer):
    """Nesterov's accelerated gradient, in the form of Sutskever et al. (2013) / cs231n.

    The stored parameters are the "look-ahead" point, where the gradient is taken::

        v_new = momentum * v - lr * dW
        W    += -momentum * v + (1 + momentum) * v_new
              = momentum**2 * v - (1 + momentum) * lr * dW

    This is the same step as ``torch.optim.SGD(nesterov=True)`` with a constant learning
    rate. (The textbook's code uses the updated velocity ``v_new`` in the ``momentum**2``
    term, a slightly different update.)

    Parameters
    ----------
    lr : float, default 0.01
    momentum : float, default 0.9

    Attributes
    ----------
    v : dict of str to ndarray
        Velocity per parameter key.
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = _fraction("momentum", momentum, type(self).__name__)
        self.v: dict[str, np.ndarray] = {}

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        v = self._state(self.v, key, param)
        mu = self.momentum
        step = (mu * mu) * v  # uses the old velocity, so update W before v
        step -= ((1 + mu) * self.lr) * grad
        param += step
        v *= mu
        v -= self.lr * grad


class AdaGrad(Optimizer):
    """AdaGrad: ``h += dW * dW``, ``W -= lr * dW / (sqrt(h) + eps)``.

    Each parameter's step shrinks with the sum of its squared gradients so far.

    Parameters
    ----------
    lr : float, default 0.01
    eps : float, default 1e-7
        Keeps the division finite while ``h`` is 0 (the textbook's value).

    Attributes
    ----------
    h : dict of str to ndarray
        Sum of squared gradients per parameter key.
    """

    def __init__(self, lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(lr)
        self.eps = positive_number(eps, "eps", type(self).__name__)
        self.h: dict[str, np.ndarray] = {}

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        h = self._state(self.h, key, param)
        h += grad * grad
        denom = np.sqrt(h)
        denom += self.eps
        param -= self.lr * grad / denom


class RMSprop(Optimizer):
    """RMSprop: AdaGrad with a decaying average of squared gradients.

    ``h = decay_rate * h + (1 - decay_rate) * dW**2``, ``W -= lr * dW / (sqrt(h) + eps)``.

    Parameters
    ----------
    lr : float, default 0.01
    decay_rate : float, default 0.99
        Weight of the old average, in [0, 1).
    eps : float, default 1e-7
        The textbook's value.

    Attributes
    ----------
    h : dict of str to ndarray
        Running average of squared gradients per parameter key.
    """

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(lr)
        who = type(self).__name__
        self.decay_rate = _fraction("decay_rate", decay_rate, who)
        self.eps = positive_number(eps, "eps", who)
        self.h: dict[str, np.ndarray] = {}

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        h = self._state(self.h, key, param)
        h *= self.decay_rate
        h += (1 - self.decay_rate) * (grad * grad)
        denom = np.sqrt(h)
        denom += self.eps
        param -= self.lr * grad / denom


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum and RMSprop with bias-corrected averages.

    At step ``t`` (1, 2, ...)::

        m = beta1 * m + (1 - beta1) * dW          # first moment
        v = beta2 * v + (1 - beta2) * dW**2       # second moment
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        W -= lr * m_hat / (sqrt(v_hat) + eps)

    With bias correction the first step is ``lr * dW / (|dW| + eps)``, about ``lr`` in the
    direction of ``-sign(dW)``. This is the paper's algorithm and ``torch.optim.Adam``; the
    textbook folds the correction into the learning rate and adds ``eps = 1e-7`` to
    ``sqrt(v)`` instead of ``sqrt(v_hat)``, which differs only while ``v`` is tiny.

    Parameters
    ----------
    lr : float, default 0.001
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    eps : float, default 1e-8
        The paper's value.
    bias_correction : bool, default True
        False skips the division by ``1 - beta**t`` (for comparison: the first steps are
        then too large, about ``lr * (1 - beta1) / sqrt(1 - beta2)``).

    Attributes
    ----------
    m, v : dict of str to ndarray
        First and second moment per parameter key.
    t : int
        Number of updates so far.
    """

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        bias_correction: bool = True,
    ) -> None:
        super().__init__(lr)
        who = type(self).__name__
        self.beta1 = _fraction("beta1", beta1, who)
        self.beta2 = _fraction("beta2", beta2, who)
        self.eps = positive_number(eps, "eps", who)
        self.bias_correction = bool(bias_correction)
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def _begin_step(self) -> None:
        self.t += 1

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        m = self._state(self.m, key, param)
        v = self._state(self.v, key, param)
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * (grad * grad)
        if self.bias_correction:  # m and v start at 0: scale them up while t is small
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
        else:
            m_hat, v_hat = m, v
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
