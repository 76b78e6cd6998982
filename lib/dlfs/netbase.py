"""The machinery that every network in :mod:`dlfs.networks` shares.

A :class:`Network` is an ordered dict of layers followed by ``SoftmaxWithLoss``. Its
``params`` dict holds the very arrays the layers compute with, so an optimizer that updates
``params`` in place trains the layers. Subclasses only build the layers; prediction, loss,
backpropagation, numerical gradients, accuracy and saving are written once, here.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlfs._checks import int_at_least
from dlfs.gradient import numerical_gradient as _numerical_gradient
from dlfs.layers import BatchNormalization, Dropout, SoftmaxWithLoss

__all__ = ["Network", "init_std"]

#: ``weight_init_std`` names: He initialisation for ReLU, Xavier (LeCun) for sigmoid.
_INIT_SCALES = {"relu": 2.0, "he": 2.0, "sigmoid": 1.0, "xavier": 1.0}


def init_std(weight_init_std: float | str, fan_in: int, who: str = "network") -> float:
    """Standard deviation of the initial weights of a layer with ``fan_in`` inputs per unit.

    Parameters
    ----------
    weight_init_std : float or str
        A number is used as it is. ``"relu"`` or ``"he"`` give ``sqrt(2 / fan_in)`` (He et
        al.); ``"sigmoid"`` or ``"xavier"`` give ``sqrt(1 / fan_in)`` (Xavier Glorot's
        scale as the textbook uses it).
    fan_in : int
        Inputs per unit: the previous layer's size, or ``C * FH * FW`` for a convolution.
    who : str
        Name for error messages.

    Returns
    -------
    float
    """
    if isinstance(weight_init_std, str):
        scale = _INIT_SCALES.get(weight_init_std.lower())
        if scale is None:
            raise ValueError(
                f"{who}: weight_init_std must be a number or one of {list(_INIT_SCALES)}, "
                f"got {weight_init_std!r}"
            )
        return float(np.sqrt(scale / fan_in))
    std = float(weight_init_std)
    if not std >= 0:
        raise ValueError(f"{who}: weight_init_std must be >= 0, got {weight_init_std!r}")
    return std


class Network:
    """Base class: layers in order, a softmax-with-loss output and the shared methods.

    Subclasses call ``Network.__init__`` and then :meth:`_add_param` / :meth:`_add_layer`.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, e.g. ``(784,)`` or ``(1, 28, 28)``.
    flat_input : bool
        Whether any sample shape with the right number of values is accepted (fully
        connected networks) or exactly ``input_shape`` (convolutional networks).
    weight_decay_lambda : float
        L2 penalty ``0.5 * lambda * sum(W**2)`` over the parameters added with ``decay=True``.
    rng : numpy.random.Generator or int, optional
        Draws the initial weights and the dropout masks.
    dtype : numpy dtype, default float64
        Dtype of the parameters; inputs are converted to it.

    Attributes
    ----------
    params : dict of str to ndarray
    layers : dict of str to layer
    last_layer : SoftmaxWithLoss
    last_loss : float or None
        Loss of the last :meth:`gradient` call (used by :class:`dlfs.trainer.Trainer`).
    """

    def __init__(
        self,
        input_shape: tuple[int, ...],
        flat_input: bool,
        weight_decay_lambda: float = 0.0,
        rng: np.random.Generator | int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        who = type(self).__name__
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"{who}: dtype must be a floating-point type, got {self.dtype}")
        self.weight_decay_lambda = float(weight_decay_lambda)
        if not self.weight_decay_lambda >= 0:
            raise ValueError(f"{who}: weight_decay_lambda must be >= 0, got {weight_decay_lambda}")
        self.input_shape = tuple(int(d) for d in input_shape)
        self._flat_input = flat_input
        self.rng = np.random.default_rng(rng)
        self.params: dict[str, np.ndarray] = {}
        self.layers: dict[str, Any] = {}
        self.last_layer = SoftmaxWithLoss()
        self.last_loss: float | None = None
        self._grad_of: dict[str, tuple[Any, str]] = {}  # params key -> (layer, grad attribute)
        self._decay_keys: list[str] = []
        self._train_flg_layers: set[str] = set()
        self._buffers: dict[str, tuple[Any, str]] = {}  # saved state that is not a parameter

    # ------------------------------------------------------------------ building

    def _add_param(self, key: str, value: np.ndarray, decay: bool = False) -> np.ndarray:
        """Store ``value`` (in the network's dtype) as ``params[key]`` and return it."""
        self.params[key] = np.asarray(value).astype(self.dtype)
        if decay:
            self._decay_keys.append(key)
        return self.params[key]

    def _normal(self, std: float, shape: tuple[int, ...]) -> np.ndarray:
        # drawn in float64 whatever the dtype, so float32 and float64 nets start alike
        return std * self.rng.standard_normal(shape)

    def _add_layer(
        self,
        name: str,
        layer: Any,
        grads: Mapping[str, str] | None = None,
        buffers: Mapping[str, str] | None = None,
    ) -> None:
        """Append ``layer`` under ``name``.

        ``grads`` maps params keys to the layer's gradient attributes (``{"W1": "dW"}``);
        ``buffers`` maps the names under which :meth:`save_params` stores state that is not
        a parameter to the layer's attributes (``{"running_mean1": "running_mean"}``).
        """
        self.layers[name] = layer
        for key, attr in (grads or {}).items():
            self._grad_of[key] = (layer, attr)
        if isinstance(layer, (Dropout, BatchNormalization)):
            self._train_flg_layers.add(name)
        for saved, attr in (buffers or {}).items():
            self._buffers[saved] = (layer, attr)

    # ------------------------------------------------------------------ checks

    def _check_x(self, x: Any) -> np.ndarray:
        x = np.asarray(x)
        who = type(self).__name__
        shape = self.input_shape
        if self._flat_input:
            size = int(np.prod(x.shape[1:])) if x.ndim >= 2 else -1
            if size != shape[0]:
                raise ValueError(
                    f"{who}: x must have shape (N, {shape[0]}) for input_size={shape[0]}, got "
                    f"x.shape={x.shape}"
                    + ("; use x.reshape(1, -1) for a single sample" if x.ndim == 1 else "")
                )
        elif x.shape[1:] != shape or x.ndim != len(shape) + 1:
            hint = ""
            if x.ndim >= 1 and x.size == len(x) * int(np.prod(shape)):
                hint = f"; reshape it with x.reshape(-1, {', '.join(map(str, shape))})"
            raise ValueError(
                f"{who}: x must have shape (N, {', '.join(map(str, shape))}) for "
                f"input_dim={shape}, got x.shape={x.shape}{hint}"
            )
        # one conversion here keeps every layer in the network's dtype
        return x if x.dtype == self.dtype else x.astype(self.dtype)

    def _check_t(self, t: Any, n: int) -> np.ndarray:
        t = np.asarray(t)
        if t.ndim == 0 or len(t) != n:
            raise ValueError(
                f"{type(self).__name__}: x has {n} samples but t has "
                f"{'no axis' if t.ndim == 0 else len(t)} "
                f"(t.shape={t.shape}); give one label or one-hot row per sample"
            )
        return t

    # ------------------------------------------------------------------ computing

    def predict(self, x: np.ndarray, train_flg: bool = False) -> np.ndarray:
        """Scores (logits) before the softmax.

        Parameters
        ----------
        x : ndarray of shape (N, ...)
            A batch of inputs of the network's input shape.
        train_flg : bool, default False
            Training mode for Dropout and BatchNormalization.

        Returns
        -------
        ndarray of shape (N, output_size)
        """
        x = self._check_x(x)
        for name, layer in self.layers.items():
            if name in self._train_flg_layers:
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x: np.ndarray, t: np.ndarray, train_flg: bool = False) -> float:
        """Mean cross-entropy loss, plus the L2 penalty when ``weight_decay_lambda > 0``.

        Parameters
        ----------
        x : ndarray of shape (N, ...)
        t : ndarray of shape (N,) (labels) or (N, output_size) (one-hot)
        train_flg : bool, default False

        Returns
        -------
        float
        """
        y = self.predict(x, train_flg)
        loss = self.last_layer.forward(y, self._check_t(t, len(y)))
        if self.weight_decay_lambda:
            penalty = sum(float(np.vdot(self.params[k], self.params[k])) for k in self._decay_keys)
            loss += 0.5 * self.weight_decay_lambda * penalty
        return float(loss)

    def accuracy(self, x: np.ndarray, t: np.ndarray, batch_size: int = 100) -> float:
        """Fraction of samples whose highest score is the true class (test mode).

        Parameters
        ----------
        x : ndarray of shape (N, ...)
        t : ndarray of shape (N,) (labels) or (N, output_size) (one-hot)
        batch_size : int, default 100
            Samples predicted at a time (bounds memory).

        Returns
        -------
        float
        """
        t = self._check_t(t, len(x))
        if len(t) == 0:
            raise ValueError(f"{type(self).__name__}.accuracy: x and t are empty")
        batch_size = int_at_least(batch_size, 1, "batch_size", type(self).__name__)
        labels = np.argmax(t, axis=1) if t.ndim != 1 else t
        correct = 0
        for i in range(0, len(x), batch_size):
            y = self.predict(x[i : i + batch_size])
            correct += int(np.sum(np.argmax(y, axis=1) == labels[i : i + batch_size]))
        return correct / len(labels)

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradient of :meth:`loss` (training mode) for every parameter, by backpropagation.

        Parameters
        ----------
        x : ndarray of shape (N, ...)
        t : ndarray of shape (N,) or (N, output_size)

        Returns
        -------
        dict of str to ndarray
            Same keys and shapes as ``params``. The loss of this pass is kept in
            ``last_loss``.
        """
        self.last_loss = self.loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {key: getattr(layer, attr) for key, (layer, attr) in self._grad_of.items()}
        if self.weight_decay_lambda:
            for key in self._decay_keys:
                grads[key] = grads[key] + self.weight_decay_lambda * self.params[key]
        return grads

    def numerical_gradient(
        self, x: np.ndarray, t: np.ndarray, h: float = 1e-5
    ) -> dict[str, np.ndarray]:
        """Gradient of :meth:`loss` (training mode) by central differences; slow, float64 only.

        Every loss evaluation replays the same random numbers, so dropout keeps one mask,
        and the generator and the batch-norm running statistics are left as they were: a
        following :meth:`gradient` call sees exactly the function differentiated here.

        Parameters
        ----------
        x : ndarray of shape (N, ...)
        t : ndarray of shape (N,) or (N, output_size)
        h : float, default 1e-5

        Returns
        -------
        dict of str to ndarray
        """
        rng_state = copy.deepcopy(self.rng.bit_generator.state)
        buffers = {name: getattr(layer, attr) for name, (layer, attr) in self._buffers.items()}

        def loss() -> float:
            self.rng.bit_generator.state = rng_state
            return self.loss(x, t, train_flg=True)

        try:
            return {key: _numerical_gradient(loss, p, h) for key, p in self.params.items()}
        finally:
            self.rng.bit_generator.state = rng_state
            for name, (layer, attr) in self._buffers.items():
                setattr(layer, attr, buffers[name])

    # ------------------------------------------------------------------ saving

    def save_params(self, path: str | os.PathLike[str] = "params.npz") -> None:
        """Write ``params`` (and batch-norm running statistics) to an ``.npz`` file at ``path``."""
        arrays: dict[str, Any] = dict(self.params)
        for name, (layer, attr) in self._buffers.items():
            if getattr(layer, attr) is not None:
                arrays[name] = getattr(layer, attr)
        with open(path, "wb") as f:  # a file object: np.savez then adds no ".npz" suffix
            np.savez(f, **arrays)

    def load_params(self, path: str | os.PathLike[str] = "params.npz") -> None:
        """Read parameters written by :meth:`save_params` into ``params``, in place.

        The file must hold exactly this network's keys with the same shapes; nothing is
        changed unless it does. Values are converted to the network's dtype.

        Raises
        ------
        ValueError
            Naming the missing, unexpected or mismatched key.
        """
        who = f"{type(self).__name__}.load_params"
        with np.load(path, allow_pickle=False) as data:
            loaded = {key: data[key] for key in data.files}
        missing = [key for key in self.params if key not in loaded]
        if missing:
            raise ValueError(
                f"{who}: {os.fspath(path)!r} has no {missing}; it holds {list(loaded)} "
                f"but this network needs {list(self.params)}"
            )
        unexpected = [key for key in loaded if key not in self.params and key not in self._buffers]
        if unexpected:
            raise ValueError(
                f"{who}: {os.fspath(path)!r} holds {unexpected}, which this network does not "
                f"have (its params are {list(self.params)}); was it saved by another network?"
            )
        for key, value in loaded.items():
            expected = (
                self.params[key].shape if key in self.params else self._buffers[key][0].gamma.shape
            )
            if value.shape != expected:
                raise ValueError(
                    f"{who}: {key!r} in {os.fspath(path)!r} has shape {value.shape} but this "
                    f"network's {key!r} has shape {expected}"
                )
        for key, param in self.params.items():
            param[...] = loaded[key]  # in place: the layers hold these arrays
        for name, (layer, attr) in self._buffers.items():
            value = loaded.get(name)
            setattr(layer, attr, None if value is None else value.astype(self.dtype))
